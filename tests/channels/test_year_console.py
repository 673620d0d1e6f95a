"""The same year on the console channel (bot/channels/console.py), shorter, on SQLite and
PostgreSQL: the office launches the campaign (/campaign), a new officer links with an invite
code and plays /register, /report and /launch from the `scenarios` scripts typing numbers and
`/file path`; in December /propose, /review, /closing decision, /status with the result, and
/closing documents written as Word and Excel files that open."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.channels.console import ConsoleChannel
from bot.channels.console import render as console_render
from bot.messaging import Reply
from bot.models import Enterprise, Organization, RegistrationEntry
from bot.services.acts import Act
from bot.services.contacts import add_staff
from bot.services.invites import create_invite, format_code
from bot.services.sheets import HEADER_ROW
from tests.channels.scenarios import launch, play, register, report
from tests.channels.test_flows_e2e import LAUNCH, REPORT, ConsoleDriver
from tests.conversations.staff_world import JANUARY, build_staff_world
from tests.files import pdf_bytes
from tests.values import set_up

DECEMBER = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


class Terminal:
    """One person at the console: types lines, picks a choice by its key (typing the number
    the console prints before it), and keeps what came back."""

    def __init__(self, channel: ConsoleChannel) -> None:
        self.channel = channel
        self.last: list[Reply] = []

    async def say(self, line: str) -> str:
        self.last = await self.channel.handle_line(line)
        return "\n".join(console_render(r) for r in self.last)

    async def press(self, key: str) -> str:
        keys = self._choices()
        assert key in keys, (key, keys)
        return await self.say(str(keys.index(key) + 1))

    def _choices(self) -> list[str]:
        offered = [r for r in self.last if r.choices]
        assert offered, "no choices offered"
        return [c.key for c in offered[-1].choices]

    def documents(self) -> list[Path]:
        return [r.document for r in self.last if r.document is not None]


async def test_a_whole_year_on_the_console(engine: SAEngine, tmp_path: Path) -> None:
    world = build_staff_world(engine, tmp_path / "files")
    with Session(engine) as session:
        org = session.get(Organization, world.org_id)
        sao_mai = session.get(Enterprise, world.enterprise_ids[0])
        assert org is not None and sao_mai is not None
        add_staff(
            session, "console", "console-staff", "staff", org, set_up(JANUARY, world.settings.tz)
        )
        code = format_code(
            create_invite(session, sao_mai, Act(JANUARY, UTC), timedelta(days=400)).code
        )
        session.commit()
    world.clock.now = JANUARY
    quiet = io.StringIO()
    office = Terminal(
        ConsoleChannel(world.engine(), user_id="console-staff", stdin=quiet, stdout=quiet)
    )
    officer_channel = ConsoleChannel(
        world.engine(), user_id="console-officer", stdin=quiet, stdout=quiet
    )
    officer = Terminal(officer_channel)

    # The office launches the year's campaign.
    out = await office.say("/campaign")
    assert "chưa phát động" in out, out
    await office.press(f"cmp:launch:{world.campaign_id}")
    out = await office.press("cmp:send")
    assert "3 tin đã xếp hàng" in out, out

    # The officer links with the invite and plays the year's items.
    out = await officer.say("/start")
    assert "nhập mã mời" in out, out
    out = await officer.say(code)
    assert "Liên kết thành công" in out and "Công ty Sao Mai" in out, out
    driver = ConsoleDriver(officer_channel, tmp_path)
    await play(driver, [register(), report(0, REPORT), launch(LAUNCH)], "vi")

    # December: the proposal, the review, the decision.
    world.clock.now = DECEMBER
    with Session(engine) as session:
        entries = {
            e.full_name or e.unit_name: e.id for e in session.exec(select(RegistrationEntry))
        }
    out = await officer.say("/propose")
    assert "hạn nộp 20/12/2026" in out, out
    await officer.press("prop:add")
    await officer.press(f"pick:{entries['Nguyễn Văn An']}")
    out = await officer.say("Hoàn thành xuất sắc nhiệm vụ trưởng phòng nhân sự.")
    assert "Đã thêm: Nguyễn Văn An: Lao động tiên tiến" in out, out
    await officer.press("prop:files")
    signed = tmp_path / "thanh-tich.pdf"
    signed.write_bytes(pdf_bytes())
    out = await officer.say(f"/file {signed}")
    assert "Đã nhận thanh-tich.pdf" in out, out
    await officer.press("prop:review")
    out = await officer.press("prop:submit")
    assert "Số biên nhận DN-2026-" in out, out

    out = await office.say("/review")
    while "rev:accept" in office._choices():
        out = await office.press("rev:accept")
    assert "đề nghị Nguyễn Văn An: Lao động tiên tiến" in out, out
    out = await office.press("pe:accept")
    assert "Đã bình xét xong đề nghị" in out, out

    await office.say("/closing decision")
    await office.press(office._choices()[0])
    await office.say("127/QĐ-BQL")
    out = await office.say("10/12/2026")
    assert "Đã ghi nhận Quyết định số 127/QĐ-BQL: 1 mục của 1 doanh nghiệp" in out, out

    out = await officer.say("/status")
    assert "Nguyễn Văn An: Lao động tiên tiến (Quyết định số 127/QĐ-BQL" in out, out

    await office.say("/closing documents")
    files = office.documents()
    assert [f.suffix for f in files] == [".docx", ".docx", ".xlsx"], files
    cells = {c.text for t in docx.Document(str(files[0])).tables for r in t.rows for c in r.cells}
    assert "Nguyễn Văn An" in cells
    sheet = load_workbook(files[2]).active
    assert sheet is not None
    assert sheet.cell(row=HEADER_ROW + 1, column=2).value == "Nguyễn Văn An"
