"""One-time upload links: the web page an officer uses to send a file the chat cannot carry."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.models.types import AwareDateTime, utcnow


class UploadLink(SQLModel, table=True):
    """A link offered at a step that wants a file, for one contact and one item.

    Only the SHA-256 of the token is kept: a copy of the database does not hold usable links.
    The link answers the conversation step (`flow`, `step`) it was offered at, once
    (`used_at`), until `expires_at`.
    """

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    attachment_id: int | None = Field(default=None, foreign_key="attachment.id")
