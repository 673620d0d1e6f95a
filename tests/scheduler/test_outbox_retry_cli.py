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
from bot.models import AuditEntry, Channel, Contact, Delivery, DeliveryStatus
from bot.notifications.kinds import ChatReply
from bot.notifications.outbox import enqueue
from bot.settings import Settings, get_settings
from scheduler.clock import FakeClock
from scheduler.outbox import Dispatcher
from scheduler.requeue import RequeueFilter, requeue
from tests.scheduler.conftest import WORKDAY_10AM, make_contacts
from tests.scheduler.fakes import FakeSender
from tests.values import present

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
    """Messages of campaigns 7 and 8 due 06/01 and 07/01, and one without a campaign; all
    failed but one unreachable and one sent. Stored-text replies, so each is known by its
    words; the campaign column is what `--campaign` reads."""
    ids = make_contacts(engine, 6)
    day1, day2 = WORKDAY_10AM, WORKDAY_10AM + timedelta(days=1)
    rows = [  # (contact, words, due, campaign)
        (ids[0], "r7a", day1, 7),
        (ids[1], "r7b", day2, 7),
        (ids[2], "r8", day1, 8),
        (ids[3], "b", day1, None),
        (ids[4], "gone", day1, 7),
        (ids[5], "ok", day1, 7),
    ]
    with Session(engine) as session:
        for contact, words, due, _campaign in rows:
            enqueue(session, ChatReply(body=words, reference=words), [contact], not_before=due)
        for _contact, words, _due, campaign in rows:
            session.execute(
                update(Delivery)
                .where(col(Delivery.body) == words)
                .values(campaign_id=campaign, status=DeliveryStatus.FAILED, attempts=6)
            )
        session.execute(
            update(Delivery)
            .where(col(Delivery.body) == "gone")
            .values(status=DeliveryStatus.UNREACHABLE)
        )
        session.execute(
            update(Delivery).where(col(Delivery.body) == "ok").values(status=DeliveryStatus.SENT)
        )
        session.execute(update(Contact).where(col(Contact.id) == ids[4]).values(reachable=False))
        session.commit()
    return ids


def _statuses(engine: Engine) -> dict[str, tuple[str, int]]:
    with Session(engine) as session:
        return {present(d.body): (d.status, d.attempts) for d in session.exec(select(Delivery))}


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

    assert run("outbox", "retry", "--campaign", "8").exit_code == 0
    assert _statuses(engine)["r8"] == ("pending", 0)
    assert run("outbox", "retry", "--kind", "chat_reply").exit_code == 0
    assert _statuses(engine)["b"] == ("pending", 0)
    assert _statuses(engine)["ok"] == ("sent", 6)  # sent messages are never touched
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "outbox.retry")).all()
    assert [present(e.after)["requeued"] for e in entries] == [1, 1, 2]


def test_retry_unreachable_makes_the_contact_reachable(engine: Engine, run: Invoke) -> None:
    ids = _failed_outbox(engine)
    assert run("outbox", "retry", "--state", "unreachable").exit_code == 0
    assert _statuses(engine)["gone"] == ("pending", 0)
    with Session(engine) as session:
        assert present(session.get(Contact, ids[4])).reachable


def test_bad_options_are_refused(engine: Engine, run: Invoke) -> None:
    _failed_outbox(engine)
    assert run("outbox", "retry", "--state", "sent").exit_code == 2
    bad_day = run("outbox", "retry", "--on", "32/13/2025")
    assert bad_day.exit_code == 1 and "không có tháng 13" in bad_day.output
    assert _statuses(engine)["r7a"] == ("failed", 6)


async def test_requeued_messages_are_sent(engine: Engine, settings: Settings) -> None:
    _failed_outbox(engine)
    now = WORKDAY_10AM + timedelta(days=1)  # the outage is over the next morning
    with Session(engine) as session:
        assert requeue(session, RequeueFilter(), now, settings.tz, actor="test") == 4
        session.commit()
    sender = FakeSender()
    dispatcher = Dispatcher(engine, {Channel.TELEGRAM: sender}, FakeClock(now), settings, "d")
    while await dispatcher.run_once():
        pass
    assert sorted(text for _chat, text in sender.sent) == ["b", "r7a", "r7b", "r8"]
    assert {status for status, _ in _statuses(engine).values()} == {"sent", "unreachable"}
