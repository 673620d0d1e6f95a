"""Faults around the outbox (issue 14): a database blip while a batch's results are written
gives 0 doubles, and a channel that cannot reach its platform stops claiming rows."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.messaging import Reply, TransientError
from bot.models import Channel, Delivery, DeliveryStatus
from bot.settings import Settings
from scheduler.channel_health import ChannelHealth
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.scheduler.conftest import fill_outbox, make_contacts
from tests.scheduler.fakes import FakeSender

OFFICERS = 150  # the broadcast


class Blip:
    """Every statement on `engine` fails like a dropped connection while the blip lasts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.until = 0.0
        self.failed = 0

    def start(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def __enter__(self) -> Blip:
        event.listen(self.engine, "before_cursor_execute", self._check)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._check)

    def _check(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if time.monotonic() < self.until:
            self.failed += 1
            raise OperationalError(statement, parameters, Exception("server closed the connection"))


class BlipOnFirstSend(FakeSender):
    """A platform that accepts everything; the database blips as the batch goes out."""

    def __init__(self, blip: Blip, seconds: float) -> None:
        super().__init__()
        self.blip = blip
        self.seconds = seconds

    async def send(self, chat_id: str, reply: Reply) -> None:
        await super().send(chat_id, reply)
        if len(self.sent) == OFFICERS:  # the last one: the results are written next
            self.blip.start(self.seconds)


async def test_a_database_blip_while_recording_gives_no_doubles(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, OFFICERS)
    fill_outbox(engine, ids)
    settings = settings.model_copy(update={"telegram_rate_per_second": 1000.0})
    config = SchedulerConfig.from_settings(settings, claim_timeout_seconds=60.0)
    with Blip(engine) as blip:
        sender = BlipOnFirstSend(blip, seconds=1.5)
        one = Dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "one", config, 200)
        other = Dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "two", config, 200)
        assert await one.run_once() == OFFICERS  # sent, then recorded once the blip is over
        assert blip.failed > 0  # the blip did hit the recording
        # Past the claim timeout, another instance finds nothing to take back and send again.
        clock.advance(timedelta(seconds=config.claim_timeout_seconds + 1))
        assert await other.run_once() == 0
    assert len(sender.sent) == OFFICERS
    assert len({chat for chat, _ in sender.sent}) == OFFICERS  # 0 doubles
    with Session(engine) as session:
        rows = session.exec(select(Delivery)).all()
    assert {row.status for row in rows} == {DeliveryStatus.SENT}
    assert {row.attempts for row in rows} == {1}


class Unreachable502(FakeSender):
    """Every send fails as from an instance cut off from the platform."""

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.calls += 1
        raise TransientError("502 Bad Gateway")


async def test_an_instance_that_cannot_reach_the_platform_stops_claiming(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    """An outage longer than the retry window used to fail every due message for good; now
    the cut-off instance stops claiming and a healthy one sends everything."""
    ids = make_contacts(engine, 40)
    fill_outbox(engine, ids)
    settings = settings.model_copy(update={"telegram_rate_per_second": 1000.0})
    config = SchedulerConfig.from_settings(settings)
    cut_off = Unreachable502()
    sick = Dispatcher(engine, {Channel.TELEGRAM: cut_off}, clock, settings, "sick", config, 10)
    sick.health = ChannelHealth(threshold=5, first_cooldown=3600)
    for _ in range(20):  # 100 minutes of tries, each back-off elapsed in between
        await sick.run_once()
        clock.advance(timedelta(minutes=5))
    assert cut_off.calls == 10  # one batch, then the channel counted as down here
    with Session(engine) as session:
        statuses = {row.status for row in session.exec(select(Delivery))}
    assert DeliveryStatus.FAILED not in statuses
    healthy = FakeSender()
    well = Dispatcher(engine, {Channel.TELEGRAM: healthy}, clock, settings, "well", config, 100)
    while await well.run_once():
        pass
    assert len(healthy.sent) == 40
    with Session(engine) as session:
        assert {row.status for row in session.exec(select(Delivery))} == {DeliveryStatus.SENT}


def test_channel_health_probes_after_the_cooldown() -> None:
    now = [0.0]
    health = ChannelHealth(
        threshold=3, first_cooldown=30, max_cooldown=100, monotonic=lambda: now[0]
    )
    for _ in range(5):
        health.failed("telegram", "one chat")  # one message's trouble is no outage
    assert health.claimable("telegram")
    for chat in ("a", "b"):
        health.failed("telegram", chat)
    assert not health.claimable("telegram") and health.claimable("zalo")
    now[0] = 31
    assert health.claimable("telegram")
    health.failed("telegram", "c")  # the probe failed: closed again, for twice as long
    assert not health.claimable("telegram")
    now[0] = 31 + 59
    assert not health.claimable("telegram")
    now[0] = 31 + 61
    health.ok("telegram")
    assert health.claimable("telegram")
