"""Who receives the planner's messages: the SQL that picks the recipients.

One definition of the officers an automatic message goes to (`officer_conditions`: the
enterprise selection every reminder, prompt and notice shares — a predicate on who is
addressed belongs there), one of "still owes the item" (`owing`), and the queries built on
them for the dry run (`reminder_recipients`, `extension_recipients`, `board_officers`), the
dispatcher's expansion of a fan-out (`fanout_recipients`) and the staff digests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    exists,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import FromClause, Select
from sqlmodel import col

from bot.models import (
    Campaign,
    Contact,
    Deadline,
    DeadlineExtension,
    DeliveryKind,
    Enterprise,
    Role,
    Submission,
)
from bot.notifications.kinds import StaffDigest
from bot.notifications.outbox import key_prefix
from bot.services.audience import reaches
from bot.services.reach import receives_now
from bot.services.submissions import item_submission_join, not_submitted_condition

STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.CLUSTER_LEADER)


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


def officer_conditions(campaign_id: Any = None, *, email: bool) -> list[Any]:
    """Both: the caller joins Contact to Enterprise."""
    return [*contact_conditions(email=email), *enterprise_conditions(campaign_id)]


def officers(stmt: Any, *, email: bool) -> Any:
    """`stmt` over the officers of `officer_conditions`, Contact joined to its Enterprise."""
    return (
        stmt.select_from(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(*officer_conditions(email=email))
    )


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


def reminder_recipients(stmt: Any, deadline_ids: list[int], *, email: bool) -> Any:
    """Officers × due deadlines still owed, one row per (deadline, officer): the dry run's
    list of what the reminders' fan-outs expand to."""
    board = officers(stmt, email=email).join(
        Campaign, col(Campaign.organization_id) == col(Enterprise.organization_id)
    )
    return owing(
        board.join(Deadline, col(Deadline.campaign_id) == col(Campaign.id)),
        col(Deadline.campaign_id),
        col(Deadline.kind),
    ).where(col(Deadline.id).in_(deadline_ids), reaches(col(Deadline.campaign_id)))


def extension_recipients(stmt: Any, extension_ids: list[int], *, email: bool) -> Any:
    """Officers of the extended enterprises whose item is still owed, one row per (due
    extension, officer)."""
    return (
        stmt.select_from(DeadlineExtension)
        .join(Deadline, col(Deadline.id) == col(DeadlineExtension.deadline_id))
        .join(Enterprise, col(Enterprise.id) == col(DeadlineExtension.enterprise_id))
        .join(Contact, col(Contact.enterprise_id) == col(Enterprise.id))
        .outerjoin(Submission, item_submission_join())
        .where(
            col(DeadlineExtension.id).in_(extension_ids),
            *officer_conditions(col(Deadline.campaign_id), email=email),
            not_submitted_condition(),
        )
    )


OFFICER_SHOWN: tuple[Any, ...] = (
    col(Contact.id),
    col(Contact.display_name),
    col(Contact.channel),
    col(Contact.language),
    col(Enterprise.id).label("enterprise_id"),
    col(Enterprise.name),
    col(Enterprise.tax_code),
)
"""What the dry run shows of an officer and the enterprise it answers for (the columns
`scheduler.planner.preview` reads back by name), whichever message it is listed for."""


def board_officers(org_ids: list[int], *, email: bool) -> Any:
    """The officers of the boards' enterprises with what the dry run shows of them, and the
    audience their enterprise belongs to (a notice goes to its campaign's audience only)."""
    shown = select(*OFFICER_SHOWN, col(Enterprise.organization_id), col(Enterprise.audience))
    return officers(shown, email=email).where(col(Enterprise.organization_id).in_(org_ids))


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


# ------------------------------------------------------------------------- staff digests


def _rows_table(rows: list[dict[str, Any]], types: dict[str, Any], name: str) -> FromClause:
    """A small constant table (UNION ALL of one-row SELECTs with bound values) to join on.

    Both SQLite and PostgreSQL accept it; explicit CASTs give PostgreSQL the column types.
    """
    selects = [
        select(*(cast(literal(row[c], t), t).label(c) for c, t in types.items())) for row in rows
    ]
    compound = selects[0] if len(selects) == 1 else union_all(*selects)
    return compound.subquery(name)


def digests_table(digests: list[tuple[StaffDigest, int]]) -> FromClause:
    rows = [
        {
            "organization_id": org_id,
            "key_prefix": key_prefix(digest),
            "campaign_id": digest.campaign_id,
        }
        for digest, org_id in digests
    ]
    types = {"organization_id": Integer(), "key_prefix": String(), "campaign_id": Integer()}
    return _rows_table(rows, types, "digests")


def digest_recipients(stmt: Select[Any], digests: FromClause) -> Select[Any]:
    """Reachable staff and admins of each digest's board, admins without a board (every
    board), and cluster leaders who have a cluster."""
    return (
        stmt.select_from(Contact)
        .join(
            digests,
            or_(
                col(Contact.organization_id) == digests.c.organization_id,
                and_(col(Contact.role) == Role.ADMIN, col(Contact.organization_id).is_(None)),
            ),
        )
        .where(
            col(Contact.role).in_(STAFF_ROLES),
            col(Contact.reachable),
            not_(and_(col(Contact.role) == Role.CLUSTER_LEADER, col(Contact.cluster_id).is_(None))),
        )
    )
