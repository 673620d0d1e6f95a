"""Putting failed outbox messages back in the queue, chosen by status, kind, campaign and day.

A channel outage longer than the retry window (≈15.5 min with the defaults) used to fail
every due message for good, with no way back. `requeue` makes the chosen rows `pending`
again with their attempts reset and due now, so the dispatcher sends them like new ones;
for `unreachable` rows the contacts are marked reachable again (the office learned they
unblocked the bot). Rows are matched to a campaign by their campaign column or their
broadcast's campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import Session, col

from bot.models import Broadcast, Contact, Delivery, DeliveryKind, DeliveryStatus
from bot.services import audit
from bot.services.acts import Act

RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.UNREACHABLE)


@dataclass(frozen=True)
class RequeueFilter:
    status: DeliveryStatus = DeliveryStatus.FAILED
    kind: DeliveryKind | None = None
    campaign_id: int | None = None
    on: date | None = None  # the local day the message was due


def _conditions(chosen: RequeueFilter, tz: ZoneInfo) -> list[Any]:
    if chosen.status not in RETRYABLE:
        raise ValueError(f"only failed or unreachable messages can be retried, not {chosen.status}")
    conditions: list[Any] = [col(Delivery.status) == chosen.status]
    if chosen.kind is not None:
        conditions.append(col(Delivery.kind) == chosen.kind)
    if chosen.campaign_id is not None:
        campaign = chosen.campaign_id
        broadcasts = select(col(Broadcast.id)).where(col(Broadcast.campaign_id) == campaign)
        conditions.append(
            or_(col(Delivery.campaign_id) == campaign, col(Delivery.broadcast_id).in_(broadcasts))
        )
    if chosen.on is not None:
        start = datetime.combine(chosen.on, time(), tz)
        conditions.append(col(Delivery.not_before) >= start)
        conditions.append(col(Delivery.not_before) < start + timedelta(days=1))
    return conditions


def count_requeue(session: Session, chosen: RequeueFilter, tz: ZoneInfo) -> int:
    query = select(func.count()).select_from(Delivery).where(*_conditions(chosen, tz))
    return int(session.execute(query).scalar_one())


def requeue(
    session: Session, chosen: RequeueFilter, now: datetime, tz: ZoneInfo, *, actor: str
) -> int:
    """Make the chosen rows pending again (attempts 0, due `now`); returns how many.

    The caller commits; an audit entry records who retried what.
    """
    conditions = _conditions(chosen, tz)
    if chosen.status is DeliveryStatus.UNREACHABLE:
        contacts = select(col(Delivery.contact_id)).where(*conditions)
        session.execute(update(Contact).where(col(Contact.id).in_(contacts)).values(reachable=True))
    result = session.execute(
        update(Delivery)
        .where(and_(*conditions))
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            not_before=now,
            claimed_by=None,
            claimed_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session,
        "outbox.retry",
        Act(now, tz, actor=actor),
        subject="outbox",
        after={
            "status": chosen.status.value,
            "kind": chosen.kind.value if chosen.kind else None,
            "campaign_id": chosen.campaign_id,
            "on": chosen.on.isoformat() if chosen.on else None,
            "requeued": count,
        },
    )
    return count
