"""`thidua outbox retry` (issue 14): after an outage longer than the retry window, the failed
messages are put back, chosen by status, kind, campaign and day, and are then sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.models import AuditEntry, Channel, Contact, Delivery, DeliveryKind, DeliveryStatus
from bot.settings import get_settings
from scheduler.clock import FakeClock
from scheduler.outbox import Dispatcher, OutboxItem, enqueue_many
from scheduler.requeue import RequeueFilter, requeue
from tests.scheduler.conftest import WORKDAY_10AM, make_contacts
from tests.scheduler.fakes import FakeSender

Invoke = Callable[..., Result]


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args))

    yield invoke
    get_settings.cache_clear()


def _failed_outbox(engine: Engine) -> list[int]:
    """Reminders of campaigns 7 and 8 on 06/01 and 07/01, a broadcast; all failed; one
    unreachable reminder; one sent."""
    ids = make_contacts(engine, 6)
    day1, day2 = WORKDAY_10AM, WORKDAY_10AM + timedelta(days=1)
    items = [
        OutboxItem(DeliveryKind.REMINDER, ids[0], "r7a", "reminder:7:report:1:2025-01-06", day1),
        OutboxItem(DeliveryKind.REMINDER, ids[1], "r7b", "reminder:7:report:2:2025-01-07", day2),
        OutboxItem(DeliveryKind.REMINDER, ids[2], "r8", "reminder:8:report:3:2025-01-06", day1),
        OutboxItem(DeliveryKind.BROADCAST, ids[3], "b", "broadcast:1:4", day1),
        OutboxItem(DeliveryKind.REMINDER, ids[4], "gone", "reminder:7:report:5:2025-01-06", day1),
        OutboxItem(DeliveryKind.REMINDER, ids[5], "ok", "reminder:7:report:6:2025-01-06", day1),
    ]
    with Session(engine) as session:
        enqueue_many(session, items)
        session.execute(update(Delivery).values(status=DeliveryStatus.FAILED, attempts=6))
        session.execute(
            update(Delivery)
            .where(col(Delivery.text) == "gone")
            .values(status=DeliveryStatus.UNREACHABLE)
        )
        session.execute(
            update(Delivery).where(col(Delivery.text) == "ok").values(status=DeliveryStatus.SENT)
        )
        session.execute(update(Contact).where(col(Contact.id) == ids[4]).values(reachable=False))
        session.commit()
    return ids


def _statuses(engine: Engine) -> dict[str, tuple[str, int]]:
    with Session(engine) as session:
        return {d.text: (d.status, d.attempts) for d in session.exec(select(Delivery))}


def test_retry_by_campaign_kind_and_day(engine: Engine, run: Invoke) -> None:
    _failed_outbox(engine)
    dry = run("outbox", "retry", "--campaign", "7", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == "2 tin nhắn sẽ được gửi lại."
    assert _statuses(engine)["r7a"] == ("failed", 6)  # a dry run changes nothing

    done = run("outbox", "retry", "--campaign", "7", "--on", "2025-01-06")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Đã đưa 1 tin nhắn trở lại hàng đợi")
    statuses = _statuses(engine)
    assert statuses["r7a"] == ("pending", 0)
    assert statuses["r7b"] == ("failed", 6) and statuses["r8"] == ("failed", 6)

    assert run("outbox", "retry", "--kind", "broadcast").exit_code == 0
    assert _statuses(engine)["b"] == ("pending", 0)
    assert _statuses(engine)["ok"] == ("sent", 6)  # sent messages are never touched
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).all()
    assert [e.after["requeued"] for e in entries] == [1, 1]


def test_retry_unreachable_makes_the_contact_reachable(engine: Engine, run: Invoke) -> None:
    ids = _failed_outbox(engine)
    assert run("outbox", "retry", "--state", "unreachable").exit_code == 0
    assert _statuses(engine)["gone"] == ("pending", 0)
    with Session(engine) as session:
        assert session.get(Contact, ids[4]).reachable


def test_bad_options_are_refused(engine: Engine, run: Invoke) -> None:
    _failed_outbox(engine)
    assert run("outbox", "retry", "--state", "sent").exit_code == 2
    bad_day = run("outbox", "retry", "--on", "32/13/2025")
    assert bad_day.exit_code == 1 and "không phải là ngày" in bad_day.output
    assert _statuses(engine)["r7a"] == ("failed", 6)


async def test_requeued_messages_are_sent(engine: Engine, settings) -> None:
    _failed_outbox(engine)
    now = WORKDAY_10AM + timedelta(days=1)  # the outage is over the next morning
    with Session(engine) as session:
        assert requeue(session, RequeueFilter(), now, settings.tz, actor="test") == 4
        session.commit()
    sender = FakeSender()
    dispatcher = Dispatcher(engine, {Channel.TELEGRAM: sender}, FakeClock(now), settings, "d")
    while await dispatcher.run_once():
        pass
    # The broadcast and the 07/01 reminder go out; reminders of a past day expire rather
    # than arrive a day late saying "today is the last day".
    assert sorted(text for _chat, text in sender.sent) == ["b", "r7b"]
    statuses = _statuses(engine)
    assert statuses["r7a"][0] == statuses["r8"][0] == "expired"
