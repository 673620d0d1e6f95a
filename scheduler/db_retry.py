"""Retrying database work through a blip: the connection dropped, the server restarted, a
failover, SQLite busy past its timeout.

Why the outbox needs it: a batch's messages are sent, then their results are written. When
that write failed (an 8 s blip during a broadcast to 150 officers), the rows stayed `sending`
until the claim timeout, were claimed again and sent twice (100 doubles). Retrying the write
until the database is back records each result once: a blip gives 0 doubles; only a crash
of the process itself is left to the crash bound.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

log = logging.getLogger(__name__)

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """A database error that another try may not meet: the connection, not the statement."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def retry_through_blips(
    work: Callable[[], T],
    *,
    what: str,
    within: float,
    first_delay: float = 0.25,
    max_delay: float = 5.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> T:
    """Run `work` in a worker thread until it succeeds, retrying transient database errors
    with back-off for up to `within` seconds; then (or on any other error) raise."""
    deadline = monotonic() + within
    delay = first_delay
    failures = 0
    while True:
        try:
            result = await asyncio.to_thread(work)
        except Exception as exc:
            if not is_transient(exc) or monotonic() + delay > deadline:
                raise
            failures += 1
            if failures == 1:
                log.warning("%s: database unavailable (%s); retrying", what, type(exc).__name__)
            await sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        if failures:
            log.info("%s: done after %d retries", what, failures)
        return result
