"""A whole campaign year over Telegram, end to end, on SQLite and PostgreSQL: python-telegram-bot's
real HTTP stack against the fake Bot API, the real Engine and database, the outbox dispatcher
sending the results on a FakeClock.

Nothing of the year is seeded through the services: in January the office launches the
campaign (/campaign), a new officer links with an invite code, registers titles (/register),
sends the six-month report (/report 6) and the year-end report (/report, each with a real
signed PDF) and files the launch document (/launch, a real .docx) through the scripts of
`scenarios`; in December the officer proposes (/propose), the office reviews entry by entry
(accepts one entry, returns the other with a reason), scores and ranks (/closing ranking),
records the decision (/closing decision), the officer is told the result, and the documents
arrive as Word and Excel files that open and read back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import docx
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select
from telegram import Bot

from bot.channels.telegram import TelegramSender
from bot.models import (
    Channel,
    Deadline,
    DeadlineKind,
    Enterprise,
    Organization,
    RegistrationEntry,
)
from bot.services.acts import Act
from bot.services.contacts import add_staff
from bot.services.invites import create_invite, format_code
from bot.services.numbers import report_figures
from bot.services.sheets import HEADER_ROW
from bot.settings import load_settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.channels.scenarios import launch, play, register, report
from tests.channels.test_flows_e2e import LAUNCH, REPORT, TELEGRAM_CHAT, Recorder, telegram
from tests.conversations.staff_world import JANUARY, build_staff_world
from tests.conversations.test_report import answer
from tests.fakes.telegram_api import FakeTelegramServer
from tests.files import pdf_bytes
from tests.values import set_up

STAFF_CHAT = 9201
OFFICER_CHAT = TELEGRAM_CHAT  # the chat the scenario driver plays in
DECEMBER = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, a Thursday


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
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_a_whole_year_over_telegram(
    fake_telegram: FakeTelegramServer, engine: SAEngine, tmp_path: Path
) -> None:
    fake = fake_telegram
    world = build_staff_world(engine, tmp_path / "files")
    with Session(engine) as session:
        six = DeadlineKind.SIX_MONTH_REPORT
        session.add(Deadline(campaign_id=world.campaign_id, kind=six, due_on=date(2026, 6, 15)))
        org = session.get(Organization, world.org_id)
        sao_mai = session.get(Enterprise, world.enterprise_ids[0])
        assert org is not None and sao_mai is not None
        add_staff(
            session, "telegram", str(STAFF_CHAT), "staff", org, set_up(JANUARY, world.settings.tz)
        )
        code = format_code(
            create_invite(session, sao_mai, Act(JANUARY, UTC), timedelta(days=400)).code
        )
        session.commit()
    world.clock.now = JANUARY
    recorder = Recorder(world.engine())

    def say(chat: int, text: str) -> Awaitable[list[str]]:
        return _exchange(fake, chat, lambda: fake.push_text(chat, text))

    def press(chat: int, key: str) -> Awaitable[list[str]]:
        return _exchange(fake, chat, lambda: fake.push_callback(chat, key))

    async with telegram(fake, recorder, "vi", False, tmp_path) as officer:
        # The office launches the year's campaign (to the board's three reachable officers).
        texts = await say(STAFF_CHAT, "/campaign")
        assert "chưa phát động" in "\n".join(texts)
        await press(STAFF_CHAT, f"cmp:launch:{world.campaign_id}")
        texts = await press(STAFF_CHAT, "cmp:send")
        assert "3 tin đã xếp hàng" in "\n".join(texts)

        # January: a new officer links with the invite code, then plays the year's items.
        texts = await officer.send_text("/start")
        assert "nhập mã mời" in "\n".join(texts)
        texts = await officer.send_text(code.lower())
        assert "Liên kết thành công" in "\n".join(texts) and "Công ty Sao Mai" in "\n".join(texts)
        await play(officer, [register()], "vi")

        # The six-month report (the plan asks for one by 15/06), asked for by name.
        texts = await say(OFFICER_CHAT, "/report 6")
        assert "Báo cáo kết quả 6 tháng đầu năm 2026, hạn nộp ngày 15/06/2026" in "\n".join(texts)
        for index, figure in enumerate(report_figures()):
            if figure.kind == "yes_no":
                texts = await press(OFFICER_CHAT, "rep:yn:yes")
            else:
                texts = await say(OFFICER_CHAT, answer(figure, index % 2))
            assert "Đã ghi nhận" in texts[0], (figure.code, texts)
        await say(OFFICER_CHAT, "Sáu tháng đầu năm đơn vị áp dụng 4 sáng kiến.")
        texts = await _exchange(
            fake,
            OFFICER_CHAT,
            lambda: fake.push_document(OFFICER_CHAT, pdf_bytes(), "so-ket-6-thang.pdf"),
        )
        assert "Báo cáo sơ kết 6 tháng của đơn vị:" in "\n".join(texts)
        texts = await press(OFFICER_CHAT, "rep:submit")
        assert "Số biên nhận SK-2026-" in "\n".join(texts)

        # The year-end report and the launch document, through the scenario scripts.
        await play(officer, [report(0, REPORT), launch(LAUNCH)], "vi")

        # December: the officer proposes from what was registered.
        world.clock.now = DECEMBER
        with Session(engine) as session:
            entries = {
                e.full_name or e.unit_name: e.id for e in session.exec(select(RegistrationEntry))
            }
        texts = await say(OFFICER_CHAT, "/propose")
        assert "Đề nghị khen thưởng: hạn nộp 20/12/2026" in "\n".join(texts)
        await press(OFFICER_CHAT, "prop:add")
        await press(OFFICER_CHAT, f"pick:{entries['Nguyễn Văn An']}")
        texts = await say(OFFICER_CHAT, "Hoàn thành xuất sắc nhiệm vụ trưởng phòng nhân sự.")
        assert "Đã thêm: Nguyễn Văn An: Lao động tiên tiến" in texts[0]
        await press(OFFICER_CHAT, "prop:add")
        await press(OFFICER_CHAT, f"pick:{entries['Phòng Kỹ thuật']}")
        await say(OFFICER_CHAT, "Hoàn thành vượt mức kế hoạch năm, không có tai nạn lao động.")
        await press(OFFICER_CHAT, "prop:files")
        texts = await _exchange(
            fake,
            OFFICER_CHAT,
            lambda: fake.push_document(OFFICER_CHAT, REPORT.content, "thanh-tich.pdf"),
        )
        assert "Đã nhận thanh-tich.pdf" in texts[0]
        await press(OFFICER_CHAT, "prop:review")
        texts = await press(OFFICER_CHAT, "prop:submit")
        assert "Số biên nhận DN-2026-" in texts[0]

        # The office reviews the chat-made registration, report and launch document, then the
        # proposal entry by entry: one accepted, one returned with a reason.
        texts = await say(STAFF_CHAT, "/review")
        while "rev:accept" in _keys(fake, STAFF_CHAT):
            texts = await press(STAFF_CHAT, "rev:accept")
        assert "đề nghị Nguyễn Văn An: Lao động tiên tiến" in "\n".join(texts)
        texts = await press(STAFF_CHAT, "pe:accept")
        assert "Phòng Kỹ thuật: Tập thể lao động tiên tiến" in "\n".join(texts)
        await press(STAFF_CHAT, "pe:return")
        texts = await say(STAFF_CHAT, "Thiếu biên bản bình xét của tập thể.")
        assert "Đã bình xét xong đề nghị" in "\n".join(texts)

        # Scoring and the ranking per cluster.
        texts = await say(STAFF_CHAT, "/closing ranking")
        assert "1. Công ty Sao Mai" in texts[0]

        # The board's decision; its annex comes back as Word.
        await say(STAFF_CHAT, "/closing decision")
        await press(STAFF_CHAT, _keys(fake, STAFF_CHAT)[0])
        await say(STAFF_CHAT, "126/QĐ-BQL")
        texts = await say(STAFF_CHAT, "10/12/2026")
        assert "Đã ghi nhận Quyết định số 126/QĐ-BQL: 1 mục của 1 doanh nghiệp" in texts[0]

        # The outbox tells the officer at once.
        settings = load_settings(
            database_url=engine.url.render_as_string(hide_password=False),
            files_dir=world.settings.files_dir,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
        )
        before = len(fake.sent(OFFICER_CHAT))
        async with Bot(fake.token, base_url=f"{fake.base_url.rstrip('/')}/bot") as bot:
            dispatcher = Dispatcher(
                engine,
                {Channel.TELEGRAM: TelegramSender(bot)},
                FakeClock(DECEMBER),
                settings,
                "year-e2e",
                config=SchedulerConfig.from_settings(settings),
            )
            for _ in range(10):
                if await dispatcher.run_once() == 0:
                    break
        result = next(t for t in fake.texts(OFFICER_CHAT)[before:] if "126/QĐ-BQL" in t)
        assert "Nguyễn Văn An: Lao động tiên tiến" in result
        assert "Phòng Kỹ thuật" not in result

        # /status shows the result next to the year's items.
        texts = await say(OFFICER_CHAT, "/status")
        assert "Nguyễn Văn An: Lao động tiên tiến (Quyết định số 126/QĐ-BQL" in texts[0]

        # The documents arrive as files that open.
        count = len(fake.uploads)
        await say(STAFF_CHAT, "/closing documents")
        files = [u for u in fake.uploads[count:] if u[0] == "sendDocument"]
        assert [name.rsplit(".", 1)[1] for _m, _f, name, _c in files] == ["docx", "docx", "xlsx"]
        listing = docx.Document(BytesIO(files[0][3]))
        cells = {c.text for t in listing.tables for row in t.rows for c in row.cells}
        assert "Nguyễn Văn An" in cells
        sheet = load_workbook(BytesIO(files[2][3])).active
        assert sheet is not None
        assert sheet.cell(row=HEADER_ROW + 1, column=2).value == "Nguyễn Văn An"
