"""The launch document: the enterprise's signed document launching the movement."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from bot.i18n import N_
from bot.models.campaign import Campaign
from bot.models.enums import DeadlineKind
from bot.models.submission import (
    LaunchDocument,
    Submission,
)
from bot.services.acts import Act
from bot.services.errors import (
    InvalidInput,
)
from bot.services.submissions.limits import DOCUMENT_NUMBER_MAX
from bot.services.submissions.locking import (
    _audit_item,
    _begin_change,
    _check_editable,
    _expect_kind,
)
from bot.services.submissions.text import _one_line, _too_long


def set_launch_document(
    session: Session,
    submission: Submission,
    number: str,
    doc_date: date,
    act: Act,
) -> LaunchDocument:
    """Record the number and date of the enterprise's own launch document."""
    _check_editable(session, submission, act, DeadlineKind.LAUNCH_DOCUMENT)
    cleaned = _one_line(number)
    if not cleaned:
        raise InvalidInput(N_("Please type the document number, for example 12/KH-CĐ."))
    _too_long(cleaned, DOCUMENT_NUMBER_MAX)
    if isinstance(doc_date, datetime) or not isinstance(doc_date, date):
        raise InvalidInput(N_("Please give the document date as dd/mm/yyyy."))
    if doc_date > act.today:
        raise InvalidInput(N_("The document date {date} is in the future."), date=doc_date)
    campaign = session.get(Campaign, submission.campaign_id)
    if campaign is not None and doc_date.year < campaign.year - 1:
        raise InvalidInput(
            N_("The document date {date} is too early for the {year} campaign."),
            date=doc_date,
            year=str(campaign.year),
        )
    _begin_change(session, submission, act)
    document = session.exec(
        select(LaunchDocument).where(LaunchDocument.submission_id == submission.id)
    ).first()
    before = None
    if document is None:
        assert submission.id is not None
        document = LaunchDocument(submission_id=submission.id)
    else:
        before = {"number": document.document_number, "date": document.document_date}
    document.document_number = cleaned
    document.document_date = doc_date
    session.add(document)
    session.flush()
    after = {"number": cleaned, "date": doc_date}
    _audit_item(session, submission, "launch.document_set", before, after, act)
    return document


def launch_document(session: Session, submission: Submission) -> LaunchDocument | None:
    _expect_kind(submission, DeadlineKind.LAUNCH_DOCUMENT)
    return session.exec(
        select(LaunchDocument).where(LaunchDocument.submission_id == submission.id)
    ).first()
