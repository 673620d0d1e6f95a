"""/missing KIND: the enterprises that have not submitted an item, and a button to nudge them
(or to extend a locked item for one of them).

Each enterprise is listed with whether its officers can be reached (linked and not blocking
the bot). "Nudge now" queues a reminder to every reachable officer of the listed enterprises,
at most one a day each (pressing twice, or two staff members pressing, sends one). A cluster
leader sees and nudges his own cluster only.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.services.audience import words
from bot.services.items import parse_kind_word
from bot.services.nudges import nudge_missing
from bot.services.progress import deadline_of, missing_enterprises, render_missing_text
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
from conversations.flows import _extension, _staff

NUDGE = "mis:nudge"
CLOSE = "mis:close"


def _kind_prompt(ctx: Ctx) -> Reply:
    campaign = _staff.current_campaign(ctx, _staff.scope(ctx))
    return reply(ctx.t("Which item?"), _staff.kind_choices(ctx, campaign))


def _kind(ctx: Ctx, answer: Answer) -> Outcome:
    campaign = _staff.current_campaign(ctx, _staff.scope(ctx))
    ctx.data["kind"] = str(_staff.chosen_kind(ctx, campaign, answer.choice, answer.text))
    return Goto("list")


def _list_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = _staff.scope(ctx)
    campaign = _staff.current_campaign(ctx, found)
    assert campaign.id is not None
    kind = str(ctx.data["kind"])
    missing = missing_enterprises(ctx.session, campaign.id, kind, found)
    _staff.record(
        ctx,
        "missing.view",
        f"campaign:{campaign.id}",
        {"kind": kind, "enterprises": len(missing), "cluster_id": found.cluster_id},
    )
    text = render_missing_text(t, kind, missing, audience=campaign.audience)
    reachable = sum(1 for e in missing for c in e.contacts if c.reachable)
    choices = [Choice(CLOSE, t("Close"))]
    if (
        missing
        and found.whole_board
        and _extension.offers_extension(deadline_of(ctx.session, campaign.id, kind))
    ):
        choices.insert(
            0,
            Choice(
                _extension.EXTEND,
                words(
                    t,
                    campaign.audience,
                    N_("Extend the deadline for one enterprise"),
                    N_("Extend the deadline for one unit"),
                ),
            ),
        )
    if reachable:
        choices.insert(0, Choice(NUDGE, t("Nudge them now ({n} officers)", n=t.number(reachable))))
    return reply(text, choices)


def _list(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == CLOSE:
        return Finish((reply(t("Closed.")),))
    if answer.choice == _extension.EXTEND:
        found = _staff.scope(ctx)
        campaign = _staff.current_campaign(ctx, found)
        assert campaign.id is not None
        owed = missing_enterprises(ctx.session, campaign.id, str(ctx.data["kind"]), found)
        return _extension.start(
            ctx,
            deadline_of(ctx.session, campaign.id, str(ctx.data["kind"])),
            [(e.id, e.name) for e in owed],
        )
    if answer.choice != NUDGE:
        raise Invalid(t("Please choose one of the options."))
    found = _staff.scope(ctx)
    campaign = _staff.current_campaign(ctx, found)
    assert campaign.id is not None
    kind = parse_kind_word(str(ctx.data["kind"]))
    assert kind is not None
    missing = missing_enterprises(ctx.session, campaign.id, kind, found)
    queued = nudge_missing(
        ctx.session,
        campaign,
        kind,
        missing,
        ctx.act,
        found=found,
        email=ctx.settings.sends_email,
    )
    text = t(
        "{new} reminders queued; they go out within the sending hours.",
        new=t.number(queued.new),
    )
    if queued.already:
        text += "\n" + t(
            "{n} officers were already reminded today and get nothing twice.",
            n=t.number(queued.already),
        )
    if queued.unreachable:
        text += "\n" + t(
            "{n} officers cannot be reached (they blocked the bot).",
            n=t.number(queued.unreachable),
        )
    return Finish((reply(text),))


def _begin(ctx: Ctx, args: str) -> Outcome:
    found = _staff.scope(ctx)
    args = _staff.take_campaign(ctx, found, args)
    campaign = _staff.current_campaign(ctx, found)
    if args:
        ctx.data["kind"] = str(_staff.chosen_kind(ctx, campaign, None, args))
        return Goto("list")
    return Goto("kind")


FLOW = Flow(
    command="missing",
    summary=N_("who has not submitted an item yet, and a nudge"),
    steps={
        "kind": Step(_kind_prompt, _kind),
        "list": Step(_list_prompt, _list),
        **_extension.STEPS,
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
