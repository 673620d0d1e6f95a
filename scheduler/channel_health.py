"""Which channels this instance can reach right now, judged by its own sends.

An instance cut off from a platform (its network, a proxy, a DNS failure) used to keep
claiming rows and burning their attempts; after the retry window (about 15.5 min with the
defaults) every due message was failed for good, although a healthy instance could have sent
them. Now, after transient failures to `threshold` different chats with no success in
between (one chat failing again and again is that message's problem, not an outage), the
instance stops
claiming that channel's rows for a cool-down (30 s, doubling up to 5 min); the first send
after the cool-down probes the channel: a success clears it, a failure closes it again.
Rows stay `pending` meanwhile, for a healthy instance or for this one when it recovers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class _State:
    chats: set[str] = field(default_factory=set)
    cooldown: float = 0.0
    down_until: float = 0.0


class ChannelHealth:
    def __init__(
        self,
        threshold: int = 5,
        first_cooldown: float = 30.0,
        max_cooldown: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.first_cooldown = first_cooldown
        self.max_cooldown = max_cooldown
        self.monotonic = monotonic
        self._states: dict[str, _State] = {}

    def claimable(self, channel: str) -> bool:
        state = self._states.get(channel)
        return state is None or self.monotonic() >= state.down_until

    def ok(self, channel: str) -> None:
        state = self._states.pop(channel, None)
        if state is not None and state.cooldown:
            log.info("channel %s is reachable again", channel)

    def failed(self, channel: str, chat_id: str) -> None:
        state = self._states.setdefault(channel, _State())
        state.chats.add(chat_id)
        if len(state.chats) < self.threshold or not self.claimable(channel):
            return
        state.cooldown = min(
            self.max_cooldown, state.cooldown * 2 if state.cooldown else self.first_cooldown
        )
        state.down_until = self.monotonic() + state.cooldown
        log.warning(
            "channel %s unreachable from this instance (%d chats failed in a row): not "
            "claiming its messages for %.0f s",
            channel,
            len(state.chats),
            state.cooldown,
        )
