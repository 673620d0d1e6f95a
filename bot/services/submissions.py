"""What an enterprise sends during a campaign, and the rules around sending it.

One `Submission` per (campaign, enterprise, kind) tracks the state; the content lives in
RegistrationEntry / YearEndReport / LaunchDocument / Attachment, and every submit leaves a
`Receipt` with a snapshot of what was sent, so resubmissions never lose history.

The life of an item:

    draft --submit--> submitted --accept--> accepted (locked for good)
      ^                 |   |
      +----reopen-------+   +--return (reason)--> returned --submit--> submitted ...

- Until the deadline's due date has ended in local time (Asia/Ho_Chi_Minh, so 23:59:59 on
  the due date is still in time) an officer may edit, submit, reopen and resubmit; each
  submit gives a new receipt number.
- After that day the item is locked: no edit, no resubmit; the officer is told the date and
  to contact the board office. A *returned* item is the exception: the board asked for a
  fix, so it stays editable and can be resubmitted after the deadline until accepted.
- Changing a submitted item (adding an entry, a figure, a file) withdraws it to draft: what
  the board reviews is always what a receipt shows. The earlier receipts stay.

Every mutator takes `now` (aware; default: the current instant), calls `ensure_editable`
(or, for reviews, checks the state), validates everything before changing anything, and
writes an audit entry in the same transaction. Errors are `DomainError`s with English
msgids: callers show `error.message(t)`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TypeVar

from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from bot.i18n import N_, Translator
from bot.models.campaign import Campaign, Deadline
from bot.models.enums import DeadlineKind, Nominee, SubmissionStatus
from bot.models.organization import Enterprise
from bot.models.submission import (
    Attachment,
    LaunchDocument,
    Receipt,
    RegistrationEntry,
    Submission,
    YearEndReport,
)
from bot.models.types import utcnow
from bot.services import audit, deadlines, drafts
from bot.services.errors import (
    DomainError,
    InvalidFile,
    InvalidInput,
    InvalidState,
    NotFound,
    NotReviewable,
    SubmissionIncomplete,
    SubmissionLocked,
    WrongKind,
)
from bot.services.numbers import get_figure, parse_figure, report_figures
from bot.services.titles import (
    RuleViolation,
    TitleRef,
    check_registration,
    get_title,
    nominee_key,
)
from bot.settings import get_settings

RECEIPT_PREFIX = {
    DeadlineKind.TITLE_REGISTRATION: "DK",  # đăng ký
    DeadlineKind.YEAR_END_REPORT: "BC",  # báo cáo
    DeadlineKind.LAUNCH_DOCUMENT: "PD",  # phát động
    DeadlineKind.SIX_MONTH_REPORT: "SK",  # sơ kết
}
REPORT_KINDS = (DeadlineKind.YEAR_END_REPORT, DeadlineKind.SIX_MONTH_REPORT)
MAX_FILE_SIZE = 20 * 1024 * 1024
MAX_ATTACHMENTS = 30
MAX_ENTRIES = 500
NAME_MAX = 255
NARRATIVE_MAX = 8000
REASON_MAX = 2048
DOCUMENT_NUMBER_MAX = 64
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
ACCEPTED_TYPES = DOCUMENT_TYPES | IMAGE_TYPES

STATE_LABELS = {
    "not_started": N_("not started"),
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "returned": N_("returned"),
    "accepted": N_("accepted"),
}
KIND_LABELS = {
    DeadlineKind.LAUNCH_DOCUMENT: N_("Launch document"),
    DeadlineKind.TITLE_REGISTRATION: N_("Title registration"),
    DeadlineKind.YEAR_END_REPORT: N_("Year-end report"),
    DeadlineKind.SIX_MONTH_REPORT: N_("Six-month report"),
}


@dataclass(frozen=True)
class _Label:
    """A msgid shown as a parameter, translated for the reader."""

    msgid: str

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


# An item the board is still waiting for: nothing, a draft, or one returned for fixes.
# The planner, the progress views and the broadcast audiences all use this one definition.
NOT_SUBMITTED = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def not_submitted_condition() -> ColumnElement[bool]:
    """True for an enterprise outer-joined to its Submission of one item that it still owes.

    The caller outer-joins Submission on (enterprise, campaign, kind); a missing row or a
    status in `NOT_SUBMITTED` means the board is still waiting for that enterprise.
    """
    return or_(col(Submission.id).is_(None), col(Submission.status).in_(NOT_SUBMITTED))


def state_label(t: Translator, state: str) -> str:
    """An item state (not_started, draft, submitted, returned, accepted) for `t`'s reader."""
    return t(STATE_LABELS.get(state, state))


