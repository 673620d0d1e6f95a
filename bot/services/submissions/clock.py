"""The instant a change happens and the local date it falls on."""

from __future__ import annotations

from datetime import date, datetime

from bot.settings import get_settings


def _now(now: datetime) -> datetime:
    """`now`, checked: every service is handed the instant by its caller (the engine's update
    time, the scheduler's clock, the CLI's start), never reads the wall clock itself."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given to the submission services")
    return now


def local_date(now: datetime) -> date:
    """The calendar date at `now` in the board's time zone."""
    return _now(now).astimezone(get_settings().tz).date()
