"""/status: every item of the active campaign with its state and due date, overdue first."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.messaging import Reply
from bot.models import DeadlineKind
from bot.services import submissions as subs
from bot.services.commendations import results_for, results_lines
from bot.services.items import kind_command, kind_label
from conversations import common
from conversations.flow import Ctx, Finish, Flow, Outcome, reply


def policy_lines(t: Translator, entry: subs.ItemStatus) -> list[str]:
    """What the late-submission policy means for this item: the board's extension, the
    plan accepting it late, a late submission, a draft beside the submitted version."""
    lines = []
    if entry.late and entry.state in ("submitted", "accepted", "returned"):
        lines.append(t("submitted late"))
    if entry.extended_until is not None:
        lines.append(
            t(
                "the board office extended it for your unit until {date}",
                date=t.date(entry.extended_until),
            )
        )
    elif entry.accepts_late and entry.state in ("not_started", "draft", "returned"):
        lines.append(t("still accepted after the due date, marked as submitted late"))
    if entry.draft_open:
        lines.append(t("changes in a draft, not submitted yet"))
    return lines


def status_text(ctx: Ctx) -> str:
    """The status lines of the contact's enterprise in the active campaign."""
    t = ctx.t
    campaign = common.active_campaign(ctx)
    if campaign is None:
        return t("No campaign of your board is running today.")
    assert campaign.id is not None and ctx.contact.enterprise_id is not None
    enterprise = common.enterprise_of(ctx)
    items = subs.item_statuses(ctx.session, campaign.id, ctx.contact.enterprise_id, ctx.today)
    lines = [
        t(
            "{enterprise} in {campaign}:",
            enterprise=enterprise.name,
            campaign=common.campaign_title(t, campaign),
        )
    ]
    for entry in items:
        line = t(
            "{item}: {state}, due {date}",
            item=kind_label(t, entry.kind),
            state=subs.state_label(t, entry.state),
            date=t.date(entry.due_on),
        )
        marker = "⚠ " if entry.overdue else "- "
        line = marker + line + (" — " + t("OVERDUE") if entry.overdue else "")
        line += "".join("\n  " + extra for extra in policy_lines(t, entry))
        if entry.receipt_number and entry.state in ("submitted", "accepted"):
            at = (
                t.datetime(entry.submitted_at.astimezone(ctx.settings.tz))
                if entry.submitted_at
                else "-"
            )
            line += "\n  " + t("receipt {number} at {time}", number=entry.receipt_number, time=at)
        if entry.return_reason:
            line += "\n  " + t("returned by the board office: {note}", note=entry.return_reason)
        if entry.locked and entry.state not in ("accepted",) and entry.extended_until is None:
            line += "\n  " + t("closed since the due date; please contact the board office")
        elif not entry.locked and entry.state != "accepted":
            command = kind_command(DeadlineKind(entry.kind))
            if command and entry.state == "not_started":
                line += "\n  " + t("start with /{command}", command=command)
            elif command and entry.state == "submitted":
                line += "\n  " + t("to change it before the due date: /{command}", command=command)
            elif command:
                line += "\n  " + t("continue with /{command}", command=command)
        lines.append(line)
    if not items:
        lines.append(t("This campaign asks nothing of enterprises yet."))
    proposal = next((e for e in items if e.kind == DeadlineKind.COMMENDATION_PROPOSAL), None)
    if proposal is None or proposal.version:  # a proposal never submitted has no results
        results = results_for(ctx.session, campaign.id, ctx.contact.enterprise_id)
        lines += results_lines(t, results)
    return "\n".join(lines)


def _begin(ctx: Ctx, args: str) -> Outcome:
    return Finish((reply(status_text(ctx)),))


def status_reply(ctx: Ctx) -> Reply:
    return reply(status_text(ctx))


FLOW = Flow(
    command="status",
    summary=N_("where each item of the campaign stands"),
    steps={},
    begin=_begin,
)
