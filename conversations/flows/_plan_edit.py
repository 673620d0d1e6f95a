"""/campaign → "Edit the plan": the board office changes its campaign's plan in the chat.

The edit menu leads to one section per part of the plan: the name and theme (here), phases
(`_plan_phases`), deadlines and their late policy (`_plan_deadlines`), commemoration days
(`_plan_days`), the year's targets and the award targets (`_plan_targets`, `_plan_awards`).
Each changes one field of the current plan and goes through `_plan_spec.propose`: the change
is previewed in words, applied only on "Có", audited, and the menu comes back for the next
change. The rules themselves are the domain's (`bot.services.plan_edits`).
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.services.campaigns import campaign_title
from bot.services.plan_edits import THEME_MAX, TITLE_MAX
from conversations.flow import Answer, Ctx, Finish, Goto, Invalid, Outcome, Step, reply
from conversations.flows import (
    _plan_awards,
    _plan_days,
    _plan_deadlines,
    _plan_fields,
    _plan_phases,
    _plan_spec,
    _plan_targets,
)

EDIT = "cmp:edit:"  # + campaign id
NAME = "pe:name"
THEME = "pe:theme"
CLOSE = "pe:close"
# The menu's sections: choice key, label, the section's first step.
SECTIONS = (
    ("pe:phases", N_("Phases"), _plan_phases.FIRST),
    ("pe:deadlines", N_("Deadlines and late submissions"), _plan_deadlines.FIRST),
    ("pe:days", N_("Commemoration days"), _plan_days.FIRST),
    ("pe:targets", N_("Targets of the year"), _plan_targets.FIRST),
    ("pe:awards", N_("Award targets"), _plan_awards.FIRST),
)


def start(ctx: Ctx, campaign_id: int) -> Outcome:
    ctx.data["campaign_id"] = campaign_id
    _plan_spec.campaign(ctx)  # in the board's scope, or AccessDenied
    return Goto(_plan_spec.MENU)


def _menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _plan_spec.campaign(ctx)
    spec = _plan_spec.current(ctx)
    targets = t("{n} targets", n=len(spec.targets))
    if spec.targets and not spec.targets_confirmed:
        targets += " " + t("(not yet confirmed)")
    lines = [
        t("The plan of {title}", title=campaign_title(t, campaign)),
        t(
            "{start} – {end} · {phases} phases · {deadlines} deadlines · {days} commemoration "
            "days · {targets} · {awards} award targets",
            start=t.date(campaign.starts_on),
            end=t.date(campaign.ends_on),
            phases=len(spec.phases),
            deadlines=len(spec.deadlines),
            days=len(spec.days),
            targets=targets,
            awards=len(spec.awards),
        ),
        "",
        t("What do you want to change?"),
    ]
    choices = [
        Choice(NAME, t("Campaign name")),
        Choice(THEME, t("Theme")),
        *(Choice(key, t(label)) for key, label, _ in SECTIONS),
        Choice(CLOSE, t("Close")),
    ]
    return reply("\n".join(lines), choices)


def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == CLOSE:
        return Finish((reply(ctx.t("Closed.")),))
    if answer.choice in (NAME, THEME):
        ctx.data["pe_text"] = "title" if answer.choice == NAME else "theme"
        return Goto("pe_text")
    for key, _, first in SECTIONS:
        if answer.choice == key:
            return Goto(first)
    raise Invalid(ctx.t("Please choose one of the options."))


# ------------------------------------------------------------------ name and theme


def _text_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    spec = _plan_spec.current(ctx)
    if ctx.data["pe_text"] == "title":
        text = t(
            "The name now: {text}\nType the new name, or = to keep it.",
            text=spec.title,
        )
    else:
        text = t(
            "The theme now: {text}\nType the new theme, or = to keep it.",
            text=spec.theme or "—",
        )
    return reply(text)


def _text(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    spec = _plan_spec.current(ctx)
    if ctx.data["pe_text"] == "title":
        title = _plan_fields.read_text(t, answer.text, TITLE_MAX)
        # The English name was a translation of the old one: English readers get the new
        # Vietnamese name until someone writes an English one (the CLI's file).
        return _plan_spec.propose(ctx, _plan_spec.changed(spec, title=title, title_en=""))
    theme = _plan_fields.read_text(t, answer.text, THEME_MAX)
    return _plan_spec.propose(ctx, _plan_spec.changed(spec, theme=theme, theme_en=""))


STEPS = {
    _plan_spec.MENU: Step(_menu_prompt, _menu),
    "pe_text": Step(_text_prompt, _text, numbered=False),
    **_plan_spec.STEPS,
    **_plan_phases.STEPS,
    **_plan_deadlines.STEPS,
    **_plan_days.STEPS,
    **_plan_targets.STEPS,
    **_plan_awards.STEPS,
}
