"""Telegram long polling through python-telegram-bot's real HTTP stack against the fake API."""

from __future__ import annotations

import pytest

from bot.channels.telegram import build_application, start_application, stop_application
from bot.settings import load_settings
from tests.channels.conftest import ScriptedHandler
from tests.fakes.telegram_api import FakeTelegramServer


def telegram_settings(fake: FakeTelegramServer, **extra: object):
    return load_settings(
        telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url, **extra
    )


@pytest.fixture
async def polling(fake_telegram: FakeTelegramServer, handler: ScriptedHandler):
    app = build_application(telegram_settings(fake_telegram), handler)
    await start_application(app, telegram_settings(fake_telegram))
    try:
        yield app
    finally:
        await stop_application(app)


async def test_text_reaches_handler_and_reply_comes_back(polling, fake_telegram, handler):
    update_id = fake_telegram.push_text(42, "/start@thidua_test_bot ABC123", language_code="en")
    await fake_telegram.until_calls("sendMessage")
    [incoming] = handler.received
    assert incoming.update_key == str(update_id)
    assert incoming.text == "/start ABC123"
    assert (incoming.chat_id, incoming.user_id, incoming.language_hint) == ("42", "42", "en")
    assert fake_telegram.texts(42) == ["echo: /start ABC123"]
