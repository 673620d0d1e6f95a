"""Campaigns: a template instantiated for a year, with its phases, deadlines and observances.

`plan_campaign` is pure (template + year -> dates), so the CLI calendar, the staff preview
and the tests see exactly what `create_campaign` will write. Reminder dates depend on the
working-day calendar: a deadline on a day off is announced on the last working day before.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import Campaign, Deadline, Observance, Organization, Phase
from bot.models.enums import DeadlineKind, LatePolicy
from bot.services.calendar import last_working_day_on_or_before
from bot.services.dumps import Dump
from bot.services.errors import DomainError, InvalidInput, NotFound
from bot.services.rows import rows_of
from bot.services.templates import (
    AwardTargetSpec,
    MonthDay,
    TargetSpec,
    Template,
    TemplateKind,
    load_template,
)

# Years an annual plan may be run for: wide enough for back-filling old campaigns and
# planning ahead, narrow enough to catch a typo such as 224 or 20244.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
ROUND_EVERY = 5


class CampaignExists(DomainError):
    """The board already runs this template for this year."""


class YearOutsidePlan(InvalidInput):
    """The year is not one the template may be run for."""


_YEARS_SINCE = re.compile(r"\{years_since:(\d{4})\}")


def _fill(text: str, year: int, province: str = "") -> str:
    """A plan's text for `year`: "{year}" is the campaign year, "{years_since:1954}" the
    years from a founding year to it, so no anniversary number is ever written in a text
    (kỷ niệm {years_since:1954} năm Chiến thắng Điện Biên Phủ: 70 in 2024, 72 in 2026), and
    "{province}" the board's province as the board record says (data, not the plan's text:
    Bắc Giang is part of Bắc Ninh since 01/07/2025)."""
    # Not str.format: plan texts may contain braces of their own.
    text = _YEARS_SINCE.sub(lambda m: str(year - int(m.group(1))), text)
    return text.replace("{year}", str(year)).replace("{province}", province)


def anniversary_years(on: date, founded: int | None) -> int | None:
    """How many years `on` marks since `founded`, or None without a (past) founding year."""
    if founded is None or founded >= on.year:
        return None
    return on.year - founded


def is_round(years: int | None) -> bool:
    """A "năm chẵn" anniversary (a multiple of 5 years), which plans single out."""
    return years is not None and years % ROUND_EVERY == 0


@dataclass(frozen=True)
class PlannedPhase:
    """An emulation phase of the plan in its year; its fields are the Phase row's columns."""

    number: int
    name: str
    name_en: str
    starts_on: date
    ends_on: date
    call: str
    call_en: str
    review_name: str
    review_name_en: str

    def contains(self, d: date) -> bool:
        return self.starts_on <= d <= self.ends_on


@dataclass(frozen=True)
class PlannedDeadline:
    """An item every enterprise sends, with its due date in the plan's year."""

    kind: DeadlineKind
    due: date
    reminder_offsets: tuple[int, ...]
    late_policy: LatePolicy = LatePolicy.LOCK

    @property
    def remind_by(self) -> date:
        """The last working day on or before `due`: when the due-day reminder goes out."""
        return last_working_day_on_or_before(self.due)


@dataclass(frozen=True)
class PlannedObservance:
    """A commemoration day of the plan, in the phase it falls in (0: not placed yet)."""

    on: date
    name: str
    name_en: str
    founded: int | None
    phase: int

    @property
    def years(self) -> int | None:
        return anniversary_years(self.on, self.founded)

    @property
    def is_round(self) -> bool:
        return is_round(self.years)


# What names a commemoration day, alike in a plan, in a plan edit's spec and in its Observance
# row; its phase is a number in the first two and a phase id in the row.
DAY_COLUMNS = Dump(("on", "name", "name_en", "founded"))


@dataclass(frozen=True)
class CampaignPlan:
    template: Template
    year: int
    title: str
    title_en: str
    theme: str
    theme_en: str
    starts_on: date
    ends_on: date
    phases: tuple[PlannedPhase, ...]
    deadlines: tuple[PlannedDeadline, ...]
    observances: tuple[PlannedObservance, ...]
    targets: tuple[TargetSpec, ...]
    award_targets: tuple[AwardTargetSpec, ...]

    def phase_on(self, d: date) -> PlannedPhase | None:
        return next((p for p in self.phases if p.contains(d)), None)


