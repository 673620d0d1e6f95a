"""The plan edit's award targets: how many proposals the board aims at for each award
(e.g. Emulation Flag for 5 enterprises). Choose one, type the number; previewed."""

from __future__ import annotations

from bot.messaging import Choice, Reply
from bot.services.campaigns import localized
from bot.services.plan_edits import AwardEntry
from bot.services.templates import load_template
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _plan_spec

FIRST = "pe_awards"
AWARD = "pe:aw:"  # + position (a key may be too long for a button's 64 bytes)


def _label(ctx: Ctx, entry: AwardEntry) -> str:
    """The award target in words: its own label, else the plan template's, else its key."""
    if entry.label or entry.label_en:
        return localized(ctx.t, entry.label, entry.label_en)
    template = load_template(_plan_spec.campaign(ctx).template)
    for spec in template.award_targets:
        if spec.key == entry.key:
            return localized(ctx.t, spec.label, spec.label_en)
    return entry.key


def _entry(ctx: Ctx) -> AwardEntry:
    key = str(ctx.data["pe_award"])
    for entry in _plan_spec.current(ctx).awards:
        if entry.key == key:
            return entry
    raise Invalid(ctx.t("This award target is no longer in the plan."))


def _awards_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    awards = _plan_spec.current(ctx).awards
    if not awards:
        return reply(t("This plan has no award targets."), [_plan_spec.back_choice(ctx)])
    lines = [t("Award targets (how many proposals):")]
    lines += [f"- {_label(ctx, a)}: {t.number(a.value)}" for a in awards]
    lines += ["", t("Which one?")]
    choices = [Choice(f"{AWARD}{i}", _label(ctx, a)) for i, a in enumerate(awards)]
    return reply("\n".join(lines), [*choices, _plan_spec.back_choice(ctx)])


def _awards(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    at = (answer.choice or "")[len(AWARD) :]
    if not (answer.choice or "").startswith(AWARD) or not at.isdigit():
        raise Invalid(ctx.t("Please choose one of the options."))
    awards = _plan_spec.current(ctx).awards
    if int(at) >= len(awards):
        raise Invalid(ctx.t("This award target is no longer in the plan."))
    ctx.data["pe_award"] = awards[int(at)].key
    _entry(ctx)
    return Goto("pe_award_value")


def _value_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _entry(ctx)
    return reply(
        t(
            "{award}: {n} now. Type the new number, or = to keep it.",
            award=_label(ctx, entry),
            n=t.number(entry.value),
        )
    )


def _value(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    entry = _entry(ctx)
    new = entry.model_copy(update={"value": _plan_fields.read_count(ctx.t, answer.text)})
    spec = _plan_spec.current(ctx)
    awards = tuple(new if a.key == entry.key else a for a in spec.awards)
    return _plan_spec.propose(ctx, _plan_spec.changed(spec, awards=awards))


STEPS = {
    FIRST: Step(_awards_prompt, _awards),
    "pe_award_value": Step(_value_prompt, _value, numbered=False),
}
