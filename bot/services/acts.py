"""Who does a change, when, and in which zone its day falls: one value, `Act`.

Every audited service is handed the same things by its caller: the instant (the engine's
update time, the scheduler's clock, the CLI's start; no service reads the wall clock), the
board's time zone (a due date ends at local midnight), and who acts (the contact, and how
the audit log names them: "telegram:42", "cli", "web"). It used to take them as four
parameters and hand them on, one by one, to every helper and to the audit entry. As one
frozen value a service's signature says it once, the audit entry (`audit.record`) reads
who and when from it, and the instant is checked once, where the value is built.

A set-up change (the start-up's admins, the demo's seeding, a test's fixtures) is made by the
bot itself: an `Act` with actor `SYSTEM`, no contact, and the caller's clock like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo


@dataclass(frozen=True)
class Act:
    """One change's moment (`now`, aware), the board's zone (`tz`) and who makes it.

    `contact_id` is the contact acting (None for the command line or the scheduler);
    `actor` is how the audit log names them.
    """

    now: datetime
    tz: tzinfo
    contact_id: int | None = None
    actor: str = ""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("naive datetime given to the services")

    @property
    def local_time(self) -> datetime:
        """`now` on the board's clock (what a sheet's "as of" line shows)."""
        return self.now.astimezone(self.tz)

    @property
    def today(self) -> date:
        """The calendar date at `now` in the board's zone (deadlines are local dates)."""
        return self.local_time.date()


SYSTEM = "system"  # the audit log's "who" for a change the bot makes itself (set-up, seeding)
