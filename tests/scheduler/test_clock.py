"""Clocks and sending hours: the scheduler's idea of "now" and when it may speak."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.settings import load_settings
from scheduler.clock import FakeClock, ShiftedClock, SystemClock
from scheduler.outbox import Dispatcher


def test_fake_clock_moves_only_when_told() -> None:
    start = datetime(2025, 1, 24, 1, 0, tzinfo=UTC)
    clock = FakeClock(start)
    assert clock.now() == start == clock.now()
    assert clock.advance(90) == start + timedelta(seconds=90)
    assert clock.advance(timedelta(hours=1)) == start + timedelta(seconds=90, hours=1)
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 24, 8, 0))  # naive


def test_system_and_shifted_clocks_are_aware() -> None:
    assert SystemClock().now().tzinfo is not None
    target = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)
    shifted = ShiftedClock.starting_at(target)
    assert abs((shifted.now() - target).total_seconds()) < 1
    again = ShiftedClock(shifted.shift)  # another process given the same shift agrees
    assert abs((again.now() - shifted.now()).total_seconds()) < 1
    with pytest.raises(ValueError):
        ShiftedClock.starting_at(datetime(2025, 1, 6, 10, 0))


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2025-01-06T07:30:00", True),  # Monday, first minute
        ("2025-01-06T17:29:59", True),
        ("2025-01-06T17:30:00", False),
        ("2025-01-06T07:29:59", False),
        ("2025-04-26T09:00:00", True),  # a Saturday worked in exchange for 02/05/2025
        ("2025-05-02T09:00:00", False),  # the day off it bought
        ("2025-01-27T09:00:00", False),  # Tết 2025
        ("2026-02-18T09:00:00", False),  # Tết 2026
        ("2027-09-02T09:00:00", False),  # National Day
        ("2024-04-29T09:00:00", False),  # substituted day off (for Saturday 04/05/2024)
        ("2024-05-04T09:00:00", True),
    ],
)
def test_sending_hours(sqlite_engine: Engine, sqlite_url: str, local: str, open_: bool) -> None:
    settings = load_settings(database_url=sqlite_url)
    clock = FakeClock(datetime.fromisoformat(local + "+07:00"))
    dispatcher = Dispatcher(sqlite_engine, {}, clock, settings, "t")
    assert dispatcher.in_sending_hours() is open_


def test_sending_hours_are_configurable(sqlite_engine: Engine, sqlite_url: str) -> None:
    settings = load_settings(database_url=sqlite_url, sending_start="06:00", sending_end="20:00")
    clock = FakeClock(datetime.fromisoformat("2025-01-06T19:00:00+07:00"))
    assert Dispatcher(sqlite_engine, {}, clock, settings, "t").in_sending_hours()
