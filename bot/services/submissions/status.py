"""Where each of an enterprise's items stands, for /status and the progress views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists
from sqlalchemy import select as select_core
from sqlmodel import Session, col

from bot.models.campaign import Deadline, DeadlineExtension
from bot.models.commendation import ProposalEntry
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.submission import (
    Attachment,
    LaunchDocument,
    RegistrationEntry,
    Submission,
    YearEndReport,
)
from bot.services import deadlines
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
    """Whether the item holds anything: its own parts first (the flow asking has usually
    just read them, so they are remembered), then its files."""
    return _holds_own(session, submission) or bool(list_attachments(session, submission))


def _holds_own(session: Session, submission: Submission) -> bool:
    if submission.kind == DeadlineKind.TITLE_REGISTRATION:
        return bool(list_entries(session, submission))
    if submission.kind in REPORT_KINDS:
        report = _report(session, submission, create=False)
        return report is not None and bool(report.figures or report.narrative)
    if submission.kind == DeadlineKind.COMMENDATION_PROPOSAL:
        from bot.services.proposals import list_proposals

        return bool(list_proposals(session, submission))
    return launch_document(session, submission) is not None


def item_state(session: Session, submission: Submission | None) -> str:
    """not_started (no content yet), draft, submitted, returned or accepted."""
    if submission is None:
        return "not_started"
    if submission.status == SubmissionStatus.DRAFT:
        if submission.version == 0 and not _has_content(session, submission):
            return "not_started"
        return "draft"
    return str(submission.status)


def _exists(model: Any, name: str) -> Any:
    return exists().where(col(model.submission_id) == col(Submission.id)).label(name)


# Every deadline of the campaign with the enterprise's item, its extension and whether the
# item holds anything, in one statement: /status used to read the deadlines, the items, the
# extensions, then each draft's files and entries (or report, proposals, launch document).
_STATUSES: Any = (
    select_core(
        col(Deadline.kind),
        col(Deadline.due_on),
        col(Deadline.late_policy),
        col(Submission.id).label("submission_id"),
        col(Submission.status),
        col(Submission.version),
        col(Submission.receipt_number),
        col(Submission.submitted_at),
        col(Submission.review_note),
        col(Submission.late),
        col(Submission.draft_open),
        col(DeadlineExtension.until).label("extended"),
        col(YearEndReport.figures),
        col(YearEndReport.narrative),
        _exists(Attachment, "files"),
        _exists(RegistrationEntry, "entries"),
        _exists(ProposalEntry, "proposals"),
        _exists(LaunchDocument, "document"),
    )
    .select_from(Deadline)
    .outerjoin(
        Submission,
        and_(
            col(Submission.campaign_id) == col(Deadline.campaign_id),
            col(Submission.enterprise_id) == bindparam("enterprise_id"),
            col(Submission.kind) == col(Deadline.kind),
        ),
    )
    .outerjoin(
        DeadlineExtension,
        and_(
            col(DeadlineExtension.deadline_id) == col(Deadline.id),
            col(DeadlineExtension.enterprise_id) == bindparam("enterprise_id"),
        ),
    )
    .outerjoin(YearEndReport, col(YearEndReport.submission_id) == col(Submission.id))
    .where(col(Deadline.campaign_id) == bindparam("campaign_id"))
)


def _state_of(row: Any, kind: DeadlineKind) -> str:
    """`item_state` from a row of `_STATUSES`."""
    if row.submission_id is None:
        return "not_started"
    if row.status != SubmissionStatus.DRAFT:
        return str(SubmissionStatus(row.status))
    if row.version == 0 and not row.files:
        if kind == DeadlineKind.TITLE_REGISTRATION:
            holds = row.entries
        elif kind in REPORT_KINDS:
            holds = row.figures or row.narrative
        elif kind == DeadlineKind.COMMENDATION_PROPOSAL:
            holds = row.proposals
        else:
            holds = row.document
        if not holds:
            return "not_started"
    return "draft"


def _item_status(row: Any, today: date) -> ItemStatus:
    kind = DeadlineKind(row.kind)
    state = _state_of(row, kind)
    started = row.submission_id is not None
    due = deadlines.due_with(row.due_on, row.extended)
    closed = deadlines.closed_by(row.late_policy, due, today)
    returned = row.status == SubmissionStatus.RETURNED
    return ItemStatus(
        kind,
        row.due_on,
        state,
        overdue=state in ("not_started", "draft", "returned") and today > due,
        submission_id=row.submission_id,
        receipt_number=row.receipt_number,
        submitted_at=row.submitted_at,
        return_reason=row.review_note if returned else None,
        version=row.version or 0,
        locked=(row.status == SubmissionStatus.ACCEPTED or (not returned and closed))
        if started
        else closed,
        late=bool(started and row.late and row.version),
        extended_until=due if due != row.due_on else None,
        accepts_late=deadlines.policy_accepts_late(row.late_policy),
        draft_open=bool(started and row.draft_open),
    )


def item_statuses(
    session: Session, campaign_id: int, enterprise_id: int, today: date
) -> list[ItemStatus]:
    """Every deadline of the campaign with the enterprise's state; overdue first, then by date.

    An item is overdue when its due date (or the extension the board granted) is before
    `today` (the board's local date, from the caller) and it is not submitted or accepted (a
    returned item still waiting for a fix counts as overdue). The states are those of
    `item_state`, read in one statement.
    """
    rows = session.execute(
        _STATUSES, {"campaign_id": campaign_id, "enterprise_id": enterprise_id}
    ).all()
    items = [_item_status(row, today) for row in rows]
    items.sort(key=lambda item: (not item.overdue, item.due_on, str(item.kind)))
    return items
