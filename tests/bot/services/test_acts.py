"""An act's moment is checked once, where it is built, and its day is the board's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.acts import Act

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Act(datetime(2024, 4, 10), TZ)


def test_today_is_the_local_date() -> None:
    late_evening_utc = datetime(2024, 4, 15, 17, 0, tzinfo=UTC)  # 00:00 on 16/04 in Việt Nam
    assert Act(late_evening_utc, TZ).today == date(2024, 4, 16)
    assert Act(late_evening_utc, UTC).today == date(2024, 4, 15)