def check_year(template: Template, year: int) -> None:
    """Refuse a year the template cannot be run for (YearOutsidePlan)."""
    if template.kind is not TemplateKind.ANNUAL:
        if not template.covers(year):
            raise YearOutsidePlan(
                N_("The plan '{template}' covers {first}–{last}; {year} is outside it."),
                template=template.slug,
                first=template.first_year,
                last=template.last_year,
                year=year,
            )
    elif not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise YearOutsidePlan(
            N_("The year must be between {first} and {last}, not {year}."),
            first=EARLIEST_YEAR,
            last=LATEST_YEAR,
            year=year,
        )


def plan_campaign(template: Template | str, year: int, province: str | None = None) -> CampaignPlan:
    """The dates of `template` in `year`: phases, deadlines (with remind_by), observances.

    `province` is the board's (default: the plan's own); it fills "{province}" in the texts.
    """
    if isinstance(template, str):
        template = load_template(template)
    check_year(template, year)
    place = province or template.province
    phases = tuple(
        PlannedPhase(
            number=p.number,
            name=_fill(p.name, year, place),
            name_en=_fill(p.name_en, year, place),
            starts_on=p.start.in_year(year),
            ends_on=p.end.in_year(year),
            call=_fill(p.call, year, place),
            call_en=_fill(p.call_en, year, place),
            review_name=_fill(p.review, year, place),
            review_name_en=_fill(p.review_en, year, place),
        )
        for p in template.phases
    )
    deadlines = tuple(
        sorted(
            (
                PlannedDeadline(
                    kind=d.kind,
                    due=d.due.in_year(year),
                    reminder_offsets=d.reminder_offsets,
                    late_policy=d.late_policy,
                )
                for d in template.deadlines
            ),
            key=lambda d: d.due,
        )
    )
    observances = tuple(
        PlannedObservance(
            on=o.on.in_year(year),
            name=o.name,
            name_en=o.name_en,
            founded=o.founded,
            phase=o.phase,
        )
        for o in template.observances
        if o.until is None or year <= o.until
    )
    return CampaignPlan(
        template=template,
        year=year,
        title=_fill(template.name, year, place),
        title_en=_fill(template.name_en, year, place),
        theme=_fill(template.theme, year, place),
        theme_en=_fill(template.theme_en, year, place),
        starts_on=phases[0].starts_on,
        ends_on=phases[-1].ends_on,
        phases=phases,
        deadlines=deadlines,
        observances=observances,
        targets=template.targets,
        award_targets=template.award_targets,
    )


def organization_observances(organization: Organization, year: int) -> list[PlannedObservance]:
    """The board's own commemoration days in `year` (phase 0: not yet placed in a phase).

    Organization.observances holds [{"date": "MM-DD", "name": ..., "name_en": ...,
    "founded": 1895}]; `bot.services.organizations.add_observance` checks entries on the
    way in, and a malformed one is reported here rather than silently dropped.
    """
    result: list[PlannedObservance] = []
    for entry in organization.observances or []:
        try:
            on = MonthDay.parse(str(entry.get("date", ""))).in_year(year)
            name = str(entry.get("name", "")).strip()
            founded_raw = entry.get("founded")
            founded = None if founded_raw in (None, "") else int(founded_raw)
        except (ValueError, TypeError, AttributeError):
            name, on, founded = "", date.min, None
        if not name or on == date.min:
            raise InvalidInput(
                N_("The board's commemoration day {entry} is not valid: fix it first."),
                entry=str(entry),
            )
        result.append(
            PlannedObservance(
                on=on,
                name=name,
                name_en=str(entry.get("name_en", "") or "").strip(),
                founded=founded,
                phase=0,
            )
        )
    return result


