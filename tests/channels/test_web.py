"""The webhook web app (Zalo route, health check, secrets) and `serve()` end to end:
uvicorn on a free loopback port, the fake platforms delivering, SIGTERM-style stop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import types
from collections.abc import AsyncIterator, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.channels.telegram import TelegramSender
from bot.channels.zalo import ZaloChannel, ZaloClient, ZaloSender
from bot.inbox import Inbox
from bot.messaging import Reply, Sender
from bot.models import Contact, Organization
from bot.models.enums import Channel, Role
from bot.server import RedactingFilter, ServeError, serve
from bot.settings import load_settings
from bot.web import (
    TELEGRAM_SECRET_HEADER,
    ZALO_SECRET_HEADER,
    create_app,
    public_webhook_url,
    telegram_secret,
    zalo_secret,
)
from tests.channels.conftest import ScriptedHandler
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer

ZALO_SECRET = "zalo-secret-123"


@pytest.fixture
async def zalo_web(
    fake_zalo: FakeZaloServer, handler: ScriptedHandler, sqlite_url: str, inbox: Inbox
) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        database_url=sqlite_url,
        zalo_bot_token=fake_zalo.token,
        zalo_api_base_url=fake_zalo.base_url,
        zalo_webhook_url="https://bot.example.vn/zalo/webhook",
        zalo_webhook_secret=ZALO_SECRET,
    )
    client = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    app = create_app(settings, None, ZaloChannel(client, handler, "vi"), inbox)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            yield http
    finally:
        await client.aclose()


async def _zalo_post(
    http: httpx.AsyncClient, body: Any, secret: str | None = ZALO_SECRET, **kw: Any
) -> httpx.Response:
    """Post, then wait until the inbox processed what was accepted."""
    headers = {ZALO_SECRET_HEADER: secret} if secret is not None else {}
    if "content" in kw:
        response = await http.post("/zalo/webhook", headers=headers, content=kw["content"])
    else:
        response = await http.post("/zalo/webhook", headers=headers, json=body)
    inbox = http._transport.app.state.inbox  # type: ignore[attr-defined]
    assert await inbox.wait_idle(10)
    return response


# -- Zalo webhook -------------------------------------------------------------------------


async def test_zalo_event_is_stored_then_handled(
    zalo_web: httpx.AsyncClient, fake_zalo: FakeZaloServer, handler: ScriptedHandler
) -> None:
    event = fake_zalo.make_text_event("c1", "/start ABCD-1234")
    response = await _zalo_post(zalo_web, {"ok": True, "result": event})
    assert response.status_code == 200
    assert fake_zalo.texts("c1") == ["echo: /start ABCD-1234"]
    assert handler.received[0].update_key == event["message"]["message_id"]


async def test_zalo_redelivery_has_one_effect(
    zalo_web: httpx.AsyncClient, fake_zalo: FakeZaloServer, handler: ScriptedHandler
) -> None:
    body = {"ok": True, "result": fake_zalo.make_text_event("c1", "/register")}
    await _zalo_post(zalo_web, body)
    await _zalo_post(zalo_web, body)
    assert len(handler.received) == 2 and len(handler.effects) == 1
    assert fake_zalo.texts("c1") == ["echo: /register"]


async def test_zalo_unsupported_event_is_answered(
    zalo_web: httpx.AsyncClient, fake_zalo: FakeZaloServer, handler: ScriptedHandler
) -> None:
    handler.script = lambda incoming: [
        Reply("Bot chưa đọc được tin nhắn này, anh/chị vui lòng gửi chữ hoặc ảnh.")
    ]
    await _zalo_post(zalo_web, {"ok": True, "result": fake_zalo.make_unsupported_event("c2")})
    assert fake_zalo.texts("c2") == [
        "Bot chưa đọc được tin nhắn này, anh/chị vui lòng gửi chữ hoặc ảnh."
    ]


@pytest.mark.parametrize("secret", [None, "", "zalo-secret-12", "ZALO-SECRET-123"])
async def test_zalo_wrong_secret_is_403_and_nothing_processed(
    zalo_web: httpx.AsyncClient,
    fake_zalo: FakeZaloServer,
    handler: ScriptedHandler,
    secret: str | None,
) -> None:
    body = {"ok": True, "result": fake_zalo.make_text_event("c1", "hi")}
    response = await _zalo_post(zalo_web, body, secret=secret)
    assert response.status_code == 403
    assert handler.received == [] and fake_zalo.sent() == []


async def test_zalo_secret_is_checked_before_the_body_is_read(
    fake_zalo: FakeZaloServer, handler: ScriptedHandler, sqlite_url: str
) -> None:
    settings = load_settings(
        database_url=sqlite_url, zalo_bot_token="t", zalo_webhook_secret=ZALO_SECRET
    )
    client = ZaloClient("t", fake_zalo.base_url)
    app = create_app(settings, None, ZaloChannel(client, handler))
    read: list[bool] = []
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        read.append(True)
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/zalo/webhook",
        "raw_path": b"/zalo/webhook",
        "query_string": b"",
        "headers": [(b"x-bot-api-secret-token", b"wrong-secret"), (b"content-length", b"2")],
        "client": ("203.0.113.9", 5000),
        "server": ("bot", 80),
    }
    await app(scope, receive, send)
    await client.aclose()
    assert sent[0]["status"] == 403
    assert read == []


@pytest.mark.parametrize("raw", [b"{oops", b"[]", b"null", b'{"ok": true, "result": "x"}'])
async def test_zalo_malformed_body_is_200_and_skipped(
    zalo_web: httpx.AsyncClient, fake_zalo: FakeZaloServer, handler: ScriptedHandler, raw: bytes
) -> None:
    response = await _zalo_post(zalo_web, None, content=raw)
    assert response.status_code == 200
    assert handler.received == [] and fake_zalo.sent() == []


async def test_oversized_body_is_refused(
    zalo_web: httpx.AsyncClient, handler: ScriptedHandler
) -> None:
    response = await _zalo_post(zalo_web, None, content=b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert response.status_code == 413
    assert handler.received == []


# -- health, routes, secrets --------------------------------------------------------------


async def test_healthz_reports_the_database(db_url: str) -> None:
    settings = load_settings(database_url=db_url)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await http.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "telegram": False,
            "zalo": False,
        }
        # A channel that is not configured has no route at all.
        assert (await http.post("/telegram/webhook", json={})).status_code == 404
        assert (await http.post("/zalo/webhook", json={})).status_code == 404


async def test_healthz_is_503_when_the_database_is_down() -> None:
    settings = load_settings(database_url="postgresql://nobody@127.0.0.1:9/none")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_secrets_are_configured_or_derived_stably() -> None:
    configured = load_settings(telegram_webhook_secret="abc", zalo_webhook_secret="12345678")
    assert telegram_secret(configured) == "abc" and zalo_secret(configured) == "12345678"
    one = load_settings(telegram_bot_token="1:A", zalo_bot_token="1:A")
    two = load_settings(telegram_bot_token="1:A", zalo_bot_token="1:A")
    assert telegram_secret(one) == telegram_secret(two)  # every instance agrees
    assert telegram_secret(one) != zalo_secret(one)
    assert "1:A" not in telegram_secret(one)
    assert 8 <= len(zalo_secret(one)) <= 256
    other = load_settings(telegram_bot_token="1:B")
    assert telegram_secret(other) != telegram_secret(one)


def test_public_webhook_url() -> None:
    assert public_webhook_url("https://bot.vn", "/zalo/webhook") == "https://bot.vn/zalo/webhook"
    assert public_webhook_url("https://bot.vn/", "/zalo/webhook") == "https://bot.vn/zalo/webhook"
    assert public_webhook_url("https://bot.vn/hook/zl", "/zalo/webhook") == "https://bot.vn/hook/zl"


def test_redacting_filter_hides_secrets_in_messages_and_tracebacks() -> None:
    redactor = RedactingFilter(["123456:ABCDEF-secret", "short"])
    try:
        raise RuntimeError("call to /bot123456:ABCDEF-secret/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "token %s", ("123456:ABCDEF-secret",), sys.exc_info()
        )
    assert redactor.filter(record)
    assert record.getMessage() == "token ***"
    assert record.exc_text is not None and "ABCDEF" not in record.exc_text
    assert "***" in record.exc_text


# -- serve() ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeScheduler:
    """Stands in for scheduler.service: records the senders and that it was shut down."""

    def __init__(self) -> None:
        self.senders: dict[Channel, Sender] = {}
        self.stopped = False

    def start(self, settings: Any, senders: dict[Channel, Sender]) -> FakeScheduler:
        self.senders = dict(senders)
        return self

    async def shutdown(self) -> None:
        self.stopped = True


@pytest.fixture
def fake_scheduler(monkeypatch: pytest.MonkeyPatch) -> FakeScheduler:
    scheduler = FakeScheduler()
    module = types.ModuleType("scheduler.service")
    module.start = scheduler.start  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "scheduler.service", module)
    return scheduler


async def _until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_serve_with_both_webhooks(
    fake_telegram: FakeTelegramServer,
    fake_zalo: FakeZaloServer,
    handler: ScriptedHandler,
    fake_scheduler: FakeScheduler,
    sqlite_engine: Any,
    sqlite_url: str,
) -> None:
    port = _free_port()
    settings = load_settings(
        database_url=sqlite_url,
        web_host="127.0.0.1",
        web_port=port,
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
        telegram_webhook_url="https://bot.example.vn",
        zalo_bot_token=fake_zalo.token,
        zalo_api_base_url=fake_zalo.base_url,
        zalo_webhook_url="https://bot.example.vn",
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, handler=handler))
    try:
        await _until(lambda: fake_scheduler.senders != {} or task.done())
        assert not task.done()
        assert fake_telegram.webhook["url"] == "https://bot.example.vn/telegram/webhook"
        assert fake_zalo.webhook == {
            "url": "https://bot.example.vn/zalo/webhook",
            "secret_token": zalo_secret(settings),
        }
        assert isinstance(fake_scheduler.senders[Channel.TELEGRAM], TelegramSender)
        assert isinstance(fake_scheduler.senders[Channel.ZALO], ZaloSender)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await http.get("/healthz")).json()["status"] == "ok"
            update = fake_telegram.make_text_update(5, "/help")
            headers = {TELEGRAM_SECRET_HEADER: str(fake_telegram.webhook["secret_token"])}
            assert (await http.post("/telegram/webhook", json=update, headers=headers)).is_success
            event = {"ok": True, "result": fake_zalo.make_text_event("z5", "/help")}
            headers = {ZALO_SECRET_HEADER: zalo_secret(settings)}
            assert (await http.post("/zalo/webhook", json=event, headers=headers)).is_success
        await fake_telegram.until_calls("sendMessage")
        assert fake_telegram.texts(5) == ["echo: /help"]
        assert fake_zalo.texts("z5") == ["echo: /help"]
        # The scheduler can reach users through the senders it was given.
        await fake_scheduler.senders[Channel.ZALO].send("z6", Reply("Nhắc hạn"))
        assert fake_zalo.texts("z6") == ["Nhắc hạn"]
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert fake_scheduler.stopped
    with socket.socket() as sock:  # the port is free again
        sock.bind(("127.0.0.1", port))


async def test_serve_polls_both_platforms(
    fake_telegram: FakeTelegramServer,
    fake_zalo: FakeZaloServer,
    handler: ScriptedHandler,
    fake_scheduler: FakeScheduler,
    sqlite_url: str,
) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
        zalo_bot_token=fake_zalo.token,
        zalo_api_base_url=fake_zalo.base_url,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop=stop, handler=handler))
    try:
        await _until(lambda: fake_scheduler.senders != {} or task.done())
        fake_telegram.push_text(8, "/status")
        fake_zalo.push_text("z8", "/status")
        await fake_telegram.until_calls("sendMessage")
        await fake_zalo.until_calls("sendMessage")
        assert fake_telegram.texts(8) == ["echo: /status"]
        assert fake_zalo.texts("z8") == ["echo: /status"]
        assert fake_zalo.calls_to("deleteWebhook")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_serve_refuses_bad_configuration(
    fake_zalo: FakeZaloServer, handler: ScriptedHandler, sqlite_url: str
) -> None:
    with pytest.raises(ServeError, match="TELEGRAM_BOT_TOKEN"):
        await serve(load_settings(database_url=sqlite_url), handler=handler)
    bad_secret = load_settings(
        database_url=sqlite_url, telegram_bot_token="1:x", telegram_webhook_secret="no spaces!"
    )
    with pytest.raises(ServeError, match="TELEGRAM_WEBHOOK_SECRET"):
        await serve(bad_secret, handler=handler)
    wrong_token = load_settings(
        database_url=sqlite_url, zalo_bot_token="1:wrong", zalo_api_base_url=fake_zalo.base_url
    )
    with pytest.raises(ServeError, match="ZALO_BOT_TOKEN") as info:
        await serve(wrong_token, handler=handler)
    assert "wrong" not in str(info.value)
    no_database = load_settings(
        database_url="postgresql://nobody@127.0.0.1:9/none",
        zalo_bot_token="1:x",
        admins="telegram:1",
    )
    with pytest.raises(ServeError, match="THIDUA_DATABASE_URL"):
        await serve(no_database, handler=handler)


async def test_serve_reports_a_busy_port(
    fake_zalo: FakeZaloServer,
    handler: ScriptedHandler,
    fake_scheduler: FakeScheduler,
    sqlite_url: str,
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        settings = load_settings(
            database_url=sqlite_url,
            web_host="127.0.0.1",
            web_port=port,
            zalo_bot_token=fake_zalo.token,
            zalo_api_base_url=fake_zalo.base_url,
            zalo_webhook_url="https://bot.example.vn",
        )
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}"):
            await serve(settings, handler=handler)


async def test_sigterm_stops_serve_cleanly(
    fake_zalo: FakeZaloServer,
    handler: ScriptedHandler,
    fake_scheduler: FakeScheduler,
    sqlite_url: str,
) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        zalo_bot_token=fake_zalo.token,
        zalo_api_base_url=fake_zalo.base_url,
    )
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(serve(settings, handler=handler))
    await _until(lambda: fake_scheduler.senders != {} or task.done())
    handlers = getattr(loop, "_signal_handlers", {})
    if signal.SIGTERM not in handlers:  # never kill the test run itself
        task.cancel()
        pytest.skip("serve() could not install its signal handlers here")
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, timeout=10)
    assert fake_scheduler.stopped
    assert signal.SIGTERM not in getattr(loop, "_signal_handlers", {})  # handlers removed


async def test_serve_with_the_real_engine_and_scheduler(
    fake_telegram: FakeTelegramServer,
    sqlite_engine: Engine,
    sqlite_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No stand-ins: the conversation Engine and scheduler.service start, answer and stop;
    THIDUA_ADMINS become admins of the board and get the staff menu."""
    with Session(sqlite_engine) as session:
        session.add(Organization(slug="bg", name="BQL các KCN tỉnh Bắc Giang", province="BG"))
        session.commit()
    settings = load_settings(
        database_url=sqlite_url,
        files_dir=tmp_path / "files",
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
        admins="telegram:900",
    )
    stop = asyncio.Event()
    with caplog.at_level(logging.INFO):
        task = asyncio.create_task(serve(settings, stop=stop))
        try:
            await fake_telegram.until_calls("deleteWebhook", timeout=10)
            fake_telegram.push_text(77, "/start", language_code="en")
            await fake_telegram.until_calls("sendMessage", 1, timeout=10)
            (welcome,) = fake_telegram.texts(77)  # the welcome and the ask for the code
            assert welcome.startswith("Welcome to Thi đua Bot") and "invite code" in welcome
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)
    messages = [r.getMessage() for r in caplog.records]
    assert "scheduler started" in messages
    with Session(sqlite_engine) as session:
        admin = session.exec(select(Contact).where(Contact.user_id == "900")).one()
    assert admin.role == Role.ADMIN and admin.channel == Channel.TELEGRAM
    assert ("chat", "900", "") in fake_telegram.scoped_commands
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(fake_telegram.token not in m for m in messages)
