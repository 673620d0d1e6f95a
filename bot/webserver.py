"""What keeps the web server answering under hostile load: read deadlines, a connection cap
below the process's file limit, and logging that cannot repeat a line without bound.

uvicorn arms its keep-alive timer only after a response, so a client that opens a connection
and never finishes its headers (or its body) holds a file handle for ever; 1,100 of them
exhausted 1,024 handles, after which asyncio logged "socket.accept() out of system resource"
more than a million times a minute. Here:

- `GuardedH11Protocol` closes a connection whose request headers are not complete within
  `web_header_timeout` seconds of its first byte (or of the connection), or whose body stops
  coming for `web_body_timeout` seconds (a 20 MB upload from a phone may take minutes, so the
  body deadline moves with every chunk received, up to `MAX_BODY_SECONDS` in all);
- at the connection cap, a new connection takes the place of the one that has waited longest
  without sending a complete request (or is refused when every slot serves a real request),
  so the file handles the database, the platforms' HTTP pools and the files need are never
  taken by idle sockets, and a health check gets through during the attack; the cap is the
  configured one, lowered to the process's file limit minus a reserve larger than the
  listen backlog (asyncio accepts up to a backlog of sockets before any is handled);
- `RateLimitedLogFilter` lets through at most a few records per logger and message per
  window, then one line saying how many were suppressed.

In production a reverse proxy (nginx, Caddy) sits in front and absorbs slow clients
(docs/RELIABILITY.md); these guards hold even when it does not.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# File handles kept for everything that is not an inbound connection: the database pool,
# the platforms' HTTP pools (16 each), uploads being written, logs, the listening socket.
FILE_RESERVE = 160
# However steadily a body trickles in, a request gets this long in all (20 MB at 256 kbit/s).
MAX_BODY_SECONDS = 15 * 60


def raise_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (what an unprivileged process may do);
    return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def connection_cap(configured: int, file_limit: int) -> int:
    """The configured cap, but never more than the file limit minus the reserve (at least 8)."""

    return max(8, min(configured, file_limit - FILE_RESERVE))


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with read deadlines and a connection cap.

    Subclassed per server by `guarded_protocol`, which sets the three limits below.
    """

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 512
    on_refused: Callable[[], None] = staticmethod(lambda: None)

    _deadline: asyncio.TimerHandle | None = None
    _phase = "idle"  # "headers": waiting for a request's headers; "body": for its body
    _cycle_seen: Any = None

    # The connections of this server still waiting for their request's first complete
    # headers, oldest first (a dict keeps insertion order); one per class, see guarded_protocol.
    waiting: dict[GuardedH11Protocol, None]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.max_connections and not self._evict_oldest_waiting():
            # Every slot is busy with a real request: refuse this one. Not registered, so
            # connection_lost has nothing to undo.
            self.transport = transport
            transport.abort()
            type(self).on_refused()
            return
        super().connection_made(transport)
        self._arm("headers")

    def _evict_oldest_waiting(self) -> bool:
        """At the cap, the connection that has waited longest without sending a complete
        request makes room: a stalled client cannot keep a health check or a webhook out."""
        for oldest in self.waiting:
            oldest._disarm()
            oldest.transport.abort()
            type(self).on_refused()
            return True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self not in self.connections and getattr(self, "flow", None) is None:
            return  # refused at accept
        self._disarm()
        super().connection_lost(exc)

    _body_started = 0.0

    def data_received(self, data: bytes) -> None:
        if self._phase == "idle":
            self._arm("headers")
        elif self._phase == "body":
            self._arm("body")  # the body is still coming: its idle deadline moves on
        super().data_received(data)
        self._follow_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_request()

    def _follow_request(self) -> None:
        cycle = self.cycle
        if cycle is None or self.transport.is_closing():
            return
        if cycle is not self._cycle_seen or self._phase == "body":
            self._cycle_seen = cycle
            if cycle.more_body and not cycle.disconnected:
                if self._phase != "body":
                    self._arm("body")
            else:
                self._disarm()

    def _arm(self, phase: str) -> None:
        continuing = phase == "body" and self._phase == "body"
        self._disarm()
        self._phase = phase
        now = self.loop.time()
        if phase == "headers":
            self.waiting[self] = None
            timeout = self.header_timeout
        else:
            if not continuing:
                self._body_started = now
            left = self._body_started + MAX_BODY_SECONDS - now
            timeout = max(0.0, min(self.body_timeout, left))
        self._deadline = self.loop.call_later(timeout, self._expired, phase)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self.waiting.pop(self, None)
        self._phase = "idle"

    def _expired(self, phase: str) -> None:
        self._deadline = None
        self.waiting.pop(self, None)
        self._phase = "idle"
        if self.transport.is_closing():
            return
        prefix = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
        log.info("closing a connection from %s: request %s not received in time", prefix, phase)
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


def guarded_protocol(
    header_timeout: float,
    body_timeout: float,
    max_connections: int,
    on_refused: Callable[[], None] | None = None,
) -> type[GuardedH11Protocol]:
    """A protocol class for `uvicorn.Config(http=...)` with these limits."""
    attributes: dict[str, Any] = {
        "header_timeout": header_timeout,
        "body_timeout": body_timeout,
        "max_connections": max_connections,
        "waiting": {},
    }
    if on_refused is not None:
        attributes["on_refused"] = staticmethod(on_refused)
    return type("ThiduaH11Protocol", (GuardedH11Protocol,), attributes)


class RefusalCounter:
    """Counts connections refused over the cap and logs the count at most once a minute."""

    def __init__(self, interval: float = 60.0) -> None:
        self.interval = interval
        self.total = 0
        self._pending = 0
        self._last = float("-inf")

    def __call__(self) -> None:
        self.total += 1
        self._pending += 1
        now = time.monotonic()
        if now - self._last >= self.interval:
            log.warning(
                "connection cap reached: %d stalled or surplus connection(s) closed "
                "(a reverse proxy should absorb slow clients; see docs/RELIABILITY.md)",
                self._pending,
            )
            self._pending = 0
            self._last = now


class RateLimitedLogFilter(logging.Filter):
    """At most `burst` records per (logger, message template) in each `window` seconds.

    The first record after a suppressed stretch says how many similar ones were dropped, so
    the log grows by kilobytes under an attack instead of by hundreds of megabytes.
    """

    def __init__(
        self, burst: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], list[float]] = {}  # key → [window start, count, dropped]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg).partition("\n")[0][:200])
        now = self.clock()
        state = self._seen.get(key)
        if state is None or now - state[0] >= self.window:
            dropped = int(state[2]) if state is not None else 0
            self._seen[key] = [now, 1, 0]
            if len(self._seen) > 10_000:  # many distinct templates: forget old windows
                self._forget(now)
            if dropped:
                record.msg = f"{record.getMessage()} ({dropped} similar line(s) suppressed)"
                record.args = None
            return True
        state[1] += 1
        if state[1] <= self.burst:
            return True
        state[2] += 1
        return False

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._seen.items() if now - v[0] >= self.window]:
            del self._seen[key]
