"""Telegram in webhook mode: no Updater, setWebhook with the secret, updates from our own
Starlette route into the inbox, processed through PTB's real HTTP stack to the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from typing import Any

import httpx
import pytest

from bot.channels.telegram import build_application, start_application, stop_application
from bot.inbox import Inbox
from bot.settings import load_settings
from bot.web import TELEGRAM_SECRET_HEADER, create_app, public_webhook_url, telegram_secret
from tests.channels.conftest import ScriptedHandler
from tests.fakes.telegram_api import FakeTelegramServer

SECRET = "s3cret_Token-for-tests"


@pytest.fixture
async def webhook(
    fake_telegram: FakeTelegramServer, handler: ScriptedHandler, inbox: Inbox
) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
        telegram_webhook_url="https://bot.example.vn",
        telegram_webhook_secret=SECRET,
    )
    app = build_application(settings, handler)
    assert app.updater is None
    url = public_webhook_url("https://bot.example.vn", "/telegram/webhook")
    await start_application(app, settings, url, telegram_secret(settings))
    transport = httpx.ASGITransport(app=create_app(settings, app, None, inbox))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            yield client
    finally:
        await stop_application(app)


def _post(
    client: httpx.AsyncClient, body: object, secret: str | None = SECRET, raw: bytes = b""
) -> Coroutine[Any, Any, httpx.Response]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[TELEGRAM_SECRET_HEADER] = secret
    if raw:
        return client.post("/telegram/webhook", content=raw, headers=headers)
    return client.post("/telegram/webhook", json=body, headers=headers)


async def test_webhook_is_registered_with_the_secret(
    webhook: httpx.AsyncClient, fake_telegram: FakeTelegramServer
) -> None:
    assert fake_telegram.webhook["url"] == "https://bot.example.vn/telegram/webhook"
    assert fake_telegram.webhook["secret_token"] == SECRET
    assert fake_telegram.webhook["allowed_updates"] == ["message", "callback_query"]
    assert fake_telegram.calls_to("getUpdates") == []
    assert set(fake_telegram.commands) == {"vi", "en", ""}


async def test_update_is_handled_and_answered(
    webhook: httpx.AsyncClient, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    update = fake_telegram.make_text_update(42, "/status")
    response = await _post(webhook, update)
    assert response.status_code == 200
    await fake_telegram.until_calls("sendMessage")
    assert handler.received[0].update_key == str(update["update_id"])
    assert fake_telegram.texts(42) == ["echo: /status"]


async def test_redelivered_update_has_one_effect(
    webhook: httpx.AsyncClient, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    update = fake_telegram.make_text_update(42, "/register")
    assert (await _post(webhook, update)).status_code == 200
    assert (await _post(webhook, update)).status_code == 200
    await fake_telegram.until(lambda s: len(handler.received) == 2)
    # The adapter passed the same update_id both times, so the engine could dedupe it.
    assert {i.update_key for i in handler.received} == {str(update["update_id"])}
    assert len(handler.effects) == 1
    assert fake_telegram.texts(42) == ["echo: /register"]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_wrong_or_missing_secret_is_403_and_nothing_processed(
    webhook: httpx.AsyncClient,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
    secret: str | None,
) -> None:
    response = await _post(webhook, fake_telegram.make_text_update(1, "/start"), secret=secret)
    assert response.status_code == 403
    good = fake_telegram.make_text_update(2, "/help")
    await _post(webhook, good)
    await fake_telegram.until_calls("sendMessage")
    # The queue is ordered: had the forged update been queued, it would have come first.
    assert [i.chat_id for i in handler.received] == ["2"]


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2, 3]", b'"text"', b'{"message": {"text": "no update_id"}}']
)
async def test_malformed_bodies_are_skipped_with_200(
    webhook: httpx.AsyncClient,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
    raw: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await _post(webhook, None, raw=raw)
    assert response.status_code == 200
    await _post(webhook, fake_telegram.make_text_update(3, "/help"))
    await fake_telegram.until_calls("sendMessage")
    assert [i.chat_id for i in handler.received] == ["3"]
    assert any("skipped" in r.getMessage() for r in caplog.records)
