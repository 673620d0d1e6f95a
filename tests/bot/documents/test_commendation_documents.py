"""The closing documents read back: the list of proposals, the Tờ trình, the decision's annex
(.docx) and their XLSX twins, printable (title block, landscape A4 fitted to the width, header
repeated and frozen, numbers without spurious decimals)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import docx
from docx.table import Table
from openpyxl import load_workbook

from bot.documents import commendation as documents
from bot.models.organization import Organization
from bot.services import commendations as com
from bot.services import proposals as prop
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.sheets import HEADER_ROW
from tests.bot.services.test_commendations import (
    PROPOSAL,
    PROPOSING,
    REVIEWING,
    TZ,
    World,
    propose_all,
    register,
    report,
)
from tests.sheets import active
from tests.values import present

NOW = datetime(2026, 12, 26, 3, 0, tzinfo=UTC)
SIGNING = documents.Signing(
    position="Phó Trưởng ban", name="Nguyễn Văn Bình", authority="KT. Trưởng ban", number="07"
)


def closed_year(w: World) -> None:
    register(w)
    report(w)
    item = w.item(PROPOSAL)
    propose_all(w, item)
    subs.submit(w.session, item, Act(PROPOSING, TZ, w.officer.id))
    for entry in prop.list_proposals(w.session, item):
        if entry.title_code == "CO_TINH":
            com.review_entry(
                w.session,
                present(entry.id),
                "lower",
                Act(REVIEWING, UTC, w.staff.id),
                lower_to="BK_TINH",
            )
        else:
            com.review_entry(
                w.session, present(entry.id), "accept", Act(REVIEWING, UTC, w.staff.id)
            )
    com.fill_known_scores(w.session, w.campaign, REVIEWING, TZ)


def _cells(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_list_of_proposals_by_level_and_form(world: World, tmp_path: Path) -> None:
    closed_year(world)
    path = tmp_path / "danh-sach.docx"
    documents.proposal_list(world.session, world.campaign, date(2026, 12, 26), SIGNING).save(
        str(path)
    )
    opened = docx.Document(str(path))
    section = opened.sections[0]
    assert present(section.page_width) > present(section.page_height)  # landscape
    headings = [p.text for p in opened.paragraphs if p.runs and p.runs[0].bold]
    assert "I. THUỘC THẨM QUYỀN TRƯỞNG BAN" in headings
    assert "II. ĐỀ NGHỊ CHỦ TỊCH UBND TỈNH KHEN THƯỞNG" in headings
    # a danh hiệu thi đua is named as one; a hình thức khen thưởng names itself
    assert "1. Danh hiệu “Lao động tiên tiến” (10)" in headings
    assert "1. Bằng khen của Chủ tịch UBND tỉnh (1)" in headings
    tables = opened.tables[1:-1]  # after the header block, before the signature
    first = _cells(tables[0])
    assert first[0] == list(documents.LIST_HEADERS)
    assert first[1][:4] == ["1", "Công Nhân 0", "", "Công ty Alpha"]
    merit = _cells(tables[-1])
    assert merit[1][1] == "Công ty Alpha" and merit[1][4] == "Dẫn đầu cụm thi đua."
    cstd = next(_cells(t) for t in tables if _cells(t)[1][2] == "Tổ trưởng")
    assert cstd[1][5] == "Cải tiến dây chuyền may"


def test_the_submission_letter_counts_forms_and_ranks(world: World, tmp_path: Path) -> None:
    closed_year(world)
    path = tmp_path / "to-trinh.docx"
    documents.submission_letter(world.session, world.campaign, date(2026, 12, 26), SIGNING).save(
        str(path)
    )
    opened = docx.Document(str(path))
    header = opened.tables[0]
    assert header.rows[1].cells[0].text == "Số: 07/TTr-BQL"
    assert header.rows[1].cells[1].text == "Bắc Giang, ngày 26 tháng 12 năm 2026"
    texts = [p.text for p in opened.paragraphs]
    assert "TỜ TRÌNH" in texts
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Bắc Giang" in texts
    counts = _cells(opened.tables[1])
    # Danh hiệu thi đua and hình thức khen thưởng in their own columns, as the law keeps them.
    assert counts[0] == ["STT", "Danh hiệu thi đua", "Hình thức khen thưởng", "Tập thể", "Cá nhân"]
    assert counts[1] == ["1", "", "Bằng khen của Chủ tịch UBND tỉnh", "01", "00"]
    ranking = _cells(opened.tables[2])
    assert ranking[1][:3] == ["1", "Công ty Alpha", "Cụm 1"]
    closing = _cells(opened.tables[-1])[0]
    assert closing[0].startswith("Nơi nhận:")
    assert [line for line in closing[1].split("\n") if line] == [
        "KT. TRƯỞNG BAN",
        "PHÓ TRƯỞNG BAN",
        "Nguyễn Văn Bình",
    ]


def test_a_centrally_run_city_board_writes_to_its_city_committee(
    world: World, tmp_path: Path
) -> None:
    """Hà Nội's board sits under "UBND thành phố Hà Nội": the header, the addressee, the
    sentences and the list's level heading and column all say "thành phố", never "tỉnh"."""
    closed_year(world)
    board = present(world.session.get(Organization, world.campaign.organization_id))
    board.province = "Hà Nội"
    letter = tmp_path / "to-trinh.docx"
    documents.submission_letter(world.session, world.campaign, date(2026, 12, 26), SIGNING).save(
        str(letter)
    )
    opened = docx.Document(str(letter))
    assert opened.tables[0].rows[0].cells[0].text.startswith("UBND THÀNH PHỐ HÀ NỘI")
    texts = [p.text for p in opened.paragraphs]
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân thành phố Hà Nội" in texts
    assert not [t for t in texts if "UBND tỉnh" in t or "nhân dân tỉnh" in t]
    listing = tmp_path / "danh-sach.docx"
    documents.proposal_list(world.session, world.campaign, date(2026, 12, 26), SIGNING).save(
        str(listing)
    )
    headings = [p.text for p in docx.Document(str(listing)).paragraphs]
    assert "II. ĐỀ NGHỊ CHỦ TỊCH UBND THÀNH PHỐ KHEN THƯỞNG" in headings
    sheet = tmp_path / "danh-sach.xlsx"
    documents.proposal_list_xlsx(world.session, world.campaign, sheet, NOW, TZ)
    ws = active(load_workbook(sheet))
    assert ws.cell(row=HEADER_ROW + 13, column=7).value == "Chủ tịch UBND thành phố"