def _observance_key(o: PlannedObservance) -> tuple[date, str]:
    # The same day with the same founding year is the same event, whatever its wording
    # ("Ngày thành lập tỉnh" vs "Kỷ niệm ngày thành lập tỉnh Bắc Giang").
    return (o.on, str(o.founded) if o.founded is not None else o.name.casefold())


def merged_observances(plan: CampaignPlan, organization: Organization) -> list[PlannedObservance]:
    """The plan's observances plus the board's own ones that fall in a phase, by date."""
    merged = list(plan.observances)
    seen = {_observance_key(o) for o in merged}
    for own in organization_observances(organization, plan.year):
        phase = plan.phase_on(own.on)
        if phase is None or _observance_key(own) in seen:
            continue
        seen.add(_observance_key(own))
        merged.append(replace(own, phase=phase.number))
    return sorted(merged, key=lambda o: (o.on, o.phase))


def _target_dicts(plan: CampaignPlan) -> list[dict[str, Any]]:
    """The plan's targets, for a campaign of the year they were set for; none for another
    year (a 2027 campaign does not compare with the 2024 plan's figures as its own: the
    office sets that year's targets, or carries last year's over as not yet confirmed)."""
    year = plan.template.targets_year
    if year is not None and year != plan.year:
        return []
    # A multi-year plan without a targets year sets them for its whole period ("đến năm 2025").
    first, last = plan.template.first_year, plan.template.last_year
    period = {"period": [first, last]} if year is None and first != last else {}
    return [{**t.as_dict(), "year": year, **period, "confirmed": True} for t in plan.targets]


def find_campaign(
    session: Session, organization: Organization, template_slug: str, year: int
) -> Campaign | None:
    return session.exec(
        select(Campaign).where(
            Campaign.organization_id == organization.id,
            Campaign.template == template_slug,
            Campaign.year == year,
        )
    ).first()


def create_campaign(
    session: Session, organization: Organization, template_slug: str, year: int
) -> Campaign:
    """Write the campaign of `template_slug` for `year` with its phases, observances, deadlines.

    Refuses a second campaign of the same template and year for the board (CampaignExists)
    and a year outside a fixed-period plan (YearOutsidePlan). The board's own observances
    are added to the phase they fall in.
    """
    template = load_template(template_slug)
    plan = plan_campaign(template, year, organization.province)
    observances = merged_observances(plan, organization)
    if organization.id is None:
        session.add(organization)
        session.flush()
    if find_campaign(session, organization, template.slug, year) is not None:
        raise _exists(organization, template, year)

    campaign = Campaign(
        organization_id=organization.id,  # type: ignore[arg-type]  # flushed above
        template=template.slug,
        year=year,
        title=plan.title,
        title_en=plan.title_en,
        theme=plan.theme,
        theme_en=plan.theme_en,
        document_number="",
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        targets=_target_dicts(plan),
        award_targets={a.key: a.value for a in plan.award_targets},
        audience=template.audience,
        report_figures=None if template.report_figures is None else list(template.report_figures),
        active=True,
    )
    insert_campaign(session, campaign, _exists(organization, template, year))

    phase_ids: dict[int, int] = {}
    for p in plan.phases:
        row = Phase(campaign_id=campaign.id, **asdict(p))  # type: ignore[arg-type]
        session.add(row)
        session.flush()
        phase_ids[p.number] = row.id  # type: ignore[assignment]
    for o in observances:
        session.add(
            Observance(
                campaign_id=campaign.id,  # type: ignore[arg-type]
                phase_id=phase_ids[o.phase],
                **DAY_COLUMNS(o),
            )
        )
    for d in plan.deadlines:
        session.add(
            Deadline(
                campaign_id=campaign.id,  # type: ignore[arg-type]
                kind=d.kind,
                due_on=d.due,
                reminder_offsets=list(d.reminder_offsets),
                late_policy=d.late_policy,
            )
        )
    session.flush()
    return campaign


def insert_campaign(session: Session, campaign: Campaign, exists: CampaignExists) -> None:
    """Add and flush a new campaign under a savepoint: a second instance creating the same
    campaign at the same moment hits the unique constraint (raised as `exists`), and the
    caller's session stays usable."""
    try:
        with session.begin_nested():
            session.add(campaign)
            session.flush()
    except IntegrityError:
        raise exists from None


