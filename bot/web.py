"""The ASGI app for the platforms' webhooks and the health check.

Both webhooks authenticate the platform by a shared secret header compared in constant time;
a wrong or missing secret gets 403 and nothing is read further. A body that is not a JSON
object is logged and answered 200: the platforms redeliver until they get a 2xx, and garbage
redelivered forever helps nobody. Telegram updates go on the PTB application's update queue
(python-telegram-bot's custom-webhook pattern); Zalo events are handled before answering, so a
crash mid-way means the platform delivers the event again (the engine dedupes by message id).

Without a configured secret, one is derived from the bot token (HMAC), so every instance of a
multi-instance deployment registers and checks the same value.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Update
from telegram.ext import Application

from bot.channels.zalo import ZaloChannel
from bot.db import get_engine
from bot.settings import Settings

log = logging.getLogger(__name__)

TELEGRAM_PATH = "/telegram/webhook"
ZALO_PATH = "/zalo/webhook"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1024 * 1024  # an update is a few KB; anything bigger is not one


def _derived_secret(token: str, purpose: str) -> str:
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def telegram_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or a stable secret derived from the token."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return _derived_secret(settings.telegram_bot_token, "thidua telegram webhook")


def zalo_secret(settings: Settings) -> str:
    """ZALO_WEBHOOK_SECRET, or a stable secret derived from the token (64 characters)."""
    if settings.zalo_webhook_secret:
        return settings.zalo_webhook_secret
    if not settings.zalo_bot_token:
        raise ValueError("ZALO_BOT_TOKEN is not set")
    return _derived_secret(settings.zalo_bot_token, "thidua zalo webhook")


def public_webhook_url(configured: str, path: str) -> str:
    """The URL to register: the configured one, or `<configured>/<path>` when it is a bare
    origin such as https://bot.example.vn (so the platform posts to the route we serve)."""
    if urlsplit(configured).path in ("", "/"):
        return configured.rstrip("/") + path
    return configured


def _secret_ok(given: str | None, expected: str) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than any update could be."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(body: bytes, source: str) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        log.warning("%s webhook: malformed JSON skipped (%d bytes)", source, len(body))
        return None
    if not isinstance(data, dict):
        log.warning("%s webhook: body is not a JSON object; skipped", source)
        return None
    return data


_FORBIDDEN = {"ok": False, "error": "forbidden"}
_TOO_LARGE = {"ok": False, "error": "too large"}
_OK = {"ok": True}


async def _webhook_json(
    request: Request, header: str, expected: str, source: str
) -> dict[str, Any] | Response:
    """The update a webhook call carries, or the answer to give instead: 403 for a wrong
    secret (checked before a single byte of the body is read), 413 for a body over the
    limit, 200 for one that is not a JSON object (the platform must not send it again)."""
    if not _secret_ok(request.headers.get(header), expected):
        log.warning("%s webhook: wrong or missing secret from %s", source, _peer(request))
        return JSONResponse(_FORBIDDEN, status_code=403)
    body = await _read_body(request)
    if body is None:
        return JSONResponse(_TOO_LARGE, status_code=413)
    data = _json_object(body, source)
    return JSONResponse(_OK) if data is None else data


def _database_reachable(url: str) -> bool:
    try:
        with get_engine(url).connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception as exc:
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return False


def create_app(
    settings: Settings,
    telegram_application: Application[Any, Any, Any, Any, Any, Any] | None = None,
    zalo_handler: ZaloChannel | None = None,
) -> Starlette:
    """The webhook app; a channel's route exists only when that channel is given."""
    routes: list[BaseRoute] = []

    async def healthz(request: Request) -> JSONResponse:
        ok = await asyncio.to_thread(_database_reachable, settings.database_url)
        body = {
            "status": "ok" if ok else "error",
            "database": "ok" if ok else "unreachable",
            "telegram": telegram_application is not None,
            "zalo": zalo_handler is not None,
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    routes.append(Route("/healthz", healthz, methods=["GET"]))

    if telegram_application is not None:
        application = telegram_application
        expected_telegram = telegram_secret(settings)

        async def telegram_webhook(request: Request) -> Response:
            data = await _webhook_json(
                request, TELEGRAM_SECRET_HEADER, expected_telegram, "Telegram"
            )
            if isinstance(data, Response):
                return data
            try:
                update = Update.de_json(data, application.bot)
            except Exception as exc:
                log.warning("Telegram webhook: unreadable update skipped (%s)", type(exc).__name__)
                return JSONResponse(_OK)
            await application.update_queue.put(update)
            return JSONResponse(_OK)

        routes.append(Route(TELEGRAM_PATH, telegram_webhook, methods=["POST"]))

    if zalo_handler is not None:
        channel = zalo_handler
        expected_zalo = zalo_secret(settings)

        async def zalo_webhook(request: Request) -> Response:
            data = await _webhook_json(request, ZALO_SECRET_HEADER, expected_zalo, "Zalo")
            if isinstance(data, Response):
                return data
            await channel.process(data)
            return JSONResponse(_OK)

        routes.append(Route(ZALO_PATH, zalo_webhook, methods=["POST"]))

    if settings.public_url:
        from bot.webapp import routes as web_pages  # the pages exist only when public

        routes.extend(web_pages(settings))
    return Starlette(routes=routes)


def _peer(request: Request) -> str:
    return request.client.host if request.client is not None else "?"
