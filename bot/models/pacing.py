"""The per-bot send pacing shared by every instance on one database."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class SendPace(SQLModel, table=True):
    """One row per bot: the next free send slot, and the pause a 429 asked for.

    Times are seconds since the epoch (wall clock), because the instances sharing a bot share
    no monotonic clock. Direct replies and the outbox both take their slots here, so the
    platform's limit, which is the bot's, holds across processes.
    """

    bot_key: str = Field(primary_key=True, max_length=64)
    next_slot: float = 0.0
    paused_until: float = 0.0
