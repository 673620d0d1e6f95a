"""Invite codes: typable, one-time, expiring, and guessing capped at 5 wrong tries an hour."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import (
    Contact,
    Delivery,
    DeliveryKind,
    Enterprise,
    InviteCode,
    LinkAttempt,
    Organization,
    Role,
)
from bot.notifications.render import Rendered, render_deliveries
from bot.services.acts import Act
from bot.services.contacts import add_staff, get_or_create_contact
from bot.services.invites import (
    ALPHABET,
    GLOBAL_MAX_WRONG_TRIES,
    ExpiredCode,
    InviteError,
    StaffCannotLink,
    TooManyAttempts,
    UnknownCode,
    UsedCode,
    create_invite,
    format_code,
    normalize_code,
    redeem_invite,
)
from tests.values import present, set_up

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board\'s time zone, handed in by the caller
ACT = Act(NOW, TZ)  # the office issues codes at NOW


@pytest.fixture
def enterprise(session: Session, org: Organization) -> Enterprise:
    enterprise = Enterprise(organization_id=present(org.id), tax_code="2400100010", name="Cty A")
    session.add(enterprise)
    session.commit()
    return enterprise


def _contact(session: Session, user_id: str = "1") -> Contact:
    contact = get_or_create_contact(session, "telegram", user_id, user_id)
    session.commit()
    return contact


def _as(contact: Contact, now: datetime) -> Act:
    """The act of a message from `contact`, as the engine makes it: he links himself."""
    return Act(now, TZ, contact.id, f"{contact.channel}:{contact.user_id}")


def _try(session: Session, contact: Contact, code: str, now: datetime) -> InviteError | None:
    """Redeem as a chat step does: catch the error inside the unit of work, then commit."""
    try:
        redeem_invite(session, contact, code, _as(contact, now), email=False)
    except InviteError as exc:
        session.commit()
        return exc
    session.commit()
    return None


def test_code_is_short_unambiguous_and_stored_normalised(
    session: Session, enterprise: Enterprise
) -> None:
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    assert len(invite.code) == 8 and set(invite.code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)
    assert invite.expires_at == NOW + timedelta(days=14)
    shown = format_code(invite.code)
    assert shown[4] == "-" and shown.replace("-", "") == invite.code
    assert normalize_code(f" {shown.lower()} ") == invite.code
    codes = {create_invite(session, enterprise, ACT).code for _ in range(50)}
    assert len(codes) == 50


@pytest.mark.parametrize("typed", ["upper-dash", "lower-nodash", "spaced"])
def test_redeem_links_the_contact(session: Session, enterprise: Enterprise, typed: str) -> None:
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    raw = {
        "upper-dash": format_code(invite.code),
        "lower-nodash": invite.code.lower(),
        "spaced": f" {invite.code[:4]} {invite.code[4:]} ",
    }[typed]
    contact = _contact(session)
    linked = redeem_invite(
        session, contact, raw, _as(contact, NOW + timedelta(days=1)), email=False
    )
    session.commit()
    assert linked.id == enterprise.id
    stored = present(session.get(Contact, contact.id))
    assert stored.enterprise_id == enterprise.id
    assert stored.organization_id == enterprise.organization_id
    assert stored.role == Role.OFFICER
    used = present(session.get(InviteCode, invite.id))
    assert used.used_at == NOW + timedelta(days=1)
    assert used.used_by_contact_id == contact.id
    # Typing it again (a redelivered message) is harmless and records no wrong try.
    assert (
        redeem_invite(session, contact, raw, _as(contact, NOW + timedelta(days=1)), email=False).id
        == enterprise.id
    )
    session.commit()
    assert session.exec(select(LinkAttempt)).all() == []


def test_code_is_one_time(session: Session, enterprise: Enterprise) -> None:
    invite = create_invite(session, enterprise, ACT)
    first, second = _contact(session, "1"), _contact(session, "2")
    redeem_invite(session, first, invite.code, _as(first, NOW), email=False)
    session.commit()
    error = _try(session, second, invite.code, NOW)
    assert isinstance(error, UsedCode)
    assert present(session.get(Contact, second.id)).enterprise_id is None


def test_expired_code(session: Session, enterprise: Enterprise) -> None:
    invite = create_invite(session, enterprise, ACT, ttl=timedelta(days=2))
    session.commit()
    contact = _contact(session)
    error = _try(session, contact, invite.code, NOW + timedelta(days=2))
    assert isinstance(error, ExpiredCode)
    assert present(session.get(InviteCode, invite.id)).used_at is None
    assert present(session.get(Contact, contact.id)).enterprise_id is None


@pytest.mark.parametrize("raw", ["", "ABCD-EFGH", "ABCD-EFG", "0000-0000", "xin chào"])
def test_unknown_code(session: Session, enterprise: Enterprise, raw: str) -> None:
    create_invite(session, enterprise, ACT)
    contact = _contact(session)
    error = _try(session, contact, raw, NOW)
    assert isinstance(error, UnknownCode)
    assert len(session.exec(select(LinkAttempt)).all()) == 1


def test_five_wrong_tries_an_hour(session: Session, enterprise: Enterprise) -> None:
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    contact, other = _contact(session, "1"), _contact(session, "2")
    for minute in range(5):
        error = _try(session, contact, "ZZZZ-ZZZZ", NOW + timedelta(minutes=minute * 10))
        assert isinstance(error, UnknownCode)
    # The sixth try is refused even with the right code, and tells when to come back:
    # the first wrong try (at +0) stops counting at +60 min.
    error = _try(session, contact, invite.code, NOW + timedelta(minutes=45))
    assert isinstance(error, TooManyAttempts)
    assert error.retry_after_minutes == 15
    assert "15" in error.message(Translator("vi"))
    assert present(session.get(Contact, contact.id)).enterprise_id is None
    assert len(session.exec(select(LinkAttempt)).all()) == 5  # a refusal is not a try
    # Another contact is not affected.
    assert _try(session, other, "ZZZZ-ZZZZ", NOW + timedelta(minutes=45)) is not None
    # An hour after the first try, one try is free again and the right code works.
    assert _try(session, contact, invite.code, NOW + timedelta(minutes=60)) is None
    assert present(session.get(Contact, contact.id)).enterprise_id == enterprise.id


def test_wrong_tries_survive_only_if_committed(session: Session, enterprise: Enterprise) -> None:
    """The documented contract: the try is flushed, the caller commits (a rollback forgets it)."""
    contact = _contact(session)
    with pytest.raises(UnknownCode):
        redeem_invite(session, contact, "ZZZZ-ZZZZ", _as(contact, NOW), email=False)
    assert len(session.exec(select(LinkAttempt)).all()) == 1
    session.rollback()
    assert session.exec(select(LinkAttempt)).all() == []


def test_staff_cannot_be_linked(session: Session, enterprise: Enterprise) -> None:
    org = present(session.get(Organization, enterprise.organization_id))
    admin = add_staff(session, "telegram", "1", "admin", org, set_up(NOW, TZ))
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    error = _try(session, admin, invite.code, NOW)
    assert isinstance(error, StaffCannotLink)
    assert present(session.get(Contact, admin.id)).role == Role.ADMIN
    assert present(session.get(InviteCode, invite.id)).used_at is None


def test_errors_are_translated() -> None:
    for error in (UnknownCode(), ExpiredCode(), UsedCode(), TooManyAttempts(7)):
        en = error.message(Translator("en"))
        vi = error.message(Translator("vi"))
        assert en and vi and en != vi


def test_simultaneous_redemptions_one_wins(
    session: Session, engine: Engine, enterprise: Enterprise
) -> None:
    """A code loaded before another worker spends it cannot be spent a second time."""
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    first, second = _contact(session, "1"), _contact(session, "2")
    session.get(InviteCode, invite.id)  # loaded, unused, in this session's identity map
    with Session(engine) as other:
        mine = present(other.get(Contact, first.id))
        redeem_invite(other, mine, invite.code, _as(mine, NOW), email=False)
        other.commit()
    error = _try(session, second, invite.code, NOW)
    assert isinstance(error, UsedCode)
    session.expire_all()
    assert present(session.get(Contact, second.id)).enterprise_id is None
    assert present(session.get(InviteCode, invite.id)).used_by_contact_id == first.id


def test_old_wrong_tries_are_pruned(session: Session, enterprise: Enterprise) -> None:
    contact = _contact(session)
    for day in range(3):
        _try(session, contact, "ZZZZ-ZZZZ", NOW + timedelta(days=day))
    at = sorted(session.exec(select(LinkAttempt.at)).all())
    assert at == [NOW + timedelta(days=1), NOW + timedelta(days=2)]


def test_a_global_limit_stops_guessing_across_accounts_and_alerts_staff(
    session: Session, org: Organization, enterprise: Enterprise
) -> None:
    """5 tries per account is 5 more on every new account: 30 wrong tries an hour across all
    accounts pause linking by code, and the board's admins and staff get one notice each."""
    admin = add_staff(session, "telegram", "900", "admin", org, set_up(NOW, TZ))
    admin.language = "vi"
    staff = add_staff(session, "zalo", "901", "staff", org, set_up(NOW, TZ))
    staff.language = "en"
    session.commit()
    invite = create_invite(session, enterprise, ACT)
    session.commit()
    for n in range(GLOBAL_MAX_WRONG_TRIES):  # 6 accounts, 5 wrong tries each
        guesser = _contact(session, f"g{n // 5}")
        assert isinstance(
            _try(session, guesser, "ABCD-EFGH", NOW + timedelta(seconds=n)), UnknownCode
        )
    notices = session.exec(select(Delivery).order_by(col(Delivery.contact_id))).all()
    assert [(d.contact_id, d.kind, d.body) for d in notices] == [
        (admin.id, DeliveryKind.NOTICE, None),  # an identity: worded when it is sent
        (staff.id, DeliveryKind.NOTICE, None),
    ]
    vi, en = _texts(session, notices)
    assert "30 mã mời sai" in vi and "6 tài khoản" in vi
    assert "10:00 03/03/2025" in vi  # local time, an hour after the try that reached 30
    assert "30 wrong invite codes" in en and "6 chat accounts" in en
    # A new account with the right code waits too; the guesses stopped being counted.
    officer = _contact(session, "real-officer")
    paused = _try(session, officer, invite.code, NOW + timedelta(minutes=10))
    assert isinstance(paused, TooManyAttempts) and paused.retry_after_minutes == 50
    assert len(session.exec(select(LinkAttempt)).all()) == GLOBAL_MAX_WRONG_TRIES
    # More guesses within the hour: no second notice.
    assert isinstance(
        _try(session, _contact(session, "g9"), "X", NOW + timedelta(minutes=20)), TooManyAttempts
    )
    assert len(session.exec(select(Delivery)).all()) == 2
    # An hour later the window has moved on: the officer links.
    assert _try(session, officer, invite.code, NOW + timedelta(minutes=61)) is None


