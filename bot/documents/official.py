"""The frame of a Vietnamese administrative document (thể thức văn bản, Nghị định 30/2020/NĐ-CP).

Every Word document the board sends upward — the lists of proposals, the Tờ trình, the decision's
annex, invitation letters — shares one frame, set by Phụ lục I of Nghị định 30/2020/NĐ-CP:

- A4; margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm (the decree: 20–25, 20–25,
  30–35, 15–20);
- Times New Roman; the body 14 pt, the header 13 pt;
- the header, a borderless two-column table: left the parent body (uppercase, regular) and the
  issuing body (uppercase, bold) with a short rule under it, then "Số: 05/TTr-BQL"; right the
  national name "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (uppercase, bold) and the motto
  "Độc lập - Tự do - Hạnh phúc" (bold) with a rule as long as the motto, then the place and
  date in italics;
- the document type (uppercase, bold) and its subject (bold, a short rule under it), or for a letter
  (công văn) "V/v …" under the number;
- the closing: "Nơi nhận:" (12 pt bold italic, each recipient 11 pt on its own line, "- …;" and the
  last "- Lưu: VT, …."), beside the signature block (authority "TM. …"/"KT. …", the position, room
  for the signature and seal, the signer's name, all bold and centred).

The API is small on purpose: build an :class:`OfficialHeader`, call :func:`new_document`, add the
body with python-docx (or the helpers :func:`add_paragraph` / :func:`add_table`), then
:func:`add_signature` (with the recipients beside it) and save. Nothing here reads the database:
callers pass plain values, so the frame serves every document the bot writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from docx import Document as new_docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Margins (Phụ lục I, Nghị định 30/2020/NĐ-CP, mục II.2): each within the decree's range.
MARGIN_TOP = Mm(20)
MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT = Mm(30)
MARGIN_RIGHT = Mm(15)
A4_SHORT, A4_LONG = Mm(210), Mm(297)

# The header's columns on a portrait page (165 mm of text width): the issuing body on the left,
# the national name on the right, which at 13 pt bold needs about 95 mm on one line.
LEFT_COLUMN = Mm(62)
# The motto at 14 pt bold measures 57 mm (Liberation Serif, metric-compatible with Times New Roman);
# the decree draws the rule under it as long as the motto.
MOTTO_PT = 14
MOTTO_RULE = Mm(57)
# Under the issuing body and the subject: a rule of 1/3 to 1/2 of the line above it.
SHORT_RULE = Mm(25)


@dataclass(frozen=True)
class OfficialHeader:
    """What the header and title of one document say.

    ``number`` is the document's number in the board's register, or None while it is a draft the
    clerk numbers by hand ("Số:      /TTr-BQL"). ``symbol`` is the part after the slash
    ("TTr-BQL", "QĐ-BQL", "BQL-VP"). ``doc_type`` is the kind in words ("TỜ TRÌNH", "QUYẾT ĐỊNH",
    "DANH SÁCH"); None for a letter (công văn), whose ``subject`` then goes under the number as
    "V/v …". ``recipient`` fills "Kính gửi: …" under the title (Tờ trình, letters).
    """

    parent_body: str
    issuing_body: str
    symbol: str
    place: str
    issued_on: date
    number: int | str | None = None
    doc_type: str | None = None
    subject: str | None = None
    recipient: str | None = None


@dataclass(frozen=True)
class Signature:
    """The signature block: ``authority`` is "TM. BAN QUẢN LÝ", "KT. TRƯỞNG BAN", "Q. TRƯỞNG BAN"
    or empty when the head signs in his own right; ``position`` is the signer's position
    ("TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"); ``name`` the signer's full name (may be empty on a draft)."""

    position: str
    name: str = ""
    authority: str = ""


@dataclass(frozen=True)
class Recipients:
    """ "Nơi nhận:" — each recipient on its own line; ``archive`` ends the list ("Lưu: VT, VP.")."""

    names: Sequence[str] = field(default_factory=tuple)
    archive: str = "VT"


def document_number(header: OfficialHeader) -> str:
    """ "Số: 05/TTr-BQL" — numbers under 10 get a leading zero; a draft leaves room to number it."""
    number = header.number
    if number is None or number == "":
        shown = "\u00a0" * 6
    elif isinstance(number, int) or str(number).isdigit():
        shown = f"{int(number):02d}"
    else:
        shown = str(number)
    return f"Số: {shown}/{header.symbol}"


