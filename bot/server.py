"""`serve(settings)`: run everything the settings configure, until SIGINT or SIGTERM.

- Telegram: long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set;
- Zalo: getUpdates polling, or a webhook when ZALO_WEBHOOK_URL is set (they are exclusive);
- uvicorn with `bot.web` (THIDUA_WEB_HOST:THIDUA_WEB_PORT) in every mode: the webhooks when
  set, `/healthz` and `/readyz` always; hardened by `bot.webserver` (read deadlines, a
  connection cap below the file limit, rate-limited logs);
- the conversation engine, shared by the channels;
- the scheduler (`scheduler.service.start(settings, senders)`), with one Sender per channel;
- THIDUA_ADMINS made admins of the (first) board, as the console does at start-up.

Everything started is stopped in reverse order on the way out, whether the exit is a signal,
an error while starting, or a component that died. Bot tokens and webhook secrets are
redacted from every log record, because the platforms put the token in every URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import logging
import re
import signal
import socket
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import click
import uvicorn

from bot.channels.common import Handler
from bot.channels.email import build_email_sender
from bot.channels.telegram import (
    TelegramSender,
    build_application,
    start_application,
    stop_application,
)
from bot.channels.zalo import ZaloApiError, ZaloChannel, ZaloClient, ZaloSender
from bot.db import get_engine
from bot.inbox import Inbox
from bot.messaging import Sender, SendError
from bot.models.enums import Channel
from bot.services.chat_links import BotNames
from bot.settings import Settings
from bot.web import (
    TELEGRAM_PATH,
    ZALO_PATH,
    create_app,
    public_webhook_url,
    telegram_secret,
    zalo_secret,
)
from bot.webserver import (
    RateLimitedLogFilter,
    RefusalCounter,
    connection_cap,
    guarded_protocol,
    raise_file_limit,
)
from scheduler.pacing import bot_pacer

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0  # SIGTERM: updates in hand get this long (compose: stop_grace_period 30s)
BACKLOG = 64  # below webserver.FILE_RESERVE: one accept burst never exhausts the files
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ServeError(click.ClickException):
    """The bot cannot start (or a component died); the message says why in one line.

    A ClickException, so `thidua run` prints that line and exits 1 without a traceback.
    """


class RedactingFilter(logging.Filter):
    """Replaces secrets (bot tokens, webhook secrets) in a record's message and traceback.

    `public` values (the webhook and API hosts) are never redacted, even when a secret
    happens to be part of one: `https://bot.example.vn/telegram/webhook` must stay readable
    in the log, not become `https://bot***/telegram/webhook`.
    """

    def __init__(self, secrets: list[str], public: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self.public = sorted(
            {p for p in public or () if p and any(s in p for s in self.secrets)},
            key=len,
            reverse=True,
        )

    def redact(self, value: str) -> str:
        kept: list[str] = []
        for public in self.public:
            if public in value:
                value = value.replace(public, f"\x00{len(kept)}\x00")
                kept.append(public)
        for secret in self.secrets:
            value = value.replace(secret, "***")
        for index, public in enumerate(kept):
            value = value.replace(f"\x00{index}\x00", public)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _secrets(settings: Settings) -> list[str]:
    values = [
        settings.telegram_bot_token,
        settings.zalo_bot_token,
        settings.telegram_webhook_secret,
        settings.zalo_webhook_secret,
    ]
    if settings.telegram_bot_token:
        values.append(telegram_secret(settings))
    if settings.zalo_bot_token:
        values.append(zalo_secret(settings))
    return [v for v in values if v]


def _public_hosts(settings: Settings) -> list[str]:
    """The hosts of the configured URLs: public, whatever a secret looks like."""
    urls = [
        settings.telegram_webhook_url,
        settings.zalo_webhook_url,
        settings.telegram_api_base_url,
        settings.zalo_api_base_url,
    ]
    return [urlsplit(url).netloc for url in urls if url and urlsplit(url).netloc]


@contextlib.contextmanager
def redacted_logging(settings: Settings) -> Iterator[RedactingFilter]:
    """Configure logging if nobody did, redact secrets on every handler, quiet httpx (it logs
    each request URL, token included, at INFO)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    redactor = RedactingFilter(_secrets(settings), _public_hosts(settings))
    limiter = RateLimitedLogFilter()
    handlers = list(root.handlers)
    for handler in handlers:
        handler.addFilter(limiter)
        handler.addFilter(redactor)
    quiet = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(max(logger.level, logging.WARNING))
    try:
        yield redactor
    finally:
        for handler in handlers:
            handler.removeFilter(redactor)
            handler.removeFilter(limiter)
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)


