"""/reach: whom the bot reaches — by chat, by e-mail only, not at all — and a re-invite button.

The counts come per zone and per cluster (bot/services/reach.py), then the enterprises the
office has to phone (no chat account, no working e-mail) with the contact's name and numbers.
"Re-invite the N not linked" issues fresh codes to every enterprise without a chat account
(as "/invite chưa liên kết" does) and returns the mail-merge sheet and the letters. A
cluster leader sees and re-invites his cluster only. /progress shows the same counts.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Audience
from bot.services.access import Scope
from bot.services.onboarding import Selection
from bot.services.reach import reach, render_reach_text
from conversations.flow import (
    STAFF_ROLES,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    reply,
)
from conversations.flows import _staff
from conversations.flows.invite import issue_bulk

REINVITE = "rch:reinvite"
DONE = "rch:done"
LIST_LIMIT = 50
PROGRESS_LIMIT = 10


def reach_reply(ctx: Ctx, found_scope: Scope, audience: Audience | None = None) -> Reply:
    """The counts per zone and cluster and the first ones to phone, for /progress (of the
    campaign's own participants when `audience` is given)."""
    t = ctx.t
    found = reach(ctx.session, found_scope, audience, email=ctx.settings.sends_email)
    text = render_reach_text(t, found, limit=PROGRESS_LIMIT, audience=audience)
    if found.total.total > found.total.linked:
        text += "\n" + t("Send /reach for the whole list and to re-invite the unlinked.")
    return Reply(text)


def _prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = reach(ctx.session, _staff.scope(ctx), email=ctx.settings.sends_email)
    unlinked = found.total.total - found.total.linked
    choices = []
    if unlinked:
        choices.append(
            Choice(REINVITE, t("Re-invite the {count} not linked", count=t.number(unlinked)))
        )
    choices.append(Choice(DONE, t("Done")))
    return Reply(render_reach_text(t, found, limit=LIST_LIMIT), tuple(choices))


def _handle(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == REINVITE:
        return issue_bulk(ctx, Selection(not_linked=True))
    if answer.choice == DONE:
        return Finish((reply(ctx.t("Closed.")),))
    raise Invalid(ctx.t("Please choose one of the options."))


FLOW = Flow(
    command="reach",
    summary=N_("who the bot reaches (chat, e-mail, nobody), whom to phone, re-invite"),
    steps={"reach": Step(_prompt, _handle)},
    begin=lambda ctx, args: Goto("reach"),
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
