"""When each planned message goes out: the dates, worked out with the working-day calendar."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from bot.models import Phase
from bot.services.calendar import (
    is_working_day,
    last_working_day_on_or_before,
    next_working_day_on_or_after,
    working_days_after,
    working_days_before,
)
from bot.settings import Settings


def reminder_date(due_on: date, offset: int) -> date:
    """The working day a reminder at `offset` goes out on.

    Positive: that many calendar days before the due date, moved back to a working day.
    Zero: the last working day on or before the due date.
    Negative: that many working days after the due date.
    """
    if offset < 0:
        return working_days_after(due_on, -offset)
    return last_working_day_on_or_before(due_on - timedelta(days=offset))


def reminder_offset_on(due_on: date, offsets: Iterable[int], on: date) -> int | None:
    """The offset whose reminder falls on `on`, or None.

    Several offsets can land on the same working day (31/01/2025 is inside Tết, so the 3-day,
    1-day and due-day reminders all fall on 24/01/2025); only the most urgent one is sent.
    """
    matching = [o for o in offsets if reminder_date(due_on, o) == on]
    if not matching:
        return None
    return min(matching, key=lambda o: (o < 0, o))


def observance_prompt_date(observance_on: date, working_days: int) -> date:
    return working_days_before(observance_on, working_days)


def phase_start_notice_date(phase: Phase) -> date:
    return next_working_day_on_or_after(phase.starts_on)


def phase_end_notice_date(phase: Phase) -> date:
    """A week before the phase ends (the six-month or year-end review follows)."""
    return last_working_day_on_or_before(phase.ends_on - timedelta(days=7))


def is_digest_day(on: date) -> bool:
    """The first working day of the week (Monday, or the next one when Monday is off)."""
    if not is_working_day(on):
        return False
    monday = on - timedelta(days=on.weekday())
    return not any(is_working_day(monday + timedelta(days=i)) for i in range(on.weekday()))


def sending_start_utc(on: date, settings: Settings) -> datetime:
    local = datetime.combine(on, settings.sending_start, tzinfo=settings.tz)
    return local.astimezone(UTC)
