"""The year's closing over Telegram, end to end, on SQLite and PostgreSQL: python-telegram-bot's
real HTTP stack against the fake Bot API, the real Engine and database, and the real outbox
dispatcher sending the results.

The year before it (registration by 15/04, the year-end report) is seeded through the services
(their own chat journeys are in test_flows_e2e); from there everything goes through the chat:
the officer proposes with /propose (buttons, the signed report as a document), the office
reviews entry by entry (/review), scores and ranks (/closing ranking), records the decision
(/closing decision), the dispatcher tells the officer, /status shows the results, and the
documents arrive as files that open."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.channels.telegram import (
    TelegramSender,
    build_application,
    start_application,
    stop_application,
)
from bot.models import (
    Channel,
    Contact,
    DeadlineKind,
    RegistrationEntry,
)
from bot.services.sheets import HEADER_ROW
from bot.settings import load_settings
from conversations.engine import Engine
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.conversations.staff_world import StaffWorld, build_staff_world
from tests.fakes.telegram_api import FakeTelegramServer
from tests.files import pdf_bytes
from tests.sheets import active

STAFF_CHAT = 9101
OFFICER_CHAT = 9102
DECEMBER = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, a Thursday


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    world = build_staff_world(engine, tmp_path / "files")
    with Session(engine) as session:
        world.add_staff_member(session, "telegram", str(STAFF_CHAT))
        officer = session.get(Contact, world.officer_ids[0])
        assert officer is not None and officer.channel == Channel.TELEGRAM
        officer.user_id = officer.chat_id = str(OFFICER_CHAT)
        session.add(officer)
        session.commit()
    return world


async def _exchange(
    fake: FakeTelegramServer, chat: int, push: Callable[[], object], quiet: float = 0.6
) -> list[str]:
    """Push one update and collect what the bot sends until it has been quiet a moment."""
    before = len(fake.sent(chat))
    push()
    await fake.until(lambda s: len(s.sent(chat)) > before, timeout=20)
    count, settled = len(fake.sent(chat)), time.monotonic()
    while time.monotonic() - settled < quiet:
        await asyncio.sleep(0.1)
        if len(fake.sent(chat)) != count:
            count, settled = len(fake.sent(chat)), time.monotonic()
    return fake.texts(chat)[before:]


def _keys(fake: FakeTelegramServer, chat: int) -> list[str]:
    markup = fake.sent(chat)[-1].params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


async def test_the_year_closes_over_telegram(
    fake_telegram: FakeTelegramServer, engine: SAEngine, world: StaffWorld, tmp_path: Path
) -> None:
    fake = fake_telegram
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    world.submit(0, DeadlineKind.YEAR_END_REPORT, tmp_path)
    world.clock.now = DECEMBER
    with world.session() as s:
        entries = {e.full_name or e.unit_name: e.id for e in s.exec(select(RegistrationEntry))}
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        files_dir=world.settings.files_dir,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
    )
    app = build_application(settings, Engine(engine, settings, clock=world.clock))
    await start_application(app, settings)

    def say(chat: int, text: str) -> Awaitable[list[str]]:
        return _exchange(fake, chat, lambda: fake.push_text(chat, text))

    def press(chat: int, key: str) -> Awaitable[list[str]]:
        return _exchange(fake, chat, lambda: fake.push_callback(chat, key))

    try:
        # The officer proposes from the registration, with buttons.
        texts = await say(OFFICER_CHAT, "/propose")
        assert "Đề nghị khen thưởng: hạn nộp 20/12/2026" in "\n".join(texts)
        assert "prop:add" in _keys(fake, OFFICER_CHAT)
        await press(OFFICER_CHAT, "prop:add")
        await press(OFFICER_CHAT, f"pick:{entries['Nguyễn Văn An']}")
        texts = await say(OFFICER_CHAT, "Hoàn thành xuất sắc nhiệm vụ kỹ sư trưởng ca.")
        assert "Đã thêm: Nguyễn Văn An: Lao động tiên tiến" in texts[0]
        await press(OFFICER_CHAT, "prop:add")
        await press(OFFICER_CHAT, f"pick:{entries['Phân xưởng May 1']}")
        await say(OFFICER_CHAT, "Vượt kế hoạch sản lượng 15%, không có tai nạn lao động.")
        await press(OFFICER_CHAT, "prop:files")
        texts = await _exchange(
            fake,
            OFFICER_CHAT,
            lambda: fake.push_document(OFFICER_CHAT, pdf_bytes(), "thanh-tich.pdf"),
        )
        assert "Đã nhận thanh-tich.pdf" in texts[0]
        await press(OFFICER_CHAT, "prop:review")
        texts = await press(OFFICER_CHAT, "prop:submit")
        assert "Số biên nhận DN-2026-" in texts[0]

        # The office reviews: the registration and the report, then the proposal entry by entry.
        texts = await say(STAFF_CHAT, "/review")
        while "rev:accept" in _keys(fake, STAFF_CHAT):
            texts = await press(STAFF_CHAT, "rev:accept")
        assert "đề nghị Nguyễn Văn An: Lao động tiên tiến" in "\n".join(texts)
        texts = await press(STAFF_CHAT, "pe:accept")
        assert "Phân xưởng May 1: Bằng khen của Chủ tịch UBND tỉnh" in "\n".join(texts)
        await press(STAFF_CHAT, "pe:lower")
        assert _keys(fake, STAFF_CHAT) == ["to:GIAY_KHEN"]  # a form moves down to a form
        texts = await press(STAFF_CHAT, "to:GIAY_KHEN")
        assert "Đã bình xét xong đề nghị" in "\n".join(texts)

        # Scoring and the ranking per cluster.
        texts = await say(STAFF_CHAT, "/closing ranking")
        assert "1. Công ty Sao Mai" in texts[0] and "★" in texts[0]

        # The board's decision; the annex comes back as Word and Excel.
        await say(STAFF_CHAT, "/closing decision")
        assert _keys(fake, STAFF_CHAT) == ["lvl:board"]
        await press(STAFF_CHAT, "lvl:board")
        await say(STAFF_CHAT, "125/QĐ-BQL")
        texts = await say(STAFF_CHAT, "10/12/2026")
        assert "Đã ghi nhận Quyết định số 125/QĐ-BQL: 2 mục của 1 doanh nghiệp" in texts[0]
        annex = [u for u in fake.uploads if u[0] == "sendDocument" and u[2].endswith(".docx")]
        opened = docx.Document(BytesIO(annex[-1][3]))
        cells = {c.text for t in opened.tables[1:] for row in t.rows for c in row.cells}
        assert {"Nguyễn Văn An", "Phân xưởng May 1", "Giấy khen của Trưởng ban"} <= cells

        # The outbox tells the officer at once.
        before = len(fake.sent(OFFICER_CHAT))
        config = SchedulerConfig.from_settings(settings)
        dispatcher = Dispatcher(
            engine,
            {Channel.TELEGRAM: TelegramSender(app.bot)},
            FakeClock(DECEMBER),
            settings,
            "closing-e2e",
            config=config,
        )
        for _ in range(10):
            if await dispatcher.run_once() == 0:
                break
        notices = fake.texts(OFFICER_CHAT)[before:]
        result = next(t for t in notices if "125/QĐ-BQL" in t)
        assert "Nguyễn Văn An: Lao động tiên tiến" in result
        assert "Phân xưởng May 1: Giấy khen của Trưởng ban" in result

        # /status shows the results.
        texts = await say(OFFICER_CHAT, "/status")
        assert "Kết quả khen thưởng:" in texts[0]
        assert "Nguyễn Văn An: Lao động tiên tiến (Quyết định số 125/QĐ-BQL" in texts[0]

        # The documents: the list and the Tờ trình as Word, the list as Excel.
        count = len(fake.uploads)
        await say(STAFF_CHAT, "/closing documents")
        files = [u for u in fake.uploads[count:] if u[0] == "sendDocument"]
        assert [name.rsplit(".", 1)[1] for _m, _f, name, _c in files] == ["docx", "docx", "xlsx"]
        listing = docx.Document(BytesIO(files[0][3]))
        assert listing.tables[0].rows[0].cells[1].text.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA")
        ws = active(load_workbook(BytesIO(files[2][3])))
        assert ws["A1"].value == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
        assert ws.cell(row=HEADER_ROW + 1, column=2).value == "Nguyễn Văn An"
    finally:
        await stop_application(app)
