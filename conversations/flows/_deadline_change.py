"""The board office changes a deadline of a running campaign (the CLI, the chat's plan edit).

`change_and_replan` is the one place that applies the change (bot.services.deadlines, audited)
and re-plans: reminders already queued for the old date and not yet sent are cancelled (the
daily planner writes the new ones from the new date, each under the usual per-day key, so
none is stale and none goes twice), and every linked officer of the board is told the new
date once, through the outbox, in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.models import (
    Campaign,
    Contact,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Enterprise,
    LatePolicy,
    Role,
)
from bot.notifications.kinds import DeadlineMoved
from bot.notifications.outbox import enqueue
from bot.services import deadlines
from bot.services.audience import members
from bot.services.reach import receives_now


@dataclass(frozen=True)
class Replanned:
    changed: dict[str, object]
    cancelled: int  # queued reminders of the old date, not sent
    told: int  # officers newly told the new date


def change_and_replan(
    session: Session,
    deadline: Deadline,
    now: datetime,
    *,
    due_on: date | None = None,
    late_policy: LatePolicy | str | None = None,
    contact_id: int | None = None,
    who: str = "",
) -> Replanned:
    old = deadline.due_on
    changed = deadlines.change_deadline(
        session,
        deadline,
        now,
        due_on=due_on,
        late_policy=late_policy,
        contact_id=contact_id,
        actor=who,
    )
    if not changed:
        return Replanned({}, 0, 0)
    # The reminders queued for the old schedule and not sent: the planner writes the new
    # schedule's from the new date (each under its per-day key, so none goes twice).
    cancelled = session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.REMINDER,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.campaign_id) == deadline.campaign_id,
            col(Delivery.item_kind) == DeadlineKind(deadline.kind).value,
        )
        .values(status=DeliveryStatus.CANCELLED, last_error="the deadline was changed")
    )
    told = 0
    if "due_on" in changed:
        told = _tell_officers(session, deadline, old, now)
    return Replanned(changed, int(getattr(cancelled, "rowcount", 0) or 0), told)


def _tell_officers(session: Session, deadline: Deadline, old: date, now: datetime) -> int:
    """Queue the "deadline moved" notice to every reachable officer of the board (worded
    when sent, in each officer's language then); returns how many were newly queued."""
    campaign = session.get(Campaign, deadline.campaign_id)
    assert campaign is not None
    officers = session.exec(
        select(col(Contact.id))
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(
            Enterprise.organization_id == campaign.organization_id,
            col(Enterprise.active),
            members(campaign.audience),
            Contact.role == Role.OFFICER,
            col(Contact.reachable),
            receives_now(),
        )
    ).all()
    notice = DeadlineMoved(
        deadline.campaign_id, DeadlineKind(deadline.kind), old.isoformat(), deadline.due_on
    )
    return enqueue(session, notice, [c for c in officers if c is not None], not_before=now)
