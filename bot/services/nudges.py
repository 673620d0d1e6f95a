"""Nudging: staff remind the enterprises still missing an item, now, at most once a day.

A domain rule shared by the /missing flow and any other front end. The reminder is queued
(`bot.notifications.Nudge`) in the caller's transaction; it is worded when sent (with the
due date as it is then) and cancelled if the item is submitted before it goes out.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from bot.models import Campaign, DeadlineKind
from bot.notifications.kinds import Nudge
from bot.notifications.outbox import Queued, enqueue
from bot.services import audit
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.progress import MissingEnterprise
from bot.services.reach import receiving


def nudge_missing(
    session: Session,
    campaign: Campaign,
    kind: DeadlineKind,
    missing: Sequence[MissingEnterprise],
    act: Act,
    *,
    found: Scope,
    email: bool,
) -> Queued:
    """Queue a reminder to each reachable officer of the missing enterprises, once a day.

    The identity carries the act's local day: pressing the button twice (or two staff
    members pressing it) the same day sends one reminder per officer. Audited.
    """
    assert campaign.id is not None
    contact_ids = [
        c.id
        for e in missing
        for c in receiving(e.contacts, email=email)
        if c.reachable and c.id is not None
    ]
    unreachable = sum(1 for e in missing for c in e.contacts if not c.reachable)
    new = enqueue(
        session, Nudge(campaign.id, kind, act.today), contact_ids, not_before=act.now, now=act.now
    )
    already = len(set(contact_ids)) - new
    audit.record(
        session,
        "missing.nudge",
        act,
        subject=f"campaign:{campaign.id}",
        after={
            "kind": kind,
            "enterprises": len(missing),
            "queued": new,
            "already_queued": already,
            "unreachable": unreachable,
            "cluster_id": found.cluster_id,
        },
    )
    return Queued(new, already, unreachable)


__all__ = ["nudge_missing"]
