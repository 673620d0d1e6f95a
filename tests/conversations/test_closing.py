"""Closing the year in the chat, on both databases: the officer proposes from the registration
(/propose), the office reviews entry by entry (/review), scores and ranks, records the decision
(/closing decision: officers told at once through the outbox), /status shows the results, and
the documents come back as files that open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import DeadlineKind, Submission, SubmissionStatus
from bot.models.commendation import ProposalEntry
from bot.services.sheets import HEADER_ROW
from tests.conversations.staff_world import STAFF, StaffWorld, build_staff_world
from tests.files import pdf_bytes
from tests.sheets import active

DECEMBER = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    """The staff world; its campaign's plan asks for the proposal by 20/12/2026."""
    return build_staff_world(engine, tmp_path / "files")


async def test_propose_review_decide_announce_and_documents(
    world: StaffWorld, tmp_path: Path
) -> None:
    registration = world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    world.submit(0, DeadlineKind.YEAR_END_REPORT, tmp_path)
    world.clock.now = DECEMBER
    officer = world.officer_chat(0)

    # Another unit without a registration is told why it cannot propose.
    out = await world.officer_chat(2).say("/propose")
    assert "chưa nộp đăng ký danh hiệu" in out

    out = await officer.say("/propose")
    assert "Đề nghị khen thưởng: hạn nộp 20/12/2026" in out
    out = await officer.press("prop:add")
    assert "Anh/chị đề nghị ai?" in out
    await officer.press(officer.key_for("Nguyễn Văn An"))
    out = await officer.say("Hoàn thành xuất sắc nhiệm vụ; 2 cải tiến kỹ thuật.")
    assert "Đã thêm: Nguyễn Văn An: Lao động tiên tiến" in out
    await officer.press("prop:add")
    await officer.press(officer.key_for("Phân xưởng May 1"))
    out = await officer.say("Vượt kế hoạch sản lượng 15%.")
    assert "Đã thêm: Phân xưởng May 1: Bằng khen của Chủ tịch UBND tỉnh" in out
    # Not yet complete: the signed achievement report is missing.
    out = await officer.press("prop:review")
    assert "Còn thiếu báo cáo thành tích có chữ ký" in out
    assert "prop:submit" not in officer.choice_keys()
    await officer.press("prop:change")
    await officer.press("prop:files")
    signed = tmp_path / "thanh-tich.pdf"
    signed.write_bytes(pdf_bytes())
    out = await officer.send_file(signed)
    assert "thanh-tich.pdf" in out
    out = await officer.press("prop:review")
    out = await officer.press("prop:submit")
    assert "DN-2026-" in out

    # The office reviews: the registration and the report first, then the proposal entry by entry.
    staff = await world.chat(STAFF)
    out = await staff.say("/review")
    while "rev:accept" in staff.choice_keys():
        out = await staff.press("rev:accept")
    assert "Sao Mai đề nghị Nguyễn Văn An: Lao động tiên tiến" in out
    assert "Tóm tắt thành tích" in out and "2 cải tiến kỹ thuật" in out
    out = await staff.press("pe:accept")
    assert "Đã đồng ý: Nguyễn Văn An." in out and "Phân xưởng May 1" in out
    out = await staff.press("pe:lower")
    assert "Chuyển xuống danh hiệu thi đua hoặc hình thức khen thưởng nào?" in out
    out = await staff.press("to:GIAY_KHEN")
    assert "Phân xưởng May 1: đã chuyển sang Giấy khen của Trưởng ban" in out
    assert "Đã bình xét xong đề nghị" in out
    with world.session() as s:
        proposal = s.exec(
            select(Submission).where(
                Submission.kind == DeadlineKind.COMMENDATION_PROPOSAL,
                Submission.enterprise_id == world.enterprise_ids[0],
            )
        ).one()
        assert proposal.status == SubmissionStatus.ACCEPTED
    assert any("đề nghị khen thưởng" in d.text.casefold() for d in world.deliveries())

    # Scores and ranking: on time and growth filled by the bot, movement by the office.
    out = await staff.say("/closing ranking")
    assert "Cụm thi đua số 1" in out and "1. Công ty Sao Mai" in out and "★" in out
    with world.session() as s:
        from bot.models import Enterprise

        tax = s.get(Enterprise, world.enterprise_ids[0]).tax_code  # type: ignore[union-attr]
    await staff.say("/closing score")
    out = await staff.say(f"{tax} movement 31")
    assert "từ 0 đến 30" in out
    out = await staff.say(f"{tax} movement 25")
    assert "Công ty Sao Mai: 25 điểm" in out

    # The decision of the board's head: the two entries, officers told at once.
    world.clock.now = AFTER
    out = await staff.say("/closing decision")
    assert "Cấp nào ký quyết định?" in out
    assert staff.key_for("Trưởng ban (2 mục)") == "lvl:board"
    await staff.press("lvl:board")
    await staff.say("125/QĐ-BQL")
    out = await staff.say("21/12/2026")
    assert "Quyết định 125/QĐ-BQL" in out or "125/QĐ-BQL" in out
    annex = next(r.document for r in staff.last if r.document and r.document.suffix == ".docx")
    opened = docx.Document(str(annex))
    cells = [c.text for t in opened.tables[1:] for row in t.rows[1:] for c in row.cells]
    assert "Nguyễn Văn An" in cells and "Giấy khen của Trưởng ban" in cells
    notices = [d for d in world.deliveries() if "125/QĐ-BQL" in (d.body or "")]
    assert len(notices) == 1 and "Nguyễn Văn An: Lao động tiên tiến" in (notices[0].body or "")
    with world.session() as s:
        assert all(e.decision_id for e in s.exec(select(ProposalEntry)).all())

    # /status shows the results to the officer.
    out = await officer.say("/status")
    assert "Kết quả khen thưởng:" in out
    assert "Phân xưởng May 1: Giấy khen của Trưởng ban (Quyết định số 125/QĐ-BQL" in out

    # The documents: the list and the Tờ trình as Word, the list as Excel.
    out = await staff.say("/closing documents")
    files = [r.document for r in staff.last if r.document]
    assert [f.suffix for f in files] == [".docx", ".docx", ".xlsx"]
    ws = active(load_workbook(files[2]))
    assert ws["A1"].value == "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
    assert ws.cell(row=HEADER_ROW + 1, column=2).value == "Nguyễn Văn An"
    assert len(world.audit("decision.record")) == 1
    assert len(world.audit("decision.announce")) == 1
    assert registration
