"""One send budget per bot, shared through the database (issue 14): two instances, or the
outbox and the direct replies, never together exceed the bot's rate, and a 429 seen by one
makes the others wait. On SQLite and PostgreSQL, with a controllable clock."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.channels.common import send_with_retries
from bot.db import get_engine
from bot.messaging import RateLimited, Reply
from bot.models import Channel, Delivery, DeliveryStatus
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.pacing import SharedPacer, bot_pacer
from tests.scheduler.conftest import fill_outbox, make_contacts
from tests.scheduler.fakes import FakeSender


class VirtualTime:
    """Wall-clock seconds that move only when pacers sleep.

    Undriven, a sleep moves the time at once (one sleeper at a time). Driven (`drive`), the
    sleepers wait, and the time moves to the earliest wake-up only once every busy pacer is
    asleep: two pacers sleeping to the same moment wake at that moment, as on a real clock.
    """

    def __init__(self, start: float = 1_736_132_400.0) -> None:
        self.t = start
        self.driven = False
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if not self.driven:
            self.t += seconds
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiting, (self.t + seconds, self._seq, future))
        await future

    async def drive(self, busy: Callable[[], int]) -> None:
        """Wake the earliest sleeper whenever `busy()` pacers are all asleep; until none is busy."""
        self.driven = True
        while busy():
            await asyncio.sleep(0.0005)  # real time: lets database round trips finish
            if self._waiting and len(self._waiting) >= busy():
                target, _seq, future = heapq.heappop(self._waiting)
                self.t = max(self.t, target)
                future.set_result(None)


def _max_in_any_second(times: list[float]) -> int:
    best, start = 0, 0
    ordered = sorted(times)
    for end, t in enumerate(ordered):
        while t - ordered[start] >= 1.0 - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _two_instances(
    engine: Engine,
    keys: tuple[str, str],
    rate: float,
    workers: tuple[int, ...] = (14, 13, 13),
    batch: int | None = None,
) -> list[float]:
    """Two pacers (two instances), concurrent senders on each, 40 sends per pacer."""
    clock = VirtualTime()
    sends: list[float] = []
    left = dict.fromkeys(range(len(keys)), len(workers))  # pacer -> workers still sending

    async def worker(index: int, pacer: SharedPacer, n: int) -> None:
        for _ in range(n):
            await pacer.acquire()
            sends.append(clock.now())
        left[index] -= 1

    pacers = [
        SharedPacer(engine, key, rate, batch=batch, now=clock.now, sleep=clock.sleep)
        for key in keys
    ]
    busy = lambda: sum(1 for count in left.values() if count)  # noqa: E731
    await asyncio.gather(
        clock.drive(busy),
        *(worker(i, p, n) for i, p in enumerate(pacers) for n in workers),
    )
    assert len(sends) == 80
    return sends


async def test_two_instances_never_exceed_the_bots_rate_together(engine: Engine) -> None:
    rate = 10.0
    sends = await _two_instances(engine, ("telegram", "telegram"), rate)
    assert _max_in_any_second(sends) <= rate + 1
    # and the budget is used, not mostly wasted: 80 sends at 10/s take about 8 s
    assert max(sends) - min(sends) <= 1.5 * 80 / rate


async def test_without_sharing_the_pacers_would_exceed_it(engine: Engine) -> None:
    """The check above can fail: two bots' pacers (separate budgets) send twice the rate."""
    sends = await _two_instances(engine, ("telegram", "zalo"), 10.0, workers=(40,), batch=40)
    assert _max_in_any_second(sends) >= 18


async def test_a_429_seen_by_one_instance_makes_the_other_wait(engine: Engine) -> None:
    clock = VirtualTime()
    replies = SharedPacer(engine, "telegram", 25.0, now=clock.now, sleep=clock.sleep)
    outbox = SharedPacer(engine, "telegram", 25.0, now=clock.now, sleep=clock.sleep)
    await replies.acquire()
    paused_at = clock.now()
    await replies.pause(5.0)
    await outbox.acquire()
    assert clock.now() >= paused_at + 5.0
    # a pause longer than the caller will wait is given back, and reserves nothing
    await replies.pause(60.0)
    with pytest.raises(Exception, match="paused"):
        await replies.acquire(max_pause=5.0)


async def test_a_429_on_a_direct_reply_holds_the_outbox_back(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    """A reply hits flood control (retry_after 40 s, more than a reply waits): the outbox of
    another instance on the same database sends nothing meanwhile and keeps its message."""

    class FloodedSender:
        calls = 0

        async def send(self, chat_id: str, reply: Reply) -> None:
            self.calls += 1
            raise RateLimited(40.0, "429 Too Many Requests: Flood control exceeded")

    (cid,) = make_contacts(engine, 1)
    fill_outbox(engine, [cid])
    reply_pacer = bot_pacer(engine, settings, Channel.TELEGRAM)
    flooded = FloodedSender()
    with pytest.raises(RateLimited):
        await send_with_retries(flooded, "5", Reply("Đã ghi nhận."), pacer=reply_pacer)
    assert flooded.calls == 1

    outbox_sender = FakeSender()
    config = SchedulerConfig.from_settings(settings)
    dispatcher = Dispatcher(
        engine, {Channel.TELEGRAM: outbox_sender}, clock, settings, "other", config=config
    )
    await dispatcher.run_once()
    assert outbox_sender.calls == 0
    with Session(engine) as session:
        (delivery,) = session.exec(select(Delivery)).all()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "channel paused after 429"
    assert delivery.not_before is not None
    assert delivery.not_before >= clock.now() + timedelta(seconds=30)


async def test_a_reply_still_goes_when_the_pacing_table_cannot_be_reached(tmp_path: Path) -> None:
    """An answer to what a person just did matters more than the budget: sent unpaced."""
    empty = get_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")
    sender = FakeSender()
    pacer = SharedPacer(empty, "telegram", 25.0)
    await send_with_retries(sender, "5", Reply("Đã ghi nhận."), pacer=pacer)
    assert sender.sent == [("5", "Đã ghi nhận.")]
