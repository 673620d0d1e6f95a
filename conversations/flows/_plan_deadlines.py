"""The plan edit's deadlines: the due date and what happens after it (lock or accept late),
a deadline the plan lacks (e.g. the six-month report, whose date the plans do not name) and
one the board does not want (refused once enterprises have sent that item).

Choose the item, type the new due date (or "=" to keep it), choose the late policy; the
preview says what will change. Applying a new date re-plans the reminders and tells every
linked officer the new date once (`plan_edits.apply`, through `change_and_replan`), exactly
as the CLI does.
"""

from __future__ import annotations

from datetime import date

from bot.messaging import Choice, Reply
from bot.models import DeadlineKind, LatePolicy
from bot.services import deadlines
from bot.services.dates import read_date
from bot.services.items import kind_label
from bot.services.plan_edits import CampaignSpec, DeadlineEntry
from conversations.flow import Answer, Ctx, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _plan_fields, _plan_spec

FIRST = "pe_item"
ITEM = "pe:item:"  # + deadline kind
ADD = "pe:item_add"
NEW = "pe:item_new:"  # + deadline kind
DROP = "pe:item_drop"
GONE = "pe:item_gone:"  # + deadline kind
POLICY = "pe:late:"  # + policy


def _adding(ctx: Ctx) -> bool:
    return bool(ctx.data.get("pe_adding"))


def _entry(ctx: Ctx) -> DeadlineEntry:
    kind = DeadlineKind(str(ctx.data["pe_kind"]))
    for entry in _plan_spec.current(ctx).deadlines:
        if entry.kind == kind:
            return entry
    if _adding(ctx):  # its date comes from the next answer
        return DeadlineEntry(kind=kind, due=_plan_spec.campaign(ctx).ends_on)
    raise Invalid(ctx.t("This deadline is no longer in the plan."))


def _with(ctx: Ctx, new: DeadlineEntry) -> CampaignSpec:
    """The current plan with `new` in place of the deadline of its kind (or added)."""
    spec = _plan_spec.current(ctx)
    changed = tuple(new if d.kind == new.kind else d for d in spec.deadlines)
    if all(d.kind != new.kind for d in changed):
        changed = (*changed, new)
    return _plan_spec.changed(spec, deadlines=changed)


def _missing(ctx: Ctx) -> list[DeadlineKind]:
    have = {d.kind for d in _plan_spec.current(ctx).deadlines}
    return [kind for kind in DeadlineKind if kind not in have]


def _item_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [
        Choice(
            f"{ITEM}{d.kind.value}",
            t(
                "{item}: {date}, {policy}",
                item=kind_label(t, d.kind),
                date=t.date(d.due),
                policy=deadlines.late_policy_label(t, d.late),
            ),
        )
        for d in sorted(_plan_spec.current(ctx).deadlines, key=lambda d: d.due)
    ]
    if _missing(ctx):
        choices.append(Choice(ADD, t("Add a deadline")))
    if _plan_spec.current(ctx).deadlines:
        choices.append(Choice(DROP, t("Remove a deadline")))
    return reply(t("Which deadline?"), [*choices, _plan_spec.back_choice(ctx)])


def _item(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    ctx.data["pe_adding"] = False
    if answer.choice == ADD:
        return Goto("pe_new_item")
    if answer.choice == DROP:
        return Goto("pe_drop_item")
    if not answer.choice or not answer.choice.startswith(ITEM):
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_kind"] = answer.choice[len(ITEM) :]
    _entry(ctx)
    return Goto("pe_date")


def _new_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [Choice(f"{NEW}{kind.value}", kind_label(t, kind)) for kind in _missing(ctx)]
    return reply(
        t("Which item should the enterprises send?"), [*choices, _plan_spec.back_choice(ctx)]
    )


def _new(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    kind = (answer.choice or "")[len(NEW) :]
    if not (answer.choice or "").startswith(NEW) or kind not in {k.value for k in _missing(ctx)}:
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_kind"], ctx.data["pe_adding"] = kind, True
    return Goto("pe_date")


def _drop_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [
        Choice(f"{GONE}{d.kind.value}", kind_label(t, d.kind))
        for d in _plan_spec.current(ctx).deadlines
    ]
    return reply(
        t("Which deadline should go? Enterprises will no longer be asked for that item."),
        [*choices, _plan_spec.back_choice(ctx)],
    )


def _drop(ctx: Ctx, answer: Answer) -> Outcome:
    if (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    spec = _plan_spec.current(ctx)
    kind = (answer.choice or "")[len(GONE) :]
    kept = tuple(d for d in spec.deadlines if d.kind.value != kind)
    if not (answer.choice or "").startswith(GONE) or len(kept) == len(spec.deadlines):
        raise Invalid(ctx.t("Please choose one of the options."))
    # The rules refuse an item enterprises have already sent (the same question again).
    return _plan_spec.propose(ctx, _plan_spec.changed(spec, deadlines=kept))


def _date_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _entry(ctx)
    if _adding(ctx):
        campaign = _plan_spec.campaign(ctx)
        return reply(
            t(
                "{item}: type its due date (dd/mm/yyyy, within {start} – {end}), or = to go back.",
                item=kind_label(t, entry.kind),
                start=t.date(campaign.starts_on),
                end=t.date(campaign.ends_on),
            )
        )
    return reply(
        t(
            "{item} is due on {date}. Type the new due date (dd/mm/yyyy), or = to keep it.",
            item=kind_label(t, entry.kind),
            date=t.date(entry.due),
        )
    )


def _date(ctx: Ctx, answer: Answer) -> Outcome:
    entry = _entry(ctx)
    if _adding(ctx) and (outcome := _plan_spec.back(ctx, answer)) is not None:
        return outcome
    if _plan_fields.keeps(answer.text):
        due = entry.due
    else:
        due = read_date(answer.text, ctx.t.date(entry.due))
        # The date is checked now, by the plan's rules, before the late policy is asked.
        spec = _with(ctx, entry.model_copy(update={"due": due}))
        at = next(i for i, d in enumerate(spec.deadlines) if d.kind == entry.kind)
        _plan_spec.check(ctx, spec, only=("deadlines", at, "due"))
    ctx.data["pe_due"] = due.isoformat()
    return Goto("pe_policy")


def _policy_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _entry(ctx)
    return reply(
        t("After the due date?")
        if _adding(ctx)
        else t(
            "After the due date? Now: {policy}.",
            policy=deadlines.late_policy_label(t, entry.late),
        ),
        [Choice(f"{POLICY}{p.value}", deadlines.late_policy_label(t, p)) for p in LatePolicy],
    )


def _policy(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.choice or not answer.choice.startswith(POLICY):
        raise Invalid(ctx.t("Please choose one of the options."))
    entry = _entry(ctx)
    new = entry.model_copy(
        update={
            "due": date.fromisoformat(str(ctx.data["pe_due"])),
            "late": LatePolicy(answer.choice[len(POLICY) :]),
        }
    )
    return _plan_spec.propose(ctx, _with(ctx, new))


STEPS = {
    FIRST: Step(_item_prompt, _item),
    "pe_new_item": Step(_new_prompt, _new),
    "pe_drop_item": Step(_drop_prompt, _drop),
    "pe_date": Step(_date_prompt, _date, numbered=False),
    "pe_policy": Step(_policy_prompt, _policy),
}