def check_settings(settings: Settings) -> None:
    """What pydantic cannot see alone: combinations of settings."""
    if not (settings.telegram_bot_token or settings.zalo_bot_token):
        raise ServeError("nothing to serve: set TELEGRAM_BOT_TOKEN and/or ZALO_BOT_TOKEN")
    if settings.telegram_webhook_url and not settings.telegram_bot_token:
        raise ServeError("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not")
    if settings.zalo_webhook_url and not settings.zalo_bot_token:
        raise ServeError("ZALO_WEBHOOK_URL is set but ZALO_BOT_TOKEN is not")
    if settings.smtp_host and not settings.smtp_from:
        raise ServeError("SMTP_HOST is set but SMTP_FROM (the sender's address) is not")
    secret = settings.telegram_webhook_secret
    if secret is not None and not _TELEGRAM_SECRET.fullmatch(secret):
        raise ServeError(
            "TELEGRAM_WEBHOOK_SECRET: use 1 to 256 characters among A-Z, a-z, 0-9, _ and -"
        )


class _Uvicorn(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    """Bind before starting uvicorn, so 'port in use' is a clear error instead of an exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(
            f"THIDUA_WEB_HOST/THIDUA_WEB_PORT: cannot listen on {host}:{port}: {exc.strerror}"
        ) from exc
    sock.listen(BACKLOG)
    sock.setblocking(False)
    return sock


async def _start_web(
    stack: AsyncExitStack,
    settings: Settings,
    app: Any,
    sock: socket.socket,
    tasks: dict[str, asyncio.Task[Any]],
) -> None:
    cap = connection_cap(settings.web_max_connections, raise_file_limit())
    protocol = guarded_protocol(
        settings.web_header_timeout, settings.web_body_timeout, cap, RefusalCounter()
    )
    config = uvicorn.Config(
        app,
        http=protocol,
        log_level="info",
        lifespan="off",
        access_log=False,
        backlog=BACKLOG,
        timeout_keep_alive=5,
    )
    server = _Uvicorn(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="web")
    tasks["web server"] = task

    async def stop_web() -> None:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)

    stack.push_async_callback(stop_web)
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    log.info(
        "web server listening on %s:%s (at most %d connections)",
        settings.web_host,
        sock.getsockname()[1],
        cap,
    )


async def _start_inbox(
    stack: AsyncExitStack, inbox: Inbox, tasks: dict[str, asyncio.Task[Any]]
) -> None:
    """Sweep what a stopped instance left in the inbox; on the way out (after the web server
    stopped taking webhooks, before the channels stop) finish the updates in hand."""
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop), name="inbox")
    tasks["inbox"] = task

    async def stop_inbox() -> None:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await inbox.drain(DRAIN_SECONDS)

    stack.push_async_callback(stop_inbox)


async def _start_zalo(
    stack: AsyncExitStack,
    settings: Settings,
    handler: Handler,
    stop: asyncio.Event,
    tasks: dict[str, asyncio.Task[Any]],
) -> ZaloChannel:
    assert settings.zalo_bot_token is not None
    client = ZaloClient(settings.zalo_bot_token, settings.zalo_api_base_url)
    stack.push_async_callback(client.aclose)
    try:
        await client.get_me()
    except ZaloApiError as exc:
        raise ServeError(f"ZALO_BOT_TOKEN: the platform refused it ({exc.description})") from exc
    except SendError as exc:
        raise ServeError(f"ZALO_API_BASE_URL: the platform did not answer ({exc})") from exc
    pacer = bot_pacer(get_engine(settings.database_url), settings, Channel.ZALO)
    channel = ZaloChannel(client, handler, settings.locale, pacer=pacer)
    if settings.zalo_webhook_url:
        url = public_webhook_url(settings.zalo_webhook_url, ZALO_PATH)
        try:
            await client.set_webhook(url, zalo_secret(settings))
        except SendError as exc:
            raise ServeError(f"ZALO_WEBHOOK_URL: setWebhook failed ({exc})") from exc
        log.info("Zalo webhook registered")
    else:
        task = asyncio.create_task(channel.poll(stop), name="zalo polling")
        tasks["Zalo polling"] = task

        async def stop_polling() -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        stack.push_async_callback(stop_polling)
    return channel


async def _start_scheduler(
    stack: AsyncExitStack, settings: Settings, senders: dict[Channel, Sender]
) -> None:
    """Start the scheduler if its module is there; stop it on the way out (sync or async)."""
    try:
        service = importlib.import_module("scheduler.service")
    except ModuleNotFoundError as exc:
        if exc.name != "scheduler.service":
            raise
        log.warning("scheduler.service is not available: reminders are not sent by this process")
        return
    handle = service.start(settings, senders)
    if inspect.isawaitable(handle):
        handle = await handle

    async def stop_scheduler() -> None:
        for name in ("shutdown", "stop", "aclose", "close"):
            method = getattr(handle, name, None)
            if callable(method):
                result = method()
                if inspect.isawaitable(result):
                    await result
                return

    stack.push_async_callback(stop_scheduler)
    log.info("scheduler started")


def _bootstrap_admins(settings: Settings) -> None:
    """Make THIDUA_ADMINS admins at start-up (idempotent; the environment is the source of
    truth). New admins join the first board; with no board yet there is nothing to join."""
    if not settings.admins:
        return
    from sqlmodel import select

    from bot.db import get_engine, session_scope
    from bot.models import Organization
    from bot.services.contacts import ensure_admins

    with session_scope(get_engine(settings.database_url)) as session:
        board = session.exec(select(Organization).order_by(Organization.id)).first()  # type: ignore[arg-type]
        if board is None:
            log.warning("THIDUA_ADMINS: no board yet (thidua org create); admins not set up")
            return
        contacts = ensure_admins(session, settings, board, datetime.now(UTC))
        log.info("%d admin(s) from THIDUA_ADMINS are set up", len(contacts))


def _default_handler(settings: Settings) -> Handler:
    from bot.db import get_engine
    from conversations.engine import Engine

    return Engine(get_engine(settings.database_url), settings)


def _install_signals(stop: asyncio.Event) -> list[signal.Signals]:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or not supported here: `stop` still works
    return installed


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    handler: Handler | None = None,
) -> None:
    """Run the bot until SIGINT/SIGTERM (or `stop` is set); raise ServeError on a start-up
    problem or when a component dies. `handler` defaults to the conversation Engine."""
    check_settings(settings)
    stop = stop or asyncio.Event()
    with redacted_logging(settings) as redactor:
        try:
            await asyncio.to_thread(_bootstrap_admins, settings)
        except Exception as exc:
            raise ServeError(f"THIDUA_DATABASE_URL: {type(exc).__name__}: {exc}") from exc
        signals = _install_signals(stop)
        try:
            await _run(settings, stop, handler or _default_handler(settings))
        except ServeError as exc:
            # click prints the message itself, past the logging filters: redact it here.
            redacted = redactor.redact(exc.message)
            if redacted != exc.message:
                raise ServeError(redacted) from None
            raise
        finally:
            loop = asyncio.get_running_loop()
            for sig in signals:
                loop.remove_signal_handler(sig)


async def _run(settings: Settings, stop: asyncio.Event, handler: Handler) -> None:
    tasks: dict[str, asyncio.Task[Any]] = {}
    senders: dict[Channel, Sender] = {}
    async with AsyncExitStack() as stack:
        # The web server runs in every mode (health and readiness for the container's
        # HEALTHCHECK even when polling). Listen first: a busy port must fail before any
        # webhook points at us.
        sock = _bind(settings.web_host, settings.web_port)
        stack.callback(sock.close)
        telegram_app = None
        zalo_channel: ZaloChannel | None = None
        if settings.telegram_bot_token:
            telegram_app = build_application(settings, handler)
            webhook = (
                public_webhook_url(settings.telegram_webhook_url, TELEGRAM_PATH)
                if settings.telegram_webhook_url
                else None
            )
            stack.push_async_callback(stop_application, telegram_app)
            try:
                await start_application(
                    telegram_app, settings, webhook, telegram_secret(settings) if webhook else None
                )
            except Exception as exc:
                raise ServeError(f"Telegram could not start: {exc}") from exc
            senders[Channel.TELEGRAM] = TelegramSender(telegram_app.bot)
            # The flows (bulk /invite letters) need the username for the deep links.
            settings.telegram_bot_username = (
                settings.telegram_bot_username or telegram_app.bot.username
            )
        if settings.zalo_bot_token:
            zalo_channel = await _start_zalo(stack, settings, handler, stop, tasks)
            senders[Channel.ZALO] = ZaloSender(zalo_channel.client, settings.locale)
        if settings.smtp_host:
            names = BotNames(settings.telegram_bot_username, settings.zalo_bot_name)
            senders[Channel.EMAIL] = build_email_sender(
                get_engine(settings.database_url), settings, names
            )
        inbox = None
        if settings.telegram_webhook_url or settings.zalo_webhook_url:
            inbox = Inbox(get_engine(settings.database_url))
        app = create_app(
            settings,
            telegram_app if settings.telegram_webhook_url else None,
            zalo_channel if settings.zalo_webhook_url else None,
            inbox,
        )
        if inbox is not None:
            await _start_inbox(stack, inbox, tasks)
        await _start_web(stack, settings, app, sock, tasks)
        await _start_scheduler(stack, settings, senders)
        log.info("Thi đua Bot is running (%s)", ", ".join(str(c) for c in senders))

        waiter = asyncio.create_task(stop.wait(), name="stop")
        try:
            done, _pending = await asyncio.wait(
                {waiter, *tasks.values()}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        died = [name for name, task in tasks.items() if task in done]
        if died and not stop.is_set():
            task = tasks[died[0]]
            reason = "stopped" if task.cancelled() or task.exception() is None else task.exception()
            raise ServeError(f"{died[0]} {reason}; shutting down")
        log.info("stopping")
    log.info("stopped")
