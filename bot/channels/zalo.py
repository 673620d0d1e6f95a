"""The Zalo Bot Platform channel (not Zalo OA), over a small httpx client.

The platform looks like Telegram's Bot API but differs where it matters: every call is a POST
with JSON to `<base>/bot<token>/<method>`, and the answer is an envelope
`{"ok", "result", "error_code", "description"}` in which an HTTP 200 can still say `ok: false`;
getUpdates returns ONE event and has no update_id or offset, so the message id is the dedupe
key; texts are at most 2000 characters; there are no buttons (choices become numbered lines the
engine maps back) and users cannot send documents, only images.

The token is in every URL, so no URL is ever logged or put in an exception message here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.channels.common import (
    ChatLocks,
    FileTooLarge,
    Handler,
    apology,
    send_with_retries,
    split_text,
)
from bot.i18n import Translator
from bot.messaging import (
    Incoming,
    IncomingFile,
    RateLimited,
    Reply,
    SendError,
    TransientError,
    Unreachable,
    coalesced,
    numbered,
)
from bot.models.enums import Channel
from scheduler.pacing import SharedPacer

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
TEXT_LIMIT = 2000
POLL_TIMEOUT = 30
DOWNLOAD_LIMIT = 20 * 1024 * 1024
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
UNSUPPORTED_EVENT = "message.unsupported.received"
# Where the platform serves users' photos (its CDN) and its own domains; redirects go nowhere else.
MEDIA_DOMAINS = ("zdn.vn", "zadn.vn", "zalo.me", "zaloapp.com", "zaloplatforms.com")
MAX_REDIRECTS = 5


class ZaloApiError(SendError):
    """The platform refused a call (`ok: false`) for a reason retrying will not fix."""

    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(f"Zalo {method}: {error_code} {description}".strip())
        self.method = method
        self.error_code = error_code
        self.description = description


class PollTimeout(TransientError):
    """getUpdates waited its whole timeout and nothing came: poll again at once."""


def _retry_after(description: str) -> float:
    match = re.search(r"(\d+(?:\.\d+)?)\s*(?:s|sec|second)", description)
    return float(match.group(1)) if match else 1.0


def error_for(method: str, code: int, description: str) -> SendError:
    """Map an `ok: false` answer to the Sender errors the outbox understands."""
    text = f"Zalo {method}: {code} {description}".strip()
    if code == 429:
        return RateLimited(_retry_after(description), text)
    if code == 403:
        return Unreachable(text)
    if code == 408:
        return PollTimeout(text)
    if code >= 500:
        return TransientError(text)
    return ZaloApiError(method, code, description)


class ZaloClient:
    """Calls `<base>/bot<token>/<method>` and unwraps the envelope (raising SendError)."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_connections=50)
        )

    def __repr__(self) -> str:  # never show the token
        return f"ZaloClient(base_url={self.base_url!r})"

    async def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        url = f"{self.base_url}/bot{self._token}/{method}"
        try:
            response = await self.http.post(
                url, json=params or {}, timeout=timeout if timeout is not None else self.timeout
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"Zalo {method}: timed out") from exc
        except httpx.HTTPError as exc:
            # str(exc) of some httpx errors contains the URL, hence the token: never use it.
            raise TransientError(f"Zalo {method}: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.status_code >= 500:
                raise TransientError(f"Zalo {method}: HTTP {response.status_code}")
            raise ZaloApiError(method, response.status_code, "answer is not a JSON envelope")
        if body.get("ok") is True:
            return body.get("result")
        try:
            code = int(body.get("error_code") or response.status_code)
        except (TypeError, ValueError):
            code = response.status_code
        raise error_for(method, code, str(body.get("description") or ""))

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> Any:
        """One event (or None); the HTTP timeout leaves the server room to answer."""
        return await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> Any:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return await self.call("sendPhoto", params)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> Any:
        return await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        text = str(value).strip()
        return text or None
    return None


def _photo_url(message: dict[str, Any]) -> str | None:
    """The image's URL, whichever shape the platform used (string, object or list)."""
    for key in ("photo", "photo_url", "image", "url"):
        value = message.get(key)
        if isinstance(value, list) and value:
            value = value[-1]
        if isinstance(value, dict):
            value = value.get("url") or value.get("photo_url") or value.get("href")
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
    return None


def _file_name(url: str, message_id: str) -> str:
    name = PurePosixPath(urlsplit(url).path).name
    if not re.fullmatch(r"[\w.-]{1,100}\.(?:jpe?g|png|gif|webp)", name, flags=re.IGNORECASE):
        name = f"zalo_{re.sub(r'[^A-Za-z0-9]', '', message_id)[:40] or 'photo'}.jpg"
    return name


def parse_update(payload: Any) -> Incoming | None:
    """The Incoming for one Zalo event (webhook body or getUpdates result), or None.

    Tolerant by design: the platform is young and its payloads vary, so anything it cannot
    read is logged (without content) and skipped rather than raised.
    """
    event = payload
    if isinstance(payload, dict) and isinstance(payload.get("result"), dict):
        event = payload["result"]  # the {"ok": true, "result": {...}} envelope
    if not isinstance(event, dict):
        log.warning("Zalo event skipped: not a JSON object")
        return None
    message = event.get("message")
    name = str(event.get("event_name") or "")
    if not isinstance(message, dict):
        log.info("Zalo event %r skipped: no message", name or "?")
        return None
    raw_chat, raw_sender = message.get("chat"), message.get("from")
    chat: dict[str, Any] = raw_chat if isinstance(raw_chat, dict) else {}
    sender: dict[str, Any] = raw_sender if isinstance(raw_sender, dict) else {}
    chat_id = _as_id(chat.get("id"))
    user_id = _as_id(sender.get("id")) or chat_id
    message_id = _as_id(message.get("message_id"))
    if chat_id is None or user_id is None or message_id is None:
        log.warning("Zalo event %r skipped: no chat id, sender id or message id", name or "?")
        return None
    display_name = next(
        (
            str(sender[key]).strip()
            for key in ("display_name", "name", "first_name")
            if isinstance(sender.get(key), str) and str(sender[key]).strip()
        ),
        "",
    )
    text = message.get("text") if isinstance(message.get("text"), str) else None
    caption = message.get("caption") if isinstance(message.get("caption"), str) else None
    photo = _photo_url(message)
    file: IncomingFile | None = None
    if name == IMAGE_EVENT or (not name and photo is not None):
        text = caption or text
        if photo is not None:
            file = IncomingFile(
                file_id=photo,
                file_name=_file_name(photo, message_id),
                mime_type="image/jpeg",
                is_photo=True,
            )
        else:
            log.warning("Zalo image event %s has no readable photo URL", message_id)
    elif name == TEXT_EVENT or (not name and text is not None):
        pass
    elif name.startswith("message."):
        # Stickers, voice notes and `message.unsupported.received` (content withheld for
        # some protected senders) carry nothing to read: the engine still answers politely.
        text = None
    else:
        log.info("Zalo event %r skipped: not a message event", name or "?")
        return None
    return Incoming(
        channel=Channel.ZALO,
        user_id=user_id,
        chat_id=chat_id,
        update_key=message_id,
        display_name=display_name,
        text=text,
        file=file,
    )


def media_host_allowed(url: str, base_url: str = DEFAULT_BASE_URL) -> bool:
    """A photo URL (or a redirect's target) we may fetch: https on one of the platform's
    media domains, or the configured API server itself (self-hosted gateway, tests)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    base = urlsplit(base_url)
    if parts.scheme == base.scheme and parts.netloc.lower() == base.netloc.lower():
        return True
    return parts.scheme == "https" and any(
        host == domain or host.endswith("." + domain) for domain in MEDIA_DOMAINS
    )


class ZaloFileFetcher:
    """Downloads a photo from the URL the platform gave (streamed, at most 20 MB).

    Redirects are followed by hand, at most `MAX_REDIRECTS`, and only to the platform's hosts
    (`media_host_allowed`): a URL in an event must not make the bot fetch from an intranet
    address or any other server.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        max_bytes: int = DOWNLOAD_LIMIT,
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        self.http = http
        self.max_bytes = max_bytes
        self.base_url = base_url

    async def fetch(self, file: IncomingFile, destination: Path) -> None:
        if not file.file_id.startswith(("https://", "http://")):
            raise ValueError("a Zalo photo is identified by its URL")
        url = file.file_id
        for _hop in range(MAX_REDIRECTS + 1):
            if not media_host_allowed(url, self.base_url):
                raise SendError(f"photo URL on a host that is not Zalo's: {urlsplit(url).hostname}")
            request = self.http.build_request("GET", url, timeout=60.0)
            response = await self.http.send(request, stream=True, follow_redirects=False)
            if response.is_redirect and "location" in response.headers:
                await response.aclose()
                url = str(response.url.join(response.headers["location"]))
                continue
            break
        else:
            raise SendError("photo download: too many redirects")
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            if response.status_code != 200:
                raise TransientError(f"photo download answered HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > self.max_bytes:
                raise FileTooLarge(declared, self.max_bytes)
            written = 0
            try:
                with destination.open("wb") as fh:
                    async for chunk in response.aiter_bytes():
                        written += len(chunk)
                        if written > self.max_bytes:
                            raise FileTooLarge(written, self.max_bytes)
                        fh.write(chunk)
            except BaseException:
                destination.unlink(missing_ok=True)
                raise
        finally:
            await response.aclose()


def render(reply: Reply, language: str | None = None) -> list[str]:
    """A Reply as Zalo messages: numbered choices, a note for attachments Zalo cannot carry
    (it only sends photos from public URLs), split at 2000 characters."""
    text = numbered(reply.text, reply.choices)
    t = Translator(language)
    for attached in (reply.document, reply.photo):
        if attached is not None:
            note = t(
                "The file {name} cannot be sent on Zalo. Please ask the board's office for "
                "it, or open this bot on Telegram.",
                name=attached.name,
            )
            text = f"{text}\n\n{note}" if text else note
    return split_text(text, TEXT_LIMIT)


def fits_one_message(reply: Reply) -> bool:
    """Whether `reply`, choices numbered, goes as one Zalo message (the test of `coalesced`)."""
    return len(numbered(reply.text, reply.choices)) <= TEXT_LIMIT


class ZaloSender:
    """The outbox's way to Zalo; errors are the Sender errors (RateLimited, Unreachable...)."""

    def __init__(self, client: ZaloClient, language: str | None = None) -> None:
        self.client = client
        self.language = language

    async def send(self, chat_id: str, reply: Reply) -> None:
        for chunk in render(reply, self.language):
            await self.client.send_message(chat_id, chunk)


class ZaloChannel:
    """Turns Zalo events into engine calls and sends the replies (webhook or polling)."""

    def __init__(
        self,
        client: ZaloClient,
        handler: Handler,
        language: str | None = None,
        pacer: SharedPacer | None = None,
    ) -> None:
        self.client = client
        self.handler = handler
        self.pacer = pacer  # the bot's budget, shared with the outbox and other instances
        self.sender = ZaloSender(client, language)
        self.fetcher = ZaloFileFetcher(client.http, base_url=client.base_url)
        self._locks = ChatLocks()

    async def process(self, payload: Any) -> None:
        """Handle one event end to end; never raises (a webhook must still answer 200)."""
        incoming = parse_update(payload)
        if incoming is None:
            return
        async with self._locks.hold(incoming.chat_id):
            with contextlib.suppress(SendError):
                await self.client.send_chat_action(incoming.chat_id)
            try:
                replies = await self.handler.handle(incoming, self.fetcher)
            except Exception:
                log.exception("the engine failed on Zalo message %s", incoming.update_key)
                replies = [apology(incoming.language_hint)]
            await self.deliver(incoming.chat_id, replies)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Each message on its own, retried on 429 and 5xx; one refused does not stop the next.

        A plain text and the question after it go as one message (`coalesced`) when the
        joined text and its numbered choices stay within one Zalo message."""
        for reply in coalesced(replies, fits_one_message):
            try:
                await send_with_retries(self.sender, chat_id, reply, pacer=self.pacer)
            except Unreachable:
                log.info("Zalo chat %s cannot be reached; replies dropped", chat_id)
                return
            except SendError as exc:
                log.warning("could not reply to Zalo chat %s: %s", chat_id, exc)

    async def poll(self, stop: asyncio.Event | None = None, timeout: int = POLL_TIMEOUT) -> None:
        """Long-poll getUpdates until `stop` is set (or the task is cancelled).

        Polling and webhook are mutually exclusive, so the webhook is deleted first. Errors
        back off exponentially (1 s to 60 s) so a platform outage does not become a flood.
        """
        stop = stop or asyncio.Event()
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.client.delete_webhook()
                break
            except SendError as exc:
                log.warning("Zalo deleteWebhook failed (%s); retrying in %.0f s", exc, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 60.0)
        log.info("Zalo long polling started")
        backoff = 1.0
        while not stop.is_set():
            try:
                event = await self.client.get_updates(timeout)
            except PollTimeout:
                continue
            except SendError as exc:
                log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            if event:
                await self.process(event)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
