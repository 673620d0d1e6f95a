"""What enterprises send: one tracked Submission per (campaign, enterprise, kind), its details
in a kind-specific table, and a Receipt for every time it was submitted (the history).

Keeping the status on one table lets the planner and the progress views find "who has not
submitted" with a single join, whatever the kind.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.enums import DeadlineKind, Nominee, SubmissionStatus
from bot.models.types import AwareDateTime, utcnow


class Submission(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    kind: DeadlineKind = Field(max_length=32)
    status: SubmissionStatus = Field(default=SubmissionStatus.DRAFT, max_length=16, index=True)
    version: int = 0
    receipt_number: str | None = Field(default=None, max_length=32)
    submitted_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    submitted_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # Submitted after the deadline's own due date (accepted late, or within an extension):
    # shown as "nộp muộn" wherever the item is shown.
    late: bool = False
    # A submitted item being changed: the live parts (entries, figures, files) are a draft
    # beside the last submitted version, which the latest receipt's snapshot keeps and which
    # stays in force (status stays submitted) until a new version is submitted. Abandoning
    # the draft puts the parts back as that snapshot has them (see bot.services.drafts).
    draft_open: bool = False
    draft_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    review_note: str | None = Field(default=None, max_length=2048)
    reviewed_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    # When this row last changed (created, a draft opened, submitted, reviewed, reopened).
    # A change of a part (an entry, a figure, a file) does not touch it: the audit log has
    # when and by whom, and an officer's answer saves an UPDATE of this row.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Nomination(SQLModel):
    """Who is put forward for which title, as an item's entry: a person (full name, position,
    unit) or a collective (unit name). The registration and the proposal hold the same
    columns (a proposal names what was registered), so both tables take them from here."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    nominee: Nominee = Field(max_length=16)
    full_name: str = Field(default="", max_length=255)
    position: str = Field(default="", max_length=255)
    unit_name: str = Field(default="", max_length=255)
    title_code: str = Field(max_length=64)

    NOMINEE: ClassVar[tuple[str, ...]] = ("nominee", "full_name", "position", "unit_name")
    """The columns that say who is put forward (the title aside)."""

    def nominee_fields(self) -> dict[str, Any]:
        """Who is put forward, without the title: to put the same nominee forward again (for
        the title a registered one requires, or as the proposal of a registered one)."""
        return {name: getattr(self, name) for name in self.NOMINEE}


class RegistrationEntry(Nomination, table=True):
    """One nominee of a title registration: a person or a collective (unit) and the title."""

    has_initiative: bool = False


class YearEndReport(SQLModel, table=True):
    """Details of a year-end report submission."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", unique=True)
    # {"revenue": "123456.5", ...}: decimal strings keyed by the figure's code
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    narrative: str = Field(default="", max_length=8000)


class LaunchDocument(SQLModel, table=True):
    """Details of an enterprise's own launch document (văn bản phát động)."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", unique=True)
    document_number: str = Field(default="", max_length=64)
    document_date: date | None = None


class Attachment(SQLModel, table=True):
    """A file received in the chat and stored on disk (or its pages as photos on Zalo)."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    file_name: str = Field(max_length=255)
    mime_type: str = Field(default="", max_length=128)
    size: int = 0
    path: str = Field(max_length=1024)
    sha256: str = Field(default="", max_length=64)
    pages: int | None = None  # of a PDF, read when it was received
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Receipt(SQLModel, table=True):
    """Proof of one submission; the snapshot keeps what was submitted that time."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=32)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    version: int
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
