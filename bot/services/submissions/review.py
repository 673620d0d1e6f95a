"""The board's review of a submitted item: accept, return with a reason, the next to review."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.organization import Enterprise
from bot.models.submission import (
    Submission,
)
from bot.services import drafts
from bot.services.acts import Act
from bot.services.errors import (
    InvalidInput,
    NotReviewable,
)
from bot.services.submissions.finding import _kind
from bot.services.submissions.limits import REASON_MAX
from bot.services.submissions.locking import _lock_row
from bot.services.submissions.states import STATE_LABELS, _Label
from bot.services.submissions.submitting import _save_state, _set_review, _state_dump
from bot.services.submissions.text import _one_line, _too_long


def _expect_submitted(submission: Submission) -> None:
    if submission.status != SubmissionStatus.SUBMITTED:
        raise NotReviewable(
            N_("Only a submitted item can be accepted or returned; this one is {state}."),
            state=_Label(STATE_LABELS[submission.status]),
        )


def accept(
    session: Session,
    submission: Submission,
    act: Act,
    *,
    note: str = "",
) -> Submission:
    """The board office accepts the item (`act` says who and when); it is locked from then on."""
    _lock_row(session, submission)
    _expect_submitted(submission)
    cleaned = _one_line(note)
    _too_long(cleaned, REASON_MAX)
    return _decide(
        session,
        submission,
        SubmissionStatus.ACCEPTED,
        cleaned or None,
        act,
        "submission.accept",
    )


def return_submission(
    session: Session,
    submission: Submission,
    reason: str,
    act: Act,
) -> Submission:
    """Send the item back to the enterprise with a reason; it can be fixed and resubmitted."""
    _lock_row(session, submission)
    _expect_submitted(submission)
    cleaned = "\n".join(_one_line(line) for line in (reason or "").splitlines()).strip()
    if not cleaned:
        raise InvalidInput(
            N_("Please give the reason for returning the item; the officer reads it.")
        )
    _too_long(cleaned, REASON_MAX)
    return _decide(
        session,
        submission,
        SubmissionStatus.RETURNED,
        cleaned,
        act,
        "submission.return",
    )


def _decide(
    session: Session,
    submission: Submission,
    status: SubmissionStatus,
    note: str | None,
    act: Act,
    action: str,
) -> Submission:
    """Record the board office's decision on a submitted item (accept or return), audited.

    The decision is on the submitted version: a draft the officer has beside it is
    discarded first (the parts go back to what the receipt shows).
    """
    drafts.discard_draft(session, submission, act, reason="reviewed")
    before = _state_dump(submission)
    submission.status = status
    _set_review(submission, note, act.contact_id, act.now)
    _save_state(session, submission, action, before, act)
    return submission


def next_for_review(
    session: Session,
    organization_id: int,
    cluster_id: int | None = None,
    *,
    campaign_id: int | None = None,
    kind: DeadlineKind | str | None = None,
) -> Submission | None:
    """The submitted item that has waited longest, for the board (or one cluster of it)."""
    query = (
        select(Submission)
        .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
        .where(
            Enterprise.organization_id == organization_id,
            Submission.status == SubmissionStatus.SUBMITTED,
        )
    )
    if cluster_id is not None:
        query = query.where(Enterprise.cluster_id == cluster_id)
    if campaign_id is not None:
        query = query.where(Submission.campaign_id == campaign_id)
    if kind is not None:
        query = query.where(Submission.kind == _kind(kind))
    query = query.order_by(col(Submission.submitted_at), col(Submission.id))
    return session.exec(query).first()
