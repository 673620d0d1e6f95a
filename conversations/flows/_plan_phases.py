"""The plan edit's phases: a phase's name, start or end date, or call to action.

Choose the phase, then the field, type the new value: `_plan_spec.propose` previews it
(a phase outside the campaign, ending before it starts or overlapping another is refused by
the rules, and the same question is asked again). Moving the end of phase 1 moves the start
of phase 2 with it when they meet, so a boundary moves in one change (see `_moved`).
"""

from __future__ import annotations

from datetime import timedelta

from bot.messaging import Choice, Reply
from bot.services.campaigns import localized
from bot.services.dates import read_date
from bot.services.plan_edits import NAME_MAX, THEME_MAX, CampaignSpec, PhaseEntry
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _plan_spec

FIRST = "pe_phases"
PHASE = "pe:phase:"  # + number
FIELD = "pe:pf:"  # + field
FIELDS = ("name", "start", "end", "call")


def _label(ctx: Ctx, field: str) -> str:
    t = ctx.t
    return {
        "name": t("Name"),
        "start": t("Start date"),
        "end": t("End date"),
        "call": t("Call to action"),
    }[field]


def _phase(ctx: Ctx) -> PhaseEntry:
    number = int(ctx.data["pe_phase"])
    for phase in _plan_spec.current(ctx).phases:
        if phase.number == number:
            return phase
    raise Invalid(ctx.t("This phase is no longer in the plan."))


def _line(ctx: Ctx, phase: PhaseEntry) -> str:
    t = ctx.t
    return t(
        "Phase {number}: {name}, {start} – {end}",
        number=phase.number,
        name=localized(t, phase.name, phase.name_en),
        start=t.date(phase.start),
        end=t.date(phase.end),
    )


def _phases_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    phases = _plan_spec.current(ctx).phases
    lines = [t("Phases:"), *(f"- {_line(ctx, p)}" for p in phases), "", t("Which phase?")]
    choices = [Choice(f"{PHASE}{p.number}", _line(ctx, p)) for p in phases]
    return reply("\n".join(lines), [*choices, _plan_spec.back_choice(ctx)])


def _phases(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    if not answer.choice or not answer.choice.startswith(PHASE):
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_phase"] = int(answer.choice[len(PHASE) :])
    _phase(ctx)
    return Goto("pe_phase")


def _field_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    phase = _phase(ctx)
    lines = [_line(ctx, phase), t("Call to action: {call}", call=phase.call or "—"), ""]
    lines.append(t("What do you want to change?"))
    choices = [Choice(f"{FIELD}{f}", _label(ctx, f)) for f in FIELDS]
    return reply("\n".join(lines), [*choices, _plan_spec.back_choice(ctx)])


def _field(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    field = (answer.choice or "")[len(FIELD) :]
    if not (answer.choice or "").startswith(FIELD) or field not in FIELDS:
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_field"] = field
    return Goto("pe_phase_value")


def _value_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    phase = _phase(ctx)
    field = str(ctx.data["pe_field"])
    now = {
        "name": phase.name,
        "start": t.date(phase.start),
        "end": t.date(phase.end),
        "call": phase.call or "—",
    }[field]
    ask = (
        t("Type the new date (dd/mm/yyyy), or = to keep it.")
        if field in ("start", "end")
        else t("Type the new text, or = to keep it.")
    )
    text = t(
        "{field} of phase {number} now: {value}",
        field=_label(ctx, field),
        number=phase.number,
        value=now,
    )
    return reply(text + "\n" + ask)


def _value(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    phase = _phase(ctx)
    field = str(ctx.data["pe_field"])
    update: dict[str, object]
    if field == "start":
        update = {"start": read_date(answer.text, t.date(phase.start))}
    elif field == "end":
        update = {"end": read_date(answer.text, t.date(phase.end))}
    elif field == "name":
        update = {"name": _plan_fields.read_text(t, answer.text, NAME_MAX), "name_en": ""}
    else:
        update = {"call": _plan_fields.read_text(t, answer.text, THEME_MAX), "call_en": ""}
    new = PhaseEntry.model_validate({**dict(phase), **update})
    spec = _plan_spec.current(ctx)
    phases = tuple(new if p.number == phase.number else p for p in spec.phases)
    if field in ("start", "end"):
        return _plan_spec.propose(ctx, _moved(spec, phase, new, phases))
    return _plan_spec.propose(ctx, _plan_spec.changed(spec, phases=phases))


def _moved(
    spec: CampaignSpec, old: PhaseEntry, new: PhaseEntry, phases: tuple[PhaseEntry, ...]
) -> CampaignSpec:
    """A phase's date moved, as the office means it: the phase next to it, which began the day
    after (or ended the day before), moves with it, so the boundary moves in one change; and
    the days follow their dates into the phase they now fall in. The preview shows it all."""
    day = timedelta(days=1)
    touched = {old.number}
    moved = []
    for p in phases:
        if old.end != new.end and p.start == old.end + day:
            p = p.model_copy(update={"start": new.end + day})
            touched.add(p.number)
        elif old.start != new.start and p.end == old.start - day:
            p = p.model_copy(update={"end": new.start - day})
            touched.add(p.number)
        moved.append(p)
    days = tuple(
        d.model_copy(update={"phase": None}) if d.phase in touched else d for d in spec.days
    )
    return _plan_spec.changed(spec, phases=tuple(moved), days=days)


STEPS = {
    FIRST: Step(_phases_prompt, _phases),
    "pe_phase": Step(_field_prompt, _field),
    "pe_phase_value": Step(_value_prompt, _value, numbered=False),
}
