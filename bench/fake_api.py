"""A lean fake Telegram Bot API for the benchmarks: one asyncio process (uvicorn), no threads.

Why not the tests' fake (`tests/fakes/telegram_api.py`): it serves each connection on a
thread of its own, which suits tests, while python-telegram-bot opens up to 256 connections
at once under load; a single asyncio server keeps the fake's own cost per call small and
flat, and the benchmarks do not import the test suite. (Measured on the benchmark machine,
the echo bot reached about the same rate against either fake, 69-79 updates/s, so the limit
there is the client's HTTP stack, not the fake.) This one speaks the subset of the API the bot
uses, with the same rules where they matter to a benchmark:

- `getUpdates` honours `offset`, `limit` and `timeout` (a long poll, cut short by new updates);
- send methods are rate limited over a sliding one-second window (`max_per_second`): past
  it, HTTP 429 with `parameters.retry_after` (`retry_after` seconds), counted;
- every successful send is recorded (chat, text, monotonic time), so a benchmark can check
  the bot against the server's records: nothing lost, nothing doubled.

State is shared with a control thread (`bench.fake_process`) under one lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
BOT_ID = 123456
TOKEN = "123456:BENCH-fake-token"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeBotApi:
    """The server's state and the ASGI app (`await api(scope, receive, send)`)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.max_per_second: float | None = None
        self.retry_after = 1
        self.max_poll_seconds = 1.0
        self.rate_limited_count = 0
        self.sends: list[tuple[str, str, float]] = []  # (chat_id, text, monotonic time)
        self.method_counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._send_times: deque[float] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_updates: asyncio.Event | None = None

    # -- control (from any thread)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._new_updates = asyncio.Event()

    def push(self, script: list[tuple[str, int, str]]) -> int:
        """Queue updates: ("text", chat_id, text) or ("callback", chat_id, data)."""
        now = int(time.time())
        with self.lock:
            for kind, chat_id, payload in script:
                self._next_update_id += 1
                self._next_message_id += 1
                user = {"id": chat_id, "is_bot": False, "first_name": f"User {chat_id}"}
                user["language_code"] = "vi"
                chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
                update: dict[str, Any] = {"update_id": self._next_update_id}
                if kind == "text":
                    message: dict[str, Any] = {
                        "message_id": self._next_message_id,
                        "date": now,
                        "chat": chat,
                        "from": user,
                        "text": payload,
                    }
                    if payload.startswith("/"):
                        length = len(payload.split()[0])
                        message["entities"] = [
                            {"type": "bot_command", "offset": 0, "length": length}
                        ]
                    update["message"] = message
                else:
                    update["callback_query"] = {
                        "id": f"cb{self._next_update_id}",
                        "from": user,
                        "chat_instance": str(chat_id),
                        "data": payload,
                        "message": {
                            "message_id": self._next_message_id,
                            "date": now,
                            "chat": {"id": chat_id, "type": "private"},
                            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot"},
                            "text": "…",
                            "reply_markup": {
                                "inline_keyboard": [[{"text": payload, "callback_data": payload}]]
                            },
                        },
                    }
                self._updates.append(update)
        if self._loop is not None and self._new_updates is not None:
            self._loop.call_soon_threadsafe(self._new_updates.set)
        return len(script)

    def reset(self) -> None:
        with self.lock:
            self.sends.clear()
            self.method_counts.clear()
            self.rate_limited_count = 0
            self._send_times.clear()

    def pending_updates(self) -> int:
        with self.lock:
            return len(self._updates)

    # -- the API

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Thi đua Bot",
            "username": "thidua_bench_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _message(self, chat_id: Any, text: str | None) -> dict[str, Any]:
        with self.lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": self._bot_user(),
        }
        if text is not None:
            message["text"] = text
        return message

    def _check_send(self, params: dict[str, Any]) -> None:
        if self.max_per_second is None:
            return
        now = time.monotonic()
        with self.lock:
            while self._send_times and now - self._send_times[0] >= 1.0:
                self._send_times.popleft()
            if len(self._send_times) >= self.max_per_second:
                self.rate_limited_count += 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after
                )
            self._send_times.append(now)

    async def _get_updates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        # Long polls are cut to a second: the bot then stops in a second, not ten, and
        # nothing measured waits on an empty poll (updates cut a poll short anyway).
        timeout = min(float(params.get("timeout") or 0), self.max_poll_seconds)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates:
                    return list(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._new_updates is None:
                return []
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_updates.wait(), min(remaining, 0.5))

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            self.method_counts[method] = self.method_counts.get(method, 0) + 1
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in SEND_METHODS:
            self._check_send(params)
        if method == "sendMessage":
            text = str(params.get("text") or "")
            if not text:
                raise ApiError(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                raise ApiError(400, "Bad Request: message is too long")
            chat = str(params.get("chat_id"))
            with self.lock:
                self.sends.append((chat, text, time.monotonic()))
            return self._message(chat, text)
        if method == "getMe":
            return self._bot_user()
        if method in {
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "deleteMyCommands",
            "answerCallbackQuery",
            "sendChatAction",
        }:
            return True
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if method == "editMessageReplyMarkup":
            message = self._message(params.get("chat_id") or 0, "…")
            message["message_id"] = int(params.get("message_id") or 0)
            return message
        raise ApiError(404, "Not Found: method not found")

    # -- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload = await self._route(scope, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def _route(self, scope: Scope, body: bytes) -> tuple[int, dict[str, Any]]:
        path: str = scope["path"]
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path.removeprefix(prefix)
        params: dict[str, Any] = {}
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode()
        if body and content_type.startswith("application/json"):
            params = json.loads(body)
        elif body:
            for key, value in parse_qsl(body.decode(), keep_blank_values=True):
                params[key] = value
        try:
            result = await self.call(method, params)
        except ApiError as exc:
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                payload["parameters"] = {"retry_after": exc.retry_after}
            return exc.status, payload
        return 200, {"ok": True, "result": result}
