"""The plan edit's targets of the year (chỉ tiêu): change one as the plan words it, add one,
remove one, confirm targets copied from last year.

A target is typed whole, the plan's words: "khoảng 540.000 tỷ đồng, tăng 19,3%", "từ 200 ha
trở lên", "25.000–30.000 người", "không quá 2,5%" (`_plan_fields.read_goal`); the preview
shows it back in words, so a misreading is seen before it applies. A new target is one of
the plan template's (its key is what the year-end figures are compared with) or one the
office names.
"""

from __future__ import annotations

import re

from bot.i18n import fold
from bot.messaging import Choice, Reply
from bot.services import targets as target_words
from bot.services.campaigns import localized
from bot.services.plan_edits import KEY, NAME_MAX, CampaignSpec, TargetEntry
from bot.services.templates import TargetSpec, load_template
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _plan_spec

FIRST = "pe_targets"
TARGET = "pe:tg:"  # + position (a key may be too long for a button's 64 bytes)
ADD = "pe:tg_add"
CONFIRM = "pe:tg_confirm"
GOAL = "pe:tg_goal"
REMOVE = "pe:tg_remove"
PLAN = "pe:tg_plan:"  # + the template's key


def _label(ctx: Ctx, entry: TargetEntry | TargetSpec) -> str:
    return localized(ctx.t, entry.label, entry.label_en)


def _goal(ctx: Ctx, entry: TargetEntry) -> str:
    return target_words.goal_text(ctx.t, entry.model_dump(mode="json"))


def _entry(ctx: Ctx) -> TargetEntry:
    key = str(ctx.data["pe_target"])
    for entry in _plan_spec.current(ctx).targets:
        if entry.key == key:
            return entry
    new = ctx.data.get("pe_new_target")
    if isinstance(new, dict) and new.get("key") == key:
        return TargetEntry.model_validate(new)
    raise Invalid(ctx.t("This target is no longer in the plan."))


def _with(ctx: Ctx, targets: tuple[TargetEntry, ...]) -> CampaignSpec:
    return _plan_spec.changed(_plan_spec.current(ctx), targets=targets)


def _unconfirmed(ctx: Ctx, spec: CampaignSpec) -> bool:
    year = _plan_spec.campaign(ctx).year
    return bool(spec.targets) and (not spec.targets_confirmed or spec.targets_year != year)


def _targets_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    campaign = _plan_spec.campaign(ctx)
    spec = _plan_spec.current(ctx)
    if spec.targets:
        lines = [target_words.heading(t, campaign.targets, campaign.year) + ":"]
        lines += [f"- {_label(ctx, e)}: {_goal(ctx, e)}" for e in spec.targets]
    else:
        lines = [t("No targets for {year} yet.", year=campaign.year)]
    lines += ["", t("Choose a target to change or remove it, or add one.")]
    choices = [Choice(f"{TARGET}{i}", _label(ctx, e)) for i, e in enumerate(spec.targets)]
    choices.append(Choice(ADD, t("Add a target")))
    if _unconfirmed(ctx, spec):
        choices.append(
            Choice(CONFIRM, t("Confirm them as the targets for {year}", year=campaign.year))
        )
    return reply("\n".join(lines), [*choices, _plan_spec.back_choice(ctx)])


