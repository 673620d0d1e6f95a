"""Expanding the planned fan-outs into per-contact deliveries, a batch at a time.

The dispatcher calls `expand` in its claim when fewer due deliveries wait than it would
send in a batch: a day's 600,000 reminders become rows over the hours they take to send,
not in one planning statement. Each fan-out is expanded in enterprise-id order from its
`cursor` (the last enterprise written); the recipients of a batch are read (who is
addressed and who still owes the item is decided now, so an enterprise that submitted
since the plan gets nothing: `bot.notifications.fanouts`, the definition an officer linked
behind the cursor is given his rows by), their deliveries inserted with ON CONFLICT DO
NOTHING on the per-contact dedupe key, and the cursor advanced, all in the caller's
transaction: after a crash the expansion resumes from the last committed cursor, and no
contact is ever written twice. On PostgreSQL the fan-outs are taken `FOR UPDATE SKIP
LOCKED`, so two dispatchers expand different ones (and would still write each delivery
once if they did not). Every channel's officers are written, whichever channels this
dispatcher sends on: the cursor is one per fan-out (scheduler/README.md, "Fan-outs and
channels").

Fan-outs are expanded one after another in the order they are due, which also spreads an
officer's several reminders of one day apart for the one-message-a-second-per-chat rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col

from bot.models import DeliveryKind, Fanout, FanoutStatus
from bot.notifications.fanouts import (
    fanout_contacts,
    fanout_enterprises,
    fanout_recipients,
    write,
)


def due_fanouts(now: datetime) -> Select[Any]:
    """The fan-outs due at `now` still being expanded, in the order they are expanded."""
    table: Any = Fanout.__table__  # type: ignore[attr-defined]
    return (
        select(*table.c)
        .where(col(Fanout.status) == FanoutStatus.PENDING, col(Fanout.not_before) <= now)
        .order_by(col(Fanout.not_before), col(Fanout.id))
    )


def expand(
    session: Session,
    now: datetime,
    limit: int | None,
    kinds: tuple[DeliveryKind, ...] | None = None,
    *,
    email: bool,
) -> int:
    """Write about `limit` deliveries (None: all) from the fan-outs due at `now`; returns
    how many were written. Does not commit.

    A batch is whole enterprises (at most `limit` of them, all their officers), so with
    several officers an enterprise it writes up to that many times `limit`.
    """
    due = due_fanouts(now)
    if kinds is not None:
        due = due.where(col(Fanout.kind).in_([k.value for k in kinds]))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    written = 0
    for fanout in session.execute(due).all():
        want = None if limit is None else limit - written
        enterprises = list(session.scalars(fanout_enterprises(fanout, fanout.cursor, want)))
        ids = (
            list(session.scalars(fanout_contacts(enterprises, email=email))) if enterprises else []
        )
        write(session, fanout, ids, now)
        values: dict[str, object] = {"expanded": fanout.expanded + len(ids)}
        if enterprises:
            values["cursor"] = enterprises[-1]
        if want is None or len(enterprises) < want:
            values.update(status=FanoutStatus.EXPANDED, finished_at=now)
        session.execute(
            update(Fanout)
            .where(col(Fanout.id) == fanout.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        written += len(ids)
        if limit is not None and written >= limit:
            break
    return written


def expire_fanouts(session: Session, today: date, now: datetime) -> int:
    """Set aside the fan-outs planned for a day before `today` and not fully expanded (the
    rest of their audience gets nothing: the wording would be wrong), finished at `now`.
    Does not commit."""
    past = select(col(Fanout.id)).where(
        col(Fanout.status) == FanoutStatus.PENDING,
        col(Fanout.planned_on).is_not(None),
        col(Fanout.planned_on) < today,
    )
    if session.get_bind().dialect.name == "postgresql":
        # like the deliveries' sweep: instances sweeping at once never wait on each other
        past = past.with_for_update(skip_locked=True)
    result = session.execute(
        update(Fanout)
        .where(col(Fanout.id).in_(past.scalar_subquery()))
        .values(status=FanoutStatus.EXPIRED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def backlog(session: Session, *, email: bool) -> int:
    """How many deliveries the pending fan-outs would still write, counted as they would be
    expanded now (one COUNT per pending fan-out: for the operator's status, not a hot path)."""
    table: Any = Fanout.__table__  # type: ignore[attr-defined]
    pending = session.execute(
        select(*table.c).where(col(Fanout.status) == FanoutStatus.PENDING)
    ).all()
    total = 0
    for fanout in pending:
        recipients = fanout_recipients(fanout, fanout.cursor, email=email)
        total += int(
            session.execute(select(func.count()).select_from(recipients.subquery())).scalar_one()
        )
    return total


def expand_all(session: Session, now: datetime, *, email: bool) -> int:
    """Expand every fan-out due at `now` completely and commit (the CLI, tests, the bench)."""
    written = expand(session, now, None, email=email)
    session.commit()
    return written
