"""/campaign → "Change a deadline": the board office edits a deadline of its plan in the chat.

Choose the item, type the new date (or "=" to keep it), choose the late policy, then a preview
says what will change and who will be told; nothing is applied until "Apply". Applying goes
through `_deadline_change.change_and_replan` (audited; queued reminders of the old date
cancelled; linked officers told the new date once), exactly as `thidua campaign deadline`.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from bot.messaging import Choice, Reply
from bot.models import Campaign, Deadline, LatePolicy
from bot.services import deadlines
from bot.services.access import campaign_in_scope
from bot.services.dates import read_date
from bot.services.items import kind_label
from conversations.flow import Answer, Ctx, Finish, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _staff
from conversations.flows._deadline_change import change_and_replan

EDIT = "cmp:edit:"  # + campaign id
ITEM = "pe:item:"  # + deadline id
POLICY = "pe:late:"  # + policy
APPLY = "pe:apply"
CANCEL = "pe:cancel"
KEEP = ("=", "giữ", "giu", "keep")


def start(ctx: Ctx, campaign_id: int) -> Outcome:
    campaign_in_scope(ctx.session, campaign_id, _staff.board_only(ctx))
    ctx.data["campaign_id"] = campaign_id
    return Goto("pe_item")


def _deadline(ctx: Ctx) -> Deadline:
    deadline = ctx.session.get(Deadline, int(ctx.data["pe_deadline"]))
    assert deadline is not None
    return deadline


def _item_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    rows = ctx.session.exec(
        select(Deadline)
        .where(Deadline.campaign_id == int(ctx.data["campaign_id"]))
        .order_by(col(Deadline.due_on))
    ).all()
    choices = [
        Choice(
            f"{ITEM}{d.id}",
            t(
                "{item}: {date}, {policy}",
                item=kind_label(t, d.kind),
                date=t.date(d.due_on),
                policy=deadlines.late_policy_label(t, d.late_policy),
            ),
        )
        for d in rows
    ]
    return reply(t("Which deadline?"), [*choices, Choice(CANCEL, t("Cancel"))])


def _item(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == CANCEL:
        return Finish((reply(ctx.t("Closed. Nothing was changed.")),))
    if not answer.choice or not answer.choice.startswith(ITEM):
        raise Invalid(ctx.t("Please choose one of the options."))
    deadline = ctx.session.get(Deadline, int(answer.choice[len(ITEM) :]))
    if deadline is None or deadline.campaign_id != ctx.data["campaign_id"]:
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_deadline"] = deadline.id
    return Goto("pe_date")


def _date_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    deadline = _deadline(ctx)
    return reply(
        t(
            "{item} is due on {date}. Type the new due date (dd/mm/yyyy), or = to keep it.",
            item=kind_label(t, deadline.kind),
            date=t.date(deadline.due_on),
        )
    )


def _date(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    deadline = _deadline(ctx)
    if answer.text.strip().casefold() in KEEP:
        ctx.data["pe_due"] = deadline.due_on.isoformat()
        return Goto("pe_policy")
    due = read_date(answer.text, f"30/04/{ctx.now.year}")
    campaign = ctx.session.get(Campaign, deadline.campaign_id)
    assert campaign is not None
    if not campaign.starts_on <= due <= campaign.ends_on:
        raise Invalid(
            t(
                "The due date must lie within the campaign, {start} – {end}.",
                start=t.date(campaign.starts_on),
                end=t.date(campaign.ends_on),
            )
        )
    ctx.data["pe_due"] = due.isoformat()
    return Goto("pe_policy")


def _policy_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t("After the due date?"),
        [Choice(f"{POLICY}{p.value}", deadlines.late_policy_label(t, p)) for p in LatePolicy],
    )


def _policy(ctx: Ctx, answer: Answer) -> Outcome:
    if not answer.choice or not answer.choice.startswith(POLICY):
        raise Invalid(ctx.t("Please choose one of the options."))
    ctx.data["pe_policy"] = LatePolicy(answer.choice[len(POLICY) :]).value
    return Goto("pe_confirm")


def _confirm_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    deadline = _deadline(ctx)
    due = date.fromisoformat(str(ctx.data["pe_due"]))
    policy = LatePolicy(str(ctx.data["pe_policy"]))
    lines = [t("{item}:", item=kind_label(t, deadline.kind))]
    if due != deadline.due_on:
        lines.append(
            t(
                "- due date {old} → {new}; every linked officer is told the new date once, "
                "and reminders queued for the old date are cancelled",
                old=t.date(deadline.due_on),
                new=t.date(due),
            )
        )
    if policy != deadline.late_policy:
        lines.append(
            t(
                "- after the due date: {old} → {new}",
                old=deadlines.late_policy_label(t, deadline.late_policy),
                new=deadlines.late_policy_label(t, policy),
            )
        )
    if len(lines) == 1:
        lines.append(t("Nothing would change."))
        return reply("\n".join(lines), [Choice(CANCEL, t("Close"))])
    lines.append(t("Apply these changes?"))
    return reply("\n".join(lines), [Choice(APPLY, t("Apply")), Choice(CANCEL, t("Cancel"))])


def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == CANCEL:
        return Finish((reply(t("Closed. Nothing was changed.")),))
    if answer.choice != APPLY:
        raise Invalid(t("Please choose one of the options."))
    deadline = _deadline(ctx)
    result = change_and_replan(
        ctx.session,
        deadline,
        ctx.now,
        due_on=date.fromisoformat(str(ctx.data["pe_due"])),
        late_policy=str(ctx.data["pe_policy"]),
        contact_id=ctx.contact.id,
        who=_staff.actor(ctx),
    )
    text = t(
        "Changed: {item} due {date}, {policy}.",
        item=kind_label(t, deadline.kind),
        date=t.date(deadline.due_on),
        policy=deadlines.late_policy_label(t, deadline.late_policy),
    )
    if "due_on" in result.changed:
        text += "\n" + t(
            "{told} officers are told the new date; {cancelled} reminders queued for the old "
            "date were cancelled.",
            told=t.number(result.told),
            cancelled=t.number(result.cancelled),
        )
    return Finish((reply(text),))


STEPS = {
    "pe_item": Step(_item_prompt, _item),
    "pe_date": Step(_date_prompt, _date, numbered=False),
    "pe_policy": Step(_policy_prompt, _policy),
    "pe_confirm": Step(_confirm_prompt, _confirm),
}
