"""The channel-neutral messages: what a user sends (`Incoming`), what the bot sends back
(`Reply` with its `Choice`s), and the `Sender` every channel offers to the outbox.

They belong to the domain, below both `conversations/` (the flows read an `Incoming` and write
`Reply`s) and `scheduler/` (the outbox hands `Reply`s to a `Sender`), so neither of those
packages needs the other, and neither needs a concrete channel.

A channel adapter turns a platform update into an `Incoming`, hands it to the engine, and
renders each `Reply`: choices become inline buttons on Telegram and numbered lines on Zalo
and the console (where the engine maps a typed "2" back to the second choice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from bot.models.enums import Channel


@dataclass(frozen=True)
class Choice:
    """An option offered to the user. `key` travels as callback data (at most 64 bytes).

    `number` is what a channel without buttons shows before the label and what the user may
    type to pick it; None means "the one after the previous choice's" (1 for the first). A
    paged list sets it so entry 11 stays "11." on its second page."""

    key: str
    label: str
    number: int | None = None


@dataclass(frozen=True)
class IncomingFile:
    """A document or photo the user sent; `file_id` is the platform's handle to download it."""

    file_id: str
    file_name: str
    mime_type: str = ""
    size: int = 0
    is_photo: bool = False


@dataclass(frozen=True)
class Incoming:
    """One user action: a text, a pressed button, or a file."""

    channel: Channel
    user_id: str
    chat_id: str
    update_key: str
    display_name: str = ""
    text: str | None = None
    choice: str | None = None
    file: IncomingFile | None = None
    language_hint: str | None = None


@dataclass(frozen=True)
class Reply:
    """One message back to the user."""

    text: str
    choices: tuple[Choice, ...] = ()
    document: Path | None = None
    photo: Path | None = None


@dataclass
class Conversation:
    """What the engine returns for an Incoming: the replies to send, in order."""

    replies: list[Reply] = field(default_factory=list)


class FileFetcher(Protocol):
    """Downloads an IncomingFile to a local path (each channel knows how)."""

    async def fetch(self, file: IncomingFile, destination: Path) -> None: ...


def numbered(text: str, choices: tuple[Choice, ...]) -> str:
    """Render choices as numbered text lines, for channels without buttons."""
    if not choices:
        return text
    numbers = choice_numbers(choices)
    lines = [text, ""] + [
        f"{n}. {choice.label}" for n, choice in zip(numbers, choices, strict=True)
    ]
    return "\n".join(lines)


def choice_numbers(choices: tuple[Choice, ...]) -> list[int]:
    """The number shown (and typed) for each choice: its own, else one more than the last."""
    numbers: list[int] = []
    for choice in choices:
        numbers.append(
            choice.number if choice.number is not None else (numbers[-1] + 1 if numbers else 1)
        )
    return numbers


def coalesced(replies: Sequence[Reply], fits: Callable[[Reply], bool]) -> list[Reply]:
    """The replies with each plain text joined above the reply after it, a blank line apart,
    so a step's answer ("Đã thêm: ...") and the next question travel as one message: one
    platform call and one pacing slot instead of two.

    A reply is joined to the next only when nothing is lost: it has no choices of its own
    (its keyboard would vanish, or its numbers would sit above the next one's) and neither
    carries a document or photo; and only when `fits` (the channel's size limit) still holds
    for the joined reply, so a join never makes a message the channel would split."""
    out: list[Reply] = []
    for reply in replies:
        if out and _joinable(out[-1], reply):
            joined = replace(reply, text="\n\n".join(t for t in (out[-1].text, reply.text) if t))
            if fits(joined):
                out[-1] = joined
                continue
        out.append(reply)
    return out


def _joinable(first: Reply, second: Reply) -> bool:
    return not first.choices and not any(
        r.document is not None or r.photo is not None for r in (first, second)
    )


# --- sending ----------------------------------------------------------------------------


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