def _targets(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    ctx.data.pop("pe_new_target", None)
    if answer.choice == ADD:
        return Goto("pe_target_new")
    spec = _plan_spec.current(ctx)
    if answer.choice == CONFIRM and _unconfirmed(ctx, spec):
        year = _plan_spec.campaign(ctx).year
        confirmed = _plan_spec.changed(spec, targets_confirmed=True, targets_year=year)
        return _plan_spec.propose(ctx, confirmed)
    at = (answer.choice or "")[len(TARGET) :]
    if not (answer.choice or "").startswith(TARGET) or not at.isdigit():
        raise Invalid(t("Please choose one of the options."))
    if int(at) >= len(spec.targets):
        raise Invalid(t("This target is no longer in the plan."))
    ctx.data["pe_target"] = spec.targets[int(at)].key
    _entry(ctx)
    return Goto("pe_target")


def _target_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _entry(ctx)
    return reply(
        f"{_label(ctx, entry)}: {_goal(ctx, entry)}\n\n" + t("What do you want to change?"),
        [
            Choice(GOAL, t("The target (value, unit, qualifier, growth)")),
            Choice(REMOVE, t("Remove this target")),
            _plan_spec.back_choice(ctx),
        ],
    )


def _target(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    entry = _entry(ctx)
    if answer.choice == GOAL:
        return Goto("pe_goal")
    if answer.choice == REMOVE:
        kept = tuple(e for e in _plan_spec.current(ctx).targets if e.key != entry.key)
        return _plan_spec.propose(ctx, _with(ctx, kept))
    raise Invalid(ctx.t("Please choose one of the options."))


def _goal_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _entry(ctx)
    now = _goal(ctx, entry) if entry.value is not None or entry.growth is not None else "—"
    return reply(
        t("{target} now: {goal}", target=_label(ctx, entry), goal=now)
        + "\n"
        + t(
            "Type the target as the plan words it, for example: khoảng 540.000 tỷ đồng, tăng "
            "19,3% · từ 200 ha trở lên · 25.000–30.000 người · không quá 2,5%. Or = to keep "
            "it as it is."
        )
    )


def _goal_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    entry = _entry(ctx)
    goal = _plan_fields.read_goal(ctx.t, answer.text)
    unit = entry.unit if goal.unit is None else goal.unit
    new = TargetEntry.model_validate(
        {
            **dict(entry),
            "qualifier": goal.qualifier,
            "value": goal.value,
            "value_max": goal.value_max,
            "growth": goal.growth,
            "unit": unit,
            # The English unit was the old unit's; a new unit is shown as typed.
            "unit_en": entry.unit_en if unit == entry.unit else "",
        }
    )
    spec = _plan_spec.current(ctx)
    if any(e.key == entry.key for e in spec.targets):
        targets = tuple(new if e.key == entry.key else e for e in spec.targets)
    else:
        targets = (*spec.targets, new)
    return _plan_spec.propose(ctx, _with(ctx, targets))


# ------------------------------------------------------------------------- adding


def _plan_targets(ctx: Ctx) -> list[TargetSpec]:
    """The template's targets the campaign does not have yet (their keys match the figures)."""
    have = {e.key for e in _plan_spec.current(ctx).targets}
    template = load_template(_plan_spec.campaign(ctx).template)
    return [spec for spec in template.targets if spec.key not in have]


def _new_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [Choice(f"{PLAN}{s.key}", _label(ctx, s)) for s in _plan_targets(ctx)]
    text = (
        t("Which target? Choose one of the plan's, or type the name of another.")
        if choices
        else t("Type the name of the target (for example: Giá trị xuất khẩu).")
    )
    return reply(text, [*choices, _plan_spec.back_choice(ctx)])


def _key_for(ctx: Ctx, label: str) -> str:
    """A key for a target the office names: its name folded ("gia_tri_xuat_khau")."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")[:56] or "target"
    if not base[0].isalpha():
        base = f"t_{base}"
    taken = {e.key for e in _plan_spec.current(ctx).targets}
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    assert KEY.match(key), key
    return key


def _new(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    if answer.choice and answer.choice.startswith(PLAN):
        key = answer.choice[len(PLAN) :]
        found = next((s for s in _plan_targets(ctx) if s.key == key), None)
        if found is None:
            raise Invalid(ctx.t("Please choose one of the options."))
        new = {
            "key": key,
            "label": found.label,
            "label_en": found.label_en,
            "unit": found.unit,
            "unit_en": found.unit_en,
        }
    else:
        label = _plan_fields.read_text(ctx.t, answer.text, NAME_MAX)
        new = {"key": _key_for(ctx, label), "label": label}
    ctx.data["pe_new_target"] = new
    ctx.data["pe_target"] = new["key"]
    return Goto("pe_goal")


STEPS = {
    FIRST: Step(_targets_prompt, _targets),
    "pe_target": Step(_target_prompt, _target),
    "pe_goal": Step(_goal_prompt, _goal_answer, numbered=False),
    "pe_target_new": Step(_new_prompt, _new, search=True),
}
