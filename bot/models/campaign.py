"""A year's (or a period's) campaign, instantiated from a plan template."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict

from bot.models.enums import Audience, DeadlineKind, LatePolicy
from bot.models.types import AwareDateTime, utcnow


class AwardRecord(TypedDict, total=False):
    """An award target with the wording the board office gave it."""

    value: int
    label: str
    label_en: str


# A campaign's award targets by key: a minimum number of proposals, or that with its labels:
# {"flag_enterprises": 5, "merit_collectives": {"value": 10, "label": "Bằng khen tập thể"}}
AwardTargets = dict[str, int | AwardRecord]


def award_records(targets: AwardTargets) -> list[tuple[str, AwardRecord]]:
    """Each award target as (key, record); a bare number is read as {"value": number}."""
    return [
        (key, value if isinstance(value, dict) else AwardRecord(value=value))
        for key, value in targets.items()
        if key
    ]


class Campaign(SQLModel, table=True):
    """An emulation campaign of a board (phong trào thi đua).

    A board runs a template at most once a year (the database refuses a second one, even
    from two instances at once).
    """

    __table_args__ = (UniqueConstraint("organization_id", "template", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    template: str = Field(max_length=64)
    year: int
    title: str = Field(max_length=512)
    theme: str = Field(default="", max_length=2048)
    # English title and theme for contacts who chose English ("" = use the Vietnamese).
    title_en: str = Field(default="", max_length=512)
    theme_en: str = Field(default="", max_length=2048)
    document_number: str = Field(default="", max_length=64)
    starts_on: date
    ends_on: date
    # [{"key": "industrial_output", "label": "...", "unit": "tỷ đồng", "value": 540000, ...}]
    targets: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    award_targets: AwardTargets = Field(default_factory=dict, sa_column=Column(JSON))
    # Who takes part (the plan's "đối tượng thi đua"): the zones' enterprises or the board's
    # own units; only participants of this audience are reminded, listed and counted.
    audience: Audience = Field(default=Audience.ENTERPRISES, max_length=16)
    # The report figures (codes of report_figures.toml) the year-end and six-month reports
    # ask for; None: all of them. A plan for the board's units asks none: a unit reports a
    # narrative and the signed file.
    report_figures: list[str] | None = Field(default=None, sa_column=Column(JSON))
    active: bool = True
    launched_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Phase(SQLModel, table=True):
    """An emulation phase (đợt thi đua) of a campaign."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: int
    name: str = Field(max_length=255)
    starts_on: date
    ends_on: date
    call: str = Field(default="", max_length=2048)
    review_name: str = Field(default="", max_length=255)
    # English texts for contacts who chose English ("" = use the Vietnamese).
    name_en: str = Field(default="", max_length=255)
    call_en: str = Field(default="", max_length=2048)
    review_name_en: str = Field(default="", max_length=255)


class Observance(SQLModel, table=True):
    """A commemoration day within a phase; `founded` gives the anniversary number."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    phase_id: int | None = Field(default=None, foreign_key="phase.id")
    on: date
    name: str = Field(max_length=512)
    # The English name for contacts who chose English ("" = use the Vietnamese).
    name_en: str = Field(default="", max_length=512)
    founded: int | None = None
    # Whether enterprises get a prompt a few working days before the day (the board may keep
    # a day in its calendar without asking the enterprises for anything).
    prompt: bool = True

    @property
    def years(self) -> int | None:
        return None if self.founded is None else self.on.year - self.founded


class Deadline(SQLModel, table=True):
    """Something each enterprise must send by a date."""

    __table_args__ = (UniqueConstraint("campaign_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    kind: DeadlineKind = Field(max_length=32)
    due_on: date
    # Days before the due date (positive) and working days after it (negative) to remind on.
    reminder_offsets: list[int] = Field(
        default_factory=lambda: [14, 7, 3, 1, 0, -1, -3], sa_column=Column(JSON)
    )
    late_policy: LatePolicy = Field(default=LatePolicy.LOCK, max_length=16)


class DeadlineExtension(SQLModel, table=True):
    """The board let one enterprise send a locked item until a later date.

    One per (deadline, enterprise); granting again moves the date. The enterprise's item is
    open until the end of `until` (local time) and its reminders count down to it.
    """

    __table_args__ = (UniqueConstraint("deadline_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    until: date
    granted_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    granted_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
