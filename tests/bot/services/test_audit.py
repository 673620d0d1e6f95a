"""The audit log: entries written in the caller's transaction, read back in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import AuditEntry, DeadlineKind, Nominee, SubmissionStatus
from bot.services import audit
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import SubmissionLocked
from tests.bot.services.test_submissions import APRIL, MIDNIGHT, fill_registration, make_world

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

T0 = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)


def test_record_makes_values_json_safe(engine: Engine) -> None:
    with Session(engine) as session:
        entry_id = audit.record(
            session,
            "staff.export",
            Act(T0, TZ, actor="cli"),
            subject="campaign:1",
            before={"status": SubmissionStatus.DRAFT, "when": date(2024, 4, 15)},
            after={"value": Decimal("19.30"), "at": T0, "codes": ("A", "B"), "n": 3},
        )
        session.commit()
    with Session(engine) as session:
        stored = session.get(AuditEntry, entry_id)
        assert stored is not None
        assert stored.at == T0 and stored.at.tzinfo is not None
        assert stored.before == {"status": "draft", "when": "2024-04-15"}
        assert stored.after == {
            "value": "19.30",
            "at": "2024-03-01T01:00:00+00:00",
            "codes": ["A", "B"],
            "n": 3,
        }


def test_record_refuses_bad_input(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(ValueError):
            audit.record(session, "", Act(T0, TZ))
        with pytest.raises(ValueError):
            audit.record(session, "x" * 65, Act(T0, TZ))
        with pytest.raises(ValueError, match="naive"):
            audit.record(session, "a", Act(datetime(2024, 1, 1), TZ))
        with pytest.raises(ValueError, match="naive"):
            audit.entries(session, since=datetime(2024, 1, 1))


def test_entries_since_limit_and_filters(engine: Engine) -> None:
    with Session(engine) as session:
        for i in range(5):
            audit.record(
                session, f"test.step{i % 2}", Act(T0 + timedelta(hours=i), TZ), subject=f"s:{i}"
            )
        session.commit()
        everything = audit.entries(session)
        assert [e.subject for e in everything] == [f"s:{i}" for i in range(5)]
        since = audit.entries(session, since=T0 + timedelta(hours=2))
        assert [e.subject for e in since] == ["s:2", "s:3", "s:4"]
        latest = audit.entries(session, limit=2)
        assert [e.subject for e in latest] == ["s:3", "s:4"]
        assert audit.entries(session, limit=0) == []
        assert [e.subject for e in audit.entries(session, action="test.step1")] == ["s:1", "s:3"]
        assert len(audit.entries(session, action="test.")) == 5
        assert [e.subject for e in audit.entries(session, subject="s:4")] == ["s:4"]
        with pytest.raises(ValueError):
            audit.entries(session, limit=-1)


def test_every_submission_change_is_audited_with_who_and_before_after(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        w = make_world(session)
        officer, staff = w.officer.id, w.staff.id
        assert w.campaign.id is not None and w.enterprise.id is not None
        item = subs.get_or_create_submission(
            session, w.campaign.id, w.enterprise.id, "title_registration", Act(APRIL, TZ)
        )
        entry = subs.add_entry(
            session, item, Nominee.INDIVIDUAL, "LDTT", "Đỗ Hà", act=Act(APRIL, TZ, officer)
        )
        assert entry.id is not None
        subs.update_entry(session, item, entry.id, Act(APRIL, TZ, officer), position="Kế toán")
        subs.remove_entry(session, item, entry.id, Act(APRIL, TZ, officer))
        fill_registration(w, item)
        receipt = subs.submit(session, item, Act(APRIL, TZ, officer))
        subs.reopen(session, item, Act(APRIL, TZ, officer))
        subs.submit(session, item, Act(APRIL, TZ, officer))
        subs.return_submission(session, item, "Bổ sung", Act(APRIL, TZ, staff))
        subs.submit(session, item, Act(APRIL, TZ, officer))
        subs.accept(session, item, Act(APRIL, TZ, staff))
        session.commit()

        log = audit.entries(session, action="submission.")
        assert [(e.action, e.contact_id) for e in log] == [
            ("submission.create", None),
            ("submission.submit", officer),
            ("submission.reopen", officer),
            ("submission.submit", officer),
            ("submission.return", staff),
            ("submission.submit", officer),
            ("submission.accept", staff),
        ]
        first_submit = log[1]
        assert first_submit.before == {
            "status": "draft",
            "version": 0,
            "receipt_number": None,
            "review_note": None,
            "late": False,
            "draft_open": False,
        }
        assert first_submit.after is not None
        assert first_submit.after["receipt"] == receipt.number
        assert first_submit.at == APRIL
        returned = log[4]
        assert returned.after is not None and returned.after["review_note"] == "Bổ sung"
        entry_log = audit.entries(session, action="registration.")
        assert [e.action for e in entry_log[:3]] == [
            "registration.entry_add",
            "registration.entry_update",
            "registration.entry_remove",
        ]
        assert entry_log[1].before is not None and entry_log[1].before["position"] == ""
        assert entry_log[1].after is not None and entry_log[1].after["position"] == "Kế toán"
        assert entry_log[2].before is not None and entry_log[2].before["full_name"] == "Đỗ Hà"
        assert {e.subject for e in entry_log} == {f"submission:{item.id}"}


def test_a_refused_change_writes_nothing(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        w = make_world(session)
        item = w.item(DeadlineKind.TITLE_REGISTRATION)
        session.commit()
        count = len(session.exec(select(AuditEntry)).all())
        with pytest.raises(SubmissionLocked):
            subs.add_entry(session, item, "individual", "LDTT", "Muộn", act=Act(MIDNIGHT, TZ))
        assert len(session.exec(select(AuditEntry)).all()) == count


def test_a_rolled_back_change_leaves_no_entry(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        w = make_world(session)
        item = w.item(DeadlineKind.TITLE_REGISTRATION)
        session.commit()
        subs.add_entry(session, item, "individual", "LDTT", "Tạm", act=Act(APRIL, TZ))
        session.rollback()
        assert audit.entries(session, action="registration.") == []
