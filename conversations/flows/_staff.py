"""What the staff commands share: the scope, the campaign they work on, item words, files.

Every staff flow starts with `scope(ctx)`: an officer (who never gets this far, the engine
refuses him first) or a staff account without a board gets a polite refusal, and a cluster
leader's scope carries his cluster, so every query of the flows below sees only that cluster.

The rules that put messages in the outbox (launching a campaign, nudging, telling officers
of a review's result) live in the domain (`bot.services.launch`, `bot.services.nudges`,
`bot.services.review_results`), so the CLI and any later front end share them.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.messaging import Choice
from bot.models import (
    Campaign,
    DeadlineKind,
)
from bot.services import audit
from bot.services.access import AccessDenied, Scope, campaign_in_scope, scope_for
from bot.services.attachments import ensure_dir
from bot.services.campaigns import campaign_deadlines
from bot.services.items import kind_label, parse_kind_word
from conversations import common
from conversations.flow import Ctx, Invalid, Stop, reply

KIND_PREFIX = "kind:"


def scope(ctx: Ctx) -> Scope:
    """The staff member's scope (AccessDenied, a domain error the engine explains, if none)."""
    return scope_for(ctx.contact)


def board_only(ctx: Ctx) -> Scope:
    """The scope of a board-wide action: cluster leaders are refused (they act on a cluster)."""
    found = scope(ctx)
    if not found.whole_board:
        raise AccessDenied(N_("Only the board office can do this; a cluster leader cannot."))
    return found


def record(ctx: Ctx, action: str, subject: str, after: dict[str, object] | None = None) -> None:
    """Audit a staff action of a flow in the current transaction."""
    audit.record(ctx.session, action, ctx.act, subject=subject, after=after)


# ------------------------------------------------------------------------- campaigns


def board_campaigns(session: Session, organization_id: int) -> list[Campaign]:
    """The board's campaigns, newest first."""
    return list(
        session.exec(
            select(Campaign)
            .where(Campaign.organization_id == organization_id)
            .order_by(
                col(Campaign.year).desc(), col(Campaign.starts_on).desc(), col(Campaign.id).desc()
            )
        ).all()
    )


def current_campaign(ctx: Ctx, found: Scope) -> Campaign:
    """The campaign the staff works on: `data["campaign_id"]`, else the one running today,
    else the board's latest. Without any, the flow ends saying how to create one."""
    campaign_id = ctx.data.get("campaign_id")
    if isinstance(campaign_id, int):
        return campaign_in_scope(ctx.session, campaign_id, found)
    campaign = common.active_campaign(ctx)
    if campaign is None:
        campaigns = board_campaigns(ctx.session, found.organization_id)
        campaign = campaigns[0] if campaigns else None
    if campaign is None:
        raise Stop(
            reply(
                ctx.t("Your board has no campaign yet. Create one with /campaign (board office).")
            )
        )
    ctx.data["campaign_id"] = campaign.id
    return campaign


def take_campaign(ctx: Ctx, found: Scope, args: str) -> str:
    """Read a campaign named in a command's arguments ("2025" for that year's campaign, or
    "#3" by number) into `data["campaign_id"]`; returns the other arguments.

    In January the board still works on last year's reports while the new campaign runs:
    `/progress 2025`, `/export reports 2025`, `/missing report 2025`.
    """
    rest: list[str] = []
    for word in args.split():
        digits = word.lstrip("#")
        if not digits.isdigit():
            rest.append(word)
            continue
        number = int(digits)
        if not word.startswith("#") and len(digits) == 4:
            campaigns = [
                c for c in board_campaigns(ctx.session, found.organization_id) if c.year == number
            ]
            if not campaigns:
                raise Invalid(ctx.t("Your board has no campaign for {year}.", year=number))
            ctx.data["campaign_id"] = campaigns[0].id
        else:
            ctx.data["campaign_id"] = campaign_in_scope(ctx.session, number, found).id
    return " ".join(rest)


def kind_choices(ctx: Ctx, campaign: Campaign) -> list[Choice]:
    """One choice per deadline of the campaign (key `kind:<code>`), earliest first."""
    t = ctx.t
    return [
        Choice(
            KIND_PREFIX + d.kind,
            t("{item} (due {date})", item=kind_label(t, d.kind), date=t.date(d.due_on)),
        )
        for d in campaign_deadlines(ctx.session, campaign)
    ]


def chosen_kind(ctx: Ctx, campaign: Campaign, choice: str | None, text: str) -> DeadlineKind:
    """The item picked with a `kind:` button or typed; Invalid if the campaign lacks it."""
    kind: DeadlineKind | None = None
    if choice and choice.startswith(KIND_PREFIX):
        kind = parse_kind_word(choice[len(KIND_PREFIX) :])
    elif text:
        kind = parse_kind_word(text)
    known = {d.kind for d in campaign_deadlines(ctx.session, campaign)}
    if kind is None or kind not in known:
        names = ", ".join(kind_label(ctx.t, k) for k in sorted(known))
        raise Invalid(ctx.t("Please choose one of the items: {items}.", items=names))
    return kind


# ----------------------------------------------------------------------------- files


def staff_file(ctx: Ctx, folder: str, stem: str, suffix: str) -> Path:
    """A new, unique path under files_dir/<folder>/ for a file the bot makes or receives."""
    directory = ensure_dir(ctx.settings.files_dir / folder)
    stamp = ctx.now.astimezone(ctx.settings.tz).strftime("%Y%m%d-%H%M%S")
    name = common.safe_file_name(f"{stem}-{stamp}-{uuid.uuid4().hex[:6]}{suffix}")
    return directory / name
