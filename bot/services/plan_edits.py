"""The one place a campaign's plan changes: the board office editing its year's plan.

A campaign's editable plan is one validated value, `CampaignSpec`: its name and theme, phases,
deadlines (date, late policy, reminder days), commemoration days (date, name, founding year,
phase, whether enterprises get a prompt), the year's targets with the plan's own qualifiers,
and the award targets. Both ways the office edits a plan go through here:

- the chat's guided `/campaign` edit builds a spec from `spec_of`, changes it, shows
  `preview` and calls `apply`;
- the CLI exports `spec_of` to a file (`bot.services.campaign_file`), the office edits it,
  and importing it back previews or applies the parsed spec.

`check` names every problem by its place in the spec (`SpecError.loc`, e.g.
("deadlines", 1, "due")) so a file can point at the line and the chat at the field; `apply`
refuses the whole spec (`PlanInvalid`) when anything is wrong, and otherwise applies
everything in the caller's transaction, audits every change and, for a moved deadline,
re-plans its reminders and tells the linked officers the new date once (`change_and_replan`).
`preview` is `apply` inside a savepoint that is rolled back, so what the office is shown is
exactly what applying does.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    AwardTargets,
    Campaign,
    Contact,
    Deadline,
    DeadlineExtension,
    DeadlineKind,
    Enterprise,
    LatePolicy,
    Observance,
    Phase,
    Role,
    Submission,
    award_records,
)
from bot.notifications.kinds import DeadlineMoved
from bot.notifications.outbox import cancel_reminders, enqueue
from bot.services import audit, deadlines
from bot.services.acts import Act
from bot.services.audience import members
from bot.services.campaigns import (
    DAY_COLUMNS,
    campaign_deadlines,
    campaign_observances,
    campaign_phases,
)
from bot.services.errors import DomainError, NotFound, render
from bot.services.items import kind_label
from bot.services.reach import receives_now
from bot.services.targets import goal_text
from bot.services.templates import DEFAULT_REMINDER_OFFSETS, Qualifier, load_template

TITLE_MAX = 512
THEME_MAX = 2048
NAME_MAX = 255
KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Reminder days: up to 60 days before the due date, up to 30 working days after it.
OFFSET_MIN, OFFSET_MAX = -30, 60

# ------------------------------------------------------------------------------ the spec


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PhaseEntry(_Part):
    """An emulation phase (đợt thi đua), identified by its number."""

    number: int
    name: str = Field(max_length=NAME_MAX)
    name_en: str = Field(default="", max_length=NAME_MAX)
    start: date
    end: date
    call: str = Field(default="", max_length=THEME_MAX)
    call_en: str = Field(default="", max_length=THEME_MAX)
    review: str = Field(default="", max_length=NAME_MAX)
    review_en: str = Field(default="", max_length=NAME_MAX)


class DeadlineEntry(_Part):
    """What every enterprise sends by a date, identified by its kind."""

    kind: DeadlineKind
    due: date
    late: LatePolicy = LatePolicy.LOCK
    reminders: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS


class DayEntry(_Part):
    """A commemoration day; `founded` gives the anniversary number, `prompt` whether the
    enterprises are asked to mark it."""

    on: date
    name: str = Field(max_length=TITLE_MAX)
    name_en: str = Field(default="", max_length=TITLE_MAX)
    founded: int | None = None
    phase: int | None = None  # None: the phase the day falls in
    prompt: bool = True


class TargetEntry(_Part):
    """A target (chỉ tiêu) as the plan words it: "khoảng 540.000 tỷ đồng, tăng 19,3%"."""

    key: str
    label: str = Field(max_length=NAME_MAX)
    label_en: str = Field(default="", max_length=NAME_MAX)
    value: int | float | None = None
    value_max: int | float | None = None  # a range "25.000–30.000"
    unit: str = Field(default="", max_length=NAME_MAX)
    unit_en: str = Field(default="", max_length=NAME_MAX)
    growth: int | float | None = None  # % over the previous year
    qualifier: Qualifier = Qualifier.EXACT


class AwardEntry(_Part):
    """A minimum number of proposals for an award (e.g. the Emulation Flag for 5 enterprises)."""

    key: str
    value: int
    label: str = Field(default="", max_length=NAME_MAX)
    label_en: str = Field(default="", max_length=NAME_MAX)


class CampaignSpec(_Part):
    """Everything of a campaign's plan the board office may change."""

    title: str = Field(max_length=TITLE_MAX)
    title_en: str = Field(default="", max_length=TITLE_MAX)
    theme: str = Field(default="", max_length=THEME_MAX)
    theme_en: str = Field(default="", max_length=THEME_MAX)
    phases: tuple[PhaseEntry, ...] = ()
    deadlines: tuple[DeadlineEntry, ...] = ()
    days: tuple[DayEntry, ...] = ()
    # The year the targets were set for, and whether the office confirmed them as this
    # year's (targets copied from last year's campaign are not, until it does).
    targets_year: int | None = None
    targets_confirmed: bool = True
    targets: tuple[TargetEntry, ...] = ()
    awards: tuple[AwardEntry, ...] = ()


