"""Closing the year: what an enterprise proposes for commendation, how the board scores and
reviews it, and the decisions that award titles and forms (đề nghị, bình xét, quyết định).

A proposal is an item like the others (a `Submission` of kind `commendation_proposal`, with
its receipts, attachments and deadline); its entries are `ProposalEntry` rows. The board's
review is recorded per entry, the decision in `Decision`, and each awarded entry points at the
decision that awarded it, so "who received what" is one query for the documents and /status.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.submission import Nomination
from bot.models.types import AwareDateTime, utcnow


class ProposalEntry(Nomination, table=True):
    """One person or collective proposed for one title or form, and the board's verdict.

    `review` is "pending", "accepted", "returned" (with `review_note`) or "lowered" (accepted
    at the lower form `awarded_code`); `awarded_code` is what the board carries forward (the
    proposed code when accepted). `decision_id` is set when a decision awards it.
    """

    summary: str = Field(default="", max_length=2000)
    initiative: str = Field(default="", max_length=1000)
    # Whether an initiative is named (kept with `initiative`; the title rules read it).
    has_initiative: bool = False
    review: str = Field(default="pending", max_length=16)
    review_note: str | None = Field(default=None, max_length=2048)
    awarded_code: str | None = Field(default=None, max_length=64)
    reviewed_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    reviewed_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)


class ScoringCriterion(SQLModel, table=True):
    """A criterion of the campaign's scoring (from the plan file), with its maximum points.

    `source` says who fills the points: "on_time" (the bot, from the items submitted by their
    deadline), "targets" (the bot, from the reported figures against the plan's targets) or
    "staff" (the office types them).
    """

    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    code: str = Field(max_length=32)
    label: str = Field(max_length=255)
    label_en: str = Field(default="", max_length=255)
    max_points: Decimal = Field(sa_type=Numeric(8, 2))
    source: str = Field(default="staff", max_length=16)
    position: int = 0


class Score(SQLModel, table=True):
    """The points an enterprise has on one criterion; `by_staff` when the office typed them."""

    __table_args__ = (UniqueConstraint("criterion_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    criterion_id: int = Field(foreign_key="scoringcriterion.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    points: Decimal = Field(sa_type=Numeric(8, 2))
    by_staff: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Decision(SQLModel, table=True):
    """A commendation decision (quyết định khen thưởng): its number, date and signing authority.

    `authority` is a level code ("board", "province", "government"); the titles and forms each
    level awards are in bot/services/commendations.py.
    """

    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: str = Field(max_length=64)
    signed_on: date
    authority: str = Field(max_length=16)
    signer_name: str = Field(default="", max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    created_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
