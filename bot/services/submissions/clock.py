"""The instant a change happens and the local date it falls on."""

from __future__ import annotations

from datetime import date, datetime

from bot.models.types import utcnow
from bot.settings import get_settings


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given to the submission services")
    return now


def local_date(now: datetime) -> date:
    """The calendar date at `now` in the board's time zone."""
    return _now(now).astimezone(get_settings().tz).date()