# ---------------------------------------------------------------- errors and changes

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class SpecError:
    """One problem: where in the spec (`loc`, list indexes 0-based) and what (an msgid)."""

    loc: Loc
    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def field(self) -> str:
        """The field's name, as a file writes it ("due", "founded"; the section for a
        problem with a whole list)."""
        names = [part for part in self.loc if isinstance(part, str)]
        return names[-1] if names else ""

    def problem(self, t: Translator) -> str:
        return render(t, self.msgid, self.params)

    def message(self, t: Translator) -> str:
        """Where and what, e.g. "thời hạn 2, hạn nộp: …" (a file names the line instead)."""
        return t("{where}: {problem}", where=where(t, self.loc), problem=self.problem(t))


# How a place in the spec is named to a reader (a file names its line and key instead).
PLACES = {
    "title": N_("name"),
    "title_en": N_("name in English"),
    "theme": N_("theme"),
    "theme_en": N_("theme in English"),
    "phases": N_("phase"),
    "deadlines": N_("deadline"),
    "days": N_("commemoration day"),
    "targets": N_("target"),
    "awards": N_("award target"),
    "targets_year": N_("year of the targets"),
    "number": N_("number"),
    "name": N_("name"),
    "start": N_("start date"),
    "end": N_("end date"),
    "kind": N_("item"),
    "due": N_("due date"),
    "reminders": N_("reminder days"),
    "on": N_("date"),
    "founded": N_("founding year"),
    "phase": N_("phase"),
    "key": N_("key"),
    "label": N_("label"),
    "value": N_("value"),
    "value_max": N_("upper value"),
}


def where(t: Translator, loc: Loc) -> str:
    """("deadlines", 1, "due") -> "thời hạn 2, hạn nộp" (positions counted from 1)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] = f"{parts[-1]} {part + 1}"
        else:
            parts.append(t(PLACES[part]) if part in PLACES else str(part))
    return ", ".join(parts)


class PlanInvalid(DomainError):
    """The spec has problems; nothing was applied. `errors` names each."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        super().__init__(N_("The plan has {n} errors; nothing was changed."), n=len(errors))
        self.errors = list(errors)

    def __str__(self) -> str:
        english = Translator("en")
        return "\n".join([super().__str__(), *(e.message(english) for e in self.errors)])


@dataclass(frozen=True)
class Change:
    """One line of what an edit changes, in the reader's language when rendered."""

    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, t: Translator) -> str:
        return render(t, self.msgid, self.params)


@dataclass(frozen=True)
class _Kind:
    """A deadline kind as a parameter that names itself in the reader's language."""

    kind: DeadlineKind

    def localize(self, language: str) -> str:
        return kind_label(Translator(language), self.kind)


@dataclass(frozen=True)
class _Goal:
    """A target's goal ("khoảng 540.000 tỷ đồng") in the reader's language."""

    target: Mapping[str, Any]

    def localize(self, language: str) -> str:
        return goal_text(Translator(language), self.target)


@dataclass(frozen=True)
class _Msg:
    """A fixed msgid as a parameter (e.g. "yes"), translated for the reader."""

    msgid: str

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


# ------------------------------------------------------------------------ reading


def _number(value: Any) -> int | float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _target_entry(target: Mapping[str, Any]) -> TargetEntry:
    return TargetEntry(
        key=str(target.get("key", "")),
        label=str(target.get("label", "")),
        label_en=str(target.get("label_en") or ""),
        value=_number(target.get("value")),
        value_max=_number(target.get("value_max")),
        unit=str(target.get("unit") or ""),
        unit_en=str(target.get("unit_en") or ""),
        growth=_number(target.get("growth")),
        qualifier=Qualifier.of(target.get("qualifier")),
    )


def _award_entries(targets: AwardTargets) -> list[AwardEntry]:
    """Campaign.award_targets ({key: 5} or {key: {value, label, label_en}}) as entries."""
    return [
        AwardEntry(
            key=key,
            value=int(record.get("value") or 0),
            label=str(record.get("label") or ""),
            label_en=str(record.get("label_en") or ""),
        )
        for key, record in award_records(targets)
    ]