def kind_label(t: Translator, kind: DeadlineKind | str) -> str:
    """What an item is called (Title registration, Year-end report...)."""
    return t(KIND_LABELS.get(DeadlineKind(kind), str(kind)))


# --- time -----------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given to the submission services")
    return now


def local_date(now: datetime) -> date:
    """The calendar date at `now` in the board's time zone."""
    return _now(now).astimezone(get_settings().tz).date()


# --- finding and creating -------------------------------------------------------------


def get_or_create_submission(
    session: Session,
    campaign_id: int,
    enterprise_id: int,
    kind: DeadlineKind | str,
    *,
    contact_id: int | None = None,
    now: datetime | None = None,
) -> Submission:
    """The enterprise's item of this kind in the campaign, created as a draft if new.

    Safe against two instances creating it at once (the unique constraint decides).
    """
    kind = _kind(kind)
    existing = _find(session, campaign_id, enterprise_id, kind)
    if existing is not None:
        return existing
    campaign = session.get(Campaign, campaign_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if campaign is None or enterprise is None:
        raise NotFound(N_("This campaign or enterprise does not exist."))
    if enterprise.organization_id != campaign.organization_id:
        raise NotFound(N_("This enterprise does not take part in this campaign."))
    at = _now(now)
    # INSERT ... ON CONFLICT DO NOTHING: when another instance created the row a moment ago,
    # nothing is inserted, no error aborts the caller's transaction, and the row is found.
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Submission)
        .values(
            campaign_id=campaign_id,
            enterprise_id=enterprise_id,
            kind=kind,
            status=SubmissionStatus.DRAFT,
            version=0,
            updated_at=at,
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "enterprise_id", "kind"])
        .returning(col(Submission.id))
    )
    created = session.execute(statement).first() is not None
    submission = _find(session, campaign_id, enterprise_id, kind)
    if submission is None:  # pragma: no cover - inserted or already there
        raise NotFound(N_("This item does not exist."))
    if not created:
        return submission
    audit.record(
        session,
        "submission.create",
        contact_id=contact_id,
        subject=_subject(submission),
        after={"campaign_id": campaign_id, "enterprise_id": enterprise_id, "kind": kind},
        at=at,
    )
    return submission


def _find(
    session: Session, campaign_id: int, enterprise_id: int, kind: DeadlineKind
) -> Submission | None:
    return session.exec(
        select(Submission).where(
            Submission.campaign_id == campaign_id,
            Submission.enterprise_id == enterprise_id,
            Submission.kind == kind,
        )
    ).first()


def _kind(kind: DeadlineKind | str) -> DeadlineKind:
    try:
        return DeadlineKind(kind)
    except ValueError:
        raise InvalidInput(N_("Unknown kind of item: {kind}."), kind=str(kind)) from None


