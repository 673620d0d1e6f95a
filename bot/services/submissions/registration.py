"""The title registration: its entries (who, which title) and the rules they follow."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from bot.i18n import N_
from bot.models.commendation import ProposalEntry
from bot.models.enums import DeadlineKind, Nominee
from bot.models.submission import (
    Nomination,
    RegistrationEntry,
    Submission,
)
from bot.services.acts import Act
from bot.services.dumps import Dump
from bot.services.errors import (
    InvalidInput,
)
from bot.services.names import person_name, refuse_pictographs, rename_person
from bot.services.submissions.finding import _id
from bot.services.submissions.limits import MAX_ENTRIES, NAME_MAX
from bot.services.submissions.locking import (
    Parts,
    _add_part,
    _audit_item,
    _begin_change,
    _check_editable,
    _get_part,
)
from bot.services.submissions.text import _name, _one_line, _too_long
from bot.services.titles import (
    RuleViolation,
    TitleRef,
    check_registration,
    get_title,
    nominee_key,
)


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
        name = person_name(_name(full_name, N_("Please type the full name of the person.")))
        role = refuse_pictographs(_one_line(position))
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
    unit = refuse_pictographs(
        _name(unit_name, N_("Please type the name of the collective (unit)."))
    )
    return RegistrationEntry(
        submission_id=_id(submission),
        nominee=kind,
        full_name="",
        position="",
        unit_name=unit,
        title_code=title.code,
    )


# How the audit log and a receipt show who an entry puts forward for which title: the
# columns registration and proposal entries share (`Nomination`).
nomination_dump = Dump(("id", *Nomination.NOMINEE, "title_code"))
_entry_dump = nomination_dump.plus("has_initiative")


ENTRIES = Parts(
    RegistrationEntry,
    _entry_dump,
    added="registration.entry_add",
    removed="registration.entry_remove",
    most=MAX_ENTRIES,
    too_many=N_("A registration holds at most {max} entries."),
    missing=N_("This entry does not exist (any more)."),
    kinds=(DeadlineKind.TITLE_REGISTRATION,),
)


def _check_duplicate(
    session: Session, submission: Submission, entry: RegistrationEntry, skip_id: int | None
) -> None:
    same_title = [e for e in list_entries(session, submission) if e.title_code == entry.title_code]
    _refuse_twice(entry, same_title, skip_id, N_("{name} is already registered for {title}."))


def _refuse_twice(
    entry: RegistrationEntry | ProposalEntry,
    others: Sequence[RegistrationEntry | ProposalEntry],
    skip_id: int | None,
    msgid: str,
) -> None:
    """InvalidInput(msgid) when another of `others` (not `skip_id`, the entry being changed)
    names the same person or unit for the same title."""
    key = (nominee_key(entry), entry.title_code)
    for other in others:
        if other.id != skip_id and (nominee_key(other), other.title_code) == key:
            raise InvalidInput(
                msgid, name=entry.full_name or entry.unit_name, title=TitleRef(entry.title_code)
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
    *,
    act: Act,
) -> RegistrationEntry:
    """Register a person (full name, position) or a collective (unit name) for a title.

    The title must fit the nominee kind; names are trimmed, non-empty, at most 255
    characters; the same nominee cannot be registered twice for one title. Cross-entry
    rules (LĐTT before CSTĐ, the 15% cap) are checked at submit: see `violations`.
    """
    _check_editable(session, submission, act, DeadlineKind.TITLE_REGISTRATION)
    entry = _validated_entry(
        submission, nominee, title_code, full_name, position, unit_name, has_initiative
    )
    _check_duplicate(session, submission, entry, None)
    _add_part(session, submission, ENTRIES, entry, act)
    return entry


def _get_entry(session: Session, submission: Submission, entry_id: int) -> RegistrationEntry:
    return _get_part(session, submission, ENTRIES, entry_id)


def update_entry(
    session: Session,
    submission: Submission,
    entry_id: int,
    act: Act,
    *,
    nominee: Nominee | str | None = None,
    title_code: str | None = None,
    full_name: str | None = None,
    position: str | None = None,
    unit_name: str | None = None,
    has_initiative: bool | None = None,
) -> RegistrationEntry:
    """Change the given fields of an entry (None keeps a field); validated like add_entry."""
    _check_editable(session, submission, act, DeadlineKind.TITLE_REGISTRATION)
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
    _begin_change(session, submission, act)
    for name in (*Nomination.NOMINEE, "title_code", "has_initiative"):
        setattr(entry, name, getattr(merged, name))
    session.add(entry)
    renamed = rename_person(session, submission, before, entry)
    session.flush()
    after = {**_entry_dump(entry), "also_renamed": renamed}
    action = "registration.entry_update"
    _audit_item(session, submission, action, before, after, act)
    return entry


remove_entry = ENTRIES.remove
"""Delete one entry of the registration."""

list_entries = ENTRIES.held
"""The entries of a registration, in the order they were added."""


def violations(session: Session, submission: Submission) -> list[RuleViolation]:
    """The title rules the registration breaks now (empty when it may be submitted)."""
    return check_registration(list_entries(session, submission))
