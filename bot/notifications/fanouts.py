"""Who receives a message planned to a whole board (`Fanout`): one definition, two writers.

A fan-out ("the reminder of item K of campaign C for day D, to every officer of board B
whose enterprise still owes it") becomes per-contact deliveries in two places, and both
ask the queries below who its recipients are:

- the dispatcher's expansion (`scheduler.planner.expand`) walks the board's enterprises in
  id order after the fan-out's `cursor`, a batch at a time, as it sends;
- `deliver_missed`, when an officer links his account to an enterprise (an invite code,
  `bot.services.invites.redeem_invite`) after that walk has passed it: without it he would
  get none of the day's fanned messages, e.g. today's deadline reminder for an item his
  enterprise still owes.

Both write the same row with the same per-contact dedupe key (`write`, ON CONFLICT DO
NOTHING), so whichever comes first, and however often an officer relinks, a contact gets
each message once. The predicates on which enterprises and contacts are addressed live
here too (`enterprise_conditions`, `contact_conditions`, `owing`): the planner's dry run and
its per-contact messages (`scheduler.planner.audience`) build on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col

from bot.models import (
    Contact,
    Deadline,
    DeadlineExtension,
    DeliveryKind,
    Enterprise,
    Fanout,
    FanoutStatus,
    Role,
    Submission,
)
from bot.notifications.kinds import KINDS
from bot.notifications.outbox import enqueue
from bot.services.acts import Act
from bot.services.audience import reaches
from bot.services.reach import receives_now
from bot.services.submissions import item_submission_join, not_submitted_condition


def enterprise_conditions(campaign_id: Any = None) -> list[Any]:
    """The enterprises whose officers the planned messages go to: active ones and, for a
    campaign's message (`campaign_id`, a value or an SQL expression), only those taking part
    in it (its audience: enterprises or the board's own units, bot/services/audience.py).
    The one place for a predicate on which enterprises are addressed."""
    conditions: list[Any] = [col(Enterprise.active)]
    if campaign_id is not None:
        conditions.append(reaches(campaign_id))
    return conditions


def contact_conditions(*, email: bool) -> list[Any]:
    """The contacts of those enterprises a planned message goes to: reachable officers on a
    channel that receives now (`email`: whether the deployment sends e-mail, from the
    scheduler's settings)."""
    return [col(Contact.role) == Role.OFFICER, col(Contact.reachable), receives_now(email)]


def owing(stmt: Any, campaign_id: Any, item_kind: Any) -> Any:
    """Narrow `stmt` (over Enterprise) to the enterprises that still owe the item and whose
    board did not extend it for them (those are reminded of their own date, separately).

    `campaign_id` and `item_kind` are SQL expressions or values.
    """
    extended = aliased(Deadline)
    return stmt.outerjoin(Submission, item_submission_join(campaign_id, item_kind)).where(
        not_submitted_condition(),
        ~exists()
        .where(
            col(DeadlineExtension.enterprise_id) == col(Enterprise.id),
            col(DeadlineExtension.deadline_id) == extended.id,
            extended.campaign_id == campaign_id,
            extended.kind == item_kind,
        )
        .correlate(Enterprise),
    )


def fanout_enterprises(fanout: Any, after: int, limit: int | None) -> Select[Any]:
    """The next `limit` enterprises a fan-out (a `Fanout` row) addresses with an id above
    `after`, in id order (the expansion's cursor): the board's enterprises, for a reminder
    only those that still owe the item. Read along the board's index in id order, so a
    batch costs the same at the start and at the end of 100,000 enterprises."""
    stmt = (
        select(col(Enterprise.id))
        .where(
            col(Enterprise.organization_id) == fanout.organization_id,
            col(Enterprise.id) > after,
            *enterprise_conditions(fanout.campaign_id),
        )
        .order_by(col(Enterprise.id))
    )
    if fanout.kind == DeliveryKind.REMINDER:
        stmt = owing(stmt, fanout.campaign_id, fanout.item_kind)
    return stmt if limit is None else stmt.limit(limit)


def fanout_contacts(enterprise_ids: list[int] | Select[Any], *, email: bool) -> Select[Any]:
    """The officers of those enterprises (ids, or a SELECT of them) a fan-out's message goes
    to, in id order."""
    return (
        select(col(Contact.id))
        .where(col(Contact.enterprise_id).in_(enterprise_ids), *contact_conditions(email=email))
        .order_by(col(Contact.id))
    )


def fanout_recipients(fanout: Any, after: int = 0, *, email: bool) -> Select[Any]:
    """Every recipient of a fan-out past enterprise `after`, as it would be expanded now."""
    owed = fanout_enterprises(fanout, after, None).subquery()
    return fanout_contacts(select(owed.c.id), email=email)


def write(session: Session, fanout: Any, contact_ids: list[int], now: datetime) -> None:
    """Put the fan-out's message in the outbox for these recipients: the same row (and
    dedupe key) whoever writes it, due when the fan-out is; a recipient who already has it
    gets nothing new. Does not commit."""
    notification = KINDS[DeliveryKind(fanout.kind)].from_identity(fanout)
    enqueue(
        session,
        notification,
        contact_ids,
        not_before=fanout.not_before,
        now=now,
        count_new=False,
    )


def deliver_missed(session: Session, contact: Contact, act: Act, *, email: bool) -> None:
    """Give an officer just linked to his enterprise the day's fanned messages the
    expansion has already passed. Does not commit.

    The fan-outs of his board planned for the link's day (`act.today`) that are not
    over (pending, or expanded to the end; not expired or cancelled) and whose cursor has
    passed his enterprise: for each, he is a recipient exactly when the expansion would
    take him now (`fanout_enterprises`, `fanout_contacts`: a reminder only while his
    enterprise still owes the item). A fan-out that has not reached his enterprise yet
    will take him when it does. The per-contact dedupe key makes a second link (to the
    same or another enterprise of the board) add nothing he already has.

    Racing the dispatcher: on PostgreSQL the fan-outs are read `FOR UPDATE` (in id order,
    as every linking does), so a batch being expanded finishes first and its cursor is
    read after it: the batch could not see this link (not committed yet), and either the
    cursor has passed him (written here) or the next batch, after this commit, sees him.
    The cursor is compared after the lock, not in the WHERE: PostgreSQL skips, without
    waiting, a row whose committed version does not match the WHERE, even if the batch
    holding it is about to make it match. On SQLite the linking transaction holds the
    write lock, so no batch commits in between.
    """
    if contact.id is None or contact.enterprise_id is None or contact.organization_id is None:
        return
    table: Any = Fanout.__table__  # type: ignore[attr-defined]
    stmt = (
        select(*table.c)
        .where(
            col(Fanout.organization_id) == contact.organization_id,
            col(Fanout.planned_on) == act.today,
            col(Fanout.status).in_([FanoutStatus.PENDING, FanoutStatus.EXPANDED]),
        )
        .order_by(col(Fanout.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    for fanout in session.execute(stmt).all():
        if fanout.status == FanoutStatus.PENDING and fanout.cursor < contact.enterprise_id:
            continue  # the expansion has not reached his enterprise: it will take him
        his = fanout_enterprises(fanout, 0, None).where(col(Enterprise.id) == contact.enterprise_id)
        ids = list(
            session.scalars(fanout_contacts(his, email=email).where(col(Contact.id) == contact.id))
        )
        write(session, fanout, ids, act.now)
