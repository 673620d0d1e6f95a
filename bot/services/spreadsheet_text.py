"""Text from users never becomes a formula in a workbook we write.

openpyxl stores any string that starts with "=" as a formula, so a person named
`=HYPERLINK("…")` or a collective named `=cmd|' /C calc'!A0` would be live in the office's
export. Following OWASP's CSV-injection guidance, a string starting with = + - @, a tab or a
carriage return is written as a text cell with Excel's quote prefix (what Excel itself does
when someone types '=…): the office sees the name exactly as entered, and neither Excel nor
LibreOffice evaluates it, now or after an edit of the cell.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.workbook.workbook import Workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(cell: Cell | MergedCell) -> None:
    """Make `cell` plain text if its value is a string a spreadsheet could read as a formula."""
    if not isinstance(cell, Cell):
        return  # a merged cell holds no value of its own
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True


def guard_cells(cells: Iterable[Cell | MergedCell]) -> None:
    for cell in cells:
        guard_cell(cell)


def guard_workbook(workbook: Workbook) -> None:
    """Every cell of every sheet (for writers that do not go cell by cell)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            guard_cells(row)
