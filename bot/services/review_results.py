"""Telling an enterprise's officers that staff accepted or returned its item.

A domain rule shared by the /review flow and any other front end: the message
(`bot.notifications.ReviewResult`) is queued in the transaction of the decision, goes out
at once (also outside the sending hours: it answers the officers' own business) and is
worded when sent, with the reviewer's note and the receipt as stored on the submission.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.models import Contact, Role, Submission
from bot.notifications.kinds import REVIEW_ACCEPTED, REVIEW_RETURNED, ReviewResult
from bot.notifications.outbox import enqueue
from bot.services.reach import receives_now


def tell_officers(
    session: Session, submission: Submission, *, accepted: bool, now: datetime, email: bool
) -> int:
    """Queue the review result to every reachable officer of the submitting enterprise.

    One message per (submission, reviewed version, result, officer): deciding twice on the
    same version tells nobody twice; a later return of a corrected version is news again.
    Returns how many messages were queued.
    """
    assert submission.id is not None
    officers = session.exec(
        select(col(Contact.id)).where(
            col(Contact.enterprise_id) == submission.enterprise_id,
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable).is_(True),
            receives_now(email),
        )
    ).all()
    notification = ReviewResult(
        submission.campaign_id,
        submission.kind,
        submission.id,
        REVIEW_ACCEPTED if accepted else REVIEW_RETURNED,
        submission.version,
    )
    return enqueue(
        session, notification, [c for c in officers if c is not None], not_before=now, now=now
    )


__all__ = ["tell_officers"]
