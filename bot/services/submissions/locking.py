"""Whether an item can still be changed, and the bookkeeping of every change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from bot.i18n import N_
from bot.models.commendation import ProposalEntry
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.submission import (
    Attachment,
    RegistrationEntry,
    Submission,
)
from bot.services import audit, deadlines, drafts
from bot.services.acts import Act
from bot.services.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    SubmissionLocked,
    WrongKind,
)
from bot.services.items import KindName
from bot.services.lookups import is_remembered, remember, remembered
from bot.services.submissions.clock import local_date
from bot.services.submissions.finding import LOCKED, _subject, deadline_for


def is_locked(session: Session, submission: Submission, now: datetime, *, tz: tzinfo) -> bool:
    """True when nothing about the item may change any more (see the module docstring)."""
    return _lock_error(session, submission, local_date(now, tz)) is not None


def _lock_error(session: Session, submission: Submission, today: date) -> DomainError | None:
    """Why the item cannot change on `today`, the board's local date (None: it can). An item
    locks when its due date (or the board's extension) has ended in the board's time zone."""
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
        session, deadline, submission.enterprise_id, today
    ):
        return SubmissionLocked(
            N_(
                "This item was due on {date} and is now closed. Please contact the board "
                "office if something must change."
            ),
            date=deadlines.effective_due(session, deadline, submission.enterprise_id),
        )
    return None


def ensure_editable(session: Session, submission: Submission, now: datetime, *, tz: tzinfo) -> None:
    """Raise SubmissionLocked (with the due date and whom to contact) if the item is locked
    at `now` in the board's time zone `tz`."""
    error = _lock_error(session, submission, local_date(now, tz))
    if error is not None:
        raise error


def _expect_kind(submission: Submission, *kinds: DeadlineKind) -> None:
    if submission.kind not in kinds:
        raise WrongKind(N_("This cannot be done on a {kind}."), kind=KindName(submission.kind))


def _check_editable(
    session: Session, submission: Submission, act: Act, *kinds: DeadlineKind
) -> None:
    """Refuse a change the item cannot take: it is not one of `kinds`, or it is locked at
    the act's moment (checked again, under the row lock, when the change begins)."""
    _expect_kind(submission, *kinds)
    ensure_editable(session, submission, act.now, tz=act.tz)


def _begin_change(session: Session, submission: Submission, act: Act) -> None:
    """Check the item may change; a submitted item gets a draft beside it (it stays
    submitted, with its receipt, until a new version is submitted; see bot.services.drafts).

    The row is re-read under a lock first (PostgreSQL), so an officer's edit and a review
    happening at the same moment cannot overwrite each other's status.
    """
    _lock_row(session, submission)
    ensure_editable(session, submission, act.now, tz=act.tz)
    if submission.status == SubmissionStatus.SUBMITTED and drafts.open_draft(
        submission, act.contact_id
    ):
        kept = {"kept_version": submission.version, "reason": "changed after submit"}
        _audit_item(session, submission, "submission.draft_open", None, kept, act)
        submission.updated_at = act.now
        session.add(submission)


_Part = TypeVar("_Part", RegistrationEntry, ProposalEntry, Attachment)


@cache
def _parts_of(model: type[Any]) -> Any:
    """The statement reading an item's parts of `model` in the order they came, built once
    per kind of part (every step of a registration reads the entries)."""
    return (
        select(model)
        .where(col(model.submission_id) == bindparam("submission"))
        .order_by(col(model.id))
    )


@dataclass(frozen=True)
class Parts(Generic[_Part]):
    """One kind of part an item holds (registration entries, proposal entries, file records):
    its table, how the audit log shows one, the audit actions, how many an item may hold and
    the messages, so adding, finding and removing is written once for every kind."""

    model: type[_Part]
    dump: Callable[[_Part], dict[str, Any]]
    added: str
    removed: str
    most: int
    too_many: str
    missing: str
    kinds: tuple[DeadlineKind, ...] = ()
    """The items that hold this kind of part (empty: every item, as with files)."""

    def held(self, session: Session, submission: Submission) -> list[_Part]:
        """The item's parts in the order they came (remembered for the transaction: an add
        step, its checks and the next prompt each ask)."""
        model = self.model
        found: list[_Part] = remembered(
            session,
            (model,),
            ("parts", submission.id),
            lambda: list(session.exec(_parts_of(model), params={"submission": submission.id})),
        )
        return list(found)

    def already_read(self, session: Session, submission: Submission) -> list[_Part] | None:
        """`held`, if this transaction has read it already (else None: nothing is read)."""
        key = ("parts", submission.id)
        if not is_remembered(session, (self.model,), key):
            return None
        return self.held(session, submission)

    def keep(self, session: Session, submission: Submission, parts: list[_Part]) -> None:
        """Remember `parts` as the item's parts (what `held` would read now)."""
        remember(session, (self.model,), ("parts", submission.id), list(parts))

    def remove(
        self,
        session: Session,
        submission: Submission,
        part_id: int,
        act: Act,
    ) -> _Part:
        """Remove one part of the item (see `_delete_part`); returns the part removed."""
        if self.kinds:
            _expect_kind(submission, *self.kinds)
        return _delete_part(session, submission, self, part_id, act)


def _get_part(session: Session, submission: Submission, parts: Parts[_Part], part_id: int) -> _Part:
    """One part of this item; NotFound when it is gone or is another item's (an id typed or
    replayed from an old message must not reach across items)."""
    part = session.get(parts.model, part_id)
    if part is None or part.submission_id != submission.id:
        raise NotFound(parts.missing)
    return part


def _add_part(
    session: Session,
    submission: Submission,
    parts: Parts[_Part],
    part: _Part,
    act: Act,
) -> None:
    """Add one part to an item and audit it; refused once the item holds `parts.most`. A
    submitted item goes back to draft first, as with any change."""
    known: list[_Part] | None = parts.already_read(session, submission)
    held = (
        len(known)
        if known is not None
        else session.exec(
            select(func.count())
            .select_from(parts.model)
            .where(parts.model.submission_id == submission.id)
        ).one()
    )
    if held >= parts.most:
        raise InvalidInput(parts.too_many, max=parts.most)
    _begin_change(session, submission, act)
    session.add(part)
    session.flush()
    if known is not None:  # the flush forgot the list: it is the same with the new part last
        known.append(part)
        parts.keep(session, submission, known)
    _audit_item(session, submission, parts.added, None, parts.dump(part), act)


def _delete_part(
    session: Session,
    submission: Submission,
    parts: Parts[_Part],
    part_id: int,
    act: Act,
) -> _Part:
    """Delete one part of the item (refused when the item is locked, NotFound when the part
    is not the item's) and audit what it held; a submitted item goes back to draft first, as
    with any change. Returns the part deleted."""
    ensure_editable(session, submission, act.now, tz=act.tz)
    part = _get_part(session, submission, parts, part_id)
    _begin_change(session, submission, act)
    before = parts.dump(part)
    session.delete(part)
    session.flush()
    _audit_item(session, submission, parts.removed, before, None, act)
    return part


def _audit_item(
    session: Session,
    submission: Submission,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    act: Act,
) -> None:
    """One audit row about the item (its subject names it), in the caller's transaction."""
    audit.record(session, action, act, subject=_subject(submission), before=before, after=after)


def _lock_row(session: Session, submission: Submission) -> None:
    """Reload the submission, under a row lock on PostgreSQL, so concurrent changes serialise.

    SQLite has no row locks (FOR UPDATE is left out) but one writer at a time; the reload
    still makes the decision on the latest committed state rather than a stale object.
    Once per transaction: a row read under its lock (here or by `load_item`) stays locked
    and current until the commit.
    """
    if submission.id is not None:
        if is_remembered(session, (Submission,), (LOCKED, submission.id)):
            return
        session.flush()
        session.refresh(submission, with_for_update=True)
        remember(session, (Submission,), (LOCKED, submission.id), True)
