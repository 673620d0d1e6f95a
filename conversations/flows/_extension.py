"""Extending a locked item for one enterprise, from /missing and /review.

The chat steps here ask whom (from the /missing list, or a tax code) and until when; the
grant and the officers' notice are the domain's (`bot.services.extensions`), shared with
the CLI.
"""

from __future__ import annotations

from sqlmodel import select

from bot.messaging import Choice, Reply
from bot.models import (
    Campaign,
    Deadline,
    Enterprise,
)
from bot.services import deadlines
from bot.services.dates import read_date
from bot.services.extensions import extend_and_notify
from bot.services.items import kind_label
from conversations.flow import Answer, Ctx, Finish, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _staff

EXTEND = "ext:start"
PICK = "ext:e:"  # + enterprise id
MAX_CHOICES = 10


def offers_extension(deadline: Deadline | None) -> bool:
    """Extensions are for locked items (an item accepted late needs none)."""
    return deadline is not None and not deadlines.accepts_late(deadline)


def start(ctx: Ctx, deadline: Deadline, candidates: list[tuple[int, str]]) -> Outcome:
    """Begin extending `deadline`: with one candidate, ask the date; else ask whom."""
    if not _staff.scope(ctx).whole_board:
        raise Invalid(ctx.t("Only the board office can extend a deadline."))
    ctx.data["ext_deadline"] = deadline.id
    ctx.data["ext_candidates"] = [[eid, name] for eid, name in candidates[:MAX_CHOICES]]
    if len(candidates) == 1:
        ctx.data["ext_enterprise"] = candidates[0][0]
        return Goto("ext_until")
    return Goto("ext_who")


def _deadline(ctx: Ctx) -> Deadline:
    deadline = ctx.session.get(Deadline, int(ctx.data["ext_deadline"]))
    assert deadline is not None
    return deadline


def _who_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    choices = [Choice(f"{PICK}{eid}", name) for eid, name in ctx.data.get("ext_candidates", [])]
    return reply(t("Which enterprise? Choose it, or type its tax code."), choices)


def _who(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    deadline = _deadline(ctx)
    campaign = ctx.session.get(Campaign, deadline.campaign_id)
    assert campaign is not None
    if answer.choice is not None and answer.choice.startswith(PICK):
        enterprise = ctx.session.get(Enterprise, int(answer.choice[len(PICK) :]))
    else:
        code = "".join(answer.text.split()).upper()  # a unit's code is typed "dv-vp" too
        enterprise = ctx.session.exec(
            select(Enterprise).where(
                Enterprise.organization_id == campaign.organization_id,
                Enterprise.tax_code == code,
            )
        ).first()
    if enterprise is None or enterprise.organization_id != campaign.organization_id:
        raise Invalid(t("No enterprise of the board has that tax code. Please type it again."))
    ctx.data["ext_enterprise"] = enterprise.id
    return Goto("ext_until")


def _until_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    deadline = _deadline(ctx)
    enterprise = ctx.session.get(Enterprise, int(ctx.data["ext_enterprise"]))
    assert enterprise is not None
    return reply(
        t(
            "Extend {item} for {enterprise} (due {due}) until which date? Type it as dd/mm/yyyy.",
            item=kind_label(t, deadline.kind).lower(),
            enterprise=enterprise.name,
            due=t.date(deadline.due_on),
        )
    )


def _until(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    until = read_date(answer.text, f"30/04/{ctx.now.year}")
    deadline = _deadline(ctx)
    enterprise_id = int(ctx.data["ext_enterprise"])
    _, sent = extend_and_notify(
        ctx.session,
        deadline,
        enterprise_id,
        until,
        ctx.act,
        email=ctx.settings.sends_email,
    )
    enterprise = ctx.session.get(Enterprise, enterprise_id)
    text = t(
        "Extended {item} for {enterprise} until {date}; {n} officers are told now, and "
        "their reminders follow the new date.",
        item=kind_label(t, deadline.kind).lower(),
        enterprise=enterprise.name if enterprise else "?",
        date=t.date(until),
        n=t.number(sent),
    )
    if not sent:
        text += "\n" + t(
            "No officer of this enterprise can be reached in the chat: please tell them "
            "another way."
        )
    return Finish((reply(text),))


STEPS = {
    "ext_who": Step(_who_prompt, _who, numbered=True),
    "ext_until": Step(_until_prompt, _until, numbered=False),
}
