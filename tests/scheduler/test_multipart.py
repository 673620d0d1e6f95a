"""Multi-part sends (long text, text + document): what a failure on a later part repeats.

The outbox keeps no per-part progress (scheduler/README.md, "Multi-part messages"): these
tests pin the documented bound, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.messaging import Reply, SendError, TransientError
from bot.models import Channel, Delivery, DeliveryStatus
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.scheduler.conftest import fill_outbox, make_contacts


@dataclass
class TwoPartSender:
    """Sends every Reply as two platform messages; the second fails as told."""

    transient_failures: int = 0
    permanent: bool = False
    parts: list[str] = field(default_factory=list)

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.parts.append(f"{reply.text}/1")
        if self.permanent:
            raise SendError("400 Bad Request: wrong file identifier")
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise TransientError("502 Bad Gateway")
        self.parts.append(f"{reply.text}/2")


def _dispatcher(engine: Engine, sender: TwoPartSender, clock: FakeClock, s: Settings) -> Dispatcher:
    cfg = SchedulerConfig.from_settings(s, max_attempts=6)
    return Dispatcher(engine, {Channel.TELEGRAM: sender}, clock, s, "d1", config=cfg)


async def _run_until_settled(dispatcher: Dispatcher, clock: FakeClock) -> None:
    """Monday 10:00 to 17:00: an hour apart, past every back-off, inside sending hours."""
    for _ in range(8):
        await dispatcher.run_once()
        clock.advance(3600)


def _row(engine: Engine) -> Delivery:
    with Session(engine) as session:
        return session.exec(select(Delivery).order_by(col(Delivery.id))).one()


async def test_a_transient_failure_on_a_later_part_repeats_earlier_parts_within_the_bound(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    (cid,) = make_contacts(engine, 1)
    (text,) = fill_outbox(engine, [cid])
    sender = TwoPartSender(transient_failures=2)
    await _run_until_settled(_dispatcher(engine, sender, clock, settings), clock)
    counts = Counter(sender.parts)
    # Two failed tries and the good one: the first part went three times, the second once.
    assert counts == {f"{text}/1": 3, f"{text}/2": 1}
    row = _row(engine)
    assert row.status == DeliveryStatus.SENT and row.attempts == 3


async def test_the_repeats_stop_at_max_attempts(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    (cid,) = make_contacts(engine, 1)
    (text,) = fill_outbox(engine, [cid])
    sender = TwoPartSender(transient_failures=100)
    await _run_until_settled(_dispatcher(engine, sender, clock, settings), clock)
    assert Counter(sender.parts) == {f"{text}/1": 6}  # max_attempts, never more
    row = _row(engine)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 6


async def test_a_permanent_refusal_is_not_retried(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    """A plain SendError says retrying cannot help: failed at once, earlier parts once."""
    (cid,) = make_contacts(engine, 1)
    (text,) = fill_outbox(engine, [cid])
    sender = TwoPartSender(permanent=True)
    await _run_until_settled(_dispatcher(engine, sender, clock, settings), clock)
    assert Counter(sender.parts) == {f"{text}/1": 1}
    row = _row(engine)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert "Bad Request" in (row.last_error or "")
