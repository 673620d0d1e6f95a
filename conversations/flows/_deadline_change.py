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

from bot.i18n import Translator
from bot.models import (
    Campaign,
    Contact,
    Deadline,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Enterprise,
    LatePolicy,
    Role,
)
from bot.services import deadlines
from bot.services.campaigns import campaign_title
from scheduler.outbox import OutboxItem, enqueue_many


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
    prefix = f"{DeliveryKind.REMINDER.value}:{deadline.campaign_id}:{deadline.kind}:"
    cancelled = session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.REMINDER,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.dedupe_key).startswith(prefix),
        )
        .values(status=DeliveryStatus.CANCELLED, last_error="the deadline was changed")
    )
    told = 0
    if "due_on" in changed:
        told = _tell_officers(session, deadline, old, now)
    return Replanned(changed, int(getattr(cancelled, "rowcount", 0) or 0), told)


def _tell_officers(session: Session, deadline: Deadline, old: date, now: datetime) -> int:
    campaign = session.get(Campaign, deadline.campaign_id)
    assert campaign is not None
    officers = session.exec(
        select(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(
            Enterprise.organization_id == campaign.organization_id,
            col(Enterprise.active),
            Contact.role == Role.OFFICER,
            col(Contact.reachable),
        )
    ).all()
    texts: dict[str, str] = {}
    items = []
    for contact in officers:
        if contact.id is None:
            continue
        language = contact.language or "vi"
        if language not in texts:
            t = Translator(language)
            texts[language] = deadlines.deadline_moved_text(
                t,
                campaign_title=campaign_title(t, campaign),
                kind=deadline.kind,
                old=old,
                new=deadline.due_on,
            )
        items.append(
            OutboxItem(
                DeliveryKind.NOTICE,
                contact.id,
                texts[language],
                f"notice:deadline:{deadline.id}:{deadline.due_on.isoformat()}:{contact.id}",
                not_before=now,
            )
        )
    return enqueue_many(session, items)
