"""Putting messages in the outbox: the one definition of a Delivery row and its dedupe key.

Every producer goes through here: flows and services call `enqueue(session, notification,
contact_ids, not_before=..., now=...)`; the planner, which fans hundreds of thousands of messages
out in the database, uses the set-based twin `enqueue_select` with `row_sql` building the
same row shape in SQL (and `key_prefix` the same key). A row holds the message's identity
(`Notification.identity()`), never its text.

The dedupe key is `kind:<the identity's values, in its class's field order>:<contact>`
(dates as YYYY-MM-DD, None left out; a key-only part such as a review's version is
included): `reminder:7:title_registration:2025-04-15:42`. It is unique in the
table: enqueueing the same message twice, from a re-run, a double click or a second
instance, inserts nothing new (INSERT ... ON CONFLICT (dedupe_key) DO NOTHING).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import String, cast, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, col

from bot.models import Delivery, DeliveryKind, DeliveryStatus, Fanout, FanoutStatus
from bot.notifications.kinds import IDENTITY_COLUMNS, Notification

# The columns a new row sets, in the order `enqueue_select`'s SELECT lists them.
ROW_COLUMNS: tuple[str, ...] = (
    "dedupe_key",
    "kind",
    "contact_id",
    *IDENTITY_COLUMNS,
    "status",
    "not_before",
    "attempts",
    "created_at",
)


# The identity columns a fan-out row has (a planned reminder, prompt or phase notice).
FANOUT_IDENTITY = ("campaign_id", "item_kind", "planned_on", "subject_id", "variant")


def dedupe_key(notification: Notification, contact_id: int) -> str:
    return ":".join([notification.kind.value, *notification.key_parts(), str(contact_id)])


def _insert(session: Session) -> Any:
    table: Any = Delivery.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database {dialect!r}")  # pragma: no cover


def _row(
    notification: Notification, contact_id: int, not_before: datetime, now: datetime
) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key(notification, contact_id),
        "kind": notification.kind.value,
        "contact_id": contact_id,
        **notification.identity(),
        "status": DeliveryStatus.PENDING.value,
        "not_before": not_before,
        "attempts": 0,
        "created_at": now,
    }


def enqueue(
    session: Session,
    notification: Notification,
    contact_ids: Iterable[int],
    *,
    not_before: datetime,
    now: datetime,
    count_new: bool = True,
) -> int:
    """Put `notification` in the outbox for each contact; returns how many rows were new.

    Runs in the caller's transaction and does not commit: the messages exist exactly when
    the change that caused them does. `now` (the caller's clock) is the rows' `created_at`.
    One INSERT ... ON CONFLICT DO NOTHING ... RETURNING for every recipient (SQLAlchemy's
    "insertmanyvalues"): the rows it returns are the new ones, so the count is exact even
    when one transaction enqueues several times at the same `now`. With `count_new=False`,
    a plain executemany without RETURNING, and the count is of the rows offered (the
    dispatcher's expansion of a fan-out, which only needs every recipient covered once).
    """
    if not_before.tzinfo is None or now.tzinfo is None:
        raise ValueError("not_before and now must be time-zone aware")
    rows = _rows(notification, contact_ids, not_before, now)
    if not rows:
        return 0
    stmt = _insert(session).on_conflict_do_nothing(index_elements=["dedupe_key"])
    if not count_new:
        session.execute(stmt, rows)
        return len(rows)
    table: Any = Delivery.__table__  # type: ignore[attr-defined]
    return len(session.execute(stmt.returning(table.c.id), rows).all())


def _rows(
    notification: Notification, contact_ids: Iterable[int], not_before: datetime, now: datetime
) -> list[dict[str, Any]]:
    """One row per contact (each once), created at `now`."""
    return [_row(notification, cid, not_before, now) for cid in dict.fromkeys(contact_ids)]


# --------------------------------------------------------------- to a whole audience


def plan_fanouts(
    session: Session,
    audiences: Iterable[tuple[Notification, int]],
    *,
    not_before: datetime,
    now: datetime,
) -> int:
    """Put each notification in the outbox once for a board's whole audience (`Fanout`):
    one row per (notification, board), expanded into per-contact deliveries by the
    dispatcher. Idempotent on the notification's key; returns how many rows were new."""
    rows = [
        {
            "dedupe_key": key_prefix(notification),
            "kind": notification.kind.value,
            "organization_id": organization_id,
            **{
                name: value
                for name, value in notification.identity().items()
                if name in FANOUT_IDENTITY
            },
            "status": FanoutStatus.PENDING.value,
            "not_before": not_before,
            "cursor": 0,
            "expanded": 0,
            "created_at": now,
        }
        for notification, organization_id in audiences
    ]
    if not rows:
        return 0
    table: Any = Fanout.__table__  # type: ignore[attr-defined]
    insert = (
        postgresql.insert(table)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    new = session.execute(
        insert.values(rows)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    ).all()
    return len(new)


def _pending_reminders(
    table: type[Delivery] | type[Fanout], campaign_id: int, item_kind: str
) -> Any:
    """An UPDATE of the pending reminders of one item, per contact or to a whole audience."""
    pending = DeliveryStatus.PENDING if table is Delivery else FanoutStatus.PENDING
    return update(table).where(
        col(table.kind) == DeliveryKind.REMINDER,
        col(table.status) == pending,
        col(table.campaign_id) == campaign_id,
        col(table.item_kind) == item_kind,
    )


def cancel_reminders(
    session: Session, campaign_id: int, item_kind: str, reason: str, now: datetime
) -> int:
    """Cancel the pending reminders of one item (its deadline changed): the per-contact
    deliveries and the fan-outs not yet fully expanded (finished at `now`); returns the
    deliveries cancelled. Plain column predicates on the identity; the caller commits."""
    cancelled: Any = session.execute(
        _pending_reminders(Delivery, campaign_id, item_kind).values(
            status=DeliveryStatus.CANCELLED, last_error=reason
        )
    )
    session.execute(
        _pending_reminders(Fanout, campaign_id, item_kind).values(
            status=FanoutStatus.CANCELLED, finished_at=now
        )
    )
    return int(getattr(cancelled, "rowcount", 0) or 0)


def cancel_unsent(
    session: Session, kind: DeliveryKind, contact_ids: Select[Any], reason: str
) -> int:
    """Cancel the pending messages of `kind` to the contacts `contact_ids` selects (the
    invitation of a code issued again, say); returns how many. The caller commits."""
    cancelled: Any = session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == kind,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.contact_id).in_(contact_ids),
        )
        .values(status=DeliveryStatus.CANCELLED, last_error=reason)
    )
    return int(getattr(cancelled, "rowcount", 0) or 0)


