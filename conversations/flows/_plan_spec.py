"""The guided plan edit's one way to change a plan: the current plan, one field changed,
previewed in words, applied on "Có".

Every section of the edit (name and theme in `_plan_edit`, `_plan_phases`, `_plan_deadlines`,
`_plan_days`, `_plan_targets`, `_plan_awards`) takes `current(ctx)` (`plan_edits.spec_of`),
changes the one field the office chose and hands the result to `propose`. The rules are the domain's
(`bot.services.plan_edits`): `propose` previews the spec, and a spec the rules refuse is
explained and the same question asked again, so a wrong answer changes nothing. The confirm
step shows the list of changes and applies the spec only on "Có" (audited by `apply`); if
the plan changed meanwhile (another staff member, the CLI), nothing is applied and the office
is asked to make the change again, so an edit never undoes someone else's.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Campaign
from bot.services import plan_edits
from bot.services.access import campaign_in_scope
from bot.services.campaigns import localized
from bot.services.items import kind_label
from bot.services.plan_edits import CampaignSpec, Change
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _staff

MENU = "pe_menu"
CONFIRM = "pe_confirm"
YES = "pe:yes"
NO = "pe:no"
BACK = "pe:back"  # back to the edit menu, nothing changed
_BASE = "pe_base"
_SPEC = "pe_spec"


def campaign(ctx: Ctx) -> Campaign:
    return campaign_in_scope(ctx.session, int(ctx.data["campaign_id"]), _staff.board_only(ctx))


def current(ctx: Ctx) -> CampaignSpec:
    """The campaign's plan as it stands now."""
    return plan_edits.spec_of(ctx.session, campaign(ctx))


def back_choice(ctx: Ctx) -> Choice:
    return Choice(BACK, ctx.t("Back to the plan"))


def back(ctx: Ctx, answer: Answer) -> Outcome | None:
    """The edit menu again when "Back to the plan" was chosen or "=" typed (keep as is)."""
    if answer.choice == BACK or (answer.choice is None and _plan_fields.keeps(answer.text)):
        return Goto(MENU, remember=False)
    return None


def changed(spec: CampaignSpec, **fields: object) -> CampaignSpec:
    """`spec` with `fields` replaced, validated as a whole (lengths, types)."""
    return CampaignSpec.model_validate({**dict(spec), **fields})


def _lines(ctx: Ctx, changes: list[Change]) -> str:
    return "\n".join(f"- {change.text(ctx.t)}" for change in changes)


def _where(ctx: Ctx, spec: CampaignSpec, loc: plan_edits.Loc) -> str:
    """Where a problem is, by the names the office sees ("Đợt 2, ngày kết thúc", "Ngày thành
    lập Đảng Cộng sản Việt Nam, năm thành lập") rather than by position (`plan_edits.where`)."""
    t = ctx.t
    parts: list[str] = []
    section = str(loc[0]) if loc else ""
    if len(loc) >= 2 and isinstance(loc[1], int):
        i = loc[1]
        if section == "phases" and i < len(spec.phases):
            parts.append(t("Phase {number}", number=spec.phases[i].number))
        elif section == "deadlines" and i < len(spec.deadlines):
            parts.append(kind_label(t, spec.deadlines[i].kind))
        elif section == "days" and i < len(spec.days):
            parts.append(localized(t, spec.days[i].name, spec.days[i].name_en))
        elif section == "targets" and i < len(spec.targets):
            target = spec.targets[i]
            parts.append(localized(t, target.label, target.label_en) or target.key)
        elif section == "awards" and i < len(spec.awards):
            parts.append(spec.awards[i].label or spec.awards[i].key)
        field = str(loc[2]) if len(loc) > 2 else ""
    else:
        field = section
    if field:
        parts.append(t(plan_edits.PLACES[field]) if field in plan_edits.PLACES else field)
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _refused(ctx: Ctx, spec: CampaignSpec, errors: list[plan_edits.SpecError]) -> Invalid:
    t = ctx.t
    return Invalid(
        "\n".join(
            t("{field}: {problem}", field=_where(ctx, spec, e.loc), problem=e.problem(t))
            for e in errors
        )
    )


def check(ctx: Ctx, spec: CampaignSpec, only: plan_edits.Loc = ()) -> None:
    """Refuse (the step is asked again) a spec the plan's rules object to; with `only`, just
    for the problems of that part of it (e.g. ("days", 3, "on"): the date of the day being
    added, the answer just typed)."""
    errors = plan_edits.check(ctx.session, campaign(ctx), spec, ctx.today)
    if only:  # the answer to the question asked: its problems alone, without a place
        problems = [e.problem(ctx.t) for e in errors if e.loc[: len(only)] == only]
        if problems:
            raise Invalid("\n".join(p[:1].upper() + p[1:] + "." for p in problems))
    elif errors:
        raise _refused(ctx, spec, errors)


def propose(ctx: Ctx, spec: CampaignSpec) -> Outcome:
    """Preview `spec` (the plan with the one field changed) and ask to confirm.

    The rules' objections re-ask the step that produced the answer, each named by its place.
    """
    t = ctx.t
    found = campaign(ctx)
    base = plan_edits.spec_of(ctx.session, found)
    try:
        changes = plan_edits.preview(ctx.session, found, spec, ctx.today)
    except plan_edits.PlanInvalid as exc:
        raise _refused(ctx, spec, exc.errors) from None
    if not changes:
        return Goto(MENU, (reply(t("That is how the plan already is: nothing to change.")),))
    ctx.data[_BASE] = base.model_dump(mode="json")
    ctx.data[_SPEC] = spec.model_dump(mode="json")
    return Goto(CONFIRM)


def _stored(ctx: Ctx, key: str) -> CampaignSpec:
    raw: dict[str, Any] = ctx.data[key]
    return CampaignSpec.model_validate(raw)


_MEANWHILE = N_(
    "The plan was changed by someone else meanwhile, so nothing was applied. Please make the "
    "change again."
)


def _changed_meanwhile(ctx: Ctx) -> bool:
    return plan_edits.spec_of(ctx.session, campaign(ctx)) != _stored(ctx, _BASE)


def _confirm_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    if _changed_meanwhile(ctx):  # asked again after the plan changed under it
        return reply(t(_MEANWHILE), [back_choice(ctx)])
    changes = plan_edits.preview(ctx.session, campaign(ctx), _stored(ctx, _SPEC), ctx.today)
    text = t("This will change:") + "\n" + _lines(ctx, changes) + "\n\n" + t("Apply it?")
    return reply(text, [Choice(YES, t("Yes")), Choice(NO, t("No"))])


def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == NO:
        return Goto(MENU, (reply(t("Not applied: nothing was changed.")),), reset=True)
    if answer.choice == BACK:
        return Goto(MENU, reset=True)
    if answer.choice != YES:
        raise Invalid(t("Please choose Yes or No."))
    if _changed_meanwhile(ctx):
        return Goto(MENU, (reply(t(_MEANWHILE)),), reset=True)
    found = campaign(ctx)
    changes = plan_edits.apply(
        ctx.session,
        found,
        _stored(ctx, _SPEC),
        ctx.act,
        email=ctx.settings.sends_email,
    )
    ctx.data.pop(_BASE, None)
    ctx.data.pop(_SPEC, None)
    return Goto(MENU, (reply(t("Changed:") + "\n" + _lines(ctx, changes)),), reset=True)


STEPS = {CONFIRM: Step(_confirm_prompt, _confirm)}
