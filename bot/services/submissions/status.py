"""Where each of an enterprise's items stands, for /status and the progress views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from bot.models.campaign import Deadline
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.submission import (
    Submission,
)
from bot.services import deadlines
from bot.services.submissions.clock import local_date
from bot.services.submissions.files import list_attachments
from bot.services.submissions.launch_document import launch_document
from bot.services.submissions.registration import list_entries
from bot.services.submissions.reports import _report
from bot.services.submissions.states import REPORT_KINDS


@dataclass(frozen=True)
class ItemStatus:
    """Where one item of the campaign stands for an enterprise."""

    kind: DeadlineKind
    due_on: date
    state: str  # not_started, draft, submitted, returned, accepted
    overdue: bool
    submission_id: int | None = None
    receipt_number: str | None = None
    submitted_at: datetime | None = None
    return_reason: str | None = None
    version: int = 0
    locked: bool = False
    late: bool = False  # the version in force was submitted after the due date
    extended_until: date | None = None  # the board extended the item for this enterprise
    accepts_late: bool = False  # the plan accepts it after the due date, marked late
    draft_open: bool = False  # a draft is being made beside the submitted version


def _has_content(session: Session, submission: Submission) -> bool:
    if list_attachments(session, submission):
        return True
    if submission.kind == DeadlineKind.TITLE_REGISTRATION:
        return bool(list_entries(session, submission))
    if submission.kind in REPORT_KINDS:
        report = _report(session, submission, create=False)
        return report is not None and bool(report.figures or report.narrative)
    if submission.kind == DeadlineKind.COMMENDATION_PROPOSAL:
        from bot.services.proposals import list_proposals

        return bool(list_proposals(session, submission))
    document = launch_document(session, submission)
    return document is not None


def item_state(session: Session, submission: Submission | None) -> str:
    """not_started (no content yet), draft, submitted, returned or accepted."""
    if submission is None:
        return "not_started"
    if submission.status == SubmissionStatus.DRAFT:
        if submission.version == 0 and not _has_content(session, submission):
            return "not_started"
        return "draft"
    return str(submission.status)


def item_statuses(
    session: Session, campaign_id: int, enterprise_id: int, today: date | datetime
) -> list[ItemStatus]:
    """Every deadline of the campaign with the enterprise's state; overdue first, then by date.

    An item is overdue when its due date (or the extension the board granted) is before
    `today` (local) and it is not submitted or accepted (a returned item still waiting for a
    fix counts as overdue).
    """
    if isinstance(today, datetime):
        today = local_date(today)
    plan = session.exec(select(Deadline).where(Deadline.campaign_id == campaign_id)).all()
    submissions = {
        s.kind: s
        for s in session.exec(
            select(Submission).where(
                Submission.campaign_id == campaign_id, Submission.enterprise_id == enterprise_id
            )
        ).all()
    }
    extended = deadlines.extensions_of(session, [d.id for d in plan if d.id is not None])
    items: list[ItemStatus] = []
    for deadline in plan:
        submission = submissions.get(deadline.kind)
        state = item_state(session, submission)
        assert deadline.id is not None
        due = deadlines.due_with(deadline, extended.get((deadline.id, enterprise_id)))
        closed = deadlines.closed_by(deadline, due, today)
        overdue = state in ("not_started", "draft", "returned") and today > due
        locked = False
        if submission is not None:
            locked = submission.status == SubmissionStatus.ACCEPTED or (
                submission.status != SubmissionStatus.RETURNED and closed
            )
        else:
            locked = closed
        items.append(
            ItemStatus(
                kind=deadline.kind,
                due_on=deadline.due_on,
                state=state,
                overdue=overdue,
                submission_id=submission.id if submission else None,
                receipt_number=submission.receipt_number if submission else None,
                submitted_at=submission.submitted_at if submission else None,
                return_reason=(
                    submission.review_note
                    if submission is not None and submission.status == SubmissionStatus.RETURNED
                    else None
                ),
                version=submission.version if submission else 0,
                locked=locked,
                late=bool(submission is not None and submission.late and submission.version),
                extended_until=due if due != deadline.due_on else None,
                accepts_late=deadlines.accepts_late(deadline),
                draft_open=bool(submission is not None and submission.draft_open),
            )
        )
    items.sort(key=lambda item: (not item.overdue, item.due_on, str(item.kind)))
    return items
