"""Results announced: each enterprise's officers are told at once what a decision awarded.

`result_notice` is the one text (the lead can port it to a notification class of
bot/notifications/ as it is); `announce_decision` queues it through bot.notifications' one
enqueue, one message per reachable officer, in the officer's language, with a dedupe key per
decision and contact so announcing twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import Campaign, Contact, Role
from bot.models.commendation import Decision
from bot.notifications.kinds import ChatReply
from bot.notifications.outbox import enqueue
from bot.services import audit
from bot.services import commendations as com
from bot.services.acts import Act
from bot.services.campaigns import campaign_title
from bot.services.reach import receives_now
from bot.services.titles import get_title

LANGUAGES = ("vi", "en")


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
    session: Session,
    decision: Decision,
    rows: list[com.Row],
    act: Act,
    *,
    email: bool,
) -> int:
    """Queue the result notice to the reachable officers of every enterprise the decision
    awards, in their language, through the one enqueue path of bot/notifications (the words
    stored, as a chat reply's are: the lead can port them to a kind of their own); the dedupe
    key names the decision, so announcing twice sends nothing twice. Returns how many were
    queued (audited)."""
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None and decision.id is not None
    by_enterprise: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        assert row.enterprise.id is not None
        by_enterprise[row.enterprise.id].append((row.name, row.code))
    officers = session.exec(
        select(Contact).where(
            col(Contact.enterprise_id).in_(list(by_enterprise)),
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable).is_(True),
            receives_now(email),
        )
    ).all()
    queued = 0
    for contact in officers:
        assert contact.id is not None and contact.enterprise_id is not None
        language = contact.language if contact.language in LANGUAGES else "vi"
        text = result_notice(
            Translator(language), campaign, decision, by_enterprise[contact.enterprise_id]
        )
        notice = ChatReply(body=text, reference=f"decision:{decision.id}")
        queued += enqueue(session, notice, [contact.id], not_before=act.now, now=act.now)
    audit.record(
        session,
        "decision.announce",
        act,
        subject=f"campaign:{campaign.id}",
        after={"decision": decision.id, "enterprises": len(by_enterprise), "queued": queued},
    )
    return queued
