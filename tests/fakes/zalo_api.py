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
        zl.add_redirect(name, location) -> url  # GET /files/<name> answers 302 to location
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

The HTTP plumbing, the call log and the waits are shared with the other fake, in `_server`.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.fakes._server import ApiError, FakeServer, RequestHandler

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
MAX_TEXT = 2000


class FakeZaloServer(FakeServer):
    """See the module docstring."""

    platform = "Zalo"
    send_methods = SEND_METHODS
    method_not_found = "Method not found"

    def __init__(self, token: str = "1459232241454765289:zalo-test-token") -> None:
        super().__init__(token, _RequestHandler)
        self._events: deque[dict[str, Any]] = deque()
        self._next_message = 1
        self._files: dict[str, bytes] = {}
        self._redirects: dict[str, str] = {}

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

    def add_redirect(self, name: str, location: str) -> str:
        """GET /files/<name> answers 302 to `location` (a CDN hop, or a hostile one)."""
        with self._lock:
            self._redirects[name] = location
        return f"{self.base_url}/files/{name}"

    def redirect_for(self, name: str) -> str | None:
        with self._lock:
            return self._redirects.get(name)

    def file_content(self, name: str) -> bytes | None:
        with self._lock:
            return self._files.get(name)

    # -- the API ---------------------------------------------------------------------------

    def _check_send(self, params: dict[str, Any]) -> None:
        chat = str(params.get("chat_id") or "")
        if not chat:
            raise ApiError(400, "chat_id is required")
        now = time.monotonic()
        with self._lock:
            if chat in self._blocked:
                raise ApiError(403, "The user has blocked the bot or is not a follower")
            if self.max_per_second is not None:
                while self._send_times and now - self._send_times[0] >= 1.0:
                    self._send_times.popleft()
                if len(self._send_times) >= self.max_per_second:
                    self.rate_limited_count += 1
                    raise ApiError(429, "Too many requests", 1)
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
                raise ApiError(400, "Webhook is active, delete it before using getUpdates")
            while not self._events and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.5))
            if not self._events:
                raise ApiError(408, "Request timeout")
            return self._events.popleft()

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        secret = str(params.get("secret_token") or "")
        if not url.startswith("https://"):
            raise ApiError(400, "url must be an HTTPS URL")
        if not 8 <= len(secret) <= 256:
            raise ApiError(400, "secret_token must have 8 to 256 characters")
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
            raise ApiError(400, "text must have 1 to 2000 characters")
        return self._sent()

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise ApiError(400, "photo must be a URL")
        caption = params.get("caption")
        if caption is not None and not 1 <= len(str(caption)) <= MAX_TEXT:
            raise ApiError(400, "caption must have 1 to 2000 characters")
        return self._sent()

    def _m_sendSticker(self, params: dict[str, Any]) -> Any:
        return self._sent()

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        if params.get("action") not in ("typing", "upload_photo"):
            raise ApiError(400, "unknown action")
        return None


class _RequestHandler(RequestHandler):
    fake: FakeZaloServer
    timeout = 60

    def _envelope(self, payload: dict[str, Any], status: int = 200) -> None:
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode())

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith("/files/"):
            location = self.fake.redirect_for(path.removeprefix("/files/"))
            if location is not None:
                head = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
                self.wfile.write(head.encode())
                return
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
        except ApiError as exc:
            self._envelope({"ok": False, "error_code": exc.status, "description": exc.description})
            return
        self._envelope({"ok": True, "result": result})
