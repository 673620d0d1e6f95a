"""The frame of an administrative document (Nghị định 30/2020/NĐ-CP), read back from the .docx."""

from __future__ import annotations

import io
from datetime import date

import docx
from docx.shared import Length, Pt

from bot.documents.official import (
    OfficialHeader,
    Recipients,
    Signature,
    add_paragraph,
    add_signature,
    add_table,
    document_number,
    new_document,
    place_and_date,
)
from tests.values import present

HEADER = OfficialHeader(
    parent_body="UBND tỉnh Bắc Giang",
    issuing_body="Ban Quản lý các khu công nghiệp",
    symbol="TTr-BQL",
    place="Bắc Giang",
    issued_on=date(2026, 12, 5),
    number=7,
    doc_type="Tờ trình",
    subject="Về việc đề nghị khen thưởng năm 2026",
    recipient="Ủy ban nhân dân tỉnh Bắc Giang",
)


def _mm(length: Length | None) -> int:
    """A page dimension in whole millimetres (python-docx types them as optional)."""
    mm: float = present(length).mm
    return round(mm)


def _reopen(document: docx.document.Document) -> docx.document.Document:
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    return docx.Document(buffer)


def test_place_and_date_writes_leading_zeros_as_the_decree_does() -> None:
    assert place_and_date("Bắc Giang", date(2026, 12, 5)) == "Bắc Giang, ngày 05 tháng 12 năm 2026"
    assert place_and_date("Bắc Giang", date(2026, 2, 15)) == "Bắc Giang, ngày 15 tháng 02 năm 2026"
    assert place_and_date("Bắc Giang", date(2026, 3, 9)) == "Bắc Giang, ngày 09 tháng 3 năm 2026"


def test_document_number_pads_and_leaves_room_on_a_draft() -> None:
    assert document_number(HEADER) == "Số: 07/TTr-BQL"
    draft = OfficialHeader(**{**HEADER.__dict__, "number": None})
    assert document_number(draft).startswith("Số: \u00a0")
    assert document_number(draft).endswith("/TTr-BQL")
    assert document_number(OfficialHeader(**{**HEADER.__dict__, "number": 123})) == (
        "Số: 123/TTr-BQL"
    )


def test_page_fonts_header_title_and_closing_read_back() -> None:
    document = new_document(HEADER)
    add_paragraph(document, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;")
    add_table(document, ["STT", "Tên", "Hình thức"], [[1, "Công ty A", "Giấy khen"]])
    add_signature(
        document,
        Signature(authority="KT. Trưởng ban", position="Phó Trưởng ban", name="Nguyễn Văn Bình"),
        Recipients(["Như trên", "Sở Nội vụ"], archive="VT, VP"),
    )
    reopened = _reopen(document)

    section = reopened.sections[0]
    assert _mm(section.page_width) == 210 and _mm(section.page_height) == 297
    # Word stores margins in twentieths of a point: compare in whole millimetres.
    assert 20 <= _mm(section.top_margin) <= 25
    assert 20 <= _mm(section.bottom_margin) <= 25
    assert 30 <= _mm(section.left_margin) <= 35
    assert 15 <= _mm(section.right_margin) <= 20
    normal = reopened.styles["Normal"].font
    assert normal.name == "Times New Roman"
    assert Pt(13) <= normal.size <= Pt(14)

    header, table, closing = reopened.tables
    left, right = (cell.text.split("\n") for cell in header.rows[0].cells)
    assert left[:2] == ["UBND TỈNH BẮC GIANG", "BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP"]
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    body_run = header.rows[0].cells[0].paragraphs[1].runs[0]
    assert body_run.bold and not header.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert header.rows[1].cells[0].text == "Số: 07/TTr-BQL"
    date_paragraph = header.rows[1].cells[1].paragraphs[0]
    assert date_paragraph.text == "Bắc Giang, ngày 05 tháng 12 năm 2026"
    assert date_paragraph.runs[0].italic
    # The header table has no borders; the data table has.
    assert 'w:val="nil"' in header._tbl.xml
    assert present(table.style).name == "Table Grid"
    assert [c.text for c in table.rows[1].cells] == ["1", "Công ty A", "Giấy khen"]

    texts = [p.text for p in reopened.paragraphs if p.text]
    assert texts[:3] == [
        "TỜ TRÌNH",
        "Về việc đề nghị khen thưởng năm 2026",
        "Kính gửi: Ủy ban nhân dân tỉnh Bắc Giang",
    ]
    recipients, signature = (cell.text.split("\n") for cell in closing.rows[0].cells)
    assert recipients == ["Nơi nhận:", "- Như trên;", "- Sở Nội vụ;", "- Lưu: VT, VP."]
    signed = [line for line in signature if line]
    assert signed == ["KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "Nguyễn Văn Bình"]


def test_a_letter_carries_its_subject_under_the_number_and_landscape_turns_the_page() -> None:
    letter = OfficialHeader(
        parent_body="UBND tỉnh Bắc Giang",
        issuing_body="Ban Quản lý các khu công nghiệp",
        symbol="BQL-VP",
        place="Bắc Giang",
        issued_on=date(2026, 1, 2),
        subject="mời tham gia phong trào thi đua năm 2026",
    )
    reopened = _reopen(new_document(letter, landscape=True))
    section = reopened.sections[0]
    assert _mm(section.page_width) == 297 and _mm(section.page_height) == 210
    number_cell = reopened.tables[0].rows[1].cells[0]
    assert number_cell.text.split("\n")[1] == "V/v mời tham gia phong trào thi đua năm 2026"
    assert reopened.tables[0].rows[1].cells[1].text == "Bắc Giang, ngày 02 tháng 01 năm 2026"
