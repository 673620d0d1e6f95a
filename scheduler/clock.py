"""Where the scheduler learns the time.

Everything in `scheduler/` takes a `Clock` instead of calling `datetime.now()`, so the tests
can stand on 24/01/2025 at 07:59 (a Tết eve) and the planner, the sending hours and the
retry back-off all agree on what "now" is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of aware timestamps."""

    def now(self) -> datetime: ...


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a clock needs an aware datetime")
    return value


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        self._now = _aware(value)

    def advance(self, delta: timedelta | float = 0.0) -> datetime:
        """Move forward by `delta` (a timedelta or seconds) and return the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._now = self._now + step
        return self._now


class ShiftedClock:
    """Real time moved by a fixed amount.

    Lets a separate process (or a demo) live on "a working day at 10:00" whatever day it
    really is, while time still passes; processes given the same shift agree on the time.
    """

    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    @classmethod
    def starting_at(cls, start: datetime) -> ShiftedClock:
        return cls(_aware(start) - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift
