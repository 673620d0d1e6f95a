"""Dates as the office types them (dd/mm/yyyy, also with "." or "-", or ISO yyyy-mm-dd).

One reader for the chat and the CLI, so that a well-formed date that does not exist
("31/02/2026", "29/02/2025") is told apart from a wrongly written one: the officer learns
that February 2026 has no 31st, not that the format is wrong.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from bot.i18n import N_
from bot.services.errors import InvalidInput

_VN = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

WRONG_FORMAT = N_("Please give the date as dd/mm/yyyy, for example {example}.")
WRONG_FORMAT_ISO = N_("Please give the date as YYYY-MM-DD or dd/mm/yyyy, for example {example}.")


def read_date(text: str, example: str = "15/01/2026", *, iso: bool = False) -> date:
    """The date `text` names; InvalidInput saying what is wrong otherwise.

    dd/mm/yyyy (with "/", "." or "-"); with `iso`, yyyy-mm-dd too (the CLI's form).
    """
    match = _VN.match(text or "")
    if match is not None:
        day, month, year = (int(part) for part in match.groups())
    elif iso and (iso_match := _ISO.match(text or "")) is not None:
        year, month, day = (int(part) for part in iso_match.groups())
    else:
        raise InvalidInput(WRONG_FORMAT_ISO if iso else WRONG_FORMAT, example=example)
    if not 1 <= month <= 12:
        raise InvalidInput(
            N_("{text}: there is no month {month}; months go from 1 to 12."),
            text=text.strip(),
            month=month,
        )
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last or year < 1:
        raise InvalidInput(
            N_("{text} does not exist: month {month} of {year} has {last} days."),
            text=text.strip(),
            month=month,
            year=str(year),
            last=last,
        )
    return date(year, month, day)
