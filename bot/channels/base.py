"""What every channel offers to the outbox: send a Reply to a chat, or say why it could not.

The scheduler and the outbox depend only on this protocol, never on a concrete channel.
"""

from __future__ import annotations

from typing import Protocol

from conversations.interface import Reply


class SendError(Exception):
    """Sending failed; subclasses say whether and when to try again."""


class RateLimited(SendError):
    """The platform said 429; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(SendError):
    """The user blocked the bot or never started it (403): never retry."""


class TransientError(SendError):
    """A network error or a 5xx: retry with backoff."""


class Sender(Protocol):
    """Sends one Reply to one chat on one channel."""

    async def send(self, chat_id: str, reply: Reply) -> None: ...
