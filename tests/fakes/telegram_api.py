"""A fake Telegram Bot API server for tests: real HTTP on 127.0.0.1, no network beyond loopback.

Why a real HTTP server: the adapters are tested through python-telegram-bot's own HTTP stack
(httpx, form and multipart encoding, error mapping), which a mock of `Bot` would skip.

API (all methods are thread-safe; the server runs in its own threads)::

    with FakeTelegramServer() as tg:            # or tg.start() ... tg.stop()
        tg.base_url                             # "http://127.0.0.1:<port>": TELEGRAM_API_BASE_URL
        tg.token                                # the only token the server accepts (else 401)
        tg.push_update(update_dict) -> int      # queue a raw Update for getUpdates -> update_id
        tg.push_text(chat_id, text, user_id=None, language_code="vi") -> int
        tg.push_callback(chat_id, data, message_id=1) -> int
        tg.push_document(chat_id, content, file_name, mime_type=...) -> int
        tg.push_photo(chat_id, content) -> int
        tg.make_text_update(...) / make_callback_update(...) -> dict  # build, don't queue
        tg.add_file(content, file_path=None, file_size=None) -> file_id  # getFile + /file/
        tg.calls -> list[Call]                  # every API call, in order (method, params, chat_id)
        tg.leaked_threads() -> list[Thread]     # after stop(): [] unless something leaked
        tg.calls_to("sendMessage") -> list[dict]  # params of the calls to one method
        tg.sent(chat_id=None) -> list[Call]     # successful sendMessage/sendDocument/sendPhoto
        tg.wait_for(predicate, timeout=5.0)     # block until predicate(tg) (else AssertionError)
        await tg.until(predicate, timeout=5.0)  # the same for async tests (never blocks the loop)
        await tg.until_calls("sendMessage", n)  # -> params of the calls, once n succeeded
        tg.wait_for_calls("sendMessage", n, timeout=5.0) -> list[dict]
        tg.block(chat_id) / tg.unblock(chat_id) # 403 "Forbidden: bot was blocked by the user"
        tg.max_per_second = 30.0                # overall send rate limit (default None: off)
        tg.send_delay = 0.2                     # each send takes this long (a slow platform)
        tg.max_per_chat_per_second = 1.0        # per-chat send rate limit (default None: off)
        tg.retry_after = 1                      # what a 429 tells the client
        tg.max_download = None                  # getFile over 20 MB allowed (self-hosted API)
        tg.rate_limited_count                   # how many 429s were answered
        tg.fail_next("sendMessage", 502, "Bad Gateway", times=1)  # inject server errors
        tg.webhook                              # {"url", "secret_token", ...} after setWebhook
        tg.commands                             # {language_code or "": [command dicts]}
        tg.scoped_commands                      # {(scope type, chat_id, language): [...]}
        tg.uploads                              # [(method, field, file_name, bytes)] uploaded

"Send" methods are sendMessage, sendDocument and sendPhoto; only they are rate limited and
blocked. getUpdates honours `offset` (confirms earlier updates) and `timeout` (long poll, cut short
when an update is pushed or the server stops). Parameters arrive as JSON, form-urlencoded
(what python-telegram-bot sends: non-string values JSON-encoded) or multipart.

The HTTP plumbing, the call log and the waits are shared with the other fake, in `_server`.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.fakes._server import ApiError, FakeServer, RequestHandler

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
_JSON_FIELDS = frozenset(
    {"reply_markup", "commands", "allowed_updates", "scope", "entities", "caption_entities"}
)
_INT_FIELDS = frozenset({"offset", "limit", "timeout", "message_id", "max_connections"})
MAX_TEXT = 4096
MAX_CAPTION = 1024


class FakeTelegramServer(FakeServer):
    """See the module docstring."""

    platform = "Telegram"
    send_methods = SEND_METHODS
    method_not_found = "Not Found: method not found"

    def __init__(self, token: str = "123456:TEST-fake-token", bot_id: int = 123456) -> None:
        super().__init__(token, _RequestHandler)
        self.bot_id = bot_id
        self.uploads: list[tuple[str, str, str, bytes]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.scoped_commands: dict[tuple[str, str, str], list[dict[str, str]]] = {}
        self.max_per_chat_per_second: float | None = None
        self.retry_after = 1
        self.max_download: int | None = 20 * 1024 * 1024  # None: a self-hosted server
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._files: dict[str, tuple[str, bytes, int]] = {}
        self._chat_send_times: dict[str, deque[float]] = {}

    # -- test controls ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        with self._changed:
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            self._updates.append(update)
            self._changed.notify_all()
            return int(update["update_id"])

    def _user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _message(
        self, chat_id: int, user_id: int | None, language_code: str | None
    ) -> dict[str, Any]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"},
            "from": self._user(user_id or chat_id, language_code),
        }

    def make_text_update(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        language_code: str | None = "vi",
        update_id: int | None = None,
    ) -> dict[str, Any]:
        message = self._message(chat_id, user_id, language_code)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        update: dict[str, Any] = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        else:
            with self._lock:
                update["update_id"] = self._next_update_id
                self._next_update_id += 1
        return update

    def make_callback_update(
        self, chat_id: int, data: str, message_id: int = 1, user_id: int | None = None
    ) -> dict[str, Any]:
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "Bot"},
            "text": "…",
            "reply_markup": {"inline_keyboard": [[{"text": data, "callback_data": data}]]},
        }
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb{update_id}",
                "from": self._user(user_id or chat_id, "vi"),
                "chat_instance": str(chat_id),
                "message": message,
                "data": data,
            },
        }

    def push_text(
        self, chat_id: int, text: str, user_id: int | None = None, language_code: str | None = "vi"
    ) -> int:
        return self.push_update(self.make_text_update(chat_id, text, user_id, language_code))

    def push_callback(self, chat_id: int, data: str, message_id: int = 1) -> int:
        return self.push_update(self.make_callback_update(chat_id, data, message_id))

    def push_document(
        self,
        chat_id: int,
        content: bytes,
        file_name: str,
        mime_type: str = "application/pdf",
        caption: str | None = None,
        file_size: int | None = None,
    ) -> int:
        file_id = self.add_file(content, f"documents/{file_name}", file_size)
        message = self._message(chat_id, None, "vi")
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": file_size if file_size is not None else len(content),
        }
        if caption:
            message["caption"] = caption
        return self.push_update({"message": message})

    def push_photo(self, chat_id: int, content: bytes) -> int:
        file_id = self.add_file(content)
        small = self.add_file(content[: max(1, len(content) // 4)])
        message = self._message(chat_id, None, "vi")
        message["photo"] = [
            {"file_id": small, "file_unique_id": f"u{small}", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 800,
                "height": 800,
                "file_size": len(content),
            },
        ]
        return self.push_update({"message": message})

    def add_file(
        self, content: bytes, file_path: str | None = None, file_size: int | None = None
    ) -> str:
        with self._lock:
            file_id = f"F{len(self._files) + 1:06d}"
            path = file_path or f"photos/{file_id}.jpg"
            self._files[file_id] = (path, content, len(content) if file_size is None else file_size)
            return file_id

    # -- the API ---------------------------------------------------------------------------

    def _check_send(self, params: dict[str, Any]) -> None:
        chat = str(params.get("chat_id", ""))
        if not chat:
            raise ApiError(400, "Bad Request: chat_id is empty")
        now = time.monotonic()
        with self._lock:
            if chat in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if self.max_per_second is not None:
                while self._send_times and now - self._send_times[0] >= 1.0:
                    self._send_times.popleft()
                if len(self._send_times) >= self.max_per_second:
                    self.rate_limited_count += 1
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {self.retry_after}",
                        self.retry_after,
                    )
            if self.max_per_chat_per_second is not None:
                times = self._chat_send_times.setdefault(chat, deque())
                while times and now - times[0] >= 1.0:
                    times.popleft()
                if len(times) >= self.max_per_chat_per_second:
                    self.rate_limited_count += 1
                    raise ApiError(
                        429,
                        f"Too Many Requests: retry after {self.retry_after}",
                        self.retry_after,
                    )
                times.append(now)
            if self.max_per_second is not None:
                self._send_times.append(now)

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Thi đua Bot",
            "username": "thidua_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _sent_message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": self._bot_user(),
        }
        if "reply_markup" in params and isinstance(params["reply_markup"], dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self._bot_user()

    def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._changed:
            if self.webhook.get("url"):
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(min(remaining, 0.5))
            return list(self._updates[:limit])

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {
                "url": str(params.get("url", "")),
                "secret_token": params.get("secret_token"),
                "allowed_updates": params.get("allowed_updates"),
            }
            if params.get("drop_pending_updates") in (True, "true", "True"):
                self._updates.clear()
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {"url": ""}
            if params.get("drop_pending_updates") in (True, "true", "True"):
                self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        for command in commands:
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = params.get("scope") or {"type": "default"}
        language = str(params.get("language_code") or "")
        with self._lock:
            if scope.get("type") == "default":
                self.commands[language] = commands
            else:
                if str(scope.get("chat_id")) in self._blocked:
                    raise ApiError(400, "Bad Request: chat not found")
                key = (str(scope.get("type")), str(scope.get("chat_id", "")), language)
                self.scoped_commands[key] = commands
        return True

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    def _check_markup(self, params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and len(str(data).encode()) > 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params)
        message = self._sent_message(params)
        message["text"] = text
        return message

    def _send_file(self, params: dict[str, Any], kind: str) -> Any:
        if kind not in params:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if len(str(params.get("caption") or "")) > MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        self._check_markup(params)
        message = self._sent_message(params)
        file_id = self.add_file(b"")
        if kind == "document":
            message["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        else:
            message["photo"] = [
                {"file_id": file_id, "file_unique_id": f"u{file_id}", "width": 1, "height": 1}
            ]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "document")

    def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._send_file(params, "photo")

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query is too old or query ID is invalid")
        return True

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        message = self._sent_message(params)
        message["message_id"] = int(params.get("message_id") or 0)
        message["text"] = "…"
        return message

    def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id", ""))
        with self._lock:
            entry = self._files.get(file_id)
        if entry is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, _content, size = entry
        if self.max_download is not None and size > self.max_download:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": path,
        }

    def file_content(self, path: str) -> bytes | None:
        with self._lock:
            for file_path, content, _size in self._files.values():
                if file_path == path:
                    return content
        return None


def _coerce(key: str, value: str) -> Any:
    if key in _JSON_FIELDS or value in ("true", "false"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _INT_FIELDS or key == "chat_id":
        try:
            return int(value)
        except ValueError:
            return value
    return value


class _RequestHandler(RequestHandler):
    fake: FakeTelegramServer

    def _envelope(self, status: int, payload: dict[str, Any]) -> None:
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode())

    def _params(self) -> tuple[dict[str, Any], list[tuple[str, str, bytes]]]:
        files: list[tuple[str, str, bytes]] = []
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = dict(parse_qsl(urlsplit(self.path).query))
        params: dict[str, Any] = {k: _coerce(k, v) for k, v in query.items()}
        ctype = self.headers.get("Content-Type", "")
        if not body:
            return params, files
        if ctype.startswith("application/json"):
            params.update(json.loads(body))
        elif ctype.startswith("application/x-www-form-urlencoded"):
            pairs = parse_qsl(body.decode(), keep_blank_values=True)
            params.update({k: _coerce(k, v) for k, v in pairs})
        elif ctype.startswith("multipart/form-data"):
            head = f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                raw = part.get_payload(decode=True)  # bytes: these parts are not multipart
                payload = raw if isinstance(raw, bytes) else b""
                if filename is not None:
                    files.append((str(name), filename, payload))
                    params[str(name)] = {"file_name": filename, "size": len(payload)}
                else:
                    params[str(name)] = _coerce(str(name), payload.decode())
        return params, files

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        path = unquote(urlsplit(self.path).path)
        file_prefix = f"/file/bot{self.fake.token}/"
        if path.startswith(file_prefix):
            content = self.fake.file_content(path.removeprefix(file_prefix))
            if content is None:
                self._envelope(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._reply(200, content, "application/octet-stream")
            return
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if match is None:
            self._envelope(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        try:
            params, files = self._params()
        except (ValueError, UnicodeDecodeError):
            self._envelope(400, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return
        if token != self.fake.token:
            self._envelope(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        with self.fake._lock:
            self.fake.uploads.extend((method, name, fname, data) for name, fname, data in files)
        try:
            result = self.fake.handle(method, params)
        except ApiError as exc:
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                payload["parameters"] = {"retry_after": exc.retry_after}
            self._envelope(exc.status, payload)
            return
        self._envelope(200, {"ok": True, "result": result})
