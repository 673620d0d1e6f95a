"""Pacing for the outbox within one process: spacing per chat, and the pause error.

The per-bot rate (Telegram about 30/s per bot; the default is 25/s) is shared by every
instance through the database: see scheduler/pacing.py. Time here is the event loop's
monotonic clock: spacing is about real seconds, whatever the scheduler's (possibly fake)
wall clock says.
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
