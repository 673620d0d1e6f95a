"""Submitting an item: what is still missing, the receipt and its snapshot, reopening."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col

from bot.i18n import N_
from bot.models.campaign import Campaign
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.submission import (
    Receipt,
    Submission,
)
from bot.services import audit, deadlines, drafts
from bot.services.acts import Act
from bot.services.dumps import Dump
from bot.services.errors import (
    DomainError,
    InvalidInput,
    InvalidState,
    NotFound,
    SubmissionIncomplete,
)
from bot.services.items import receipt_prefix
from bot.services.numbers import get_figure
from bot.services.rows import rows_of
from bot.services.submissions.files import _attachment_dump, list_attachments
from bot.services.submissions.finding import deadline_for
from bot.services.submissions.launch_document import launch_document
from bot.services.submissions.locking import _audit_item, _lock_row, ensure_editable
from bot.services.submissions.registration import _entry_dump, list_entries
from bot.services.submissions.reports import _report, report_details
from bot.services.submissions.states import REPORT_KINDS, STATE_LABELS, _Label
from bot.services.titles import (
    check_registration,
)


def problems(session: Session, submission: Submission) -> list[DomainError]:
    """Everything that keeps the item from being submitted now; [] when it is complete."""
    found: list[DomainError] = []
    kind = submission.kind
    if kind == DeadlineKind.TITLE_REGISTRATION:
        entries = list_entries(session, submission)
        if not entries:
            found.append(
                InvalidInput(N_("Add at least one person or collective before submitting."))
            )
        found += [InvalidInput(v.msgid, **v.params) for v in check_registration(entries)]
    elif kind in REPORT_KINDS:
        details = report_details(session, submission)
        for code in details.missing_figures:
            found.append(InvalidInput(N_("{figure} is missing."), figure=get_figure(code)))
        if not details.narrative:
            found.append(
                InvalidInput(N_("The short narrative of achievements and initiatives is missing."))
            )
        if not details.attachments:
            found.append(
                InvalidInput(
                    N_(
                        "The signed report is missing (a PDF, DOCX or XLSX file, or photos "
                        "of its pages)."
                    )
                )
            )
    elif kind == DeadlineKind.LAUNCH_DOCUMENT:
        document = launch_document(session, submission)
        if not list_attachments(session, submission):
            found.append(InvalidInput(N_("The launch document file (or photos of it) is missing.")))
        if document is None or not document.document_number:
            found.append(InvalidInput(N_("The document number is missing.")))
        if document is None or document.document_date is None:
            found.append(InvalidInput(N_("The document date is missing.")))
    elif kind == DeadlineKind.COMMENDATION_PROPOSAL:
        from bot.services.proposals import proposal_problems

        found += proposal_problems(session, submission)
    return found


def snapshot(session: Session, submission: Submission) -> dict[str, Any]:
    """The item's content as plain JSON data, as kept in a receipt."""
    content: dict[str, Any] = {
        "kind": submission.kind,
        "campaign_id": submission.campaign_id,
        "enterprise_id": submission.enterprise_id,
    }
    if submission.kind == DeadlineKind.TITLE_REGISTRATION:
        content["entries"] = [_entry_dump(e) for e in list_entries(session, submission)]
    elif submission.kind in REPORT_KINDS:
        report = _report(session, submission, create=False)
        content["figures"] = dict(report.figures) if report is not None else {}
        content["narrative"] = report.narrative if report is not None else ""
    elif submission.kind == DeadlineKind.LAUNCH_DOCUMENT:
        document = launch_document(session, submission)
        content["document_number"] = document.document_number if document else ""
        content["document_date"] = document.document_date if document else None
    elif submission.kind == DeadlineKind.COMMENDATION_PROPOSAL:
        from bot.services.proposals import proposal_snapshot

        content["proposals"] = proposal_snapshot(session, submission)
    content["attachments"] = [_attachment_dump(a) for a in list_attachments(session, submission)]
    result: dict[str, Any] = audit.json_safe(content)
    return result


def submit(
    session: Session,
    submission: Submission,
    act: Act,
) -> Receipt:
    """Send the item: checks completeness, gives a receipt (DK-2024-000123) with a snapshot.

    Resubmitting (before the deadline, or after a return) gives a new receipt and version.
    Raises SubmissionLocked, or SubmissionIncomplete listing every problem.
    """
    _lock_row(session, submission)
    ensure_editable(session, submission, act.now, tz=act.tz)
    missing = problems(session, submission)
    if missing:
        raise SubmissionIncomplete(missing)
    campaign = session.get(Campaign, submission.campaign_id)
    if campaign is None:  # pragma: no cover - foreign key
        raise NotFound(N_("This campaign or enterprise does not exist."))
    before = _state_dump(submission)
    assert submission.id is not None
    version = submission.version + 1
    receipt = Receipt(
        number=f"TMP-{uuid.uuid4().hex[:24]}",
        submission_id=submission.id,
        version=version,
        submitted_at=act.now,
        contact_id=act.contact_id,
        snapshot={**snapshot(session, submission), "version": version},
    )
    session.add(receipt)
    session.flush()
    receipt.number = f"{receipt_prefix(submission.kind)}-{campaign.year}-{receipt.id:06d}"
    session.add(receipt)
    submission.version = version
    submission.status = SubmissionStatus.SUBMITTED
    deadline = deadline_for(session, submission.campaign_id, submission.kind)
    submission.late = deadline is not None and deadlines.is_late(deadline, act.today)
    drafts.close_draft(submission)
    submission.receipt_number = receipt.number
    submission.submitted_at = act.now
    submission.submitted_by_contact_id = act.contact_id
    _set_review(submission, None, None, None)
    _save_state(session, submission, "submission.submit", before, act, receipt=receipt.number)
    return receipt


def receipts(session: Session, submission: Submission) -> list[Receipt]:
    """Every receipt of the item, oldest first: the submission history."""
    by_version = [col(Receipt.version), col(Receipt.id)]
    return rows_of(session, Receipt, Receipt.submission_id == submission.id, order=by_version)


def reopen(
    session: Session,
    submission: Submission,
    act: Act,
) -> Submission:
    """Open a draft beside a submitted item before the deadline, to change it.

    The item stays submitted, with its receipt, until the draft is submitted as a new
    version; abandoning the draft (`drafts.discard_draft`) leaves the submitted one.
    """
    _lock_row(session, submission)
    ensure_editable(session, submission, act.now, tz=act.tz)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidState(
            N_("Only a submitted item can be reopened; this one is {state}."),
            state=_Label(STATE_LABELS[submission.status]),
        )
    before = _state_dump(submission)
    drafts.open_draft(submission, act.contact_id)
    _save_state(session, submission, "submission.reopen", before, act)
    return submission


# What the audit log keeps of an item's state before and after a change of it.
_state_dump = Dump(("status", "version", "receipt_number", "review_note", "late", "draft_open"))


def _set_review(
    submission: Submission, note: str | None, by: int | None, at: datetime | None
) -> None:
    """The board's last word on the item: a decision, or none (cleared by a new submit)."""
    submission.review_note = note
    submission.reviewed_by_contact_id = by
    submission.reviewed_at = at


def _save_state(
    session: Session,
    submission: Submission,
    action: str,
    before: dict[str, Any],
    act: Act,
    **extra: Any,
) -> None:
    """Save a change of the item's state and audit it (before and after, plus `extra`) in
    the caller's transaction."""
    submission.updated_at = act.now
    session.add(submission)
    session.flush()
    after = {**_state_dump(submission), **extra}
    _audit_item(session, submission, action, before, after, act)
