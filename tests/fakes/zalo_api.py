"""A fake Zalo Bot Platform server for tests: real HTTP on 127.0.0.1.

It answers like the platform (DOMAIN.md): POST JSON to `/bot<token>/<method>`, an envelope
`{"ok", "result", "error_code", "description"}` where an HTTP 200 can still be `ok: false`.

API (thread-safe; the server runs in its own threads)::

    with FakeZaloServer() as zl:                # or zl.start() ... zl.stop()
        zl.base_url / zl.token                  # ZALO_API_BASE_URL / ZALO_BOT_TOKEN
        zl.make_text_event(chat_id, text) -> dict        # {"event_name", "message"} (webhook body
        zl.make_image_event(chat_id, url, caption=None)  #  is {"ok": True, "result": event})
        zl.make_unsupported_event(chat_id) -> dict
        zl.push_event(event) / push_text(chat_id, text)  # queue for getUpdates (one per call)
        zl.add_file(content, name) -> url       # served by GET /files/<name> (a photo URL)
        zl.calls / zl.calls_to("sendMessage") / zl.sent(chat_id) / zl.texts(chat_id)
        zl.wait_for(predicate, timeout) / zl.wait_for_calls(method, n, timeout)   # blocking
        await zl.until(predicate, timeout) / await zl.until_calls(method, n, timeout)  # async
        zl.block(chat_id)                       # sends answer ok:false, error_code 403
        zl.max_per_second = 10.0                # sends above it answer ok:false, error_code 429
        zl.rate_limited_count
        zl.fail_next("sendMessage", 500, "Internal error", times=1)
        zl.webhook                              # {"url", "secret_token"} after setWebhook

getUpdates returns one event, or after `timeout` seconds (default 30; cut short when the server
stops) `ok: false, error_code: 408`; with a webhook set it answers `ok: false` (polling and
webhook are mutually exclusive). sendMessage enforces the 1-2000 character text limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.fakes.telegram_api import Call, _ApiError

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
MAX_TEXT = 2000


class FakeZaloServer:
    """See the module docstring."""

    def __init__(self, token: str = "1459232241454765289:zalo-test-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self.max_per_second: float | None = None
        self.rate_limited_count = 0
        self._lock = threading.RLock()  # re-entrant: wait_for predicates call sent()
        self._changed = threading.Condition(self._lock)
        self._events: deque[dict[str, Any]] = deque()
        self._next_message = 1
        self._blocked: set[str] = set()
        self._files: dict[str, bytes] = {}
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
        return f"http://{host}:{port}"

    def start(self) -> FakeZaloServer:
        server = self

        class Handler(_RequestHandler):
            fake = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
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

    def __enter__(self) -> FakeZaloServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------

    def _message(self, chat_id: str, user_id: str | None, display_name: str) -> dict[str, Any]:
        with self._lock:
            number = self._next_message
            self._next_message += 1
        return {
            "message_id": f"m{number:08x}",
            "date": int(time.time() * 1000),
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
        }

    def make_text_event(
        self,
        chat_id: str,
        text: str,
        user_id: str | None = None,
        display_name: str = "Nguyễn Văn A",
    ) -> dict[str, Any]:
        message = self._message(chat_id, user_id, display_name)
        message["text"] = text
        return {"event_name": "message.text.received", "message": message}

    def make_image_event(
        self, chat_id: str, photo_url: str, caption: str | None = None
    ) -> dict[str, Any]:
        message = self._message(chat_id, None, "Nguyễn Văn A")
        message["photo"] = photo_url
        if caption is not None:
            message["caption"] = caption
        return {"event_name": "message.image.received", "message": message}

    def make_unsupported_event(self, chat_id: str) -> dict[str, Any]:
        return {
            "event_name": "message.unsupported.received",
            "message": self._message(chat_id, None, "Nguyễn Văn A"),
        }

    def push_event(self, event: dict[str, Any]) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    def push_text(self, chat_id: str, text: str) -> dict[str, Any]:
        event = self.make_text_event(chat_id, text)
        self.push_event(event)
        return event

    def add_file(self, content: bytes, name: str = "photo.jpg") -> str:
        with self._lock:
            self._files[name] = content
        return f"{self.base_url}/files/{name}"

    def file_content(self, name: str) -> bytes | None:
        with self._lock:
            return self._files.get(name)

    def block(self, chat_id: str) -> None:
        with self._lock:
            self._blocked.add(str(chat_id))

    def fail_next(self, method: str, status: int, description: str, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, description)] * times)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c.params for c in self.calls if c.method == method]

    def sent(self, chat_id: str | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.method in SEND_METHODS
                and c.status == 200
                and (chat_id is None or c.chat_id == str(chat_id))
            ]

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [
            str(c.params.get("text") or c.params.get("caption") or "") for c in self.sent(chat_id)
        ]

    def wait_for(self, predicate: Callable[[FakeZaloServer], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting for the fake Zalo server")
                self._changed.wait(min(remaining, 0.05))

    def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        self.wait_for(
            lambda s: sum(1 for c in s.calls if c.method == method and c.status == 200) >= count,
            timeout,
        )
        return self.calls_to(method)

    async def until(
        self, predicate: Callable[[FakeZaloServer], bool], timeout: float = 5.0
    ) -> None:
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
        await self.until(
            lambda s: sum(1 for c in s.calls if c.method == method and c.status == 200) >= count,
            timeout,
        )
        return self.calls_to(method)

    # -- the API ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        call = Call(method, params)
        try:
            result = self._dispatch(method, params)
        except _ApiError as exc:
            call.status = exc.status
            with self._changed:
                self.calls.append(call)
                self._changed.notify_all()
            raise
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        return result

    def _dispatch(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            failures = self._failures.get(method)
            if failures:
                status, description = failures.pop(0)
                raise _ApiError(status, description)
        if method in SEND_METHODS:
            self._check_send(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise _ApiError(404, "Method not found")
        return handler(params)

    def _check_send(self, params: dict[str, Any]) -> None:
        chat = str(params.get("chat_id") or "")
        if not chat:
            raise _ApiError(400, "chat_id is required")
        now = time.monotonic()
        with self._lock:
            if chat in self._blocked:
                raise _ApiError(403, "The user has blocked the bot or is not a follower")
            if self.max_per_second is not None:
                while self._send_times and now - self._send_times[0] >= 1.0:
                    self._send_times.popleft()
                if len(self._send_times) >= self.max_per_second:
                    self.rate_limited_count += 1
                    raise _ApiError(429, "Too many requests", 1)
                self._send_times.append(now)

    def _sent(self) -> dict[str, Any]:
        with self._lock:
            number = self._next_message
            self._next_message += 1
        return {"message_id": f"b{number:08x}", "date": int(time.time() * 1000)}

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            "id": self.token.split(":")[0],
            "account_name": "bot.ThiDuaTest",
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        timeout = float(params.get("timeout") or 30)
        deadline = time.monotonic() + timeout
        with self._changed:
            if self.webhook.get("url"):
                raise _ApiError(400, "Webhook is active, delete it before using getUpdates")
            while not self._events and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.5))
            if not self._events:
                raise _ApiError(408, "Request timeout")
            return self._events.popleft()

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        secret = str(params.get("secret_token") or "")
        if not url.startswith("https://"):
            raise _ApiError(400, "url must be an HTTPS URL")
        if not 8 <= len(secret) <= 256:
            raise _ApiError(400, "secret_token must have 8 to 256 characters")
        with self._lock:
            self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {"url": ""}
        return {"url": "", "updated_at": int(time.time() * 1000)}

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            return {"url": self.webhook.get("url", ""), "updated_at": int(time.time() * 1000)}

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            raise _ApiError(400, "text must have 1 to 2000 characters")
        return self._sent()

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise _ApiError(400, "photo must be a URL")
        caption = params.get("caption")
        if caption is not None and not 1 <= len(str(caption)) <= MAX_TEXT:
            raise _ApiError(400, "caption must have 1 to 2000 characters")
        return self._sent()

    def _m_sendSticker(self, params: dict[str, Any]) -> Any:
        return self._sent()

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        if params.get("action") not in ("typing", "upload_photo"):
            raise _ApiError(400, "unknown action")
        return None


class _Server(ThreadingHTTPServer):
    """A deep accept backlog: the default of 5 drops connections (1 s SYN retries, resets)
    when a dispatcher opens dozens at once."""

    request_queue_size = 1024
    daemon_threads = True


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeZaloServer
    timeout = 60

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
        """Silence the per-request log lines."""

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        # One write for head and body: fewer syscalls, no small-packet stall.
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + body)

    def _envelope(self, payload: dict[str, Any], status: int = 200) -> None:
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode())

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/files/"):
            content = self.fake.file_content(path.removeprefix("/files/"))
            if content is not None:
                self._reply(200, content, "image/jpeg")
                return
        self._envelope({"ok": False, "error_code": 404, "description": "Not found"}, 404)

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if match is None:
            self._envelope({"ok": False, "error_code": 404, "description": "Not found"}, 404)
            return
        token, method = match.groups()
        if token != self.fake.token:
            # The platform answers a bad token inside an HTTP 200 envelope.
            self._envelope({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params = json.loads(body) if body else {}
            if not isinstance(params, dict):
                raise ValueError("not an object")
        except ValueError:
            self._envelope({"ok": False, "error_code": 400, "description": "Invalid JSON"})
            return
        try:
            result = self.fake.handle(method, params)
        except _ApiError as exc:
            self._envelope({"ok": False, "error_code": exc.status, "description": exc.description})
            return
        self._envelope({"ok": True, "result": result})
