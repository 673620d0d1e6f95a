"""XLSX exports as printable documents: what an office prints, signs and files.

`make_printable` turns a filled worksheet (header row in row 1, data below) into a page an
office can print: a title block above the table (what it is, which campaign, as of when, the
board's name), landscape A4 fitted to the page width with the header row repeated on every
page, the header frozen, narrow margins, page numbers in the footer, and number formats that
show only the decimals the column's values need ("1.234.567", not "1.234.567,000").

Applied as the last step of every export, so the exports keep their own columns and rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import Translator

# The title, the campaign and board, the date and time, the targets the figures are measured
# against (their year and the plan's qualifiers; empty for a list without targets); then a
# blank row.
TITLE_ROWS = 4
HEADER_ROW = TITLE_ROWS + 2  # where the table's header row lands
TITLE_FONT = Font(bold=True, size=14)
SUBTITLE_FONT = Font(italic=True, size=11)


@dataclass(frozen=True)
class Heading:
    """What the printed page says above the table."""

    title: str
    campaign: str
    board: str
    as_of: datetime  # local time of the export
    # "Chỉ tiêu năm 2026 (…): …" (bot.services.targets.summary); "" leaves the line empty.
    targets: str = ""


def make_printable(ws: Worksheet, heading: Heading, t: Translator) -> None:
    """Add the title block and the print setup to `ws` (header in row 1 before the call)."""
    _trim_decimals(ws)
    columns = max(ws.max_column, 1)
    _fit_columns(ws, columns)
    _rule_cells(ws, columns)
    ws.insert_rows(1, TITLE_ROWS + 1)
    header_row = HEADER_ROW
    lines = [
        (heading.title.upper(), TITLE_FONT),
        (f"{heading.campaign} – {heading.board}", SUBTITLE_FONT),
        (
            t(
                "As of {time} {date}",
                time=heading.as_of.strftime("%H:%M"),
                date=t.date(heading.as_of.date()),
            ),
            SUBTITLE_FONT,
        ),
        (heading.targets, SUBTITLE_FONT),
    ]
    last = get_column_letter(columns)
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if columns > 1:
            ws.merge_cells(f"A{row}:{last}{row}")
    ws.row_dimensions[1].height = 24
    if heading.targets:
        # A long list of targets wraps in its merged cell; LibreOffice does not grow the row.
        span = sum(
            ws.column_dimensions[get_column_letter(c)].width or 10 for c in range(1, columns + 1)
        )
        ws.row_dimensions[TITLE_ROWS].height = (
            15.0 * -(-len(heading.targets) // max(1, int(span))) + 3
        )
    ws.row_dimensions[header_row].height = _header_height(ws, header_row, columns)
    ws.freeze_panes = f"A{header_row + 1}"
    if ws.auto_filter.ref:
        ws.auto_filter.ref = f"A{header_row}:{last}{ws.max_row}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    footer = ws.oddFooter
    if footer is not None and footer.center is not None:
        footer.center.text = t("Page &P of &N")
    wb = ws.parent
    if wb is not None and not wb.properties.title:
        wb.properties.title = heading.title


NARROWEST, WIDEST = 6, 40


def _fit_columns(ws: Worksheet, columns: int) -> None:
    """Columns as wide as their values (not their headers, which wrap onto two lines at
    most), at most 40 characters; longer values wrap. So a wide report fits the page width at
    a readable size, and a column still empty keeps a header that reads."""
    for column in range(1, columns + 1):
        letter = get_column_letter(column)
        header = str(ws.cell(row=1, column=column).value or "")
        longest_word = max((len(word) for word in header.split()), default=0)
        values = [ws.cell(row=row, column=column).value for row in range(2, ws.max_row + 1)]
        longest = max((_shown_length(v) for v in values if v is not None), default=0)
        two_lines = -(-len(header) // 2) + 1
        width = min(WIDEST, max(NARROWEST, longest + 2, longest_word + 2, two_lines))
        ws.column_dimensions[letter].width = width
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row=row, column=column)
            if cell.value is not None and _shown_length(cell.value) > width:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _shown_length(value: object) -> int:
    if isinstance(value, datetime):
        return 10
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        digits = len(f"{abs(value):,.0f}")
        return digits + (4 if isinstance(value, float | Decimal) and value % 1 else 0)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _header_height(ws: Worksheet, row: int, columns: int) -> float:
    """Tall enough for the longest wrapped header (LibreOffice does not grow it by itself)."""
    lines = 1
    for column in range(1, columns + 1):
        text = str(ws.cell(row=row, column=column).value or "")
        width = ws.column_dimensions[get_column_letter(column)].width or 10
        lines = max(lines, -(-len(text) // max(1, int(width) - 1)))
    return 15.0 * lines + 3


THIN = Side(style="thin", color="808080")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _rule_cells(ws: Worksheet, columns: int) -> None:
    """Thin borders round every cell of the table, so the printed page reads as a table."""
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=columns):
        for cell in row:
            cell.border = GRID


def _decimals(value: Decimal | float | int) -> int:
    if isinstance(value, int):
        return 0
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _trim_decimals(ws: Worksheet) -> None:
    """Each number column shows the decimals its values need, at most what its format allows:
    a column of whole numbers shows none ("1.234.567"), a growth rate "19,3"."""
    needed: dict[int, int] = {}
    cells = []
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            fmt = cell.number_format or ""
            if not isinstance(cell.value, int | float | Decimal) or isinstance(cell.value, bool):
                continue
            if "#,##0." not in fmt:
                continue
            rest = fmt.split("#,##0.", 1)[1]
            allowed = len(rest) - len(rest.lstrip("0"))
            column = cell.column
            assert isinstance(column, int)
            needed[column] = max(needed.get(column, 0), min(allowed, _decimals(cell.value)))
            cells.append(cell)
    for cell in cells:
        column = cell.column
        assert isinstance(column, int)
        prefix, rest = cell.number_format.split("#,##0.", 1)
        allowed_part = rest.split(";")[0]
        digits = len(allowed_part) - len(allowed_part.lstrip("0"))
        keep = needed[column]
        tail = allowed_part[digits:]
        cell.number_format = prefix + "#,##0" + ("." + "0" * keep if keep else "") + tail
