"""The daily planner: which messages go out on a given local date, written to the outbox.

Planning writes identities, not texts: a row says "the title-registration reminder of
campaign 7 for 15/04/2025" (`bot.notifications`), and the dispatcher words it when it sends
it, in the reader's language then and from the plan as it is then. A message to a whole
board's officers is one row (a fan-out), expanded into per-contact deliveries by the
dispatcher as it sends them; so planning costs the same for 100 or 100,000 enterprises.

- `dates`: when each kind of message goes out (the working-day calendar).
- `day`: the day's notifications, from the campaigns read once.
- `audience`: who receives them (the SQL of the recipients, one definition each).
- `write`: `plan_day`, writing the day's fan-outs and the few per-contact messages.
- `expand`: the dispatcher's expansion of fan-outs into deliveries, resumable, once each.
- `preview`: `preview_day`, the dry run listing and rendering every message.

A message is due (`not_before`) at the start of that day's sending hours, local time,
stored in UTC.
"""

from scheduler.planner.dates import (
    is_digest_day,
    observance_prompt_date,
    phase_end_notice_date,
    phase_start_notice_date,
    reminder_date,
    reminder_offset_on,
    sending_start_utc,
)
from scheduler.planner.expand import backlog, expand, expand_all, expire_fanouts
from scheduler.planner.preview import PlannedMessage, preview_day
from scheduler.planner.write import PlanResult, plan_day

__all__ = [
    "PlanResult",
    "PlannedMessage",
    "backlog",
    "expand",
    "expand_all",
    "expire_fanouts",
    "is_digest_day",
    "observance_prompt_date",
    "phase_end_notice_date",
    "phase_start_notice_date",
    "plan_day",
    "preview_day",
    "reminder_date",
    "reminder_offset_on",
    "sending_start_utc",
]
