"""A draft beside a submitted item, and abandoning it.

A submitted item stays submitted until a new version is submitted. Reopening it (or changing
it) makes a draft beside it: the live parts (entries, figures, narrative, document, files)
are edited while the status, receipt number and submission time stay those of the last
submitted version, whose content the latest receipt's snapshot holds. Abandoning the draft
(/cancel, /language, another command, "Done for now", the conversation expiring, the board
reviewing the item) puts the parts back exactly as that snapshot has them; submitting makes
the draft the new version.

Stored files are never deleted here: a receipt may refer to them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, select

from bot.models import (
    Attachment,
    LaunchDocument,
    Nominee,
    Receipt,
    RegistrationEntry,
    Submission,
    YearEndReport,
)
from bot.services import audit
from bot.services.acts import Act


def last_receipt(session: Session, submission: Submission) -> Receipt | None:
    return session.exec(
        select(Receipt)
        .where(Receipt.submission_id == submission.id)
        .order_by(col(Receipt.version).desc(), col(Receipt.id).desc())
    ).first()


def open_draft(submission: Submission, contact_id: int | None) -> bool:
    """Mark a submitted item as having a draft beside it; True if it was not marked yet."""
    if submission.draft_open:
        return False
    submission.draft_open = True
    submission.draft_contact_id = contact_id
    return True


def close_draft(submission: Submission) -> None:
    """Mark the item as having no draft beside it (submitted as the new version, or put
    back): nobody holds a draft of it any more."""
    submission.draft_open, submission.draft_contact_id = False, None


def discard_draft(
    session: Session,
    submission: Submission,
    act: Act,
    *,
    reason: str = "abandoned",
) -> bool:
    """Put the item's parts back as the last receipt has them; False if there was no draft."""
    if not submission.draft_open:
        return False
    receipt = last_receipt(session, submission)
    if receipt is not None:
        _restore(session, submission, receipt.snapshot)
    close_draft(submission)
    session.add(submission)
    session.flush()
    audit.record(
        session,
        "submission.draft_discard",
        act,
        subject=f"submission:{submission.id}",
        after={
            "kept_version": submission.version,
            "receipt": submission.receipt_number,
            "reason": reason,
        },
    )
    return True


# Run whenever a conversation ends: built once.
_DRAFTS_OF = select(Submission).where(
    col(Submission.draft_open).is_(True),
    col(Submission.draft_contact_id) == bindparam("contact"),
)


def abandon_drafts_of(session: Session, act: Act, *, reason: str = "abandoned") -> int:
    """Discard every draft the acting contact opened beside a submitted item; how many
    there were."""
    found = session.exec(_DRAFTS_OF, params={"contact": act.contact_id}).all()
    for submission in found:
        discard_draft(session, submission, act, reason=reason)
    return len(found)


def _restore(session: Session, submission: Submission, snapshot: dict[str, Any]) -> None:
    sid = submission.id
    assert sid is not None
    session.execute(delete(RegistrationEntry).where(col(RegistrationEntry.submission_id) == sid))
    for entry in snapshot.get("entries", []):
        session.add(
            RegistrationEntry(
                submission_id=sid,
                nominee=Nominee(entry["nominee"]),
                full_name=entry.get("full_name", ""),
                position=entry.get("position", ""),
                unit_name=entry.get("unit_name", ""),
                title_code=entry["title_code"],
                has_initiative=bool(entry.get("has_initiative", False)),
            )
        )
    if "figures" in snapshot or "narrative" in snapshot:
        report = session.exec(
            select(YearEndReport).where(YearEndReport.submission_id == sid)
        ).first()
        if report is None:
            report = YearEndReport(submission_id=sid)
        report.figures = dict(snapshot.get("figures") or {})
        report.narrative = snapshot.get("narrative") or ""
        session.add(report)
    if "document_number" in snapshot:
        document = session.exec(
            select(LaunchDocument).where(LaunchDocument.submission_id == sid)
        ).first()
        if document is None:
            document = LaunchDocument(submission_id=sid)
        document.document_number = snapshot.get("document_number") or ""
        raw = snapshot.get("document_date")
        document.document_date = date.fromisoformat(raw) if raw else None
        session.add(document)
    session.execute(delete(Attachment).where(col(Attachment.submission_id) == sid))
    for item in snapshot.get("attachments", []):
        session.add(
            Attachment(
                submission_id=sid,
                file_name=item["file_name"],
                mime_type=item.get("mime_type", ""),
                size=int(item.get("size", 0)),
                path=item["path"],
                sha256=item.get("sha256", ""),
            )
        )
    session.flush()
