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
    """Sends one Reply to one chat on one channel.

    Errors say what the outbox does next: `RateLimited` (429) → paused and put back, no
    attempt used; `Unreachable` (403) → never again to this contact; `TransientError` →
    retried with back-off up to `max_attempts`; a plain `SendError` → failed at once
    (retrying cannot help); any other exception → logged and retried like a transient one.

    One Reply may take several platform messages (Telegram: text chunks of 4096 characters,
    then the document; Zalo: chunks of 2000 characters). `send` is all-or-retry: it keeps no
    record of the parts that went out, so when a later part fails with a retryable error the
    whole Reply is sent again and the earlier parts are repeated — at most `max_attempts`
    times each for transient errors, once per 429 for rate limits. Implementations should
    therefore raise a plain `SendError` for anything a retry cannot fix (a bad request, an
    unreadable attachment) rather than `TransientError`. Resuming after the last delivered
    part would need `send` to take the number of parts to skip and its errors to carry the
    number delivered, plus a counter on `Delivery`: a protocol change for every channel.
    """

    async def send(self, chat_id: str, reply: Reply) -> None: ...
