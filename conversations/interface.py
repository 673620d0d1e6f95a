"""The small channel-neutral interface the flows are written against.

A channel adapter turns a platform update into an `Incoming`, hands it to the engine, and
renders each `Reply`: choices become inline buttons on Telegram and numbered lines on Zalo
and the console (where the engine maps a typed "2" back to the second choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.models.enums import Channel


@dataclass(frozen=True)
class Choice:
    """An option offered to the user. `key` travels as callback data (at most 64 bytes)."""

    key: str
    label: str


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
    lines = [text, ""] + [f"{i}. {choice.label}" for i, choice in enumerate(choices, start=1)]
    return "\n".join(lines)
