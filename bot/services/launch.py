"""Launching a campaign: the launch message to every linked officer of the board.

A domain rule, not a chat one: the /campaign flow, the CLI or a web page launch the same
way. The message is queued (`bot.notifications.CampaignLaunch`) in the caller's transaction
and worded when sent, so an edit of the campaign between launch and sending is what the
officers read.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import Audience, Campaign, Contact, Enterprise, Role
from bot.notifications import texts
from bot.notifications.kinds import CampaignLaunch
from bot.notifications.outbox import Queued, enqueue
from bot.services import audit
from bot.services.access import AccessDenied, Scope, campaign_in_scope
from bot.services.acts import Act
from bot.services.audience import members
from bot.services.campaigns import campaign_deadlines, campaign_phases
from bot.services.reach import receives_now


def officers_in_scope(
    session: Session, found: Scope, audience: Audience | None = None, *, email: bool
) -> list[Contact]:
    """Every officer of an active enterprise in scope (reachable or not) who would receive: its
    chat accounts, or its e-mail address while it has none (bot/services/reach.py); with
    `audience`, only the participants of a campaign of that audience."""
    conditions = [*found.enterprise_conditions()]
    if audience is not None:
        conditions.append(members(audience))
    return list(
        session.exec(
            select(Contact)
            .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
            .where(col(Contact.role) == Role.OFFICER, receives_now(email), *conditions)
            .order_by(col(Enterprise.name), col(Contact.id))
        ).all()
    )


def launch_text(session: Session, t: Translator, campaign: Campaign) -> str:
    """The launch message as an officer would read it now in `t`'s language (the preview)."""
    return texts.launch_text(
        t, campaign, campaign_phases(session, campaign), campaign_deadlines(session, campaign)
    )


def launch_campaign(
    session: Session,
    campaign: Campaign,
    found: Scope,
    act: Act,
    *,
    email: bool,
) -> Queued:
    """Queue the launch message to every linked officer of the board; mark the campaign launched.

    The dedupe key is per campaign and contact, so launching again sends nothing twice and
    reaches only the officers linked since. Audited in the caller's transaction.
    """
    if not found.whole_board:
        raise AccessDenied(N_("Only the board office can do this; a cluster leader cannot."))
    assert campaign.id is not None
    campaign_in_scope(session, campaign.id, found)
    officers = officers_in_scope(session, found, campaign.audience, email=email)
    reachable = [c.id for c in officers if c.reachable and c.id is not None]
    new = enqueue(session, CampaignLaunch(campaign.id), reachable, not_before=act.now, now=act.now)
    before = {"launched_at": campaign.launched_at}
    first = campaign.launched_at is None
    if first:
        campaign.launched_at = act.now
        session.add(campaign)
        session.flush()
    audit.record(
        session,
        "campaign.launch" if first else "campaign.relaunch",
        act,
        subject=f"campaign:{campaign.id}",
        before=before,
        after={
            "launched_at": campaign.launched_at,
            "queued": new,
            "already_queued": len(reachable) - new,
            "unreachable": len(officers) - len(reachable),
        },
    )
    return Queued(new, len(reachable) - new, len(officers) - len(reachable))


__all__ = ["launch_campaign", "launch_text", "officers_in_scope"]
