"""What the fake Telegram and Zalo servers share: a real HTTP server on 127.0.0.1 in its own
threads, the record of every call, and the controls and waits the tests use.

Each platform's fake subclasses `FakeServer` (its API methods as `_m_<method>`, its own send
checks and test controls) and `RequestHandler` (its routes and envelope); everything that is
only plumbing lives here once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


@dataclass
class Call:
    """One API call the server received."""

    method: str
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)


class ApiError(Exception):
    """An error envelope the fake answers instead of a result."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeServer:
    """The lifecycle, call log, waits and shared controls of a fake bot platform.

    Subclasses set `platform` (named in timeouts), `send_methods` (the rate-limited and
    blockable ones) and `method_not_found` (the error for an unknown method), pass their
    RequestHandler subclass to `__init__`, and implement `_check_send` and the `_m_<method>`
    answers.
    """

    platform: ClassVar[str] = "bot API"
    send_methods: ClassVar[frozenset[str]] = frozenset()
    method_not_found: ClassVar[str] = "Not Found: method not found"

    def __init__(self, token: str, handler_class: type[RequestHandler]) -> None:
        self.token = token
        self._handler_class = handler_class
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self.max_per_second: float | None = None
        self.send_delay = 0.0  # seconds each send takes (a slow platform), in its own thread
        self.rate_limited_count = 0
        self._lock = threading.RLock()  # re-entrant: wait_for predicates call sent()
        self._changed = threading.Condition(self._lock)
        self._blocked: set[str] = set()
        self._send_times: deque[float] = deque()
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._stopping = False
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._handler_threads: set[threading.Thread] = set()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        assert isinstance(host, str)  # a TCP server's address, not a socket file's
        return f"http://{host}:{port}"

    def start(self) -> Self:
        handler = type("Handler", (self._handler_class,), {"fake": self})
        httpd = _Server(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake long polls and close every open connection."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            threads = list(self._handler_threads)
        for thread in threads:
            thread.join(timeout=5)
        self._httpd = None

    def leaked_threads(self) -> list[threading.Thread]:
        """Threads of this server still alive (after stop(): none, or a test leaked one)."""
        with self._lock:
            threads = [*self._handler_threads, *([self._thread] if self._thread else [])]
        return [t for t in threads if t.is_alive()]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def block(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.add(str(chat_id))

    def unblock(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(str(chat_id))

    def fail_next(self, method: str, status: int, description: str, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, description)] * times)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful calls to the send methods, in order (to one chat, if given)."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method in self.send_methods
                and c.status == 200
                and (chat_id is None or c.chat_id == str(chat_id))
            ]

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """Text (or caption) of every successful send, in order."""
        return [
            str(c.params.get("text") or c.params.get("caption") or "") for c in self.sent(chat_id)
        ]

    def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for the fake {self.platform} server")
                self._changed.wait(min(remaining, 0.05))

    def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        self.wait_for(lambda s: s._succeeded(method) >= count, timeout)
        return self.calls_to(method)

    async def until(self, predicate: Callable[[Self], bool], timeout: float = 5.0) -> None:
        """`wait_for` for async tests: yields to the event loop instead of blocking it."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if predicate(self):
                    return
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the fake server")
            await asyncio.sleep(0.005)

    async def until_calls(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        await self.until(lambda s: s._succeeded(method) >= count, timeout)
        return self.calls_to(method)

    def _succeeded(self, method: str) -> int:
        return sum(1 for c in self.calls if c.method == method and c.status == 200)

    # -- the API ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        """Answer one call (under no lock); raises ApiError for an error envelope."""
        call = Call(method, params)
        try:
            result = self._dispatch(method, params)
        except ApiError as exc:
            call.status = exc.status
            self._record(call)
            raise
        self._record(call)
        return result

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            failures = self._failures.get(method)
            if failures:
                status, description = failures.pop(0)
                raise ApiError(status, description)
        if method in self.send_methods:
            if self.send_delay:
                time.sleep(self.send_delay)
            self._check_send(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise ApiError(404, self.method_not_found)
        return handler(params)

    def _check_send(self, params: dict[str, Any]) -> None:
        """Refuse a send the platform would refuse (blocked chat, rate limit)."""
        raise NotImplementedError


class _Server(ThreadingHTTPServer):
    """A deep accept backlog: the default of 5 drops connections (1 s SYN retries, resets)
    when a dispatcher opens dozens at once."""

    request_queue_size = 1024
    daemon_threads = True


class RequestHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive plumbing; subclasses add the platform's routes."""

    protocol_version = "HTTP/1.1"
    fake: FakeServer
    timeout = 30

    def setup(self) -> None:
        super().setup()
        with self.fake._lock:
            self.fake._handler_threads.add(threading.current_thread())
        # Headers and body are separate writes: without NODELAY, Nagle + delayed ACK add
        # ~40 ms to every call, which a 10,000-message test cannot afford.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        # The client may go away mid-answer (a cancelled long poll): nothing to do then.
        with contextlib.suppress(OSError):
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log lines (tests send thousands)."""

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        # One write for head and body: fewer syscalls, no small-packet stall.
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + body)
