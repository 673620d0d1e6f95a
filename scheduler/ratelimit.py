"""Pacing for the outbox: a rate limiter per channel (bot) and spacing per chat.

The limiter hands out send slots at least `1/rate` seconds apart (a token bucket holding a
single token), so no one-second window ever sees more than `rate + 1` messages: Telegram's limit is
about 30/s per bot and the default rate is 25/s. A 429 from the platform pauses the whole
channel for `retry_after`; sends already waiting for a slot re-check the pause before going.
Time here is the event loop's monotonic clock: pacing is about real seconds, whatever the
scheduler's (possibly fake) wall clock says.
"""

from __future__ import annotations

import asyncio


class PausedTooLong(Exception):
    """The channel is paused for longer than a send should wait; give the message back."""

    def __init__(self, remaining: float) -> None:
        super().__init__(f"channel paused for {remaining:.1f}s")
        self.remaining = remaining


def _now() -> float:
    return asyncio.get_running_loop().time()


class RateLimiter:
    """At most `rate` sends per second, with a pause after a 429.

    Slots are handed out one at a time under a lock, each at least `1/rate` after the
    previous one was actually taken: if the event loop stalls, the waiting sends go out
    spaced afterwards instead of in a burst.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._last = float("-inf")
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Stop every send on this channel for `seconds` (a 429's retry_after)."""
        self._paused_until = max(self._paused_until, _now() + max(seconds, 0.0))

    def paused_for(self) -> float:
        """Seconds left of the current pause (0 when not paused)."""
        return max(self._paused_until - _now(), 0.0)

    async def acquire(self, max_pause: float = float("inf")) -> None:
        """Wait for a send slot; raise PausedTooLong rather than wait out a long pause."""
        async with self._lock:
            while True:
                now = _now()
                if self._paused_until > now:
                    remaining = self._paused_until - now
                    if remaining > max_pause:
                        raise PausedTooLong(remaining)
                    await asyncio.sleep(remaining)
                    continue
                delay = self._last + self.interval - now
                if delay > 0:
                    await asyncio.sleep(delay)
                    continue  # re-check: a 429 may have paused the channel meanwhile
                self._last = now
                return


class ChatSpacing:
    """Keeps two messages to the same chat at least `interval` seconds apart, in order."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def lock(self, chat_id: str) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    async def wait(self, chat_id: str) -> None:
        """Call with `lock(chat_id)` held, just before sending."""
        last = self._last.get(chat_id)
        if last is not None:
            delay = last + self.interval - _now()
            if delay > 0:
                await asyncio.sleep(delay)

    def sent(self, chat_id: str) -> None:
        self._last[chat_id] = _now()

    def forget_idle(self) -> None:
        """Drop bookkeeping for chats not used within the interval (keeps memory flat)."""
        now = _now()
        for chat_id in [c for c, t in self._last.items() if now - t > self.interval]:
            lock = self._locks.get(chat_id)
            if lock is None or not lock.locked():
                self._last.pop(chat_id, None)
                self._locks.pop(chat_id, None)