# ----------------------------------------------------------------- the set-based twin


def key_prefix(notification: Notification) -> str:
    """The dedupe key up to the contact: the planner appends the contact in SQL."""
    return dedupe_key(notification, 0)[:-1]


def row_sql(
    kind: DeliveryKind | ColumnElement[Any],
    prefix: ColumnElement[str],
    contact_id: Any,
    not_before: datetime,
    *,
    now: datetime,
    **identity: Any,
) -> list[Any]:
    """The SELECT list of `enqueue_select`, in `ROW_COLUMNS` order.

    `prefix` is SQL giving each row's `key_prefix(...)` (a literal, or a CASE over the few
    notifications of a run), so the key is built by the same definition as `dedupe_key`.
    `identity` gives SQL expressions or Python values for the identity columns (None or
    absent: NULL). `kind` is a DeliveryKind or a column of that type; `now` is the rows'
    `created_at` (the planner's clock).
    """
    table: Any = Delivery.__table__  # type: ignore[attr-defined]
    unknown = set(identity) - set(IDENTITY_COLUMNS)
    if unknown:
        raise ValueError(f"not identity columns: {sorted(unknown)}")

    def typed(name: str, value: Any) -> Any:
        if isinstance(value, ColumnElement) or hasattr(value, "__clause_element__"):
            return value  # a column or SQL expression
        if isinstance(value, Enum):
            value = value.value
        return literal(value, table.c[name].type)

    return [
        prefix + cast(contact_id, String()),
        typed("kind", kind),
        contact_id,
        *(typed(name, identity.get(name)) for name in IDENTITY_COLUMNS),
        literal(DeliveryStatus.PENDING.value, table.c.status.type),
        literal(not_before, table.c.not_before.type),
        literal(0),
        literal(now, table.c.created_at.type),
    ]


def enqueue_select(session: Session, source: Select[Any]) -> int:
    """INSERT INTO delivery (ROW_COLUMNS) SELECT ... ON CONFLICT (dedupe_key) DO NOTHING.

    `source` selects `row_sql(...)`. Returns the number of new rows.
    """
    stmt = (
        _insert(session)
        .from_select(list(ROW_COLUMNS), source)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    # preserve_rowcount: otherwise the row count of an INSERT reads -1 on PostgreSQL.
    result: Any = session.execute(stmt, execution_options={"preserve_rowcount": True})
    return int(result.rowcount)


__all__ = [
    "FANOUT_IDENTITY",
    "ROW_COLUMNS",
    "Queued",
    "cancel_reminders",
    "cancel_unsent",
    "dedupe_key",
    "enqueue",
    "enqueue_select",
    "key_prefix",
    "plan_fanouts",
    "row_sql",
]


@dataclass(frozen=True)
class Queued:
    """What a message to many did: new deliveries, already queued before (not again), and
    the recipients who cannot be reached (they blocked the bot)."""

    new: int
    already: int
    unreachable: int
