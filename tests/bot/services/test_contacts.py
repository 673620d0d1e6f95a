"""Contacts: created on first message and kept current; staff roles; the admin bootstrap."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import AuditEntry, Channel, Cluster, Contact, Enterprise, Organization, Role
from bot.services.contacts import (
    ContactError,
    add_staff,
    ensure_admins,
    get_or_create_contact,
    is_staff,
    mark_unreachable,
    officers_of,
    set_language,
)
from bot.settings import load_settings
from tests.values import present, set_up

STARTED = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # the server's start-up
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's
SETUP = set_up(STARTED, TZ)  # staff added by the bot itself, at the start-up


def test_new_contact_speaks_vietnamese_unless_english(session: Session) -> None:
    a = get_or_create_contact(session, "telegram", "1", "1", "An", language_hint=None)
    b = get_or_create_contact(session, Channel.TELEGRAM, "2", "2", "Bob", language_hint="en-US")
    c = get_or_create_contact(session, "zalo", "3", "3", "Chi", language_hint="fr")
    session.commit()
    assert (a.language, b.language, c.language) == ("vi", "en", "vi")
    assert a.role == Role.OFFICER and a.enterprise_id is None and a.reachable


def test_same_user_gets_same_contact_and_updates(session: Session) -> None:
    first = get_or_create_contact(session, "telegram", "42", "42", "Nguyễn Văn A")
    session.commit()
    again = get_or_create_contact(session, "telegram", "42", "4242", "")
    assert again.id == first.id
    assert again.chat_id == "4242"
    assert again.display_name == "Nguyễn Văn A"  # an empty name keeps the known one
    again = get_or_create_contact(session, "telegram", "42", "4242", "Anh Nguyễn")
    session.commit()
    assert again.display_name == "Anh Nguyễn"
    # The same user id on another platform is another person.
    other = get_or_create_contact(session, "zalo", "42", "42")
    assert other.id != first.id
    session.commit()
    assert len(session.exec(select(Contact)).all()) == 2


def test_language_is_remembered_and_checked(session: Session) -> None:
    contact = get_or_create_contact(session, "console", "u", "u")
    set_language(session, contact, "en")
    session.commit()
    assert present(session.get(Contact, contact.id)).language == "en"
    with pytest.raises(ContactError) as info:
        set_language(session, contact, "fr")
    assert info.value.params == {"value": "fr"}
    assert contact.language == "en"


def test_unreachable_until_the_contact_writes_again(session: Session) -> None:
    contact = get_or_create_contact(session, "telegram", "7", "7")
    session.commit()
    assert mark_unreachable(session, present(contact.id)) is True
    session.commit()
    assert present(session.get(Contact, contact.id)).reachable is False
    assert mark_unreachable(session, 999_999) is False
    get_or_create_contact(session, "telegram", "7", "7")
    session.commit()
    assert present(session.get(Contact, contact.id)).reachable is True


def test_add_staff_roles(session: Session, org: Organization) -> None:
    session.add(Cluster(organization_id=present(org.id), name="Cụm số 1"))
    session.commit()
    admin = add_staff(session, "telegram", "100", "admin", org, SETUP)
    staff = add_staff(session, "zalo", "abc", "staff", org, SETUP)
    leader = add_staff(
        session, "telegram", "101", "cluster-leader", org, SETUP, cluster_name="cụm  SỐ 1"
    )
    session.commit()
    assert admin.role == Role.ADMIN and admin.organization_id == org.id
    assert admin.chat_id == "100"
    assert staff.role == Role.STAFF and staff.cluster_id is None
    assert leader.role == Role.CLUSTER_LEADER and leader.cluster_id is not None
    assert all(is_staff(c) for c in (admin, staff, leader))
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions.count("staff.add") == 3
    # Audited as the act handed in (the bot itself at the start-up), not at the wall clock.
    added = session.exec(select(AuditEntry).where(AuditEntry.action == "staff.add")).all()
    assert {(e.actor, e.contact_id, e.at.astimezone(UTC)) for e in added} == {
        ("system", None, STARTED)
    }
    # Adding the same person again with the same role changes (and audits) nothing.
    add_staff(session, "telegram", "100", "admin", org, SETUP)
    session.commit()
    assert session.exec(select(AuditEntry.action)).all().count("staff.add") == 3


@pytest.mark.parametrize(
    ("role", "cluster", "msgid_start"),
    [
        ("cluster-leader", None, "A cluster leader needs a cluster"),
        ("cluster_leader", "Cụm không có", "The board has no cluster called"),
        ("staff", "Cụm số 1", "Only a cluster leader is given a cluster"),
        ("boss", None, "Unknown role"),
        ("officer", None, "Officers are linked with an invite code"),
    ],
)
def test_add_staff_refuses_bad_requests(
    session: Session, org: Organization, role: str, cluster: str | None, msgid_start: str
) -> None:
    session.add(Cluster(organization_id=present(org.id), name="Cụm số 1"))
    session.commit()
    with pytest.raises(ContactError) as info:
        add_staff(session, "telegram", "5", role, org, SETUP, cluster_name=cluster)
    assert info.value.msgid.startswith(msgid_start)
    session.rollback()
    assert session.exec(select(Contact)).all() == []


def test_add_staff_refuses_unknown_channel(session: Session, org: Organization) -> None:
    with pytest.raises(ContactError) as info:
        add_staff(session, "facebook", "5", "staff", org, SETUP)
    assert info.value.params == {"value": "facebook"}


def test_officer_promoted_to_staff_is_unlinked(session: Session, org: Organization) -> None:
    enterprise = Enterprise(organization_id=present(org.id), tax_code="0100109106", name="Viettel")
    session.add(enterprise)
    session.flush()
    officer = get_or_create_contact(session, "telegram", "9", "9")
    officer.enterprise_id, officer.organization_id = enterprise.id, org.id
    session.commit()
    assert [c.id for c in officers_of(session, present(enterprise.id))] == [officer.id]
    add_staff(session, "telegram", "9", "staff", org, SETUP)
    session.commit()
    assert officers_of(session, present(enterprise.id)) == []
    assert present(session.get(Contact, officer.id)).enterprise_id is None


def test_ensure_admins_is_idempotent(session: Session, org: Organization) -> None:
    settings = load_settings(admins="telegram:1,zalo:abc")
    existing = get_or_create_contact(session, "zalo", "abc", "chat-abc", "Chị Hoa")
    session.commit()
    first = ensure_admins(session, settings, org, STARTED)
    session.commit()
    assert [(c.channel, c.user_id, c.role) for c in first] == [
        (Channel.TELEGRAM, "1", Role.ADMIN),
        (Channel.ZALO, "abc", Role.ADMIN),
    ]
    assert first[1].id == existing.id and first[1].chat_id == "chat-abc"
    assert all(c.organization_id == org.id for c in first)
    audits = len(session.exec(select(AuditEntry)).all())
    second = ensure_admins(session, settings, org, STARTED)
    session.commit()
    assert [c.id for c in second] == [c.id for c in first]
    assert len(session.exec(select(Contact)).all()) == 2
    assert len(session.exec(select(AuditEntry)).all()) == audits
    # A demoted bootstrap admin is an admin again at the next start.
    add_staff(session, "telegram", "1", "staff", org, SETUP)
    ensure_admins(session, settings, org, STARTED)
    session.commit()
    assert present(session.get(Contact, first[0].id)).role == Role.ADMIN


def test_is_staff_of_an_officer_or_nobody() -> None:
    assert not is_staff(None)
    assert not is_staff(Contact(channel=Channel.CONSOLE, user_id="x", chat_id="x"))


def test_insert_race_ends_with_the_existing_row(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers see a new user at once: the loser of the insert re-reads the winner's row."""
    import bot.services.contacts as contacts

    with Session(engine) as other:
        winner = get_or_create_contact(other, "telegram", "77", "77", "Winner")
        other.commit()
        winner_id = winner.id
    real_find = contacts.find_contact
    calls = {"n": 0}

    def stale_find(*args: Any, **kwargs: Any) -> Contact | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(*args, **kwargs)

    monkeypatch.setattr(contacts, "find_contact", stale_find)
    other_session_row = get_or_create_contact(session, "telegram", "77", "77", "Loser")
    session.commit()
    assert other_session_row.id == winner_id
    assert other_session_row.display_name == "Loser"
    assert len(session.exec(select(Contact)).all()) == 1
