"""The board office moves a deadline of a running campaign from the CLI: officers are told the
new date once, reminders queued for the old date are cancelled, and the planner reminds from
the new date (the six-month report's date, which the plans do not name, is the usual case)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.models import (
    AuditEntry,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    LatePolicy,
)
from bot.notifications.facts import Gone
from bot.notifications.kinds import DeadlineReminder
from bot.notifications.outbox import dedupe_key, enqueue
from bot.notifications.render import Rendered, render_deliveries
from bot.services.acts import Act
from bot.services.deadlines import DeadlineChange
from bot.services.plan_edits import change_and_replan
from bot.settings import Settings, get_settings
from scheduler.planner import preview_day, reminder_date
from tests.scheduler.test_late_reminders import _board


def _cli(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        get_settings.cache_clear()


def test_moving_the_six_month_report_tells_officers_once_and_replans(
    engine: Engine, db_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = datetime.now(UTC).year + 1
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, year)
        six = session.exec(
            select(Deadline).where(Deadline.kind == DeadlineKind.SIX_MONTH_REPORT)
        ).one()
        assert six.due_on == date(year, 6, 15)  # the template's usual day
        officer = world["officers"][0]
        planned = DeadlineReminder(
            world["campaign"].id, DeadlineKind.SIX_MONTH_REPORT, date(year, 6, 8)
        )
        stale_key = dedupe_key(planned, officer.id)
        enqueue(session, planned, [officer.id], not_before=datetime.now(UTC), now=datetime.now(UTC))
        session.commit()
    campaign = str(world["campaign"].id)
    args = ["campaign", "deadline", "--campaign", campaign, "--item", "six_month_report"]
    out = _cli(db_url, monkeypatch, *args, "--due", f"30/06/{year}")
    assert out.exit_code == 0, out.output
    assert f"30/06/{year}" in out.output and "2 cán bộ" in out.output and "1 lời nhắc" in out.output
    again = _cli(db_url, monkeypatch, *args, "--due", f"30/06/{year}")
    assert again.exit_code == 0 and "Không có gì thay đổi" in again.output
    outside = _cli(db_url, monkeypatch, *args, "--due", f"05/01/{year + 1}")
    assert outside.exit_code != 0 and "trong thời gian của phong trào" in outside.output
    late = _cli(db_url, monkeypatch, *args, "--late", "accept_late")
    assert late.exit_code == 0 and "nộp muộn" in late.output
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery).where(Delivery.kind == DeliveryKind.DEADLINE_MOVED)
        ).all()
        notices = [n.text for n in render_deliveries(session, rows) if isinstance(n, Rendered)]
        assert len(notices) == 2 == len(rows)  # one per officer, once
        assert all(f"30/06/{year}" in n and f"15/06/{year}" in n for n in notices)
        stale = session.exec(select(Delivery).where(Delivery.dedupe_key == stale_key)).one()
        assert stale.status == DeliveryStatus.CANCELLED
        six = session.exec(
            select(Deadline).where(Deadline.kind == DeadlineKind.SIX_MONTH_REPORT)
        ).one()
        assert six.due_on == date(year, 6, 30) and six.late_policy == LatePolicy.ACCEPT_LATE
        changes = session.exec(
            select(AuditEntry).where(AuditEntry.action == "deadline.change")
        ).all()
        assert len(changes) == 2 and changes[0].actor == "cli"
        # the planner now counts down to 30/06, and nothing is planned for the old 15/06
        on_old = [
            m
            for m in preview_day(session, reminder_date(date(year, 6, 15), 0), settings)
            if m.subject == "six_month_report"
        ]
        assert on_old == []
        on_new = [
            m.text
            for m in preview_day(session, reminder_date(date(year, 6, 30), 1), settings)
            if m.subject == "six_month_report"
        ]
        assert len(on_new) == 2 and all(f"30/06/{year}" in text for text in on_new)


def test_a_deadline_moved_twice_before_the_notice_went_out_tells_only_the_last_date(
    engine: Engine,
) -> None:
    """The "deadline moved" notice is worded when sent: one whose new date is no longer the
    deadline's (the office moved it again meanwhile) is not sent; the later one is."""
    year = datetime.now(UTC).year + 1
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        _board(session, year)
        six = session.exec(
            select(Deadline).where(Deadline.kind == DeadlineKind.SIX_MONTH_REPORT)
        ).one()
        act = Act(now, UTC, actor="test")
        first = change_and_replan(session, six, act, DeadlineChange(date(year, 6, 30)), email=False)
        second = change_and_replan(
            session, six, act, DeadlineChange(date(year, 7, 10)), email=False
        )
        assert first.told == 2 and second.told == 2
        session.commit()
        rows = session.exec(
            select(Delivery)
            .where(Delivery.kind == DeliveryKind.DEADLINE_MOVED)
            .order_by(col(Delivery.id))
        ).all()
        rendered = render_deliveries(session, rows)
        assert [isinstance(r, Gone) for r in rendered] == [True, True, False, False]
        told = [r.text for r in rendered if isinstance(r, Rendered)]
        assert all(f"10/07/{year}" in t and f"30/06/{year}" in t for t in told)
