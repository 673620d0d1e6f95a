"""Updates the platforms delivered by webhook, kept until they are processed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from bot.models.types import AwareDateTime, utcnow


class InboundUpdate(SQLModel, table=True):
    """One webhook body, written (and committed) before the platform gets its 200.

    Deleted once processed; a row left behind by a crash is processed again by the next
    instance that sweeps the inbox (the engine's ProcessedUpdate keys make that harmless).
    """

    __table_args__ = (Index("ix_inboundupdate_claimed_at", "claimed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    attempts: int = 0
