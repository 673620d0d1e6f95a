"""The real APScheduler firing the planning job, driven by a FakeClock.

APScheduler 3 reads the time with `datetime.now()` in its base module; the fixture points
that at the FakeClock, so "08:00 on 24/01/2025" arrives when the test says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, tzinfo

import apscheduler.schedulers.base as aps_base
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import Channel, Delivery, DeliveryStatus, Fanout
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.planner import expand_all
from scheduler.service import PLANNING_JOB_ID, start
from tests.scheduler.factories import add_enterprises, make_board
from tests.scheduler.fakes import FakeSender


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    clock = FakeClock(local("2025-01-24T07:00:00"))

    class ClockedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> ClockedDatetime:
            value = clock.now().astimezone(tz) if tz else clock.now()
            return cls.fromtimestamp(value.timestamp(), value.tzinfo)

    monkeypatch.setattr(aps_base, "datetime", ClockedDatetime)
    yield clock


def _board(engine: Engine) -> None:
    with Session(engine) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 4)
        session.commit()


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery)))


async def _until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def test_planning_job_fires_at_eight_and_the_outbox_sends(
    sqlite_engine: Engine, sqlite_url: str, fake_clock: FakeClock
) -> None:
    from bot.settings import load_settings

    settings: Settings = load_settings(database_url=sqlite_url)
    _board(sqlite_engine)
    sender = FakeSender()
    handle = start(settings, {Channel.TELEGRAM: sender}, fake_clock, engine=sqlite_engine)
    try:
        assert await handle.wait_catch_up() is None  # 07:00: not planning time yet
        job = handle.scheduler.get_job(PLANNING_JOB_ID)
        assert job.next_run_time == local("2025-01-24T08:00:00")
        await asyncio.sleep(0.3)
        assert _deliveries(sqlite_engine) == []
        # 08:00 arrives: the scheduler wakes up and runs the job.
        fake_clock.set(local("2025-01-24T08:00:00"))
        handle.scheduler.wakeup()
        await _until(lambda: len(handle.plans) == 1)
        assert handle.plans[0].on.isoformat() == "2025-01-24"
        # the Tết-eve launch-document reminder: one fan-out, to the board's four officers
        assert handle.plans[0].inserted == handle.plans[0].fanouts == 1
        await _until(lambda: len(sender.sent) == 4)
        assert all("31/01/2025" in text for _chat, text in sender.sent)
        await _until(
            lambda: {d.status for d in _deliveries(sqlite_engine)} == {DeliveryStatus.SENT}
        )
        # The next fire time is the next day's 08:00.
        assert handle.scheduler.get_job(PLANNING_JOB_ID).next_run_time == local(
            "2025-01-25T08:00:00"
        )
    finally:
        await handle.stop()
    assert handle.dispatcher_task.done()


async def test_start_after_planning_time_catches_up_once(
    sqlite_engine: Engine, sqlite_url: str, fake_clock: FakeClock
) -> None:
    """The bot was down at 08:00: start-up plans today; a second start adds nothing."""
    from bot.settings import load_settings

    settings = load_settings(database_url=sqlite_url, sending_start="07:30")
    _board(sqlite_engine)
    fake_clock.set(local("2025-01-24T09:15:00"))
    for expected_new in (1, 0):
        sender = FakeSender()
        handle = start(settings, {Channel.TELEGRAM: sender}, fake_clock, engine=sqlite_engine)
        try:
            result = await handle.wait_catch_up()
            assert result is not None
            assert result.candidates == result.fanouts == 1  # to the board's four officers
            assert result.inserted == expected_new
        finally:
            await handle.stop()
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(Fanout)).all()) == 1
        expand_all(session, local("2025-01-24T09:15:00"))
    assert len(_deliveries(sqlite_engine)) == 4


async def test_pruning_runs_every_hour_whatever_the_traffic(
    engine: Engine, fake_clock: FakeClock
) -> None:
    """Week-old update keys go on a schedule (it used to take 1,000 updates to one process,
    a count reset at every restart, so a quiet instance never pruned)."""
    from datetime import timedelta

    from bot.models import ProcessedUpdate
    from bot.settings import load_settings
    from scheduler.service import PRUNING_JOB_ID

    settings = load_settings(database_url=engine.url.render_as_string(hide_password=False))
    with Session(engine) as session:
        session.add(
            ProcessedUpdate(
                channel="telegram", update_key="old", at=fake_clock.now() - timedelta(days=8)
            )
        )
        session.add(ProcessedUpdate(channel="telegram", update_key="new", at=fake_clock.now()))
        session.commit()
    handle = start(settings, {Channel.TELEGRAM: FakeSender()}, fake_clock, engine=engine)
    try:
        job = handle.scheduler.get_job(PRUNING_JOB_ID)
        assert job.next_run_time == local("2025-01-24T08:00:00")  # an hour after start
        fake_clock.set(local("2025-01-24T08:00:01"))
        handle.scheduler.wakeup()

        def keys() -> list[str]:
            with Session(engine) as session:
                return [u.update_key for u in session.exec(select(ProcessedUpdate))]

        await _until(lambda: keys() == ["new"])
    finally:
        await handle.stop()
