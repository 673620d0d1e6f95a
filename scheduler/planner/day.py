"""The day's notifications: which reminders, board notices and digests fall on a local date.

The campaigns, their deadlines, phases, observances and extensions are read once (a
handful of rows) and the dates worked out in Python; who receives each notification is
`scheduler.planner.audience`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from bot.models import Campaign, Deadline, DeadlineExtension, Observance, Phase
from bot.notifications.kinds import (
    PHASE_END,
    PHASE_START,
    CommemorationPrompt,
    DeadlineReminder,
    PhaseNotice,
    StaffDigest,
)
from bot.services.deadlines import accepts_late
from scheduler.config import SchedulerConfig
from scheduler.planner.dates import (
    is_digest_day,
    observance_prompt_date,
    phase_end_notice_date,
    phase_start_notice_date,
    reminder_offset_on,
)


@dataclass
class Campaigns:
    campaigns: dict[int, Campaign]
    deadlines: list[Deadline]
    phases: dict[int, Phase]
    observances: list[Observance]
    # the boards' extensions of locked items for one enterprise each (a handful)
    extensions: list[DeadlineExtension] = field(default_factory=list)


def load_campaigns(session: Session) -> Campaigns:
    campaigns = {
        c.id: c for c in session.scalars(select(Campaign).where(col(Campaign.active))) if c.id
    }
    ids = list(campaigns)
    if not ids:
        return Campaigns({}, [], {}, [])
    deadlines = list(session.scalars(select(Deadline).where(col(Deadline.campaign_id).in_(ids))))
    phases = {
        p.id: p
        for p in session.scalars(select(Phase).where(col(Phase.campaign_id).in_(ids)))
        if p.id
    }
    observances = list(
        session.scalars(select(Observance).where(col(Observance.campaign_id).in_(ids)))
    )
    extensions = list(
        session.scalars(
            select(DeadlineExtension).where(
                col(DeadlineExtension.deadline_id).in_([d.id for d in deadlines])
            )
        )
    )
    return Campaigns(campaigns, deadlines, phases, observances, extensions)


def due_reminders(data: Campaigns, on: date) -> dict[int, DeadlineReminder]:
    """The deadlines with a reminder on `on` (by deadline id), as notifications."""
    due: dict[int, DeadlineReminder] = {}
    for deadline in data.deadlines:
        offset = reminder_offset_on(deadline.due_on, deadline.reminder_offsets, on)
        if offset is not None and deadline.id is not None:
            due[deadline.id] = DeadlineReminder(deadline.campaign_id, deadline.kind, on)
    return due


def due_extension_reminders(data: Campaigns, on: date) -> dict[int, DeadlineReminder]:
    """The extensions (by id) with a reminder on `on`, counting down to their own date.

    The same notification as the deadline's reminder of the day (the same dedupe key), so
    an enterprise never gets two reminders of one item on one day; at dispatch it is worded
    from the extension's date (`Facts.extended_until`). An item accepted late needs none.
    """
    by_id = {d.id: d for d in data.deadlines if d.id is not None}
    due: dict[int, DeadlineReminder] = {}
    for ext in data.extensions:
        deadline = by_id.get(ext.deadline_id)
        if deadline is None or ext.id is None or accepts_late(deadline):
            continue
        if (
            ext.until > deadline.due_on
            and reminder_offset_on(ext.until, deadline.reminder_offsets, on) is not None
        ):
            due[ext.id] = DeadlineReminder(deadline.campaign_id, deadline.kind, on)
    return due


@dataclass(frozen=True)
class BoardNotice:
    """A notification for every officer of a campaign's board, and what the dry run names."""

    notification: CommemorationPrompt | PhaseNotice
    organization_id: int
    subject: str


def board_notices(data: Campaigns, on: date, config: SchedulerConfig) -> list[BoardNotice]:
    """The commemoration prompts and phase notices that go out on `on`."""
    notices: list[BoardNotice] = []
    for obs in data.observances:
        if obs.id is None or not obs.prompt:
            continue
        if observance_prompt_date(obs.on, config.observance_prompt_working_days) != on:
            continue
        campaign = data.campaigns[obs.campaign_id]
        notices.append(
            BoardNotice(
                CommemorationPrompt(obs.campaign_id, obs.id, on),
                campaign.organization_id,
                obs.name,
            )
        )
    for phase in data.phases.values():
        if phase.id is None:
            continue
        campaign = data.campaigns[phase.campaign_id]
        for notice_on, variant in (
            (phase_start_notice_date(phase), PHASE_START),
            (phase_end_notice_date(phase), PHASE_END),
        ):
            if notice_on == on:
                notices.append(
                    BoardNotice(
                        PhaseNotice(phase.campaign_id, phase.id, variant, on),
                        campaign.organization_id,
                        phase.name,
                    )
                )
    return notices


def digests(data: Campaigns, on: date) -> list[tuple[StaffDigest, int]]:
    """On the week's first working day, one digest per running campaign with deadlines,
    with its board."""
    if not is_digest_day(on):
        return []
    with_deadlines = {d.campaign_id for d in data.deadlines}
    return [
        (StaffDigest(cid, on), c.organization_id)
        for cid, c in sorted(data.campaigns.items())
        if c.starts_on <= on <= c.ends_on and cid in with_deadlines
    ]