def _awards_stored(awards: Sequence[AwardEntry]) -> AwardTargets:
    """The award targets as stored: {key: value}, with the labels when the office gave any."""
    return {
        a.key: (
            {"value": a.value, "label": a.label, "label_en": a.label_en}
            if a.label or a.label_en
            else a.value
        )
        for a in awards
    }


def _targets_stored(spec: CampaignSpec, year: int) -> list[dict[str, Any]]:
    return [
        {
            "key": entry.key,
            "label": entry.label,
            "label_en": entry.label_en,
            "value": entry.value,
            "value_max": entry.value_max,
            "unit": entry.unit,
            "unit_en": entry.unit_en,
            "growth": entry.growth,
            "qualifier": str(entry.qualifier),
            "year": spec.targets_year or year,
            "confirmed": spec.targets_confirmed,
        }
        for entry in spec.targets
    ]


def spec_of(session: Session, campaign: Campaign) -> CampaignSpec:
    """The campaign's plan as it stands."""
    phases = campaign_phases(session, campaign)
    number_of = {p.id: p.number for p in phases}
    targets_year = next(
        (int(item["year"]) for item in campaign.targets if isinstance(item.get("year"), int)), None
    )
    return CampaignSpec(
        title=campaign.title,
        title_en=campaign.title_en,
        theme=campaign.theme,
        theme_en=campaign.theme_en,
        phases=tuple(_phase_entry(p) for p in phases),
        deadlines=tuple(
            DeadlineEntry(
                kind=DeadlineKind(d.kind),
                due=d.due_on,
                late=LatePolicy(d.late_policy),
                reminders=tuple(d.reminder_offsets),
            )
            for d in campaign_deadlines(session, campaign)
        ),
        days=tuple(
            DayEntry(**_DAY_COLUMNS(o), phase=number_of.get(o.phase_id))
            for o in campaign_observances(session, campaign)
        ),
        targets_year=targets_year if campaign.targets else None,
        targets_confirmed=all(bool(item.get("confirmed", True)) for item in campaign.targets),
        targets=tuple(_target_entry(item) for item in campaign.targets),
        awards=tuple(_award_entries(campaign.award_targets)),
    )


# ------------------------------------------------------------------------ checking