def test_the_decision_annex_and_the_xlsx_twins(world: World, tmp_path: Path) -> None:
    closed_year(world)
    decision, _ = com.record_decision(
        world.session, world.campaign, "125/QĐ-BQL", date(2026, 12, 25), "board", Act(NOW, TZ)
    )
    path = tmp_path / "phu-luc.docx"
    documents.decision_annex(world.session, decision).save(str(path))
    opened = docx.Document(str(path))
    assert opened.tables[0].rows[1].cells[0].text == "Số: 125/QĐ-BQL"
    texts = [p.text for p in opened.paragraphs]
    assert (
        "(Kèm theo Quyết định số 125/QĐ-BQL ngày 25/12/2026 của Trưởng ban BQL các KCN Bắc Giang)"
        in texts
    )
    rows = [r for t in opened.tables[1:] for r in _cells(t)[1:]]
    assert len(rows) == 12
    assert rows[-1][1] == "Phân xưởng May" and rows[-1][4] == "Tập thể lao động xuất sắc"
    # each table's last column is headed by what its title is in law
    heads = {_cells(t)[1][4]: _cells(t)[0][4] for t in opened.tables[1:]}
    assert heads["Tập thể lao động xuất sắc"] == "Danh hiệu thi đua"
    assert heads["Lao động tiên tiến"] == "Danh hiệu thi đua"

    xlsx = tmp_path / "phu-luc.xlsx"
    assert documents.decision_annex_xlsx(world.session, decision, xlsx, NOW, TZ) == 12
    ws = active(load_workbook(xlsx))
    assert ws["A1"].value == "DANH SÁCH ĐƯỢC KHEN THƯỞNG (QUYẾT ĐỊNH SỐ 125/QĐ-BQL)"
    assert ws["A2"].value == "Phong trào thi đua năm 2026 – BQL các KCN Bắc Giang"
    assert ws["A3"].value == "Tính đến 10:00 ngày 26/12/2026"
    assert [c.value for c in ws[HEADER_ROW]][:2] == ["STT", "Tên cá nhân, tập thể"]
    assert ws.cell(row=HEADER_ROW + 12, column=5).value == "Tập thể lao động xuất sắc"
    assert ws.cell(row=HEADER_ROW + 12, column=6).value is None
    assert [c.value for c in ws[HEADER_ROW]][4:7] == [
        "Danh hiệu thi đua", "Hình thức khen thưởng", "Quyết định",
    ]  # fmt: skip
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert present(ws.sheet_properties.pageSetUpPr).fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"

    listing = tmp_path / "danh-sach.xlsx"
    assert documents.proposal_list_xlsx(world.session, world.campaign, listing, NOW, TZ) == 13
    ws = active(load_workbook(listing))
    last = [c.value for c in ws[HEADER_ROW + 13]]
    assert last[1] == "Công ty Alpha" and last[4] is None
    assert last[5] == "Bằng khen của Chủ tịch UBND tỉnh" and last[6] == "Chủ tịch UBND tỉnh"

    yoy = tmp_path / "qua-cac-nam.xlsx"
    assert documents.year_over_year_xlsx(world.session, world.campaign, yoy, NOW, TZ) == 1
    ws = active(load_workbook(yoy))
    assert [c.value for c in ws[HEADER_ROW]] == [
        "STT", "Doanh nghiệp", "Mã số thuế", "2026: đăng ký", "2026: đề nghị", "2026: được khen",
    ]  # fmt: skip
    assert [c.value for c in ws[HEADER_ROW + 1]] == [1, "Công ty Alpha", "2400123456", 13, 13, 12]
