"""Outgoing messages: broadcasts composed by staff and the outbox every message goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from bot.models.enums import DeliveryKind, DeliveryStatus
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


class Delivery(SQLModel, table=True):
    """One message to one contact (the transactional outbox).

    `dedupe_key` is unique: planning the same message twice, from a re-run or a second
    instance, inserts nothing new.
    """

    __table_args__ = (Index("ix_delivery_status_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=255)
    kind: DeliveryKind = Field(max_length=16)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    text: str
    document_path: str | None = Field(default=None, max_length=1024)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, max_length=16)
    not_before: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1024)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
