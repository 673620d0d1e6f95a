"""The instant a change happens and the local date it falls on."""

from __future__ import annotations

from datetime import date, datetime, tzinfo


def _now(now: datetime) -> datetime:
    """`now`, checked: every service is handed the instant by its caller (the engine's update
    time, the scheduler's clock, the CLI's start), never reads the wall clock itself."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given to the submission services")
    return now


def local_date(now: datetime, tz: tzinfo) -> date:
    """The calendar date at `now` in the board's time zone `tz` (handed in by the caller, as
    `now` is: the flows, the CLI and the scheduler hold the settings' zone)."""
    return _now(now).astimezone(tz).date()