def check(session: Session, campaign: Campaign, spec: CampaignSpec, today: date) -> list[SpecError]:
    """Every problem of `spec` for this campaign (empty: it may be applied). `today` is the
    board's local date: a deadline may not be moved (or added) to a day already past, which
    would close the item for every enterprise at once."""
    errors: list[SpecError] = []

    def error(loc: Loc, msgid: str, **params: object) -> None:
        errors.append(SpecError(loc, msgid, params))

    if not spec.title:
        error(("title",), N_("is required"))
    start, end = campaign.starts_on, campaign.ends_on

    def inside(loc: Loc, day: date) -> bool:
        if start <= day <= end:
            return True
        error(loc, N_("must lie within the campaign, {start} – {end}"), start=start, end=end)
        return False

    # Phases: numbered once each, in the campaign, in order, not overlapping.
    if not spec.phases:
        error(("phases",), N_("a campaign needs at least one phase"))
    numbers: dict[int, PhaseEntry] = {}
    for i, phase in enumerate(spec.phases):
        if phase.number < 1:
            error(("phases", i, "number"), N_("must be 1 or more"))
        elif phase.number in numbers:
            error(("phases", i, "number"), N_("a second phase {number}"), number=phase.number)
        else:
            numbers[phase.number] = phase
        if not phase.name:
            error(("phases", i, "name"), N_("is required"))
        inside(("phases", i, "start"), phase.start)
        inside(("phases", i, "end"), phase.end)
        if phase.end < phase.start:
            error(
                ("phases", i, "end"), N_("must not be before the start, {start}"), start=phase.start
            )
    ordered = sorted(spec.phases, key=lambda p: p.start)
    for before, after in itertools.pairwise(ordered):
        if after.start <= before.end:
            i = spec.phases.index(after)
            error(
                ("phases", i, "start"),
                N_("overlaps phase {number}, which ends on {end}"),
                number=before.number,
                end=before.end,
            )

    # Deadlines: one per kind, due in the campaign, sensible reminder days; one that
    # enterprises already answered cannot be taken away.
    kinds: set[DeadlineKind] = set()
    current_due = {DeadlineKind(d.kind): d.due_on for d in campaign_deadlines(session, campaign)}
    for i, deadline in enumerate(spec.deadlines):
        if deadline.kind in kinds:
            error(
                ("deadlines", i, "kind"),
                N_("a second deadline for {item}"),
                item=_Kind(deadline.kind),
            )
        kinds.add(deadline.kind)
        inside(("deadlines", i, "due"), deadline.due)
        if deadline.due < today and deadline.due != current_due.get(deadline.kind):
            error(("deadlines", i, "due"), N_("is already past (today is {today})"), today=today)
        offsets = deadline.reminders
        if len(set(offsets)) != len(offsets) or any(
            not OFFSET_MIN <= o <= OFFSET_MAX for o in offsets
        ):
            error(
                ("deadlines", i, "reminders"),
                N_("days between {low} and {high}, each once"),
                low=OFFSET_MIN,
                high=OFFSET_MAX,
            )
    for gone in {DeadlineKind(d.kind) for d in campaign_deadlines(session, campaign)} - kinds:
        answered = session.exec(
            select(col(Submission.id)).where(
                Submission.campaign_id == campaign.id, Submission.kind == gone
            )
        ).first()
        if answered is not None:
            error(
                ("deadlines",),
                N_("{item} cannot be removed: enterprises have already sent it"),
                item=_Kind(gone),
            )

    # Commemoration days: in the campaign and in their phase; founded before the year.
    seen_days: set[tuple[date, str]] = set()
    for i, day in enumerate(spec.days):
        if not day.name:
            error(("days", i, "name"), N_("is required"))
        if (day.on, day.name) in seen_days:
            error(("days", i, "name"), N_("the same day twice"))
        seen_days.add((day.on, day.name))
        in_campaign = inside(("days", i, "on"), day.on)
        if (
            in_campaign
            and day.phase is None
            and not any(p.start <= day.on <= p.end for p in spec.phases)
        ):
            error(("days", i, "on"), N_("falls in no phase"))
        if day.phase is not None:
            held = numbers.get(day.phase)
            if held is None:
                error(("days", i, "phase"), N_("there is no phase {number}"), number=day.phase)
            elif not held.start <= day.on <= held.end:
                error(
                    ("days", i, "on"),
                    N_("must lie within phase {number}, {start} – {end}"),
                    number=held.number,
                    start=held.start,
                    end=held.end,
                )
        if day.founded is not None and not 1 <= day.founded < campaign.year:
            error(
                ("days", i, "founded"),
                N_("must be a year before {year}, or left out"),
                year=campaign.year,
            )

    # Targets.
    if spec.targets_year is not None and not 2000 <= spec.targets_year <= 2100:
        error(("targets_year",), N_("must be a year such as 2027"))

    def check_keys(section: str, keys: list[str], second: str) -> None:
        """Targets and award targets are named by keys: each well formed, none twice."""
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if not KEY.match(key):
                error((section, i, "key"), N_("lower-case letters, digits and _"))
            elif key in seen:
                error((section, i, "key"), second, key=key)
            seen.add(key)

    check_keys("targets", [target.key for target in spec.targets], N_("a second target {key}"))
    check_keys("awards", [award.key for award in spec.awards], N_("a second award target {key}"))
    for i, target in enumerate(spec.targets):
        if not target.label:
            error(("targets", i, "label"), N_("is required"))
        if target.value is None and target.growth is None:
            error(("targets", i, "value"), N_("a value or a growth is required"))
        if target.value_max is not None and (
            target.value is None or not target.value < target.value_max
        ):
            error(("targets", i, "value_max"), N_("must be above value"))
    for i, award in enumerate(spec.awards):
        if award.value < 0:
            error(("awards", i, "value"), N_("must be 0 or more"))
    return errors


# ------------------------------------------------------------------------ applying


def preview(session: Session, campaign: Campaign, spec: CampaignSpec, today: date) -> list[Change]:
    """What `apply` would change, line by line (PlanInvalid when the spec has problems).

    It is `apply` inside a savepoint rolled back at once: nothing stays, not even an audit
    entry or a queued notice, and the lines are exactly what applying would say.
    """
    savepoint = session.begin_nested()
    try:
        # email=False: the notices it would queue go with the savepoint, and the lines
        # shown do not depend on who receives them.
        return _apply(session, campaign, spec, _preview_act(campaign), today=today, email=False)
    finally:
        savepoint.rollback()
        session.expire_all()


def _preview_act(campaign: Campaign) -> Act:
    """A stand-in act for a preview's audit entries (rolled back, never kept): by nobody, at
    the campaign's creation; its zone is never read (the preview is handed `today`)."""
    return Act(campaign.created_at, UTC)