def _texts(session: Session, deliveries: Sequence[Delivery]) -> list[str]:
    """The deliveries' texts as the dispatcher would send them now."""
    rendered = render_deliveries(session, deliveries)
    assert all(isinstance(r, Rendered) for r in rendered), rendered
    return [r.text for r in rendered if isinstance(r, Rendered)]


def test_the_guessing_alert_is_worded_in_the_language_the_reader_has_when_it_is_sent(
    session: Session, org: Organization, enterprise: Enterprise
) -> None:
    """Issue 12: a /language switch between queueing and sending is honoured."""
    staff = add_staff(session, "telegram", "900", "staff", org, set_up(NOW, TZ))
    staff.language = "vi"
    session.commit()
    for n in range(GLOBAL_MAX_WRONG_TRIES):
        _try(session, _contact(session, f"g{n // 5}"), "ABCD-EFGH", NOW + timedelta(seconds=n))
    alert = session.exec(select(Delivery).where(Delivery.contact_id == staff.id)).one()
    assert "mã mời sai" in _texts(session, [alert])[0]
    staff.language = "en"  # /language en, before the dispatcher sends it
    session.commit()
    assert _texts(session, [alert]) == [
        "Warning: 30 wrong invite codes in the last hour from 6 chat accounts; someone may be "
        "guessing codes. Linking with an invite code is paused until 10:00 03/03/2025."
    ]
