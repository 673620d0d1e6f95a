"""Writing a day's plan to the outbox (`plan_day`).

Planning writes identities, not texts, and as few rows as the day has notifications: a
reminder, commemoration prompt or phase notice goes to a whole board's officers, so it is
one `Fanout` row (notification, board) that the dispatcher expands into per-contact
deliveries as it sends (`scheduler.planner.expand`). Only the messages with few recipients
are written per contact at once: the reminders of the enterprises the board extended an
item for (counting down to their own date) and the staff digests, each with one INSERT ...
SELECT (`bot.notifications.outbox.row_sql`). The number of statements and of rows does not
depend on how many enterprises or contacts there are.

Every row carries a unique dedupe key: re-running the planner, or two instances planning the
same day at once, never plans a message twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, literal, select
from sqlmodel import Session, col

from bot.models import Contact, Deadline, DeadlineExtension, DeliveryKind
from bot.notifications.kinds import DeadlineReminder, Notification, StaffDigest
from bot.notifications.outbox import enqueue_select, key_prefix, plan_fanouts, row_sql
from bot.services.calendar import is_working_day
from bot.settings import Settings
from scheduler.config import SchedulerConfig
from scheduler.planner.audience import digest_recipients, digests_table, extension_recipients
from scheduler.planner.dates import sending_start_utc
from scheduler.planner.day import (
    Campaigns,
    board_notices,
    digests,
    due_extension_reminders,
    due_reminders,
    load_campaigns,
)


@dataclass
class PlanResult:
    """What a planning run found and what it newly wrote.

    Counted in outbox rows: a message to a board's officers is one fan-out (`fanouts` of
    them), a message to one contact one delivery; `by_kind` counts both by kind.
    """

    on: date
    candidates: int = 0
    inserted: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    fanouts: int = 0


def _write_fanouts(
    session: Session,
    data: Campaigns,
    on: date,
    config: SchedulerConfig,
    not_before: datetime,
    result: PlanResult,
    now: datetime,
) -> None:
    """The reminders and board notices of the day, one row per (notification, board)."""
    audiences: list[tuple[Notification, int]] = [
        (reminder, data.campaigns[reminder.campaign_id].organization_id)
        for reminder in due_reminders(data, on).values()
    ]
    audiences += [(n.notification, n.organization_id) for n in board_notices(data, on, config)]
    if not audiences:
        return
    inserted = plan_fanouts(session, audiences, not_before=not_before, now=now)
    for notification, _ in audiences:
        _add(result, notification.kind.value, 1, 0)
    result.fanouts += len(audiences)
    result.inserted += inserted


def _write_extension_reminders(
    session: Session,
    due: dict[int, DeadlineReminder],
    on: date,
    not_before: datetime,
    now: datetime,
    email: bool,
) -> tuple[int, int]:
    """The extended enterprises' reminders of the day (a handful), per contact, with one
    INSERT ... SELECT; (found, new)."""
    if not due:
        return 0, 0
    ids = list(due)
    found = session.execute(
        extension_recipients(select(func.count()), ids, email=email)
    ).scalar_one()
    if not found:
        return 0, 0
    prefix = case(
        {ext_id: literal(key_prefix(n)) for ext_id, n in due.items()},
        value=col(DeadlineExtension.id),
    )
    source = extension_recipients(
        select(
            *row_sql(
                DeliveryKind.REMINDER,
                prefix,
                col(Contact.id),
                not_before,
                now=now,
                campaign_id=col(Deadline.campaign_id),
                item_kind=col(Deadline.kind),
                planned_on=on,
            )
        ),
        ids,
        email=email,
    )
    return int(found), enqueue_select(session, source)


def _write_digests(
    session: Session,
    due: list[tuple[StaffDigest, int]],
    not_before: datetime,
    on: date,
    now: datetime,
) -> tuple[int, int]:
    if not due:
        return 0, 0
    table = digests_table(due)
    found = session.execute(digest_recipients(select(func.count()), table)).scalar_one()
    if not found:
        return 0, 0
    source = digest_recipients(
        select(
            *row_sql(
                DeliveryKind.DIGEST,
                table.c.key_prefix,
                col(Contact.id),
                not_before,
                now=now,
                campaign_id=table.c.campaign_id,
                planned_on=on,
            )
        ),
        table,
    ).order_by(col(Contact.id), table.c.campaign_id)  # a few rows: in the dry run's order
    return int(found), enqueue_select(session, source)


def _add(result: PlanResult, kind: str, found: int, inserted: int) -> None:
    if found:
        result.by_kind[kind] = result.by_kind.get(kind, 0) + found
    result.candidates += found
    result.inserted += inserted


def plan_day(
    session: Session,
    on: date,
    settings: Settings,
    config: SchedulerConfig | None = None,
    *,
    now: datetime,
) -> PlanResult:
    """Write the day's messages to the outbox (idempotent) and commit; `now` (the
    scheduler's clock) is the rows' `created_at`.

    A handful of statements whatever the number of enterprises: the campaigns are read, the
    day's fan-outs written with one INSERT, the extended enterprises' reminders and the
    digests with an INSERT ... SELECT each.
    """
    config = config or SchedulerConfig.from_settings(settings)
    result = PlanResult(on=on)
    data = load_campaigns(session) if is_working_day(on) else Campaigns({}, [], {}, [])
    if data.campaigns:
        not_before = sending_start_utc(on, settings)
        _write_fanouts(session, data, on, config, not_before, result, now)
        extended = due_extension_reminders(data, on)
        found, new = _write_extension_reminders(
            session, extended, on, not_before, now, settings.sends_email
        )
        _add(result, DeliveryKind.REMINDER.value, found, new)
        found, new = _write_digests(session, digests(data, on), not_before, on, now)
        _add(result, DeliveryKind.DIGEST.value, found, new)
    session.commit()
    return result