def apply(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    act: Act,
    *,
    email: bool,
) -> list[Change]:
    """Apply the spec in the caller's transaction (the caller commits); audited; PlanInvalid
    when it has problems. Returns what changed ([] when nothing did).

    All of it or nothing: a savepoint takes back whatever was written when anything fails
    half-way, so the caller's session stays usable (the chat answers and goes on)."""
    with session.begin_nested():
        return _apply(session, campaign, spec, act, today=act.today, email=email)


def _apply(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    act: Act,
    *,
    today: date,
    email: bool,
) -> list[Change]:
    errors = check(session, campaign, spec, today)
    if errors:
        raise PlanInvalid(errors)
    changes: list[Change] = []
    subject = f"campaign:{campaign.id}"

    def audited(
        action: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> None:
        audit.record(session, action, act, subject=subject, before=before, after=after)

    changes += _texts(campaign, spec, audited)
    phase_ids, phase_changes = _apply_phases(session, campaign, spec, audited)
    changes += phase_changes
    changes += _apply_deadlines(session, campaign, spec, audited, act, email)
    changes += _apply_days(session, campaign, spec, phase_ids, audited)
    changes += _apply_targets(campaign, spec, audited)
    session.add(campaign)
    session.flush()
    return changes


# The `audited(action, before, after)` callback of _apply.
_Audit = Callable[[str, Mapping[str, Any] | None, Mapping[str, Any] | None], None]


def _texts(campaign: Campaign, spec: CampaignSpec, audited: _Audit) -> list[Change]:
    labels = {
        "title": N_("Name: {old} → {new}"),
        "title_en": N_("Name in English: {old} → {new}"),
        "theme": N_("Theme: {old} → {new}"),
        "theme_en": N_("Theme in English: {old} → {new}"),
    }
    changes = []
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, msgid in labels.items():
        old, new = getattr(campaign, name), getattr(spec, name)
        if old != new:
            changes.append(Change(msgid, {"old": old or "—", "new": new or "—"}))
            before[name], after[name] = old, new
            setattr(campaign, name, new)
    if after:
        audited("campaign.rename", before, after)
    return changes


# A phase's fields in the spec and the Phase columns that hold them (its number, which
# identifies it, aside): read one way by `spec_of`, written the other by `apply`.
_PHASE_COLUMNS = {
    "name": "name",
    "name_en": "name_en",
    "start": "starts_on",
    "end": "ends_on",
    "call": "call",
    "call_en": "call_en",
    "review": "review_name",
    "review_en": "review_name_en",
}


def _phase_fields(entry: PhaseEntry) -> dict[str, Any]:
    return {column: getattr(entry, name) for name, column in _PHASE_COLUMNS.items()}


def _phase_entry(phase: Phase) -> PhaseEntry:
    columns = {name: getattr(phase, column) for name, column in _PHASE_COLUMNS.items()}
    return PhaseEntry(number=phase.number, **columns)


def _apply_phases(
    session: Session, campaign: Campaign, spec: CampaignSpec, audited: _Audit
) -> tuple[dict[int, int], list[Change]]:
    """Phases matched by number; returns {number: phase id} and the changes."""
    assert campaign.id is not None
    changes: list[Change] = []
    existing = {p.number: p for p in campaign_phases(session, campaign)}
    ids: dict[int, int] = {}
    for entry in spec.phases:
        wanted = _phase_fields(entry)
        phase = existing.pop(entry.number, None)
        if phase is None:
            phase = Phase(campaign_id=campaign.id, number=entry.number, **wanted)
            session.add(phase)
            session.flush()
            changes.append(
                Change(
                    N_("Phase {number} added: {name}, {start} – {end}"),
                    {
                        "number": entry.number,
                        "name": entry.name,
                        "start": entry.start,
                        "end": entry.end,
                    },
                )
            )
            audited("phase.add", None, {"number": entry.number, **wanted})
        else:
            before = {k: getattr(phase, k) for k in wanted if getattr(phase, k) != wanted[k]}
            if before:
                for k in before:
                    setattr(phase, k, wanted[k])
                session.add(phase)
                changes.append(
                    Change(
                        N_("Phase {number} changed: {name}, {start} – {end}"),
                        {
                            "number": entry.number,
                            "name": entry.name,
                            "start": entry.start,
                            "end": entry.end,
                        },
                    )
                )
                audited(
                    "phase.change",
                    {"number": entry.number, **before},
                    {"number": entry.number, **{k: wanted[k] for k in before}},
                )
        assert phase.id is not None
        ids[entry.number] = phase.id
    for number, phase in sorted(existing.items()):
        # Its days are moved to their new phase (or removed) below, before the flush.
        session.execute(
            update(Observance).where(col(Observance.phase_id) == phase.id).values(phase_id=None)
        )
        session.delete(phase)
        changes.append(
            Change(N_("Phase {number} removed: {name}"), {"number": number, "name": phase.name})
        )
        audited(
            "phase.remove",
            {
                "number": number,
                "name": phase.name,
                "starts_on": phase.starts_on,
                "ends_on": phase.ends_on,
            },
            None,
        )
    session.flush()
    return ids, changes


def _apply_deadlines(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    audited: _Audit,
    act: Act,
    email: bool,
) -> list[Change]:
    assert campaign.id is not None
    changes: list[Change] = []
    existing = {DeadlineKind(d.kind): d for d in campaign_deadlines(session, campaign)}
    for entry in spec.deadlines:
        deadline = existing.pop(entry.kind, None)
        if deadline is None:
            deadline = Deadline(
                campaign_id=campaign.id,
                kind=entry.kind,
                due_on=entry.due,
                reminder_offsets=list(entry.reminders),
                late_policy=entry.late,
            )
            session.add(deadline)
            session.flush()
            changes.append(
                Change(
                    N_("Deadline added: {item}, due {date}"),
                    {"item": _Kind(entry.kind), "date": entry.due},
                )
            )
            audited(
                "deadline.add",
                None,
                {
                    "kind": entry.kind,
                    "due_on": entry.due,
                    "late_policy": entry.late,
                    "reminder_offsets": entry.reminders,
                },
            )
            continue
        old_due = deadline.due_on
        moved = change_and_replan(
            session, deadline, act, deadlines.DeadlineChange(entry.due, entry.late), email=email
        )
        if "due_on" in moved.changed:
            changes.append(
                Change(
                    N_(
                        "{item}: due {old} → {new}; linked officers are told the new date "
                        "once, reminders follow the new date"
                    ),
                    {"item": _Kind(entry.kind), "old": old_due, "new": entry.due},
                )
            )
        if "late_policy" in moved.changed:
            changes.append(
                Change(
                    N_("{item}: after the due date {policy}"),
                    {
                        "item": _Kind(entry.kind),
                        "policy": _Msg(deadlines.LATE_POLICY_LABELS[entry.late]),
                    },
                )
            )
        if tuple(deadline.reminder_offsets) != entry.reminders:
            before = list(deadline.reminder_offsets)
            deadline.reminder_offsets = list(entry.reminders)
            session.add(deadline)
            changes.append(
                Change(
                    N_("{item}: reminder days {old} → {new}"),
                    {
                        "item": _Kind(entry.kind),
                        "old": ", ".join(map(str, before)),
                        "new": ", ".join(map(str, entry.reminders)),
                    },
                )
            )
            audited(
                "deadline.reminders",
                {"kind": entry.kind, "reminder_offsets": before},
                {"kind": entry.kind, "reminder_offsets": entry.reminders},
            )
    for kind, deadline in existing.items():
        _cancel_reminders(session, campaign.id, kind, "the deadline was removed", act.now)
        for extension in session.exec(
            select(DeadlineExtension).where(DeadlineExtension.deadline_id == deadline.id)
        ).all():
            session.delete(extension)
        session.flush()
        session.delete(deadline)
        changes.append(Change(N_("Deadline removed: {item}"), {"item": _Kind(kind)}))
        audited("deadline.remove", {"kind": kind, "due_on": deadline.due_on}, None)
    session.flush()
    return changes


# A commemoration day's fields that the spec and its Observance row name alike.
_DAY_COLUMNS = DAY_COLUMNS.plus("prompt")


def _day_fields(entry: DayEntry, phase_id: int | None) -> dict[str, Any]:
    return {**_DAY_COLUMNS(entry), "phase_id": phase_id}


def _apply_days(
    session: Session,
    campaign: Campaign,
    spec: CampaignSpec,
    phase_ids: dict[int, int],
    audited: _Audit,
) -> list[Change]:
    """Days matched by date and name, then by name, then by date; the rest added/removed."""
    assert campaign.id is not None
    changes: list[Change] = []
    left = campaign_observances(session, campaign)

    def phase_of(entry: DayEntry) -> int | None:
        if entry.phase is not None:
            return phase_ids[entry.phase]
        number = next(p.number for p in spec.phases if p.start <= entry.on <= p.end)
        return phase_ids[number]

    pairs: list[tuple[DayEntry, Observance | None]] = []
    pending = list(spec.days)
    for same in (
        lambda e, o: (e.on, e.name) == (o.on, o.name),
        lambda e, o: e.name == o.name,
        lambda e, o: e.on == o.on,
    ):
        for entry in list(pending):
            match = next((o for o in left if same(entry, o)), None)
            if match is not None:
                left.remove(match)
                pending.remove(entry)
                pairs.append((entry, match))
    pairs += [(entry, None) for entry in pending]
    for entry, day in sorted(pairs, key=lambda pair: pair[0].on):
        wanted = _day_fields(entry, phase_of(entry))
        if day is None:
            session.add(Observance(campaign_id=campaign.id, **wanted))
            changes.append(
                Change(
                    N_("Commemoration day added: {date} {name}"),
                    {"date": entry.on, "name": entry.name},
                )
            )
            audited("observance.add", None, wanted)
            continue
        before = {k: getattr(day, k) for k in wanted if getattr(day, k) != wanted[k]}
        if not before:
            continue
        for k in before:
            setattr(day, k, wanted[k])
        session.add(day)
        audited(
            "observance.change",
            {"name": day.name, **before},
            {"name": entry.name, **{k: wanted[k] for k in before}},
        )
        changes += _day_changes(entry, before)
    for day in left:
        session.delete(day)
        changes.append(
            Change(
                N_("Commemoration day removed: {date} {name}"), {"date": day.on, "name": day.name}
            )
        )
        audited("observance.remove", {"on": day.on, "name": day.name, "founded": day.founded}, None)
    session.flush()
    return changes


def _day_changes(entry: DayEntry, before: Mapping[str, Any]) -> list[Change]:
    """What changed of one day, in words (the phase id alone changes with its phase)."""
    head = {"date": entry.on, "name": entry.name}
    changes = []
    if "on" in before or "name" in before or "name_en" in before:
        changes.append(
            Change(
                N_("Commemoration day changed: {old_date} {old_name} → {date} {name}"),
                {
                    **head,
                    "old_date": before.get("on", entry.on),
                    "old_name": before.get("name", entry.name),
                },
            )
        )
    if "founded" in before:
        changes.append(
            Change(
                N_("{name}: founding year {old} → {new}"),
                {**head, "old": before["founded"] or "—", "new": entry.founded or "—"},
            )
        )
    if "prompt" in before:
        msgid = (
            N_("{name} ({date}): enterprises get a prompt")
            if entry.prompt
            else N_("{name} ({date}): no prompt to enterprises")
        )
        changes.append(Change(msgid, head))
    return changes


def _apply_targets(campaign: Campaign, spec: CampaignSpec, audited: _Audit) -> list[Change]:
    changes: list[Change] = []
    new = _targets_stored(spec, campaign.year)
    old = list(campaign.targets)
    if _comparable(old) != _comparable(new):
        old_by_key = {str(target.get("key")): target for target in old}
        new_keys = {target["key"] for target in new}
        for target in new:
            before = old_by_key.get(target["key"])
            if before is None:
                changes.append(
                    Change(
                        N_("Target added: {label}: {goal}"),
                        {"label": target["label"], "goal": _Goal(target)},
                    )
                )
            elif _comparable([_goal_only(before)]) != _comparable([_goal_only(target)]):
                changes.append(
                    Change(
                        N_("Target {label}: {old} → {new}"),
                        {"label": target["label"], "old": _Goal(before), "new": _Goal(target)},
                    )
                )
        for key, target in old_by_key.items():
            if key not in new_keys:
                changes.append(
                    Change(N_("Target removed: {label}"), {"label": str(target.get("label", key))})
                )
        if not changes:  # the same targets, for another year or newly confirmed
            changes.append(
                Change(
                    N_("Targets for {year}, confirmed by the board")
                    if spec.targets_confirmed
                    else N_("Targets for {year}, not yet confirmed by the board"),
                    {"year": spec.targets_year or campaign.year},
                )
            )
        campaign.targets = new
        audited("campaign.targets", {"targets": old}, {"targets": new})
    awards = _awards_stored(spec.awards)
    if _award_entries(campaign.award_targets) != list(spec.awards):
        before = dict(campaign.award_targets)
        changes += _award_changes(campaign, list(spec.awards)) or [
            Change(
                N_("Award targets: {old} → {new}"),
                {"old": _awards_text(campaign.award_targets), "new": _awards_text(awards)},
            )
        ]
        campaign.award_targets = awards
        audited("campaign.award_targets", {"award_targets": before}, {"award_targets": awards})
    return changes


def _goal_only(target: Mapping[str, Any]) -> dict[str, Any]:
    """A target without its year and confirmation: a line per target only when its goal
    changed (confirming last year's targets as this year's is one line, not one each)."""
    return {**target, "year": None, "confirmed": True}


@dataclass(frozen=True)
class _Named:
    """A name given in Vietnamese and English, shown in the reader's language."""

    vi: str
    en: str

    def localize(self, language: str) -> str:
        return (self.en if language == "en" else "") or self.vi


def _award_changes(campaign: Campaign, awards: Sequence[AwardEntry]) -> list[Change]:
    """One line per award target added, removed or given another number, named as the plan
    names it ("Doanh nghiệp được đề nghị UBND tỉnh tặng Cờ thi đua: 5 → 7"), not by key."""
    try:
        listed = load_template(campaign.template).award_targets
    except NotFound:
        listed = ()
    plan = {a.key: (a.label, a.label_en) for a in listed}

    def name(entry: AwardEntry) -> _Named:
        vi, en = plan.get(entry.key, ("", ""))
        return _Named(entry.label or vi or entry.key, entry.label_en or en)

    old = {a.key: a for a in _award_entries(campaign.award_targets)}
    changes = []
    for entry in awards:
        was = old.pop(entry.key, None)
        if was is None:
            changes.append(
                Change(
                    N_("Award target added: {name}: {value}"),
                    {"name": name(entry), "value": entry.value},
                )
            )
        elif was.value != entry.value:
            changes.append(
                Change(
                    N_("Award target {name}: {old} → {new}"),
                    {"name": name(entry), "old": was.value, "new": entry.value},
                )
            )
    changes += [
        Change(N_("Award target removed: {name}"), {"name": name(entry)}) for entry in old.values()
    ]
    return changes


def _awards_text(raw: Any) -> str:
    entries = _award_entries(raw)
    return ", ".join(f"{a.key} {a.value}" for a in entries) if entries else "—"


def _comparable(targets: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Targets as values to compare (540000 and 540000.0 alike; "" and None alike)."""
    texts = ("key", "label", "label_en", "unit", "unit_en", "year")
    numbers = ("value", "value_max", "growth")
    return [
        (
            *(item.get(k) or None for k in texts),
            *(_as_float(item.get(k)) for k in numbers),
            item.get("qualifier") or "exact",
            bool(item.get("confirmed", True)),
        )
        for item in targets
    ]


def _as_float(value: Any) -> float | None:
    number = _number(value)
    return None if number is None else float(number)


# ------------------------------------------------------- moving a deadline, re-planned


@dataclass(frozen=True)
class Replanned:
    changed: dict[str, object]
    cancelled: int  # queued reminders of the old date, not sent
    told: int  # officers newly told the new date


def _cancel_reminders(
    session: Session, campaign_id: int, kind: DeadlineKind, why: str, now: datetime
) -> int:
    """Cancel the reminders of an item queued and not sent (and its planned fan-outs not yet
    written out per officer); how many queued deliveries were."""
    return cancel_reminders(session, campaign_id, kind.value, why, now)


def change_and_replan(
    session: Session, deadline: Deadline, act: Act, change: deadlines.DeadlineChange, *, email: bool
) -> Replanned:
    """Change a deadline (bot.services.deadlines, audited) and re-plan it.

    Reminders already queued for the old schedule and not sent are cancelled (the daily
    planner writes the new schedule's from the new date, each under its per-day key, so none
    is stale and none goes twice), and every linked officer of the board is told a new date
    once, through the outbox, in their language.
    """
    old = deadline.due_on
    changed = deadlines.change_deadline(session, deadline, act, change)
    if not changed:
        return Replanned({}, 0, 0)
    cancelled = _cancel_reminders(
        session,
        deadline.campaign_id,
        DeadlineKind(deadline.kind),
        "the deadline was changed",
        act.now,
    )
    told = 0
    if "due_on" in changed:
        told = _tell_officers(session, deadline, old, act.now, email)
    return Replanned(changed, cancelled, told)


def _tell_officers(
    session: Session, deadline: Deadline, old: date, now: datetime, email: bool
) -> int:
    """Queue the "deadline moved" notice to every reachable officer of the board taking part
    in the campaign (its audience; worded when sent, in each officer's language then);
    returns how many were newly queued."""
    campaign = session.get(Campaign, deadline.campaign_id)
    assert campaign is not None
    officers = session.exec(
        select(col(Contact.id))
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(
            Enterprise.organization_id == campaign.organization_id,
            col(Enterprise.active),
            members(campaign.audience),
            Contact.role == Role.OFFICER,
            col(Contact.reachable),
            receives_now(email),
        )
    ).all()
    notice = DeadlineMoved(
        deadline.campaign_id, DeadlineKind(deadline.kind), old.isoformat(), deadline.due_on
    )
    return enqueue(session, notice, [c for c in officers if c is not None], not_before=now, now=now)
