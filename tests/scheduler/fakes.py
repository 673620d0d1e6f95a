"""An in-process Sender that behaves like a chat platform: it records, rate-limits and refuses."""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from dataclasses import dataclass, field

from bot.messaging import RateLimited, Reply, TransientError, Unreachable


@dataclass
class FakeSender:
    """Records every accepted message.

    - `max_per_second`: more than this many accepted in any one-second window → 429 with
      `retry_after` (like Telegram's ~30 msg/s per bot);
    - `blocked`: chats that answer 403;
    - `flaky`: chat -> how many transient errors to raise before succeeding;
    - `latency`: seconds each call takes.
    """

    max_per_second: int | None = None
    retry_after: float = 1.0
    blocked: set[str] = field(default_factory=set)
    flaky: dict[str, int] = field(default_factory=dict)
    latency: float = 0.0
    sent: list[tuple[str, str]] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    rate_limited: int = 0
    calls: int = 0
    _window: deque[float] = field(default_factory=deque)

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.calls += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        now = asyncio.get_running_loop().time()
        if chat_id in self.blocked:
            raise Unreachable("403 Forbidden: bot was blocked by the user")
        if self.flaky.get(chat_id, 0) > 0:
            self.flaky[chat_id] -= 1
            raise TransientError("502 Bad Gateway")
        if self.max_per_second is not None:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.max_per_second:
                self.rate_limited += 1
                raise RateLimited(self.retry_after, "429 Too Many Requests")
            self._window.append(now)
        self.sent.append((chat_id, reply.text))
        self.sent_at.append(now)

    def counts(self) -> Counter[str]:
        return Counter(text for _chat, text in self.sent)

    def max_in_any_second(self) -> int:
        best, start = 0, 0
        times = sorted(self.sent_at)
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best