def _exists(organization: Organization, template: Template, year: int) -> CampaignExists:
    return CampaignExists(
        N_("{org} already has a campaign '{template}' for {year}."),
        org=organization.slug,
        template=template.slug,
        year=year,
    )


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
    return campaign


def list_campaigns(session: Session, organization: Organization | None = None) -> list[Campaign]:
    """Campaigns, newest year first (of one board, or of all)."""
    query = select(Campaign)
    if organization is not None:
        query = query.where(Campaign.organization_id == organization.id)
    query = query.order_by(col(Campaign.year).desc(), col(Campaign.starts_on), col(Campaign.id))
    return list(session.exec(query).all())


def running_on(day: Any) -> ColumnElement[bool]:
    """WHERE condition: the campaign is active and its period contains `day` (a date, or a
    bound parameter in a statement built once)."""
    return and_(
        col(Campaign.active).is_(True),
        col(Campaign.starts_on) <= day,
        col(Campaign.ends_on) >= day,
    )


# Where a board runs several campaigns on a day, the one an answer is about: the latest-starting.
LATEST_FIRST = (col(Campaign.starts_on).desc(), col(Campaign.id).desc())


def active_campaigns(
    session: Session, on: date, organization: Organization | None = None
) -> list[Campaign]:
    """Active campaigns whose period contains `on`."""
    query = select(Campaign).where(running_on(on))
    if organization is not None:
        query = query.where(Campaign.organization_id == organization.id)
    return list(session.exec(query.order_by(col(Campaign.starts_on), col(Campaign.id))).all())


def campaign_phases(session: Session, campaign: Campaign) -> list[Phase]:
    return rows_of(session, Phase, Phase.campaign_id == campaign.id, order=[col(Phase.number)])


def campaign_observances(session: Session, campaign: Campaign) -> list[Observance]:
    by_date = [col(Observance.on), col(Observance.id)]
    return rows_of(session, Observance, Observance.campaign_id == campaign.id, order=by_date)


def campaign_deadlines(session: Session, campaign: Campaign) -> list[Deadline]:
    by_date = [col(Deadline.due_on), col(Deadline.id)]
    return rows_of(session, Deadline, Deadline.campaign_id == campaign.id, order=by_date)


def current_phase(session: Session, campaign: Campaign, on: date) -> Phase | None:
    """The phase of `campaign` that contains `on`, or None (before, after or between)."""
    return session.exec(
        select(Phase).where(
            Phase.campaign_id == campaign.id,
            col(Phase.starts_on) <= on,
            col(Phase.ends_on) >= on,
        )
    ).first()


class _NamedObservance(Protocol):
    @property
    def on(self) -> date: ...
    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def founded(self) -> int | None: ...


def localized(t: Translator, vietnamese: str, english: str) -> str:
    """The English text for English readers when there is one, else the Vietnamese."""
    return english if t.language == "en" and english else vietnamese


def observance_name(t: Translator, observance: _NamedObservance) -> str:
    return localized(t, observance.name, observance.name_en)


def phase_name(t: Translator, phase: Phase | PlannedPhase) -> str:
    return localized(t, phase.name, phase.name_en)


def campaign_title(t: Translator, campaign: Campaign) -> str:
    return localized(t, campaign.title, campaign.title_en)


def anniversary_label(t: Translator, observance: _NamedObservance) -> str:
    """E.g. "kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (07/05/1954 – 07/05/2024)".

    Without a founding year it is just the name and the date.
    """
    name = observance_name(t, observance)
    years = anniversary_years(observance.on, observance.founded)
    if years is None or observance.founded is None:
        return t("{name} ({date})", name=name, date=t.date(observance.on))
    founded_on = date(observance.founded, observance.on.month, observance.on.day)
    return t(
        "{years} years of {name} ({founded} – {date})",
        years=years,
        name=name,
        founded=t.date(founded_on),
        date=t.date(observance.on),
    )
