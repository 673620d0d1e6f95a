"""The active sheet of a workbook the bot wrote, typed: openpyxl types `Workbook.active` as
optional (a workbook may have no sheet), the bot's workbooks always have one."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet


def active(workbook: Workbook) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), sheet
    return sheet
