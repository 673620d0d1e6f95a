"""The audit log and the conversation bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.types import AwareDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Who did what, when, with the state before and after."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime, index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    actor: str = Field(default="", max_length=128)
    action: str = Field(max_length=64, index=True)
    subject: str = Field(default="", max_length=128)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class ConversationState(SQLModel, table=True):
    """Where a contact stands in a flow; in the database so restarts and instances share it."""

    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """A platform update already handled; redeliveries are recognised and skipped."""

    __table_args__ = (UniqueConstraint("channel", "update_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_key: str = Field(max_length=128)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
