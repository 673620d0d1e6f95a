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
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.i18n import Translator
from bot.messaging import FileFetcher, Incoming, RateLimited, Reply, Sender, TransientError
from scheduler.pacing import SharedPacer
from scheduler.ratelimit import PausedTooLong

log = logging.getLogger(__name__)

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


# A reply to what a person just did is worth a short wait, not a long one: a 429 asking for
# more than this, or a platform still failing after these pauses, is given up (and logged).
REPLY_MAX_RETRY_AFTER = 30.0
REPLY_BACKOFF = (1.0, 2.0, 4.0)


async def _paced(step: Awaitable[None]) -> None:
    """Take (or pause) the shared pacing; if the database cannot be reached, the reply
    still goes, unpaced: an answer to what a person just did matters more than the budget."""
    try:
        await step
    except SQLAlchemyError:
        log.warning("shared send pacing unavailable; reply sent unpaced", exc_info=True)


async def send_with_retries(
    sender: Sender,
    chat_id: str,
    reply: Reply,
    *,
    pacer: SharedPacer | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Send a direct reply, retrying what the platform says to retry.

    A 429 (flood control, e.g. while a broadcast runs near the limit) waits its retry_after;
    a 5xx or network error waits 1, 2 then 4 seconds. A reply used to be tried once: 6 of 60
    officers got no answer during a broadcast, and one 502 lost a /status reply whose change
    was already committed. Unreachable (403) and plain SendError (a bad request) are raised
    at once. Like the outbox, a multi-part reply is sent whole again on a retry.

    With a `pacer` (the bot's SharedPacer), every try takes a slot from the same per-bot
    budget as the outbox, on every instance, and a 429 pauses that budget for everyone.
    """
    transient_tries = 0
    rate_limited_tries = 0
    while True:
        try:
            if pacer is not None:
                await _paced(pacer.acquire(REPLY_MAX_RETRY_AFTER))
            await sender.send(chat_id, reply)
            return
        except PausedTooLong as exc:
            raise RateLimited(exc.remaining, "the bot is paused after a 429") from None
        except RateLimited as exc:
            if pacer is not None:
                await _paced(pacer.pause(exc.retry_after))
            rate_limited_tries += 1
            if exc.retry_after > REPLY_MAX_RETRY_AFTER or rate_limited_tries > 5:
                raise
            await sleep(exc.retry_after)
        except TransientError:
            if transient_tries >= len(REPLY_BACKOFF):
                raise
            await sleep(REPLY_BACKOFF[transient_tries])
            transient_tries += 1
