"""The Vietnamese working-day calendar, checked against the published calendars 2024–2027."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from bot.services import calendar as cal
from bot.services.calendar import (
    holiday_name,
    is_working_day,
    last_working_day_on_or_before,
    next_working_day_on_or_after,
    working_days_after,
    working_days_before,
    working_days_between,
)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2024, 3, 4), True),  # Monday
        (date(2024, 3, 8), True),  # Friday
        (date(2024, 3, 9), False),  # Saturday
        (date(2024, 3, 10), False),  # Sunday
        (date(2026, 11, 21), False),  # Saturday
    ],
)
def test_weekends_are_days_off(d: date, expected: bool) -> None:
    assert is_working_day(d) is expected


def test_tet_2025_covers_the_launch_document_deadline() -> None:
    # The package gives 27/01 (29 Tết) to 01/02/2025 (mùng 4, a Saturday) off.
    for day in range(27, 32):
        assert not is_working_day(date(2025, 1, day)), day
    assert holiday_name(date(2025, 1, 29)) == "Tết Nguyên Đán"
    assert holiday_name(date(2025, 1, 29), "en") == "Lunar New Year"
    # 31/01/2025 falls in Tết: remind on Friday 24/01/2025.
    assert last_working_day_on_or_before(date(2025, 1, 31)) == date(2025, 1, 24)
    assert next_working_day_on_or_after(date(2025, 1, 31)) == date(2025, 2, 3)


@pytest.mark.parametrize(
    ("before", "first", "last", "after"),
    [
        (date(2024, 2, 7), date(2024, 2, 8), date(2024, 2, 14), date(2024, 2, 15)),
        (date(2026, 2, 13), date(2026, 2, 16), date(2026, 2, 20), date(2026, 2, 23)),
        (date(2027, 2, 3), date(2027, 2, 4), date(2027, 2, 10), date(2027, 2, 11)),
    ],
)
def test_tet_other_years(before: date, first: date, last: date, after: date) -> None:
    d = first
    while d <= last:
        assert not is_working_day(d), d
        d += timedelta(days=1)
    assert last_working_day_on_or_before(first) == before
    assert next_working_day_on_or_after(last) == after


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_reunification_and_labour_day(year: int) -> None:
    assert not is_working_day(date(year, 4, 30))
    assert not is_working_day(date(year, 5, 1))
    assert holiday_name(date(year, 5, 1), "en") == "International Labor Day"


def test_national_day_is_two_days() -> None:
    # 2024: 02/09 Mon + 03/09 Tue; 2025: 01/09 Mon + 02/09 Tue;
    # 2026: 01/09 Tue + 02/09 Wed; 2027: 02/09 Thu + 03/09 Fri.
    for off in [
        date(2024, 9, 2),
        date(2024, 9, 3),
        date(2025, 9, 1),
        date(2025, 9, 2),
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2027, 9, 2),
        date(2027, 9, 3),
    ]:
        assert not is_working_day(off), off
        assert holiday_name(off) == "Quốc khánh"
    assert is_working_day(date(2025, 9, 3))
    assert is_working_day(date(2027, 9, 1))


def test_substituted_days_off_and_compensatory_saturdays() -> None:
    # 2024: Monday 29/04 off, worked on Saturday 04/05.
    assert not is_working_day(date(2024, 4, 29))
    assert holiday_name(date(2024, 4, 29)) == "Ngày nghỉ (thay cho ngày 04/05/2024)"
    assert is_working_day(date(2024, 5, 4))
    # 2025: Friday 02/05 off, worked on Saturday 26/04.
    assert not is_working_day(date(2025, 5, 2))
    assert is_working_day(date(2025, 4, 26))
    # 2026: Monday 31/08 off, worked on Saturday 22/08.
    assert not is_working_day(date(2026, 8, 31))
    assert is_working_day(date(2026, 8, 22))
    # 2027: Labour Day on a Saturday is observed on Monday 03/05.
    assert not is_working_day(date(2027, 5, 3))


def test_hung_kings_and_culture_day() -> None:
    assert not is_working_day(date(2024, 4, 18))
    assert not is_working_day(date(2026, 4, 27))  # observed: 26/04/2026 is a Sunday
    assert not is_working_day(date(2026, 11, 24))
    assert holiday_name(date(2027, 11, 24), "en") == "Vietnam Cultural Day"


def test_no_name_for_ordinary_days_and_weekends() -> None:
    assert holiday_name(date(2024, 3, 4)) is None
    assert holiday_name(date(2024, 3, 9)) is None


def test_last_working_day_on_or_before() -> None:
    assert last_working_day_on_or_before(date(2024, 3, 5)) == date(2024, 3, 5)
    assert last_working_day_on_or_before(date(2024, 3, 10)) == date(2024, 3, 8)
    # 01/05/2024 (Wed): 30/04, 29/04 off, 27–28 weekend -> Friday 26/04.
    assert last_working_day_on_or_before(date(2024, 5, 1)) == date(2024, 4, 26)
    # 05/12/2026 is a Saturday.
    assert last_working_day_on_or_before(date(2026, 12, 5)) == date(2026, 12, 4)
    # 15/04/2028... stays within the package's reach as well.
    assert is_working_day(last_working_day_on_or_before(date(2028, 4, 15)))


def test_working_days_before_and_after() -> None:
    # From Wednesday 13/03/2024.
    assert working_days_before(date(2024, 3, 13), 0) == date(2024, 3, 13)
    assert working_days_before(date(2024, 3, 13), 1) == date(2024, 3, 12)
    assert working_days_before(date(2024, 3, 13), 3) == date(2024, 3, 8)
    assert working_days_after(date(2024, 3, 13), 3) == date(2024, 3, 18)
    # From a Sunday: the first working day back is one working day before.
    assert working_days_before(date(2024, 3, 10), 1) == date(2024, 3, 8)
    assert working_days_after(date(2024, 3, 10), 1) == date(2024, 3, 11)
    assert working_days_after(date(2024, 3, 10), 0) == date(2024, 3, 11)
    # Across Tết 2025: three working days after 31/01 is Wednesday 05/02.
    assert working_days_after(date(2025, 1, 31), 3) == date(2025, 2, 5)
    # Counting across the compensatory Saturday 04/05/2024 includes it.
    assert working_days_after(date(2024, 5, 3), 1) == date(2024, 5, 4)
    assert working_days_before(date(2024, 5, 6), 1) == date(2024, 5, 4)
    # Negative counts go the other way.
    assert working_days_before(date(2024, 3, 13), -3) == date(2024, 3, 18)
    assert working_days_after(date(2024, 3, 13), -1) == date(2024, 3, 12)


def test_working_days_between() -> None:
    assert working_days_between(date(2024, 3, 4), date(2024, 3, 10)) == 5
    assert working_days_between(date(2025, 1, 27), date(2025, 2, 2)) == 0
    assert working_days_between(date(2024, 3, 10), date(2024, 3, 4)) == 0


@pytest.fixture
def extra_tables() -> Iterator[None]:
    yield
    cal.EXTRA_DAYS_OFF.clear()
    cal.EXTRA_WORKING_DAYS.clear()
    cal.clear_cache()


@pytest.mark.usefixtures("extra_tables")
def test_documented_tables_override_the_package() -> None:
    day_off = date(2027, 3, 10)
    saturday = date(2027, 3, 13)
    assert is_working_day(day_off) and not is_working_day(saturday)
    cal.EXTRA_DAYS_OFF[day_off] = "Ngày nghỉ (thay cho ngày 13/03/2027)"
    cal.EXTRA_WORKING_DAYS.add(saturday)
    cal.clear_cache()
    assert not is_working_day(day_off)
    assert holiday_name(day_off) == "Ngày nghỉ (thay cho ngày 13/03/2027)"
    assert is_working_day(saturday)
