"""The six-month report in the chat, like the year-end one: the first half's figures, a short
narrative, the signed file; its receipt (SK-), /status, the staff's /missing, /review and
/progress, and reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import Deadline, DeadlineKind, Submission, SubmissionStatus, YearEndReport
from bot.services.acts import Act
from bot.services.numbers import report_figures
from bot.services.sheets import HEADER_ROW
from conversations.flows import report as rep
from tests.conversations.conftest import World, linked_chat
from tests.conversations.test_report import answer
from tests.files import image_bytes, pdf_bytes
from tests.sheets import active
from tests.values import present

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

JUNE = datetime(2026, 6, 2, 3, 0, tzinfo=UTC)  # before the six-month report's 15/06


def _add_six_month(world: World) -> None:
    with world.session() as s:
        s.add(
            Deadline(
                campaign_id=world.campaign_id,
                kind=DeadlineKind.SIX_MONTH_REPORT,
                due_on=date(2026, 6, 15),
            )
        )
        s.commit()


async def test_six_month_report_through_the_chat(world: World, tmp_path: Path) -> None:
    _add_six_month(world)
    world.clock.now = JUNE
    chat = await linked_chat(world)
    out = await chat.say("/status")
    assert "Báo cáo sơ kết 6 tháng: chưa bắt đầu, hạn nộp 15/06/2026" in out, out
    assert "/report 6" in out
    out = await chat.say("/report")
    assert "Báo cáo kết quả 6 tháng đầu năm 2026, hạn nộp ngày 15/06/2026" in out, out
    assert "/report năm" in out
    for i, figure in enumerate(report_figures()):
        out = await chat.say(answer(figure, i % 2))
        assert "Đã ghi" in out, (figure.code, out)
    assert "6 tháng đầu năm" in out
    await chat.say("Sáu tháng đầu năm đơn vị áp dụng 4 sáng kiến.")
    path = tmp_path / "so-ket-6-thang.pdf"
    path.write_bytes(pdf_bytes())
    out = await chat.send_file(path)
    assert "Báo cáo sơ kết 6 tháng của đơn vị:" in out, out
    out = await chat.press(rep.SUBMIT)
    assert "Số biên nhận SK-2026-" in out, out
    with world.session() as s:
        sub = s.exec(
            select(Submission).where(Submission.kind == DeadlineKind.SIX_MONTH_REPORT)
        ).one()
        assert sub.status == SubmissionStatus.SUBMITTED
        report = s.exec(select(YearEndReport)).one()
        assert report.submission_id == sub.id and "4 sáng kiến" in report.narrative
    out = await chat.say("/status")
    assert "Báo cáo sơ kết 6 tháng: đã nộp" in out and "SK-2026-" in out, out
    # once it is sent, plain /report is about the year-end report; "/report 6" reopens it
    out = await chat.say("/report")
    assert "Báo cáo tổng kết" in out or "năm 2026, hạn nộp ngày 05/12/2026" in out, out
    await chat.say("/cancel")
    out = await chat.say("/report 6")
    assert "SK-2026-" in out and "Mở lại" in " ".join(c.label for r in chat.last for c in r.choices)


async def test_the_board_follows_the_six_month_report(engine: SAEngine, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from bot.services import submissions as subs
    from conversations.flows import export as ex
    from conversations.flows import review as rev
    from tests.conversations.staff_world import REPORT, STAFF, build_staff_world

    world = build_staff_world(engine, tmp_path / "files")
    with world.session() as s:
        s.add(
            Deadline(
                campaign_id=world.campaign_id,
                kind=DeadlineKind.SIX_MONTH_REPORT,
                due_on=date(2026, 6, 15),
            )
        )
        sub = subs.get_or_create_submission(
            s,
            world.campaign_id,
            world.enterprise_ids[0],
            DeadlineKind.SIX_MONTH_REPORT,
            Act(JUNE, TZ),
        )
        for code, value in REPORT.items():
            subs.set_figure(s, sub, code, value, Act(JUNE, TZ))
        subs.set_narrative(s, sub, "Sáu tháng đầu năm: 2 sáng kiến.", Act(JUNE, TZ))
        page = tmp_path / "so-ket.png"
        page.write_bytes(image_bytes("PNG"))
        subs.attach_file(s, sub, page.name, "image/png", 20, str(page), "", Act(JUNE, TZ))
        subs.submit(s, sub, Act(JUNE, TZ, world.officer_ids[0]))
        s.commit()
    world.clock.now = JUNE
    chat = await world.chat(STAFF)
    out = await chat.say("/missing six_month")
    assert "3 doanh nghiệp chưa nộp" in out and "Sao Mai" not in out, out
    await chat.say("/progress")
    assert "Báo cáo sơ kết 6 tháng (hạn 15/06/2026)" in chat.last[0].text, chat.last[0].text
    await chat.say("/export")
    assert ex.SIX_MONTH in chat.choice_keys()
    out = await chat.press(ex.SIX_MONTH)
    rows = list(active(load_workbook(present(chat.last[0].document))).iter_rows(values_only=True))
    assert "1 dòng" in out and rows[HEADER_ROW][1] == "Công ty Sao Mai", rows
    out = await chat.say("/review")
    assert "Báo cáo sơ kết 6 tháng của Công ty Sao Mai" in out and "SK-2026-" in out, out
    await chat.press(rev.ACCEPT)
    with world.session() as s:
        assert (
            s.exec(select(Submission).where(Submission.kind == DeadlineKind.SIX_MONTH_REPORT))
            .one()
            .status
            == SubmissionStatus.ACCEPTED
        )
