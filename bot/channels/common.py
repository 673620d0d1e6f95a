"""The channel-neutral pieces every chat channel (Telegram, Zalo) shares.

`base` is what the outbox sees of a channel (the Sender protocol and its errors); this module
is what the channels themselves have in common when they receive updates and answer them:
the engine they hand updates to, how a long text is cut, one lock per chat, the apology when
the engine fails, the download-limit error, and the log filter that hides bot tokens (both
platforms put the token in every URL). Importing it installs that filter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Protocol

from bot.i18n import Translator
from bot.messaging import FileFetcher, Incoming, Reply

_TOKEN_IN_URL = re.compile(r"/bot[^/\s\"']+")


class TokenUrlFilter(logging.Filter):
    """Hides the token in `.../bot<token>/method` URLs that httpx logs for every request
    (Telegram and Zalo both put the token there)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = _TOKEN_IN_URL.sub("/bot***", message), None
        return True


def hide_tokens_in_http_logs() -> None:
    """Install TokenUrlFilter (once) on the loggers that write token-bearing URLs: httpx for
    every request, and PTB's bot classes, which log their API URLs at DEBUG."""
    for name in ("httpx", "telegram.Bot", "telegram.ext.ExtBot"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenUrlFilter) for f in logger.filters):
            logger.addFilter(TokenUrlFilter())


hide_tokens_in_http_logs()


class Handler(Protocol):
    """What a channel hands updates to: the conversation engine (or a test script)."""

    async def handle(self, incoming: Incoming, files: FileFetcher | None) -> list[Reply]: ...


class FileTooLarge(ValueError):
    """The file is bigger than the platform lets the bot download."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file of {size} bytes is over the {limit}-byte download limit")
        self.size = size
        self.limit = limit


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, preferring paragraph, line and
    word boundaries so a long list never breaks in the middle of an entry."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]  # a separator right after the limit is a fine cut too
        cut = -1
        for separator in ("\n\n", "\n", " "):
            position = window.rfind(separator, 0, limit + 1)
            if position > limit // 4:
                cut = position
                break
        if cut == -1:
            pieces.append(rest[:limit])
            rest = rest[limit:]
            continue
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip():
        pieces.append(rest)
    return [piece for piece in pieces if piece.strip()]


class ChatLocks:
    """One lock per chat while it is in use, so one person's messages are answered in order
    while different people are served concurrently; idle locks are dropped."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


def apology(language: str | None) -> Reply:
    """What the user gets when the engine itself failed: better than silence."""
    t = Translator(language)
    return Reply(t("Sorry, something went wrong on our side. Please try again."))
