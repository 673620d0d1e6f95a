"""The audit log: who changed what, when, with the state before and after.

Every mutator of the submission services and every staff action writes here, in the same
session (and so the same transaction) as the change it records: a change that is rolled
back leaves no audit entry, and a committed change always has one. Values are made
JSON-safe here (dates as ISO strings, decimals as strings, enums as their values) so callers
can pass model dumps as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, col, func, or_, select

from bot.models.audit import AuditEntry


def json_safe(value: Any) -> Any:
    """`value` with dates, decimals, enums, tuples and sets turned into JSON types."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record(
    session: Session,
    action: str,
    *,
    contact_id: int | None = None,
    actor: str = "",
    subject: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime,
) -> AuditEntry:
    """Add one audit entry to `session` (flushed, not committed: the caller's transaction)."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is 1 to 64 characters")
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit log")
    entry = AuditEntry(
        at=at,
        contact_id=contact_id,
        actor=actor[:128],
        action=action,
        subject=subject[:128],
        before=None if before is None else json_safe(before),
        after=None if after is None else json_safe(after),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    since: datetime | None = None,
    limit: int | None = None,
    *,
    action: str | None = None,
    subject: str | None = None,
    contact_id: int | None = None,
) -> list[AuditEntry]:
    """Audit entries in the order they happened, from `since` on (inclusive).

    With `limit`, the latest `limit` entries (still oldest first). `action` matches an exact
    action or, ending in ".", every action under that prefix ("submission.").
    """
    query = select(AuditEntry)
    if since is not None:
        if since.tzinfo is None:
            raise ValueError("naive datetime given to the audit log")
        query = query.where(col(AuditEntry.at) >= since)
    if action:
        if action.endswith("."):
            query = query.where(col(AuditEntry.action).startswith(action))
        else:
            query = query.where(AuditEntry.action == action)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    if contact_id is not None:
        query = query.where(AuditEntry.contact_id == contact_id)
    if limit is not None:
        if limit < 0:
            raise ValueError("limit must not be negative")
        newest = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        return list(reversed(session.exec(newest).all()))
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())


def board_entries(
    session: Session,
    organization_id: int,
    *,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
    text: str | None = None,
) -> list[AuditEntry]:
    """The newest `limit` entries about one board, newest first.

    An entry belongs to the board when the contact who acted is one of its staff or an
    officer of one of its enterprises. `action` as in `entries` (a trailing "." is a prefix);
    `text` matches the actor or the subject (case-insensitive, anywhere).
    """
    from bot.models import Contact, Enterprise  # the audit model stays free of the others

    board_enterprises = select(col(Enterprise.id)).where(
        col(Enterprise.organization_id) == organization_id
    )
    board_contacts = select(col(Contact.id)).where(
        or_(
            col(Contact.organization_id) == organization_id,
            col(Contact.enterprise_id).in_(board_enterprises),
        )
    )
    query = select(AuditEntry).where(col(AuditEntry.contact_id).in_(board_contacts))
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    if action:
        if action.endswith("."):
            query = query.where(col(AuditEntry.action).startswith(action))
        else:
            query = query.where(AuditEntry.action == action)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(col(AuditEntry.actor)).like(pattern),
                func.lower(col(AuditEntry.subject)).like(pattern),
            )
        )
    return list(
        session.exec(
            query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        ).all()
    )
