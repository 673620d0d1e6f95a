"""The Vietnamese working-day calendar.

Reminders must never go out on a day off, and a deadline that falls on one is announced on
the last working day before it (31/01/2025 fell inside Tết). The public holidays, Tết, the
substituted days off (ngày nghỉ bù / hoán đổi) and the Saturdays worked in exchange for them
(ngày làm bù) come from the `holidays` package (country VN): its `weekend_workdays` holds
the compensatory working Saturdays it knows from the government's announcements
(e.g. 04/05/2024, 26/04/2025, 22/08/2026).

The government announces some swaps only months ahead, possibly after the `holidays`
release we ship. `EXTRA_DAYS_OFF` and `EXTRA_WORKING_DAYS` below are the documented place
to add such a decision (date -> Vietnamese name for a day off; a set of dates for a worked
weekend day) without waiting for a new package release; they override the package.
After changing them at run time call `clear_cache()`.

Tables are computed once per (year, language) and cached: the planner asks about the same
few hundred dates over and over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

COUNTRY = "VN"
WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())

# Days off announced after the shipped `holidays` release: date -> Vietnamese name.
EXTRA_DAYS_OFF: dict[date, str] = {}
# Weekend days worked in exchange for a day off, not (yet) known to the package.
EXTRA_WORKING_DAYS: set[date] = set()

# The package speaks "vi" and "en_US"; our languages are "vi" and "en".
_PACKAGE_LANGUAGE = {"vi": "vi", "en": "en_US"}

# A search for a working day never needs more than a couple of weeks (Tết is at most ~9
# days off in a row); this bound turns a corrupted table into an error, not a hang.
_MAX_SCAN_DAYS = 60


@dataclass(frozen=True)
class _YearTable:
    """The days off (with names) and the worked weekend days of one calendar year."""

    days_off: dict[date, str]
    working_weekend_days: frozenset[date]


@lru_cache(maxsize=64)
def _year_table(year: int, language: str = "vi") -> _YearTable:
    # Neighbouring years are loaded too: a substitution may cross the year boundary
    # (2015: 02/01/2015 off, worked on 27/12/2014).
    table = holidays.country_holidays(
        COUNTRY, years=(year - 1, year, year + 1), language=_PACKAGE_LANGUAGE.get(language, "vi")
    )
    days_off = {d: str(name) for d, name in table.items() if d.year == year}
    working = {d for d in table.weekend_workdays if d.year == year}
    for d, name in EXTRA_DAYS_OFF.items():
        if d.year == year:
            days_off.setdefault(d, name)
    working |= {d for d in EXTRA_WORKING_DAYS if d.year == year}
    return _YearTable(days_off=days_off, working_weekend_days=frozenset(working))


def clear_cache() -> None:
    """Forget the cached tables (after changing EXTRA_DAYS_OFF / EXTRA_WORKING_DAYS)."""
    _year_table.cache_clear()


def holiday_name(d: date, language: str = "vi") -> str | None:
    """The name of the public holiday or substituted day off on `d`, or None.

    Weekends are not holidays and have no name.
    """
    return _year_table(d.year, language).days_off.get(d)


def is_working_day(d: date) -> bool:
    """Mon–Fri that is not a day off, or a weekend day worked in exchange for one."""
    table = _year_table(d.year)
    if d in table.days_off:
        return False
    if d.weekday() in WEEKEND:
        return d in table.working_weekend_days
    return True


def _scan(d: date, step: int) -> date:
    for _ in range(_MAX_SCAN_DAYS):
        if is_working_day(d):
            return d
        d += timedelta(days=step)
    raise RuntimeError(f"no working day within {_MAX_SCAN_DAYS} days of {d.isoformat()}")


def last_working_day_on_or_before(d: date) -> date:
    """`d` if it is a working day, else the last working day before it."""
    return _scan(d, -1)


def next_working_day_on_or_after(d: date) -> date:
    """`d` if it is a working day, else the first working day after it."""
    return _scan(d, +1)


def _move_working_days(d: date, n: int, step: int) -> date:
    """The date `n` (>= 0) working days from `d`, backward (step -1) or forward (step +1)."""
    current = _scan(d, step)
    if n == 0:
        return current
    if current != d:
        # `d` was a day off: the first working day found is already one step along.
        n -= 1
    for _ in range(n):
        current = _scan(current + timedelta(days=step), step)
    return current


def working_days_before(d: date, n: int) -> date:
    """The date `n` working days before `d` (`d` itself need not be a working day).

    n = 0 gives the last working day on or before `d`; a negative n counts forward.
    """
    return _move_working_days(d, n, -1) if n >= 0 else _move_working_days(d, -n, +1)


def working_days_after(d: date, n: int) -> date:
    """The date `n` working days after `d` (`d` itself need not be a working day).

    n = 0 gives the first working day on or after `d`; a negative n counts backward.
    """
    return _move_working_days(d, n, +1) if n >= 0 else _move_working_days(d, -n, -1)


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in [start, end] (0 if end < start)."""
    count = 0
    d = start
    while d <= end:
        count += is_working_day(d)
        d += timedelta(days=1)
    return count
