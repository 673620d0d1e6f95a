"""Who receives the planner's messages: the SQL that picks the recipients.

The predicates on who is addressed — which enterprises and which of their contacts, and
"still owes the item" (`owing`) — are the domain's (`bot.notifications.fanouts`), which
also defines the recipients of a fan-out for the dispatcher's expansion and for an officer
linked after it. Built on them here: `officer_conditions` (both together, the selection
every reminder, prompt and notice shares), the dry run's queries (`reminder_recipients`,
`extension_recipients`, `board_officers`) and the staff digests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    cast,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.selectable import FromClause, Select
from sqlmodel import col

from bot.models import (
    Campaign,
    Contact,
    Deadline,
    DeadlineExtension,
    Enterprise,
    Role,
    Submission,
)
from bot.notifications.fanouts import contact_conditions, enterprise_conditions, owing
from bot.notifications.kinds import StaffDigest
from bot.notifications.outbox import key_prefix
from bot.services.audience import reaches
from bot.services.submissions import item_submission_join, not_submitted_condition

STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.CLUSTER_LEADER)


def officer_conditions(campaign_id: Any = None, *, email: bool) -> list[Any]:
    """The officers a planned message goes to (`contact_conditions` and
    `enterprise_conditions`): the caller joins Contact to Enterprise."""
    return [*contact_conditions(email=email), *enterprise_conditions(campaign_id)]


def officers(stmt: Any, *, email: bool) -> Any:
    """`stmt` over the officers of `officer_conditions`, Contact joined to its Enterprise."""
    return (
        stmt.select_from(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(*officer_conditions(email=email))
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
