"""The plan edit's commemoration days: add one, remove one, change its founding year, and
whether enterprises get a prompt for it.

A day is found again by its date and name (the plan may have changed between two answers).
Adding asks the date, the name and the founding year ("không" for a day without an
anniversary number); the preview shows the change, the rules (a day inside the campaign and
a phase, a founding year before the campaign's) refuse what does not fit.
"""

from __future__ import annotations

from datetime import date

from bot.messaging import Choice, Reply
from bot.services.campaigns import anniversary_label, localized
from bot.services.dates import read_date
from bot.services.plan_edits import TITLE_MAX, CampaignSpec, DayEntry
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _plan_spec

FIRST = "pe_days"
DAY = "pe:day:"  # + index in the plan's days
ADD = "pe:day_add"
REMOVE = "pe:day_remove"
FOUNDED = "pe:day_founded"
PROMPT = "pe:day_prompt"
NO_YEAR = "pe:no_year"
LABEL_MAX = 60  # a button's text


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


def _prompted(ctx: Ctx, day: DayEntry) -> str:
    t = ctx.t
    return t("enterprises get a prompt") if day.prompt else t("no prompt to enterprises")


def _name(ctx: Ctx, day: DayEntry) -> str:
    return localized(ctx.t, day.name, day.name_en)


def _with_days(ctx: Ctx, days: tuple[DayEntry, ...]) -> CampaignSpec:
    return _plan_spec.changed(_plan_spec.current(ctx), days=days)


def _day(ctx: Ctx) -> DayEntry:
    wanted = (date.fromisoformat(str(ctx.data["pe_day_on"])), str(ctx.data["pe_day_name"]))
    for day in _plan_spec.current(ctx).days:
        if (day.on, day.name) == wanted:
            return day
    raise Invalid(ctx.t("This commemoration day is no longer in the plan."))


def _days_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    days = _plan_spec.current(ctx).days
    text = t(
        "{n} commemoration days; those marked ✕ get no prompt to enterprises. Choose a day to "
        "change or remove it, or add one.",
        n=len(days),
    )
    choices = [
        Choice(f"{DAY}{i}", _short(f"{t.date(d.on)} {_name(ctx, d)}") + ("" if d.prompt else " ✕"))
        for i, d in enumerate(days, 1)
    ]
    choices += [Choice(ADD, t("Add a commemoration day")), _plan_spec.back_choice(ctx)]
    return reply(text, choices)


def _days(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    if answer.choice == ADD:
        return Goto("pe_add_date")
    days = _plan_spec.current(ctx).days
    index = (answer.choice or "")[len(DAY) :]
    if not (answer.choice or "").startswith(DAY) or not index.isdigit():
        raise Invalid(ctx.t("Please choose one of the options."))
    if not 1 <= int(index) <= len(days):
        raise Invalid(ctx.t("Please choose one of the options."))
    day = days[int(index) - 1]
    ctx.data["pe_day_on"], ctx.data["pe_day_name"] = day.on.isoformat(), day.name
    return Goto("pe_day")


def _day_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    day = _day(ctx)
    founded = (
        t("founded in {year}", year=str(day.founded)) if day.founded else t("no founding year")
    )
    text = "\n".join(
        [
            anniversary_label(t, day),
            f"{founded} · {_prompted(ctx, day)}",
            "",
            t("What do you want to change?"),
        ]
    )
    toggle = (
        t("Stop prompting enterprises for it") if day.prompt else t("Prompt enterprises for it")
    )
    choices = [
        Choice(FOUNDED, t("Founding year")),
        Choice(PROMPT, toggle),
        Choice(REMOVE, t("Remove this day")),
        _plan_spec.back_choice(ctx),
    ]
    return reply(text, choices)


def _action(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    day = _day(ctx)
    days = _plan_spec.current(ctx).days
    if answer.choice == FOUNDED:
        return Goto("pe_day_founded")
    if answer.choice == PROMPT:
        new = day.model_copy(update={"prompt": not day.prompt})
        changed = tuple(new if d == day else d for d in days)
        return _plan_spec.propose(ctx, _with_days(ctx, changed))
    if answer.choice == REMOVE:
        return _plan_spec.propose(ctx, _with_days(ctx, tuple(d for d in days if d != day)))
    raise Invalid(ctx.t("Please choose one of the options."))


def _founded_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    day = _day(ctx)
    now = str(day.founded) if day.founded else t("none")
    return reply(
        t(
            "{name}: founding year now {year}. Type the founding year (for example 1930), or "
            "choose “No founding year” if the day has no anniversary number.",
            name=_name(ctx, day),
            year=now,
        ),
        [Choice(NO_YEAR, t("No founding year")), _plan_spec.back_choice(ctx)],
    )


def _founded(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    day = _day(ctx)
    founded = _read_founded(ctx, answer)
    new = day.model_copy(update={"founded": founded})
    days = tuple(new if d == day else d for d in _plan_spec.current(ctx).days)
    return _plan_spec.propose(ctx, _with_days(ctx, days))


def _read_founded(ctx: Ctx, answer: Answer) -> int | None:
    if answer.choice == NO_YEAR:
        return None
    return _plan_fields.read_founded(ctx.t, answer.text, _plan_spec.campaign(ctx).year)


# ------------------------------------------------------------------------- adding


def _add_date_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _plan_spec.campaign(ctx)
    return reply(
        t(
            "The date of the new commemoration day (dd/mm/yyyy, within {start} – {end}), "
            "or = to go back:",
            start=t.date(campaign.starts_on),
            end=t.date(campaign.ends_on),
        )
    )


def _add_date(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    campaign = _plan_spec.campaign(ctx)
    on = read_date(answer.text, f"03/02/{campaign.year}")
    days = _plan_spec.current(ctx).days
    probe = DayEntry(on=on, name=ctx.t("The new day"))
    _plan_spec.check(ctx, _with_days(ctx, (*days, probe)), only=("days", len(days), "on"))
    ctx.data["pe_new_on"] = on.isoformat()
    return Goto("pe_add_name")


def _add_name_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t(
            "Its name, as the texts say it (for example: Ngày thành lập Đảng Cộng sản Việt Nam), "
            "or = to go back:"
        )
    )


def _add_name(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    ctx.data["pe_new_name"] = _plan_fields.read_text(ctx.t, answer.text, TITLE_MAX)
    return Goto("pe_add_founded")


def _add_founded_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t(
            "The year it was founded (for example 1930), which gives the anniversary number; "
            "or choose “No founding year”."
        ),
        [Choice(NO_YEAR, t("No founding year")), _plan_spec.back_choice(ctx)],
    )


def _add_founded(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    new = DayEntry(
        on=date.fromisoformat(str(ctx.data["pe_new_on"])),
        name=str(ctx.data["pe_new_name"]),
        founded=_read_founded(ctx, answer),
    )
    days = (*_plan_spec.current(ctx).days, new)
    return _plan_spec.propose(ctx, _with_days(ctx, days))


STEPS = {
    FIRST: Step(_days_prompt, _days),
    "pe_day": Step(_day_prompt, _action),
    # A founding year has four digits: typed numbers 1-2 are the choices.
    "pe_day_founded": Step(_founded_prompt, _founded),
    "pe_add_date": Step(_add_date_prompt, _add_date, numbered=False),
    "pe_add_name": Step(_add_name_prompt, _add_name, numbered=False),
    "pe_add_founded": Step(_add_founded_prompt, _add_founded),
}
