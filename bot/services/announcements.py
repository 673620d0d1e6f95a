"""Results announced: each enterprise's officers are told at once what a decision awarded.

`result_notice` is the one text (the lead can port it to the notification classes of
bot/notifications/ as it is); `announce_decision` queues it through the outbox's enqueue path
(passed in: the domain does not import the scheduler), one notice per reachable officer, in
the officer's language, with a dedupe key per decision and contact so announcing twice sends
nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.i18n import Translator
from bot.models import Campaign
from bot.models.commendation import Decision
from bot.services import audit
from bot.services import commendations as com
from bot.services.campaigns import campaign_title
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


class Notify(Protocol):
    """Queues a notice to every reachable officer of an enterprise (the outbox's enqueue path:
    `conversations.flows._staff.notify_officers`), `text_for` by language; returns the count."""

    def __call__(
        self,
        session: Session,
        enterprise_id: int,
        key: str,
        text_for: dict[str, str],
        now: datetime,
    ) -> int: ...


def announce_decision(
    session: Session,
    decision: Decision,
    rows: list[com.Row],
    now: datetime,
    notify: Notify,
    *,
    actor: str = "",
) -> int:
    """Queue the result notice to the officers of every enterprise the decision awards, in
    their language, with a dedupe key per decision (announcing twice sends nothing twice);
    returns the number of notices queued (audited)."""
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None and decision.id is not None
    by_enterprise: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        assert row.enterprise.id is not None
        by_enterprise[row.enterprise.id].append((row.name, row.code))
    queued = 0
    for enterprise_id, awarded in by_enterprise.items():
        texts = {
            language: result_notice(Translator(language), campaign, decision, awarded)
            for language in LANGUAGES
        }
        queued += notify(session, enterprise_id, f"decision:{decision.id}", texts, now)
    audit.record(
        session,
        "decision.announce",
        actor=actor,
        subject=f"campaign:{campaign.id}",
        after={"decision": decision.id, "enterprises": len(by_enterprise), "queued": queued},
        at=now,
    )
    return queued
