"""An officer's first minutes on Telegram, through the real conversation Engine and database
(SQLite and PostgreSQL), python-telegram-bot's HTTP stack and the fake Bot API: /start, the
invite code, /status, /register with an inline button, then typing an answer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine as SAEngine

from bot.channels.telegram import build_application, start_application, stop_application
from bot.db import session_scope
from bot.demo import seed_demo
from bot.models import utcnow
from bot.settings import Settings, load_settings
from bot.web import TELEGRAM_SECRET_HEADER, create_app, telegram_secret
from conversations.engine import Engine
from tests.channels.conftest import make_inbox
from tests.fakes.telegram_api import FakeTelegramServer

CHAT = 7001


@pytest.fixture
def demo_code(engine: SAEngine) -> str:
    """The demo board, campaign and enterprises, and a fresh invite code for an officer."""
    settings = load_settings()
    with session_scope(engine) as session:
        demo = seed_demo(session, utcnow(), utcnow().astimezone(settings.tz).date())
        return demo.invite_code


def _settings(
    fake: FakeTelegramServer, engine: SAEngine, tmp_path: Path, **extra: object
) -> Settings:
    return load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=tmp_path / "files",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        **extra,
    )


async def _say(fake: FakeTelegramServer, text: str, expect: int) -> list[str]:
    """Send a text as the officer; return the texts of the `expect` new messages."""
    before = len(fake.sent(CHAT))
    fake.push_text(CHAT, text, language_code="en")
    await fake.until(lambda s: len(s.sent(CHAT)) >= before + expect, timeout=10)
    return fake.texts(CHAT)[before:]


async def test_officer_links_checks_status_and_starts_a_registration(
    fake_telegram: FakeTelegramServer, engine: SAEngine, demo_code: str, tmp_path: Path
) -> None:
    settings = _settings(fake_telegram, engine, tmp_path)
    app = build_application(settings, Engine(engine, settings))
    await start_application(app, settings)
    try:
        # Each answer and the question after it arrive as one message.
        welcome = await _say(fake_telegram, "/start", 1)
        assert welcome[0].startswith("Welcome to Thi đua Bot")
        ask = welcome[0].rsplit("\n\n", 1)[1]
        assert "invite code" in ask

        wrong = await _say(fake_telegram, "ZZZZ-ZZZZ", 1)
        assert "invite code" in wrong[0].lower() and wrong[0].endswith("\n\n" + ask)  # again

        linked = await _say(fake_telegram, demo_code.lower(), 1)
        assert linked[0].startswith("Linked.")
        assert "/register" in linked[0]

        status = await _say(fake_telegram, "/status", 1)
        assert "Title registration: not started" in status[0]

        await _say(fake_telegram, "/register@thidua_test_bot", 1)
        last = fake_telegram.sent(CHAT)[-1]
        rows = last.params["reply_markup"]["inline_keyboard"]
        assert all(len(row) == 1 for row in rows)  # one button per row
        keys = [row[0]["callback_data"] for row in rows]
        assert "reg:add:ind" in keys

        before = len(fake_telegram.sent(CHAT))
        fake_telegram.push_callback(CHAT, "reg:add:ind")
        await fake_telegram.until(lambda s: len(s.sent(CHAT)) > before, timeout=10)
        assert fake_telegram.texts(CHAT)[-1].startswith("Full name of the person")
        assert fake_telegram.calls_to("answerCallbackQuery")

        # An old button of the same question no longer starts anything new.
        before = len(fake_telegram.sent(CHAT))
        fake_telegram.push_callback(CHAT, "reg:add:ind")
        await fake_telegram.until(lambda s: len(s.sent(CHAT)) > before, timeout=10)
        assert "earlier question" in fake_telegram.texts(CHAT)[before]
    finally:
        await stop_application(app)


async def test_redelivered_webhook_update_links_once(
    fake_telegram: FakeTelegramServer, engine: SAEngine, demo_code: str, tmp_path: Path
) -> None:
    settings = _settings(
        fake_telegram, engine, tmp_path, telegram_webhook_url="https://bot.example.vn"
    )
    app = build_application(settings, Engine(engine, settings))
    await start_application(
        app, settings, "https://bot.example.vn/telegram/webhook", telegram_secret(settings)
    )
    headers = {TELEGRAM_SECRET_HEADER: telegram_secret(settings)}
    transport = httpx.ASGITransport(app=create_app(settings, app, None, make_inbox(engine)))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            start = fake_telegram.make_text_update(CHAT, "/start", language_code="en")
            await http.post("/telegram/webhook", json=start, headers=headers)
            await fake_telegram.until(lambda s: len(s.sent(CHAT)) == 1, timeout=10)
            code = fake_telegram.make_text_update(CHAT, demo_code, language_code="en")
            for _ in range(3):  # Telegram redelivers until it gets a 2xx
                response = await http.post("/telegram/webhook", json=code, headers=headers)
                assert response.status_code == 200
            status = fake_telegram.make_text_update(CHAT, "/status", language_code="en")
            await http.post("/telegram/webhook", json=status, headers=headers)
            await fake_telegram.until(lambda s: len(s.sent(CHAT)) >= 3, timeout=10)
    finally:
        await stop_application(app)
    texts = fake_telegram.texts(CHAT)
    # /start, linked, status (one message each): the code's redeliveries had no effect.
    assert len(texts) == 3
    assert sum(t.startswith("Linked.") for t in texts) == 1
    assert "Title registration" in texts[-1]
