"""One send budget per bot, shared through the database by every instance and by replies.

The platform's limit (Telegram about 30 messages/s) is the bot's, not the process's: two
instances, or the outbox and the direct replies of one instance, each pacing on their own
would together go over it, and the platform answers 429 ("Flood control exceeded").
So the next free send slot of each bot lives in one row (`SendPace`), advanced by a single
atomic `UPDATE … RETURNING` (PostgreSQL's row lock serialises instances; SQLite has one
writer). A pacer takes a few slots per round trip (about 0.2 s of sending), so the outbox
does not pay one query per message. A 429 seen by anyone moves the row's `paused_until`
forward: every pacer's next reservation starts after it (other instances notice within the
slots they already hold, at most one batch).

Time is the wall clock (seconds since the epoch), passed in: instances share no other clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from bot.models import Channel, SendPace
from scheduler.config import SchedulerConfig, channel_rate
from scheduler.ratelimit import PausedTooLong

_table = SendPace.__table__  # type: ignore[attr-defined]


class SharedPacer:
    """At most `rate` sends per second for `bot_key`, counted across every pacer on the database.

    The same face as RateLimiter (`acquire`, `pause`, `paused_for`), so the outbox and the
    reply path use either; slots held locally are used only on time (a slot more than one
    interval old is dropped, never sent late into someone else's second).
    """

    def __init__(
        self,
        engine: Engine,
        bot_key: str,
        rate: float,
        *,
        batch: int | None = None,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.engine = engine
        self.bot_key = bot_key[:64]
        self.interval = 1.0 / rate
        self.batch = batch or max(1, int(rate * 0.2))
        self._now = now
        self._sleep = sleep
        self._slots: deque[float] = deque()
        self._paused_until = 0.0  # as last seen in the database (or set here)
        self._row_ready = False
        self._lock = asyncio.Lock()
        self._postgres = engine.dialect.name == "postgresql"

    # -- database (run in a worker thread)

    def _greatest(self, *args: Any) -> Any:
        return func.greatest(*args) if self._postgres else func.max(*args)

    def _ensure_row(self) -> None:
        if self._row_ready:
            return
        insert = pg_insert if self._postgres else sqlite_insert
        statement = insert(_table).values(bot_key=self.bot_key, next_slot=0.0, paused_until=0.0)
        with self.engine.begin() as connection:
            connection.execute(statement.on_conflict_do_nothing(index_elements=["bot_key"]))
        self._row_ready = True

    def _reserve(self, count: int) -> tuple[float, float]:
        """Take `count` consecutive slots; returns (first slot, paused_until)."""
        self._ensure_row()
        span = count * self.interval
        statement = (
            update(_table)
            .where(_table.c.bot_key == self.bot_key)
            .values(
                next_slot=self._greatest(_table.c.next_slot, self._now(), _table.c.paused_until)
                + span
            )
            .returning(_table.c.next_slot, _table.c.paused_until)
        )
        with self.engine.begin() as connection:
            end, paused_until = connection.execute(statement).one()
        return float(end) - span, float(paused_until)

    def _store_pause(self, until: float) -> float:
        self._ensure_row()
        statement = (
            update(_table)
            .where(_table.c.bot_key == self.bot_key)
            .values(paused_until=self._greatest(_table.c.paused_until, until))
            .returning(_table.c.paused_until)
        )
        with self.engine.begin() as connection:
            return float(connection.execute(statement).scalar_one())

    # -- the RateLimiter face

    async def pause(self, seconds: float) -> None:
        """A 429's retry_after: stop this bot's sends everywhere for `seconds`."""
        until = self._now() + max(seconds, 0.0)
        self._paused_until = max(self._paused_until, until)
        self._slots.clear()  # slots taken before the 429 are not to be used
        stored = await asyncio.to_thread(self._store_pause, until)
        self._paused_until = max(self._paused_until, stored)

    def paused_for(self) -> float:
        """Seconds left of the pause last seen (0 when not paused)."""
        return max(self._paused_until - self._now(), 0.0)

    async def acquire(self, max_pause: float = float("inf")) -> None:
        """Wait for this bot's next send slot; raise PausedTooLong rather than wait out a
        long pause (nothing is reserved then)."""
        async with self._lock:
            while True:
                now = self._now()
                remaining = self._paused_until - now
                if remaining > max_pause:
                    raise PausedTooLong(remaining)
                while self._slots and self._slots[0] < now - self.interval:
                    self._slots.popleft()  # stale: its second has gone to others
                if not self._slots:
                    first, self._paused_until = await asyncio.to_thread(self._reserve, self.batch)
                    self._slots.extend(first + i * self.interval for i in range(self.batch))
                    continue
                slot = self._slots[0]
                if slot - now > max_pause:
                    self._slots.clear()
                    raise PausedTooLong(slot - now)
                if slot > now:
                    await self._sleep(slot - now)
                    continue  # re-check: a 429 may have cleared the slots meanwhile
                self._slots.popleft()
                return


def bot_pacer(
    engine: Engine, settings: Any, channel: Channel, config: SchedulerConfig | None = None
) -> SharedPacer:
    """The pacer of the bot behind `channel` (a deployment has one bot per channel), at the
    rate configured for it; the outbox and the channel's direct replies both use one."""
    config = config or SchedulerConfig.from_settings(settings)
    return SharedPacer(engine, channel.value, channel_rate(settings, channel, config))