def get_submission(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(N_("This item does not exist."))
    return submission


def deadline_for(session: Session, campaign_id: int, kind: DeadlineKind | str) -> Deadline | None:
    """The campaign's deadline for this kind of item, if the campaign sets one."""
    return session.exec(
        select(Deadline).where(Deadline.campaign_id == campaign_id, Deadline.kind == _kind(kind))
    ).first()


# --- locking ----------------------------------------------------------------------------


def is_locked(session: Session, submission: Submission, now: datetime | None = None) -> bool:
    """True when nothing about the item may change any more (see the module docstring)."""
    return _lock_error(session, submission, _now(now)) is not None


def _lock_error(session: Session, submission: Submission, now: datetime) -> DomainError | None:
    if submission.status == SubmissionStatus.ACCEPTED:
        return SubmissionLocked(
            N_(
                "This item has been accepted by the board office and can no longer be "
                "changed. Please contact the board office if something must change."
            )
        )
    if submission.status == SubmissionStatus.RETURNED:
        return None
    deadline = deadline_for(session, submission.campaign_id, submission.kind)
    if deadline is not None and deadlines.is_closed(
        session, deadline, submission.enterprise_id, local_date(now)
    ):
        return SubmissionLocked(
            N_(
                "This item was due on {date} and is now closed. Please contact the board "
                "office if something must change."
            ),
            date=deadlines.effective_due(session, deadline, submission.enterprise_id),
        )
    return None


def ensure_editable(session: Session, submission: Submission, now: datetime | None = None) -> None:
    """Raise SubmissionLocked (with the due date and whom to contact) if the item is locked."""
    error = _lock_error(session, submission, _now(now))
    if error is not None:
        raise error


def _expect_kind(submission: Submission, *kinds: DeadlineKind) -> None:
    if submission.kind not in kinds:
        raise WrongKind(
            N_("This cannot be done on a {kind}."), kind=_Label(KIND_LABELS[submission.kind])
        )


def _begin_change(
    session: Session,
    submission: Submission,
    now: datetime,
    contact_id: int | None,
    actor: str,
) -> None:
    """Check the item may change; a submitted item gets a draft beside it (it stays
    submitted, with its receipt, until a new version is submitted; see bot.services.drafts).

    The row is re-read under a lock first (PostgreSQL), so an officer's edit and a review
    happening at the same moment cannot overwrite each other's status.
    """
    _lock_row(session, submission)
    ensure_editable(session, submission, now)
    if submission.status == SubmissionStatus.SUBMITTED and drafts.open_draft(
        submission, contact_id
    ):
        audit.record(
            session,
            "submission.draft_open",
            contact_id=contact_id,
            actor=actor,
            subject=_subject(submission),
            after={"kept_version": submission.version, "reason": "changed after submit"},
            at=now,
        )
    submission.updated_at = now
    session.add(submission)


_Part = TypeVar("_Part", RegistrationEntry, Attachment)


def _delete_part(
    session: Session,
    submission: Submission,
    part: _Part,
    dump: Callable[[_Part], dict[str, Any]],
    action: str,
    now: datetime,
    contact_id: int | None,
    actor: str,
) -> None:
    """Delete one part of an item (an entry, a file's record) and audit what it held; a
    submitted item goes back to draft first, as with any change."""
    _begin_change(session, submission, now, contact_id, actor)
    before = dump(part)
    session.delete(part)
    session.flush()
    audit.record(
        session,
        action,
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        at=now,
    )


def _id(submission: Submission) -> int:
    if submission.id is None:
        raise ValueError("the submission has not been saved")
    return submission.id


def _subject(submission: Submission) -> str:
    return f"submission:{submission.id}"


# --- text cleaning --------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _one_line(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "")
    return " ".join(_CONTROL.sub(" ", text).split())


def _too_long(text: str, limit: int) -> None:
    if len(text) > limit:
        raise InvalidInput(
            N_("That is too long: at most {max} characters (you sent {length})."),
            max=limit,
            length=len(text),
        )


def _name(value: str | None, empty_msgid: str) -> str:
    text = _one_line(value)
    if not text:
        raise InvalidInput(empty_msgid)
    _too_long(text, NAME_MAX)
    if not any(ch.isalpha() for ch in text):
        raise InvalidInput(N_("A name must contain letters: {text}"), text=text)
    return text


# --- title registration ---------------------------------------------------------------


def _nominee(value: Nominee | str) -> Nominee:
    try:
        return Nominee(value)
    except ValueError:
        raise InvalidInput(N_("A nominee is an individual or a collective.")) from None


def _validated_entry(
    submission: Submission,
    nominee: Nominee | str,
    title_code: str,
    full_name: str | None,
    position: str | None,
    unit_name: str | None,
    has_initiative: bool,
) -> RegistrationEntry:
    kind = _nominee(nominee)
    title = get_title(title_code)
    if not title.fits(kind):
        msgid = (
            N_("{title} is for individuals; choose a title for a collective.")
            if title.nominee == "individual"
            else N_("{title} is for collectives; choose a title for a person.")
        )
        raise InvalidInput(msgid, title=TitleRef(title.code))
    if kind == Nominee.INDIVIDUAL:
        name = _name(full_name, N_("Please type the full name of the person."))
        role = _one_line(position)
        _too_long(role, NAME_MAX)
        unit = _one_line(unit_name)
        _too_long(unit, NAME_MAX)
        return RegistrationEntry(
            submission_id=_id(submission),
            nominee=kind,
            full_name=name,
            position=role,
            unit_name=unit,
            title_code=title.code,
            has_initiative=bool(has_initiative),
        )
    unit = _name(unit_name, N_("Please type the name of the collective (unit)."))
    return RegistrationEntry(
        submission_id=_id(submission),
        nominee=kind,
        full_name="",
        position="",
        unit_name=unit,
        title_code=title.code,
    )


def _entry_dump(entry: RegistrationEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "nominee": entry.nominee,
        "full_name": entry.full_name,
        "position": entry.position,
        "unit_name": entry.unit_name,
        "title_code": entry.title_code,
        "has_initiative": entry.has_initiative,
    }


def _check_duplicate(
    session: Session, submission: Submission, entry: RegistrationEntry, skip_id: int | None
) -> None:
    key = nominee_key(entry)
    same_title = session.exec(
        select(RegistrationEntry).where(
            RegistrationEntry.submission_id == submission.id,
            RegistrationEntry.title_code == entry.title_code,
        )
    ).all()
    for other in same_title:
        if other.id != skip_id and nominee_key(other) == key:
            raise InvalidInput(
                N_("{name} is already registered for {title}."),
                name=entry.full_name or entry.unit_name,
                title=TitleRef(entry.title_code),
            )


def add_entry(
    session: Session,
    submission: Submission,
    nominee: Nominee | str,
    title_code: str,
    full_name: str = "",
    position: str = "",
    unit_name: str = "",
    has_initiative: bool = False,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> RegistrationEntry:
    """Register a person (full name, position) or a collective (unit name) for a title.

    The title must fit the nominee kind; names are trimmed, non-empty, at most 255
    characters; the same nominee cannot be registered twice for one title. Cross-entry
    rules (LĐTT before CSTĐ, the 15% cap) are checked at submit: see `violations`.
    """
    now = _now(now)
    _expect_kind(submission, DeadlineKind.TITLE_REGISTRATION)
    ensure_editable(session, submission, now)
    entry = _validated_entry(
        submission, nominee, title_code, full_name, position, unit_name, has_initiative
    )
    _check_duplicate(session, submission, entry, None)
    held = session.exec(
        select(func.count())
        .select_from(RegistrationEntry)
        .where(RegistrationEntry.submission_id == submission.id)
    ).one()
    if held >= MAX_ENTRIES:
        raise InvalidInput(N_("A registration holds at most {max} entries."), max=MAX_ENTRIES)
    _begin_change(session, submission, now, contact_id, actor)
    session.add(entry)
    session.flush()
    audit.record(
        session,
        "registration.entry_add",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        after=_entry_dump(entry),
        at=now,
    )
    return entry


def _get_entry(session: Session, submission: Submission, entry_id: int) -> RegistrationEntry:
    entry = session.get(RegistrationEntry, entry_id)
    if entry is None or entry.submission_id != submission.id:
        raise NotFound(N_("This entry does not exist (any more)."))
    return entry


def update_entry(
    session: Session,
    submission: Submission,
    entry_id: int,
    now: datetime | None = None,
    *,
    nominee: Nominee | str | None = None,
    title_code: str | None = None,
    full_name: str | None = None,
    position: str | None = None,
    unit_name: str | None = None,
    has_initiative: bool | None = None,
    contact_id: int | None = None,
    actor: str = "",
) -> RegistrationEntry:
    """Change the given fields of an entry (None keeps a field); validated like add_entry."""
    now = _now(now)
    _expect_kind(submission, DeadlineKind.TITLE_REGISTRATION)
    ensure_editable(session, submission, now)
    entry = _get_entry(session, submission, entry_id)
    before = _entry_dump(entry)
    merged = _validated_entry(
        submission,
        nominee if nominee is not None else entry.nominee,
        title_code if title_code is not None else entry.title_code,
        full_name if full_name is not None else entry.full_name,
        position if position is not None else entry.position,
        unit_name if unit_name is not None else entry.unit_name,
        has_initiative if has_initiative is not None else entry.has_initiative,
    )
    _check_duplicate(session, submission, merged, entry.id)
    _begin_change(session, submission, now, contact_id, actor)
    for name in ("nominee", "full_name", "position", "unit_name", "title_code", "has_initiative"):
        setattr(entry, name, getattr(merged, name))
    session.add(entry)
    session.flush()
    audit.record(
        session,
        "registration.entry_update",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        after=_entry_dump(entry),
        at=now,
    )
    return entry


def remove_entry(
    session: Session,
    submission: Submission,
    entry_id: int,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> None:
    """Delete one entry of the registration."""
    now = _now(now)
    _expect_kind(submission, DeadlineKind.TITLE_REGISTRATION)
    ensure_editable(session, submission, now)
    entry = _get_entry(session, submission, entry_id)
    _delete_part(
        session, submission, entry, _entry_dump, "registration.entry_remove", now, contact_id, actor
    )


def list_entries(session: Session, submission: Submission) -> list[RegistrationEntry]:
    """The entries of a registration, in the order they were added."""
    return list(
        session.exec(
            select(RegistrationEntry)
            .where(RegistrationEntry.submission_id == submission.id)
            .order_by(col(RegistrationEntry.id))
        ).all()
    )


def violations(session: Session, submission: Submission) -> list[RuleViolation]:
    """The title rules the registration breaks now (empty when it may be submitted)."""
    return check_registration(list_entries(session, submission))


# --- reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDetails:
    """A report's content as the flows and the review show it."""

    figures: dict[str, Decimal]
    narrative: str
    attachments: list[Attachment]
    missing_figures: list[str] = field(default_factory=list)


def _report(session: Session, submission: Submission, create: bool) -> YearEndReport | None:
    report = session.exec(
        select(YearEndReport).where(YearEndReport.submission_id == submission.id)
    ).first()
    if report is None and create:
        assert submission.id is not None
        report = YearEndReport(submission_id=submission.id, figures={}, narrative="")
        session.add(report)
        session.flush()
    return report


def set_figure(
    session: Session,
    submission: Submission,
    code: str,
    raw_text: str,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> Decimal:
    """Read a typed figure (any accepted number style), check it, store it; returns the value."""
    now = _now(now)
    _expect_kind(submission, *REPORT_KINDS)
    ensure_editable(session, submission, now)
    value = parse_figure(get_figure(code), raw_text)
    _begin_change(session, submission, now, contact_id, actor)
    report = _report(session, submission, create=True)
    assert report is not None
    before = report.figures.get(code)
    report.figures = {**report.figures, code: str(value)}
    session.add(report)
    session.flush()
    audit.record(
        session,
        "report.figure_set",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before={"code": code, "value": before},
        after={"code": code, "value": str(value), "typed": raw_text[:64]},
        at=now,
    )
    return value


def set_narrative(
    session: Session,
    submission: Submission,
    text: str,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> str:
    """Store the short narrative of achievements and initiatives (line breaks kept)."""
    now = _now(now)
    _expect_kind(submission, *REPORT_KINDS)
    ensure_editable(session, submission, now)
    lines = [" ".join(_CONTROL.sub(" ", line).split()) for line in (text or "").splitlines()]
    cleaned = unicodedata.normalize("NFC", "\n".join(lines).strip())
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    if not cleaned:
        raise InvalidInput(N_("Please write a few lines about the year's achievements."))
    _too_long(cleaned, NARRATIVE_MAX)
    _begin_change(session, submission, now, contact_id, actor)
    report = _report(session, submission, create=True)
    assert report is not None
    before = report.narrative
    report.narrative = cleaned
    session.add(report)
    session.flush()
    audit.record(
        session,
        "report.narrative_set",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before={"narrative": before},
        after={"narrative": cleaned},
        at=now,
    )
    return cleaned


def report_details(session: Session, submission: Submission) -> ReportDetails:
    """The figures (as Decimals), the narrative, the files, and the required figures missing."""
    _expect_kind(submission, *REPORT_KINDS)
    report = _report(session, submission, create=False)
    stored = report.figures if report is not None else {}
    figures = {code: Decimal(str(value)) for code, value in stored.items()}
    missing = [f.code for f in report_figures() if f.required and f.code not in figures]
    return ReportDetails(
        figures=figures,
        narrative=report.narrative if report is not None else "",
        attachments=list_attachments(session, submission),
        missing_figures=missing,
    )


# --- launch document ------------------------------------------------------------------


def set_launch_document(
    session: Session,
    submission: Submission,
    number: str,
    doc_date: date,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> LaunchDocument:
    """Record the number and date of the enterprise's own launch document."""
    now = _now(now)
    _expect_kind(submission, DeadlineKind.LAUNCH_DOCUMENT)
    ensure_editable(session, submission, now)
    cleaned = _one_line(number)
    if not cleaned:
        raise InvalidInput(N_("Please type the document number, for example 12/KH-CĐ."))
    _too_long(cleaned, DOCUMENT_NUMBER_MAX)
    if isinstance(doc_date, datetime) or not isinstance(doc_date, date):
        raise InvalidInput(N_("Please give the document date as dd/mm/yyyy."))
    if doc_date > local_date(now):
        raise InvalidInput(N_("The document date {date} is in the future."), date=doc_date)
    campaign = session.get(Campaign, submission.campaign_id)
    if campaign is not None and doc_date.year < campaign.year - 1:
        raise InvalidInput(
            N_("The document date {date} is too early for the {year} campaign."),
            date=doc_date,
            year=str(campaign.year),
        )
    _begin_change(session, submission, now, contact_id, actor)
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
    audit.record(
        session,
        "launch.document_set",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        after={"number": cleaned, "date": doc_date},
        at=now,
    )
    return document


def launch_document(session: Session, submission: Submission) -> LaunchDocument | None:
    _expect_kind(submission, DeadlineKind.LAUNCH_DOCUMENT)
    return session.exec(
        select(LaunchDocument).where(LaunchDocument.submission_id == submission.id)
    ).first()


# --- files ----------------------------------------------------------------------------


def file_type(file_name: str, mime_type: str) -> str | None:
    """The accepted MIME type of a file (by extension, else by the platform's MIME type)."""
    suffix = PurePosixPath(file_name.lower()).suffix
    if suffix in ACCEPTED_TYPES:
        return ACCEPTED_TYPES[suffix]
    mime = (mime_type or "").split(";")[0].strip().lower()
    if not suffix and mime in ACCEPTED_TYPES.values():
        return mime
    return None


def attach_file(
    session: Session,
    submission: Submission,
    file_name: str,
    mime_type: str,
    size: int,
    path: str,
    sha256: str,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> Attachment:
    """Record a file received in the chat (already stored at `path`).

    PDF, DOCX, XLSX, or JPEG/PNG photos (Zalo sends pages as photos); at most 20 MB and 30
    files per item. The same content (sha256) sent twice is recorded once.
    """
    now = _now(now)
    ensure_editable(session, submission, now)
    base = PureWindowsPath(PurePosixPath(file_name or "").name).name
    name = _one_line(base)
    mime = file_type(name, mime_type)
    if mime is None:
        raise InvalidFile(
            N_(
                "Please send a PDF, Word (.docx) or Excel (.xlsx) file, or photos of the "
                "signed pages (JPEG or PNG)."
            )
        )
    if size <= 0:
        raise InvalidFile(N_("The file is empty; please send it again."))
    if size > MAX_FILE_SIZE:
        raise InvalidFile(
            N_(
                "The file is {size} MB; the limit is 20 MB. Please send a smaller file "
                "(for example a PDF scanned at a lower resolution)."
            ),
            size=Decimal(size * 10 // (1024 * 1024)) / 10,
        )
    digest = (sha256 or "").strip().lower()
    if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError("sha256 must be 64 hexadecimal characters")
    if not path or len(path) > 1024:
        raise ValueError("the stored path of an attachment is 1 to 1024 characters")
    existing = list_attachments(session, submission)
    if digest:
        for attachment in existing:
            if attachment.sha256 == digest:
                return attachment
    if len(existing) >= MAX_ATTACHMENTS:
        raise InvalidFile(N_("An item holds at most {max} files."), max=MAX_ATTACHMENTS)
    _begin_change(session, submission, now, contact_id, actor)
    assert submission.id is not None
    attachment = Attachment(
        submission_id=submission.id,
        file_name=name[:NAME_MAX] or "file",
        mime_type=mime,
        size=size,
        path=path,
        sha256=digest,
        created_at=now,
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        "file.attach",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        after=_attachment_dump(attachment),
        at=now,
    )
    return attachment


def remove_attachment(
    session: Session,
    submission: Submission,
    attachment_id: int,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> None:
    """Detach a file (the stored file itself is kept: receipts may refer to it)."""
    now = _now(now)
    ensure_editable(session, submission, now)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.submission_id != submission.id:
        raise NotFound(N_("This file does not exist (any more)."))
    _delete_part(
        session, submission, attachment, _attachment_dump, "file.remove", now, contact_id, actor
    )


def list_attachments(session: Session, submission: Submission) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment)
            .where(Attachment.submission_id == submission.id)
            .order_by(col(Attachment.id))
        ).all()
    )


def _attachment_dump(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "file_name": attachment.file_name,
        "mime_type": attachment.mime_type,
        "size": attachment.size,
        "path": attachment.path,
        "sha256": attachment.sha256,
    }


# --- submitting -----------------------------------------------------------------------


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
    content["attachments"] = [_attachment_dump(a) for a in list_attachments(session, submission)]
    result: dict[str, Any] = audit.json_safe(content)
    return result


def _lock_row(session: Session, submission: Submission) -> None:
    """Reload the submission, under a row lock on PostgreSQL, so concurrent changes serialise.

    SQLite has no row locks (FOR UPDATE is left out) but one writer at a time; the reload
    still makes the decision on the latest committed state rather than a stale object.
    """
    if submission.id is not None:
        session.flush()
        session.refresh(submission, with_for_update=True)


def submit(
    session: Session,
    submission: Submission,
    contact_id: int | None,
    now: datetime | None = None,
    *,
    actor: str = "",
) -> Receipt:
    """Send the item: checks completeness, gives a receipt (DK-2024-000123) with a snapshot.

    Resubmitting (before the deadline, or after a return) gives a new receipt and version.
    Raises SubmissionLocked, or SubmissionIncomplete listing every problem.
    """
    now = _now(now)
    _lock_row(session, submission)
    ensure_editable(session, submission, now)
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
        submitted_at=now,
        contact_id=contact_id,
        snapshot={**snapshot(session, submission), "version": version},
    )
    session.add(receipt)
    session.flush()
    receipt.number = f"{RECEIPT_PREFIX[submission.kind]}-{campaign.year}-{receipt.id:06d}"
    session.add(receipt)
    submission.version = version
    submission.status = SubmissionStatus.SUBMITTED
    deadline = deadline_for(session, submission.campaign_id, submission.kind)
    submission.late = deadline is not None and deadlines.is_late(deadline, local_date(now))
    drafts.close_draft(submission)
    submission.receipt_number = receipt.number
    submission.submitted_at = now
    submission.submitted_by_contact_id = contact_id
    submission.review_note = None
    submission.reviewed_by_contact_id = None
    submission.reviewed_at = None
    submission.updated_at = now
    session.add(submission)
    session.flush()
    audit.record(
        session,
        "submission.submit",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        after={**_state_dump(submission), "receipt": receipt.number},
        at=now,
    )
    return receipt


def receipts(session: Session, submission: Submission) -> list[Receipt]:
    """Every receipt of the item, oldest first: the submission history."""
    return list(
        session.exec(
            select(Receipt)
            .where(Receipt.submission_id == submission.id)
            .order_by(col(Receipt.version), col(Receipt.id))
        ).all()
    )


def reopen(
    session: Session,
    submission: Submission,
    now: datetime | None = None,
    *,
    contact_id: int | None = None,
    actor: str = "",
) -> Submission:
    """Open a draft beside a submitted item before the deadline, to change it.

    The item stays submitted, with its receipt, until the draft is submitted as a new
    version; abandoning the draft (`drafts.discard_draft`) leaves the submitted one.
    """
    now = _now(now)
    _lock_row(session, submission)
    ensure_editable(session, submission, now)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidState(
            N_("Only a submitted item can be reopened; this one is {state}."),
            state=_Label(STATE_LABELS[submission.status]),
        )
    before = _state_dump(submission)
    drafts.open_draft(submission, contact_id)
    submission.updated_at = now
    session.add(submission)
    session.flush()
    audit.record(
        session,
        "submission.reopen",
        contact_id=contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        after=_state_dump(submission),
        at=now,
    )
    return submission


def _state_dump(submission: Submission) -> dict[str, Any]:
    return {
        "status": submission.status,
        "version": submission.version,
        "receipt_number": submission.receipt_number,
        "review_note": submission.review_note,
        "late": submission.late,
        "draft_open": submission.draft_open,
    }


# --- review ---------------------------------------------------------------------------


def _expect_submitted(submission: Submission) -> None:
    if submission.status != SubmissionStatus.SUBMITTED:
        raise NotReviewable(
            N_("Only a submitted item can be accepted or returned; this one is {state}."),
            state=_Label(STATE_LABELS[submission.status]),
        )


def accept(
    session: Session,
    submission: Submission,
    reviewer_contact_id: int | None,
    now: datetime | None = None,
    *,
    note: str = "",
    actor: str = "",
) -> Submission:
    """The board office accepts the item; it is locked from then on."""
    now = _now(now)
    _lock_row(session, submission)
    _expect_submitted(submission)
    cleaned = _one_line(note)
    _too_long(cleaned, REASON_MAX)
    return _decide(
        session,
        submission,
        SubmissionStatus.ACCEPTED,
        cleaned or None,
        reviewer_contact_id,
        now,
        actor,
        "submission.accept",
    )


def return_submission(
    session: Session,
    submission: Submission,
    reviewer_contact_id: int | None,
    reason: str,
    now: datetime | None = None,
    *,
    actor: str = "",
) -> Submission:
    """Send the item back to the enterprise with a reason; it can be fixed and resubmitted."""
    now = _now(now)
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
        reviewer_contact_id,
        now,
        actor,
        "submission.return",
    )


def _decide(
    session: Session,
    submission: Submission,
    status: SubmissionStatus,
    note: str | None,
    reviewer_contact_id: int | None,
    now: datetime,
    actor: str,
    action: str,
) -> Submission:
    """Record the board office's decision on a submitted item (accept or return), audited.

    The decision is on the submitted version: a draft the officer has beside it is
    discarded first (the parts go back to what the receipt shows).
    """
    drafts.discard_draft(
        session, submission, now, contact_id=reviewer_contact_id, actor=actor, reason="reviewed"
    )
    before = _state_dump(submission)
    submission.status = status
    submission.review_note = note
    submission.reviewed_by_contact_id = reviewer_contact_id
    submission.reviewed_at = now
    submission.updated_at = now
    session.add(submission)
    session.flush()
    audit.record(
        session,
        action,
        contact_id=reviewer_contact_id,
        actor=actor,
        subject=_subject(submission),
        before=before,
        after=_state_dump(submission),
        at=now,
    )
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


# --- status ---------------------------------------------------------------------------


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
    session: Session, campaign_id: int, enterprise_id: int, today: date | None = None
) -> list[ItemStatus]:
    """Every deadline of the campaign with the enterprise's state; overdue first, then by date.

    An item is overdue when its due date (or the extension the board granted) is before
    `today` (local) and it is not submitted or accepted (a returned item still waiting for a
    fix counts as overdue).
    """
    if today is None:
        today = local_date(utcnow())
    elif isinstance(today, datetime):
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
    items: list[ItemStatus] = []
    for deadline in plan:
        submission = submissions.get(deadline.kind)
        state = item_state(session, submission)
        due = deadlines.effective_due(session, deadline, enterprise_id)
        closed = deadlines.is_closed(session, deadline, enterprise_id, today)
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
