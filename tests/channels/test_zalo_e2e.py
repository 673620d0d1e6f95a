"""The same officer flow on Zalo, through the real Engine and database (SQLite and
PostgreSQL), getUpdates polling against the fake Zalo server: numbered choices instead of
buttons, a typed "1" for the first choice, and the platform's unsupported event."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine as SAEngine

from bot.channels.zalo import TEXT_LIMIT, ZaloChannel, ZaloClient
from bot.db import session_scope
from bot.demo import seed_demo
from bot.models import utcnow
from bot.settings import load_settings
from bot.web import ZALO_SECRET_HEADER, create_app, zalo_secret
from conversations.engine import Engine
from tests.channels.conftest import make_inbox
from tests.fakes.zalo_api import FakeZaloServer

CHAT = "8f2a61c0d"


@pytest.fixture
def demo_code(engine: SAEngine) -> str:
    settings = load_settings()
    with session_scope(engine) as session:
        demo = seed_demo(session, utcnow(), utcnow().astimezone(settings.tz).date())
        return demo.invite_code


def _engine(engine: SAEngine, tmp_path: Path) -> Engine:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=tmp_path / "files",
        locale="vi",
    )
    return Engine(engine, settings)


async def _say(fake: FakeZaloServer, text: str, expect: int) -> list[str]:
    before = len(fake.sent(CHAT))
    fake.push_text(CHAT, text)
    await fake.until(lambda s: len(s.sent(CHAT)) >= before + expect, timeout=10)
    return fake.texts(CHAT)[before:]


async def test_officer_flow_over_zalo_polling(
    fake_zalo: FakeZaloServer, engine: SAEngine, demo_code: str, tmp_path: Path
) -> None:
    client = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    channel = ZaloChannel(client, _engine(engine, tmp_path), "vi")
    task = asyncio.create_task(channel.poll(timeout=1))
    try:
        # Each answer and the question after it arrive as one message.
        welcome = await _say(fake_zalo, "/start", 1)
        assert "mã mời" in welcome[0]
        linked = await _say(fake_zalo, demo_code, 1)
        assert "Sao Mai" in linked[0]
        status = await _say(fake_zalo, "/status", 1)
        assert "Đăng ký danh hiệu" in status[0] or "đăng ký danh hiệu" in status[0].lower()

        menu = await _say(fake_zalo, "/register", 1)
        # No buttons on Zalo: the choices are numbered lines, answered by number.
        assert "\n1. " in menu[-1] and "\n2. " in menu[-1]
        first_choice = menu[-1].split("\n1. ", 1)[1].splitlines()[0]
        asked = await _say(fake_zalo, "1", 1)
        assert asked[0] != menu[-1] and first_choice  # the first choice was taken
        assert "Nguyễn Văn An" in asked[0]  # "Họ và tên ... (ví dụ Nguyễn Văn An)?"

        # Content the platform withholds still gets a polite answer, never silence.
        before = len(fake_zalo.sent(CHAT))
        fake_zalo.push_event(fake_zalo.make_unsupported_event(CHAT))
        await fake_zalo.until(lambda s: len(s.sent(CHAT)) > before, timeout=10)
        assert fake_zalo.texts(CHAT)[before]

        assert all(1 <= len(t) <= TEXT_LIMIT for t in fake_zalo.texts(CHAT))
        assert all(c.status == 200 for c in fake_zalo.calls if c.method == "sendMessage")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.aclose()


async def test_redelivered_zalo_webhook_links_once(
    fake_zalo: FakeZaloServer, engine: SAEngine, demo_code: str, tmp_path: Path
) -> None:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        zalo_bot_token=fake_zalo.token,
        zalo_webhook_url="https://bot.example.vn",
    )
    client = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    channel = ZaloChannel(client, _engine(engine, tmp_path), "vi")
    headers = {ZALO_SECRET_HEADER: zalo_secret(settings)}
    transport = httpx.ASGITransport(
        app=create_app(settings, None, channel, inbox := make_inbox(engine))
    )
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            start = {"ok": True, "result": fake_zalo.make_text_event(CHAT, "/start")}
            await http.post("/zalo/webhook", json=start, headers=headers)
            code = {"ok": True, "result": fake_zalo.make_text_event(CHAT, demo_code)}
            for _ in range(3):
                assert (await http.post("/zalo/webhook", json=code, headers=headers)).is_success
            assert await inbox.wait_idle(10)
    finally:
        await client.aclose()
    texts = fake_zalo.texts(CHAT)
    assert len(texts) == 2  # welcome with the ask, linked with help: redeliveries had no effect
    assert sum("Sao Mai" in t for t in texts) == 1
