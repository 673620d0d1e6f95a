"""The board office on Telegram, through the real Engine and database (SQLite and
PostgreSQL), python-telegram-bot's HTTP stack and the fake Bot API: /progress sends the chart
as a photo, /export the workbook as a document, /review the officer's file as a document and
its buttons, and an officer typing a staff command is refused."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.channels.telegram import build_application, start_application, stop_application
from bot.models import DeadlineKind, Delivery, DeliveryKind
from bot.notifications.render import render_deliveries
from bot.services.sheets import HEADER_ROW
from bot.settings import load_settings
from conversations.engine import Engine
from tests import files as real
from tests.conversations.staff_world import StaffWorld, build_staff_world
from tests.fakes.telegram_api import FakeTelegramServer
from tests.sheets import active

STAFF_CHAT = 9001
OFFICER_CHAT = 9002
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    world = build_staff_world(engine, tmp_path / "files")
    with Session(engine) as session:
        world.add_staff_member(session, "telegram", str(STAFF_CHAT))
        session.commit()
    return world


async def _say(fake: FakeTelegramServer, chat: int, text: str, expect: int) -> list[str]:
    before = len(fake.sent(chat))
    fake.push_text(chat, text, language_code="en")
    await fake.until(lambda s: len(s.sent(chat)) >= before + expect, timeout=15)
    return fake.texts(chat)[before:]


async def _press(fake: FakeTelegramServer, chat: int, key: str, expect: int) -> list[str]:
    before = len(fake.sent(chat))
    fake.push_callback(chat, key)
    await fake.until(lambda s: len(s.sent(chat)) >= before + expect, timeout=15)
    return fake.texts(chat)[before:]


async def test_staff_progress_export_and_review_over_telegram(
    fake_telegram: FakeTelegramServer, engine: SAEngine, world: StaffWorld, tmp_path: Path
) -> None:
    world.submit(2, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=world.settings.files_dir,
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
    )
    app = build_application(settings, Engine(engine, settings))
    await start_application(app, settings)
    try:
        await _say(fake_telegram, STAFF_CHAT, "/language en", 1)

        # /progress: the text, the chart as a photo, the targets with the reach below.
        texts = await _say(fake_telegram, STAFF_CHAT, "/progress", 3)
        assert texts[0].startswith("Progress of") and texts[1] == "Progress chart"
        assert "\n\nReach of the enterprises (4):" in texts[2]
        photos = [u for u in fake_telegram.uploads if u[0] == "sendPhoto"]
        assert len(photos) == 1 and photos[0][3].startswith(PNG)

        # /export registrations: the workbook as a document.
        texts = await _say(fake_telegram, STAFF_CHAT, "/export registrations", 1)
        assert texts[0] == "Title registrations: 3 rows."
        [(_m, _f, name, content)] = [u for u in fake_telegram.uploads if u[0] == "sendDocument"]
        assert name.endswith(".xlsx")
        sheet = active(load_workbook(BytesIO(content)))
        rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
        assert len(rows) == 4 and rows[1][1] == "Công ty Sao Mai"

        # /review: summary, the officer's PDF as a document, then the question with buttons.
        texts = await _say(fake_telegram, STAFF_CHAT, "/review", 3)
        assert "Launch document of Công ty Vân Trung" in texts[0]
        documents = [u for u in fake_telegram.uploads if u[0] == "sendDocument"]
        assert documents[-1][2] == "kh-2.pdf" and documents[-1][3].startswith(b"%PDF")
        last = fake_telegram.sent(STAFF_CHAT)[-1]
        keys = [row[0]["callback_data"] for row in last.params["reply_markup"]["inline_keyboard"]]
        assert keys == ["rev:accept", "rev:return", "ext:start", "rev:skip", "rev:stop"]
        texts = await _press(fake_telegram, STAFF_CHAT, "rev:return", 1)
        assert texts[-1].startswith("Type the reason")
        texts = await _say(fake_telegram, STAFF_CHAT, "Thiếu con dấu.", 1)
        assert texts[0].startswith("Returned to Công ty Vân Trung")
        with Session(engine) as session:
            notices = session.exec(
                select(Delivery).where(Delivery.kind == DeliveryKind.REVIEW_RESULT)
            ).all()
            (notice,) = render_deliveries(session, notices)
        assert len(notices) == 1 and "Thiếu con dấu." in notice.text  # type: ignore[union-attr]

        # An officer typing a staff command is refused, politely, in his language.
        texts = await _say(fake_telegram, OFFICER_CHAT, "/review", 1)
        assert "/review is only for the board's staff" in texts[0]
    finally:
        await stop_application(app)


async def test_broadcast_with_the_plan_and_launch_over_telegram(
    fake_telegram: FakeTelegramServer, engine: SAEngine, world: StaffWorld
) -> None:
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=world.settings.files_dir,
        telegram_bot_token=fake_telegram.token,
        telegram_api_base_url=fake_telegram.base_url,
    )
    app = build_application(settings, Engine(engine, settings))
    await start_application(app, settings)
    try:
        await _say(fake_telegram, STAFF_CHAT, "/language en", 1)
        await _say(fake_telegram, STAFF_CHAT, "/broadcast", 1)
        await _say(fake_telegram, STAFF_CHAT, "Kế hoạch thi đua năm 2026 gửi kèm.", 1)
        before = len(fake_telegram.sent(STAFF_CHAT))
        fake_telegram.push_document(STAFF_CHAT, real.pdf_bytes(), "KH-2026.pdf")
        await fake_telegram.until(lambda s: len(s.sent(STAFF_CHAT)) >= before + 1, timeout=15)
        assert fake_telegram.texts(STAFF_CHAT)[before].startswith("Received KH-2026.pdf.\n\n")
        texts = await _press(fake_telegram, STAFF_CHAT, "bc:to:all", 1)
        assert "Recipients who can be reached: 3" in texts[0] and "KH-2026.pdf" in texts[0]
        texts = await _press(fake_telegram, STAFF_CHAT, "bc:send", 1)
        assert texts[0].startswith("Broadcast #1 is queued for 3 officers")

        await _say(fake_telegram, STAFF_CHAT, "/campaign", 1)
        await _press(fake_telegram, STAFF_CHAT, f"cmp:launch:{world.campaign_id}", 1)
        texts = await _press(fake_telegram, STAFF_CHAT, "cmp:send", 1)
        assert "3 messages queued" in texts[0]
        texts = await _say(fake_telegram, STAFF_CHAT, "/broadcast status", 1)
        assert "0 sent · 3 pending · 0 failed · 0 unreachable" in texts[0]
    finally:
        await stop_application(app)
    with Session(engine) as session:
        deliveries = session.exec(select(Delivery)).all()
        broadcasts = [d for d in deliveries if d.kind == DeliveryKind.BROADCAST]
        rendered = render_deliveries(session, broadcasts[:1])
    assert len(broadcasts) == 3 and len(deliveries) == 6
    stored = Path(str(rendered[0].document_path))  # type: ignore[union-attr]
    assert stored.read_bytes() == real.pdf_bytes()
    assert stored.is_relative_to(world.settings.files_dir)
