"""Outgoing messages: broadcasts composed by staff and the outbox every message goes through."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, text
from sqlmodel import Field, SQLModel

from bot.models.enums import DeadlineKind, DeliveryKind, DeliveryStatus, FanoutStatus
from bot.models.types import AwareDateTime, utcnow


class Broadcast(SQLModel, table=True):
    """A message staff send to an audience."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    created_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    text: str = Field(max_length=4096)
    document_path: str | None = Field(default=None, max_length=1024)
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class OutboxRow(SQLModel):
    """What a `Delivery` and a `Fanout` row both hold: which message it is (its kind and
    the identity columns of its notification class, `bot.notifications.kinds`) and the
    dedupe key built from them, so expiry and cancellation are the same column predicates
    on both tables."""

    id: int | None = Field(default=None, primary_key=True)
    # Unique: `bot.notifications.outbox.dedupe_key` (a fan-out's: `key_prefix`, without a
    # contact). Compared bytewise ("C" collation on PostgreSQL): an opaque ASCII key, and a
    # locale's collation made every comparison of the unique index's B-tree several times
    # slower.
    dedupe_key: str = Field(
        unique=True,
        sa_type=String(255).with_variant(String(255, collation="C"), "postgresql"),
    )
    kind: DeliveryKind = Field(max_length=16)
    campaign_id: int | None = None
    item_kind: DeadlineKind | None = Field(default=None, max_length=32)
    planned_on: date | None = None
    # The observance, phase or submission the message is about (by kind), and which variant
    # of the message ("start" / "end" of a phase, "accepted" / "returned" for a review).
    subject_id: int | None = None
    variant: str | None = Field(default=None, max_length=16)


class Delivery(OutboxRow, table=True):
    """One message to one contact (the transactional outbox), stored as its identity.

    A row says what the message is about, not what it says: its kind and the columns that
    identify it (campaign, item kind, planned local day, the observance / phase / submission
    it concerns, a variant such as a phase's start or end, the broadcast). The text is
    rendered when the message is sent (`bot.notifications.render`), in the recipient's
    language at that moment, from the plan as it is then. Expiry of day-bound messages
    (`planned_on` before today) and cancellation of reminders whose item was submitted
    (`campaign_id`, `item_kind`) are plain predicates on these columns.

    `dedupe_key` (built from the identity by `bot.notifications.outbox.dedupe_key`) is
    unique: planning the same message twice, from a re-run or a second instance, inserts
    nothing new. `campaign_id` and `contact_id` have no foreign key on purpose: a day's plan
    becomes hundreds of thousands of rows (written by the dispatcher as it expands the
    planner's `Fanout` rows) and a per-row key check costs about as much as the row; a
    campaign or contact is never deleted while its deliveries matter (rendering fails
    cleanly, and the claim joins the contact).
    """

    __table_args__ = (
        Index("ix_delivery_status_due", "status", "not_before"),
        # Only broadcasts' rows are looked up by broadcast (their status counts): a partial
        # index, so the planner's hundreds of thousands of rows do not maintain it.
        Index(
            "ix_delivery_broadcast",
            "broadcast_id",
            sqlite_where=text("broadcast_id IS NOT NULL"),
            postgresql_where=text("broadcast_id IS NOT NULL"),
        ),
    )

    # Neither indexed nor a foreign key, for the 600,000 rows of a day's plan: every
    # query reaches deliveries by status, due time or broadcast and then looks the contact
    # up by its key (the claim joins Contact, so a row without one is never sent), and the
    # rows are written from joins with Contact or from contact ids just read. Measured at
    # 30,000 enterprises: the key check cost a third of PostgreSQL's INSERT, the index half
    # of SQLite's. Contacts are never deleted.
    contact_id: int
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id")
    # Only a conversation's reply delivered through the outbox (`ChatReply`) has its words
    # fixed when queued: the flow that answered already wrote them for this reader.
    body: str | None = None
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, max_length=16)
    not_before: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1024)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Fanout(OutboxRow, table=True):
    """One planned message to a whole audience, written out to per-contact deliveries late.

    The planner writes one row per (notification, audience) — "the reminder of item K of
    campaign C planned for day D, to every officer of board B whose enterprise still owes
    it" — instead of one Delivery per recipient: a day's plan is a handful of rows whatever
    the number of enterprises. The dispatcher expands it (`scheduler.planner.expand`) into
    Delivery rows a batch at a time as it needs them (it sends 25 a second anyway), in
    enterprise-id order from `cursor`, the last enterprise whose officers are written,
    advanced in the same transaction as the rows it covers: an expansion interrupted by a
    crash resumes where the last committed batch ended, and each per-contact row keeps its
    unique dedupe key (ON CONFLICT DO NOTHING), so no contact gets the message twice. Who
    receives it is decided at expansion: an enterprise that submitted in between gets
    nothing. An officer linked to an enterprise the cursor has passed gets his row when he
    links (`bot.notifications.fanouts.deliver_missed`).

    Its identity columns are a delivery's (`OutboxRow`): the same notification class.
    """

    __table_args__ = (Index("ix_fanout_status_due", "status", "not_before"),)

    # The audience: officers of this board's active enterprises (for a reminder, those whose
    # enterprise still owes the item and has no extension of it).
    organization_id: int
    status: FanoutStatus = Field(default=FanoutStatus.PENDING, max_length=16)
    not_before: datetime = Field(sa_type=AwareDateTime)
    cursor: int = 0  # the highest enterprise id whose officers' deliveries are written
    expanded: int = 0  # recipients written so far
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
