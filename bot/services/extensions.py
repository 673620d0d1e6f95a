"""Extending a locked item for one enterprise, and telling it.

`extend_and_notify` is the one place that grants the extension (bot.services.deadlines,
audited) and tells the enterprise's officers at once, through the outbox, in each officer's
language; the chat (/missing, /review) and `thidua campaign extend` both call it.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from bot.models import Contact, Deadline, DeadlineExtension, DeadlineKind, Role
from bot.notifications.kinds import ExtensionGranted
from bot.notifications.outbox import enqueue
from bot.services import deadlines
from bot.services.acts import Act
from bot.services.reach import receives_now


def extend_and_notify(
    session: Session,
    deadline: Deadline,
    enterprise_id: int,
    until: date,
    act: Act,
    *,
    email: bool,
) -> tuple[DeadlineExtension, int]:
    """Grant the extension (audited) and queue the notice to the enterprise's officers;
    returns the extension and how many notices were newly queued (granting the same date
    twice tells nobody twice)."""
    extension = deadlines.grant_extension(session, deadline, enterprise_id, until, act)
    officers = session.exec(
        select(col(Contact.id)).where(
            Contact.enterprise_id == enterprise_id,
            Contact.role == Role.OFFICER,
            col(Contact.reachable),
            receives_now(email),
        )
    ).all()
    assert extension.id is not None
    notice = ExtensionGranted(
        deadline.campaign_id, DeadlineKind(deadline.kind), extension.id, extension.until
    )
    sent = enqueue(
        session, notice, [c for c in officers if c is not None], not_before=act.now, now=act.now
    )
    return extension, sent
