"""Results announced: each enterprise's officers are told at once what a decision awarded.

`result_notice` is the one text (the lead can port it to the notification classes of
bot/notifications/ as it is); `announce_decision` queues it through the outbox, one notice per
reachable officer, in the officer's language, with a dedupe key per decision and contact so
announcing twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import Campaign, Contact, DeliveryKind, Role
from bot.models.commendation import Decision
from bot.services import audit
from bot.services import commendations as com
from bot.services.campaigns import campaign_title
from bot.services.titles import get_title
from scheduler.outbox import OutboxItem, enqueue_many


def result_notice(
    t: Translator, campaign: Campaign, decision: Decision, awarded: list[tuple[str, str]]
) -> str:
    """The officer's notice: the decision, then each person or collective and what it received."""
    lines = [
        t(
            "Commendation results of {campaign}: decision {number} of {date} ({authority}):",
            campaign=campaign_title(t, campaign),
            number=decision.number,
            date=t.date(decision.signed_on),
            authority=com.authority_label(t, decision.authority),
        )
    ]
    lines += [f"- {name}: {get_title(code).name(t.language)}" for name, code in awarded]
    lines.append(t("Congratulations! /status shows all of your unit's results."))
    return "\n".join(lines)


def announce_decision(
    session: Session, decision: Decision, rows: list[com.Row], now: datetime, *, actor: str = ""
) -> int:
    """Queue the result notice to the officers of every enterprise the decision awards;
    returns the number of notices queued (audited)."""
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None and decision.id is not None
    by_enterprise: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        assert row.enterprise.id is not None
        by_enterprise[row.enterprise.id].append((row.name, row.code))
    officers = session.exec(
        select(Contact).where(
            col(Contact.enterprise_id).in_(list(by_enterprise)),
            Contact.role == Role.OFFICER,
            col(Contact.reachable).is_(True),
        )
    ).all()
    items = []
    for contact in officers:
        assert contact.id is not None and contact.enterprise_id is not None
        text = result_notice(
            Translator(contact.language), campaign, decision, by_enterprise[contact.enterprise_id]
        )
        items.append(
            OutboxItem(
                DeliveryKind.NOTICE,
                contact.id,
                text,
                f"decision:{decision.id}:{contact.id}",
                not_before=now,
            )
        )
    queued = enqueue_many(session, items)
    audit.record(
        session,
        "decision.announce",
        actor=actor,
        subject=f"campaign:{campaign.id}",
        after={
            "decision": decision.id,
            "enterprises": len(by_enterprise),
            "queued": queued,
            "unreachable_enterprises": len(by_enterprise)
            - len({c.enterprise_id for c in officers}),
        },
        at=now,
    )
    return queued