def place_and_date(place: str, on: date) -> str:
    """ "Bắc Giang, ngày 05 tháng 3 năm 2026": the decree writes days under 10 and the months
    1 and 2 with a leading zero, the other months without."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


def new_document(
    header: OfficialHeader, *, landscape: bool = False, body_pt: int = BODY_PT
) -> Document:
    """A new A4 document with the decree's margins, fonts, header block and title.

    ``landscape`` turns the page for wide annexes (lists of many columns); the header keeps its
    shape, its columns placed at the page's edges.
    """
    doc = new_docx()
    _set_fonts(doc, body_pt)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    )
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    _page_numbers(doc)
    _add_header_block(doc, header)
    _add_title(doc, header)
    return doc


def text_width(doc: Document) -> int:
    """The width between the margins, in EMU (for tables that fill the page)."""
    section = doc.sections[-1]
    page, left, right = section.page_width, section.left_margin, section.right_margin
    assert page is not None and left is not None and right is not None  # set by new_document
    return int(page) - int(left) - int(right)


def add_paragraph(
    doc: Document,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_first: bool = True,
    size: int | None = None,
) -> Paragraph:
    """A body paragraph as the decree sets it: justified, the first line indented 1.27 cm, at
    least 6 pt between paragraphs, single-to-1.5 line spacing (we use 1.15 lines)."""
    paragraph = doc.add_paragraph()
    _body_format(paragraph, align=align, indent_first=indent_first)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def add_heading(doc: Document, text: str) -> Paragraph:
    """A heading inside the body (a level, a title or form of a list): bold and flush left, so
    it stands out from the indented paragraphs it heads."""
    return add_paragraph(doc, text, bold=True, indent_first=False)


def add_table(
    doc: Document,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths_mm: Sequence[float] | None = None,
    size: int = 12,
    number_columns: Sequence[int] = (),
) -> Table:
    """A ruled table (the lists and annexes): a bold centred header row repeated on every page,
    cells top-aligned, ``number_columns`` right-aligned. Values are written with ``str()``; callers
    format numbers and dates the Vietnamese way before passing them."""
    table: Table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    head = table.rows[0]
    _repeat_as_header(head)
    for cell, title in zip(head.cells, headers, strict=True):
        _cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=size)
    for values in rows:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]  # python-docx lacks the hint
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            align = (
                WD_ALIGN_PARAGRAPH.RIGHT
                if index in number_columns
                else (WD_ALIGN_PARAGRAPH.CENTER if index == 0 else WD_ALIGN_PARAGRAPH.LEFT)
            )
            _cell_text(cell, "" if value is None else str(value), align=align, size=size)
    if widths_mm is not None:
        _set_widths(table, [Mm(w) for w in widths_mm])
    spacer(doc)
    return table


def add_signature(
    doc: Document, signature: Signature, recipients: Recipients | None = None
) -> Table:
    """The closing: "Nơi nhận:" on the left (when given) and the signature block on the right, in
    one borderless table so both start on the same line, as the decree places them."""
    spacer(doc, 12)
    width = text_width(doc)
    left = int(width * 0.45)
    table = _borderless_table(doc, 1, 2, [left, width - left])
    row = table.rows[0]
    _keep_row_together(row)
    left_cell, right_cell = row.cells
    if recipients is not None:
        _fill_recipients(left_cell, recipients)
    else:
        _first_paragraph(left_cell)
    first = True
    for line in (signature.authority, signature.position):
        if line:
            paragraph = _first_paragraph(right_cell) if first else right_cell.add_paragraph()
            first = False
            _center(paragraph)
            _run(paragraph, line.upper(), bold=True, size=BODY_PT)
    # Room for the signature and the seal (about 30 mm), then the name.
    for _ in range(4):
        _center(right_cell.add_paragraph())
    name = right_cell.add_paragraph()
    _center(name)
    _run(name, signature.name, bold=True, size=BODY_PT)
    return table


def add_recipients(doc: Document, recipients: Recipients) -> None:
    """ "Nơi nhận:" alone, for a document whose signature block is placed elsewhere."""
    paragraph = doc.add_paragraph()
    _fill_recipients_into(paragraph, doc.add_paragraph, recipients)


# ---- internals ---------------------------------------------------------------------------

# Word rejects properties out of the schema's order (LibreOffice forgives): what may follow.
_PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_TBLPR_AFTER_MARGINS = ("w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _set_fonts(doc: Document, body_pt: int) -> None:
    """Times New Roman for every script (Word picks the East Asian slot for some Vietnamese
    letters unless it is set too), and no space after paragraphs unless asked for."""
    for style_name in ("Normal", "Table Grid"):
        style = doc.styles[style_name]
        font = style.font
        font.name = FONT
        font.size = Pt(body_pt)
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), FONT)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before = Pt(0)
    normal.space_after = Pt(0)
    normal.line_spacing = 1.0


def _add_header_block(doc: Document, header: OfficialHeader) -> None:
    width = text_width(doc)
    left = int(LEFT_COLUMN)
    table = _borderless_table(doc, 2, 2, [left, width - left])
    body_cell, nation_cell = table.rows[0].cells
    number_cell, date_cell = table.rows[1].cells

    paragraph = _first_paragraph(body_cell)
    _center(paragraph)
    _run(paragraph, header.parent_body.upper(), size=HEADER_PT)
    paragraph = body_cell.add_paragraph()
    _center(paragraph)
    _run(paragraph, header.issuing_body.upper(), bold=True, size=HEADER_PT)
    _rule(body_cell.add_paragraph(), int(SHORT_RULE), left)

    paragraph = _first_paragraph(nation_cell)
    _center(paragraph)
    _run(paragraph, NATIONAL_NAME, bold=True, size=HEADER_PT)
    paragraph = nation_cell.add_paragraph()
    _center(paragraph)
    _run(paragraph, MOTTO, bold=True, size=MOTTO_PT)
    _rule(nation_cell.add_paragraph(), int(MOTTO_RULE), width - left)

    paragraph = _first_paragraph(number_cell)
    _center(paragraph)
    paragraph.paragraph_format.space_before = Pt(6)
    _run(paragraph, document_number(header), size=HEADER_PT)
    if header.doc_type is None and header.subject:
        paragraph = number_cell.add_paragraph()
        _center(paragraph)
        _run(paragraph, f"V/v {header.subject}", size=12)

    paragraph = _first_paragraph(date_cell)
    _center(paragraph)
    paragraph.paragraph_format.space_before = Pt(6)
    _run(paragraph, place_and_date(header.place, header.issued_on), italic=True, size=BODY_PT)


def _add_title(doc: Document, header: OfficialHeader) -> None:
    if header.doc_type:
        paragraph = doc.add_paragraph()
        _center(paragraph)
        paragraph.paragraph_format.space_before = Pt(18)
        paragraph.paragraph_format.keep_with_next = True
        _run(paragraph, header.doc_type.upper(), bold=True, size=BODY_PT)
        if header.subject:
            paragraph = doc.add_paragraph()
            _center(paragraph)
            paragraph.paragraph_format.keep_with_next = True
            _run(paragraph, header.subject, bold=True, size=BODY_PT)
        _rule(doc.add_paragraph(), int(SHORT_RULE) + int(Mm(10)), text_width(doc))
    if header.recipient:
        paragraph = doc.add_paragraph()
        _center(paragraph)
        paragraph.paragraph_format.space_before = Pt(12)
        paragraph.paragraph_format.space_after = Pt(12)
        _run(paragraph, f"Kính gửi: {header.recipient}", size=BODY_PT)
    elif header.doc_type:
        doc.add_paragraph().paragraph_format.space_after = Pt(6)


def _fill_recipients(cell: _Cell, recipients: Recipients) -> None:
    _fill_recipients_into(_first_paragraph(cell), cell.add_paragraph, recipients)


def _fill_recipients_into(first: Paragraph, add: object, recipients: Recipients) -> None:
    _run(first, "Nơi nhận:", bold=True, italic=True, size=12)
    lines = [f"- {name};" for name in recipients.names]
    lines.append(f"- Lưu: {recipients.archive}.")
    for line in lines:
        paragraph = add()  # type: ignore[operator]
        _run(paragraph, line, size=11)


def _body_format(
    paragraph: Paragraph, *, align: WD_ALIGN_PARAGRAPH | None, indent_first: bool
) -> None:
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if indent_first:
        fmt.first_line_indent = Mm(12.7)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    if size is not None:
        run.font.size = Pt(size)


def _center(paragraph: Paragraph) -> None:
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _first_paragraph(cell: _Cell) -> Paragraph:
    first: Paragraph = cell.paragraphs[0]
    return first


def _cell_text(
    cell: _Cell, text: str, *, bold: bool = False, align: WD_ALIGN_PARAGRAPH, size: int
) -> None:
    lines = text.split("\n")
    paragraph = _first_paragraph(cell)
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        paragraph.paragraph_format.alignment = align
        paragraph.paragraph_format.space_before = Pt(2)
        paragraph.paragraph_format.space_after = Pt(2)
        _run(paragraph, line, bold=bold, size=size)


def _rule(paragraph: Paragraph, length: int, column: int) -> None:
    """A horizontal rule of ``length`` EMU centred in a column ``column`` EMU wide: the bottom
    border of an empty paragraph 3 pt high, indented from both sides, so the rule sits a little
    below the line above it and clear of its descenders."""
    indent = max(0, (column - length) // 2)
    fmt = paragraph.paragraph_format
    fmt.left_indent = indent
    fmt.right_indent = indent
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(3)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    ppr.insert_element_before(borders, *_PPR_AFTER_BORDER)


def _page_numbers(doc: Document) -> None:
    """Page numbers from the second page on, centred in the top margin (the decree's place)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    _center(paragraph)
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def spacer(doc: Document, points: int = 6) -> Paragraph:
    """An empty paragraph ``points`` high: room after a table, before the closing."""
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    return paragraph


def _borderless_table(doc: Document, rows: int, cols: int, widths: Sequence[int]) -> Table:
    table: Table = doc.add_table(rows=rows, cols=cols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", *_TBLPR_AFTER_MARGINS)
    # No cell padding at the sides, so the columns sit on the margins.
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), "0")
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.insert_element_before(margins, *_TBLPR_AFTER_MARGINS)
    _set_widths(table, widths)
    return table


def _set_widths(table: Table, widths: Sequence[int]) -> None:
    """Column widths that Word and LibreOffice both honour: the grid and every cell."""
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(int(width) // 635))  # EMU -> twentieths of a point
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def _repeat_as_header(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _keep_row_together(row: object) -> None:
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    tr_pr.append(OxmlElement("w:cantSplit"))
