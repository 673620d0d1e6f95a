"""An enterprise's commendation proposal for the year (đề nghị khen thưởng).

After its year-end report, an enterprise proposes, per person or collective, a title or form
it registered by the registration deadline (15/04 in the plans), with a short summary of
achievements, the initiative where the title needs one, and the signed achievement report
(a file, or photos of its pages on Zalo). The proposal is an item like the others: a
`Submission` of kind `commendation_proposal` with its deadline, drafts, receipts ("DN-…"),
reminders and lock; its entries are `ProposalEntry` rows.

The rules are checked again at submit, against what was actually reported: the title rules of
the catalogue (LĐTT before CSTĐ cơ sở, the 15% cap, the initiative), a Tập thể lao động xuất
sắc needing at least one Chiến sĩ thi đua cơ sở among those proposed (Luật Thi đua, khen thưởng
2022, Điều 27), no more Lao động tiên tiến than the workers the year-end report counts, and no
more entries claiming an initiative than the initiatives it reports.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from bot.i18n import N_
from bot.models.campaign import Deadline
from bot.models.commendation import ProposalEntry
from bot.models.enums import DeadlineKind, Nominee, SubmissionStatus
from bot.models.submission import Nomination, RegistrationEntry, Submission
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import DomainError, InvalidInput
from bot.services.submissions import locking
from bot.services.submissions.finding import _id
from bot.services.submissions.registration import (
    _refuse_twice,
    _validated_entry,
    nomination_dump,
)
from bot.services.submissions.text import _too_long
from bot.services.titles import TitleRef, check_registration, get_title, nominee_key

KIND = DeadlineKind.COMMENDATION_PROPOSAL
SUMMARY_MAX = 2000
INITIATIVE_MAX = 1000
MAX_PROPOSALS = 200
# A collective title that needs, among the individuals proposed with it, one holding another
# title (Luật Thi đua, khen thưởng 2022, Điều 27: Tập thể lao động xuất sắc "có cá nhân đạt
# danh hiệu Chiến sĩ thi đua cơ sở").
COLLECTIVE_NEEDS_MEMBER = {"TT_LDXS": "CSTD_CS"}
# The statuses in which a registration counts as what the enterprise registered.
REGISTERED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)
REPORTED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)


def _clean_text(value: str | None, limit: int) -> str:
    lines = [" ".join(line.split()) for line in (value or "").splitlines()]
    text = unicodedata.normalize("NFC", "\n".join(line for line in lines if line).strip())
    _too_long(text, limit)
    return text


def registration_of(session: Session, campaign_id: int, enterprise_id: int) -> Submission | None:
    """The enterprise's title registration in the campaign (any state)."""
    return session.exec(
        select(Submission).where(
            Submission.campaign_id == campaign_id,
            Submission.enterprise_id == enterprise_id,
            Submission.kind == DeadlineKind.TITLE_REGISTRATION,
        )
    ).first()


def registered_entries(
    session: Session, campaign_id: int, enterprise_id: int
) -> list[RegistrationEntry]:
    """What the enterprise registered (a submitted or accepted registration), else []."""
    registration = registration_of(session, campaign_id, enterprise_id)
    if registration is None or registration.status not in REGISTERED_STATUSES:
        return []
    return subs.list_entries(session, registration)


def _registration_refusal(session: Session, submission: Submission, entry: Any) -> DomainError:
    deadline = subs.deadline_for(session, submission.campaign_id, DeadlineKind.TITLE_REGISTRATION)
    name = entry.full_name or entry.unit_name
    if deadline is None:
        return InvalidInput(
            N_(
                "{name} was not registered for {title}: a unit proposes only the titles and "
                "forms it registered."
            ),
            name=name,
            title=TitleRef(entry.title_code),
        )
    return InvalidInput(
        N_(
            "{name} was not registered for {title} by {date}: a unit proposes only the titles "
            "and forms it registered by that date."
        ),
        name=name,
        title=TitleRef(entry.title_code),
        date=deadline.due_on,
    )


def _is_registered(session: Session, submission: Submission, entry: Any) -> bool:
    key = (nominee_key(entry), entry.title_code)
    return any(
        (nominee_key(r), r.title_code) == key
        for r in registered_entries(session, submission.campaign_id, submission.enterprise_id)
    )


proposal_dump = nomination_dump.plus(
    "summary", "initiative", "review", "review_note", "awarded_code"
)


ENTRIES = locking.Parts(
    ProposalEntry,
    proposal_dump,
    added="proposal.entry_add",
    removed="proposal.entry_remove",
    most=MAX_PROPOSALS,
    too_many=N_("A proposal holds at most {max} entries."),
    missing=N_("This entry does not exist (any more)."),
    kinds=(KIND,),
)


list_proposals = ENTRIES.held
"""The entries of a proposal, in the order they were added."""


def _validated(
    session: Session,
    submission: Submission,
    nomination: Nomination,
    summary: str,
    initiative: str,
) -> ProposalEntry:
    registration = _validated_entry(
        submission,
        nomination.nominee,
        nomination.title_code,
        nomination.full_name,
        nomination.position,
        nomination.unit_name,
        bool(initiative.strip()),
    )
    text = _clean_text(summary, SUMMARY_MAX)
    if not text:
        raise InvalidInput(
            N_("Please write a short summary of the achievements (tóm tắt thành tích).")
        )
    idea = _clean_text(initiative, INITIATIVE_MAX)
    title = get_title(registration.title_code)
    if title.requires_initiative and not idea:
        raise InvalidInput(
            N_("{title} needs a recognised initiative (sáng kiến): please name it."),
            title=TitleRef(title.code),
        )
    entry = ProposalEntry(
        submission_id=_id(submission),
        **registration.nominee_fields(),
        title_code=registration.title_code,
        summary=text,
        initiative=idea,
        has_initiative=bool(idea),
    )
    if not _is_registered(session, submission, entry):
        raise _registration_refusal(session, submission, entry)
    return entry


def _check_duplicate(
    session: Session, submission: Submission, entry: ProposalEntry, skip_id: int | None
) -> None:
    others = list_proposals(session, submission)
    _refuse_twice(entry, others, skip_id, N_("{name} is already proposed for {title}."))


def add_proposal(
    session: Session,
    submission: Submission,
    nomination: Nomination,
    *,
    summary: str = "",
    initiative: str = "",
    act: Act,
) -> ProposalEntry:
    """Propose a registered person or collective for the title or form it registered:
    `nomination` says who and for which title (the registration entry, as a rule).

    Refused (and nothing changes) when the nominee was not registered for that title, when the
    summary is empty, when the title needs an initiative and none is named, or twice.
    """
    locking._check_editable(session, submission, act, KIND)
    entry = _validated(session, submission, nomination, summary, initiative)
    _check_duplicate(session, submission, entry, None)
    locking._add_part(session, submission, ENTRIES, entry, act)
    return entry


def get_proposal(session: Session, submission: Submission, entry_id: int) -> ProposalEntry:
    return locking._get_part(session, submission, ENTRIES, entry_id)


def update_proposal(
    session: Session,
    submission: Submission,
    entry_id: int,
    *,
    summary: str | None = None,
    initiative: str | None = None,
    act: Act,
) -> ProposalEntry:
    """Change the summary or the initiative of an entry (None keeps it). A changed entry is
    reviewed afresh: its earlier verdict is cleared."""
    locking._check_editable(session, submission, act, KIND)
    entry = get_proposal(session, submission, entry_id)
    before = proposal_dump(entry)
    merged = _validated(
        session,
        submission,
        entry,
        summary if summary is not None else entry.summary,
        initiative if initiative is not None else entry.initiative,
    )
    locking._begin_change(session, submission, act)
    entry.summary = merged.summary
    entry.initiative = merged.initiative
    entry.has_initiative = merged.has_initiative
    entry.review, entry.review_note, entry.awarded_code = "pending", None, None
    entry.reviewed_at = entry.reviewed_by_contact_id = None
    session.add(entry)
    session.flush()
    after = proposal_dump(entry)
    action = "proposal.entry_update"
    locking._audit_item(session, submission, action, before, after, act)
    return entry


remove_proposal = ENTRIES.remove
"""Withdraw one entry of the proposal."""


def _reported(session: Session, submission: Submission) -> dict[str, Decimal] | None:
    """The figures of the enterprise's year-end report once submitted, else None."""
    report = session.exec(
        select(Submission).where(
            Submission.campaign_id == submission.campaign_id,
            Submission.enterprise_id == submission.enterprise_id,
            Submission.kind == DeadlineKind.YEAR_END_REPORT,
        )
    ).first()
    if report is None or report.status not in REPORTED_STATUSES:
        return None
    return subs.report_details(session, report).figures


def proposal_problems(session: Session, submission: Submission) -> list[DomainError]:
    """Everything that keeps the proposal from being submitted; [] when it may go."""
    found: list[DomainError] = []
    entries = list_proposals(session, submission)
    campaign_has_report = (
        session.exec(
            select(Deadline).where(
                Deadline.campaign_id == submission.campaign_id,
                Deadline.kind == DeadlineKind.YEAR_END_REPORT,
            )
        ).first()
        is not None
    )
    figures = _reported(session, submission)
    if campaign_has_report and figures is None:
        found.append(
            InvalidInput(
                N_(
                    "The year-end report must be submitted first: the proposal is checked "
                    "against what it reports."
                )
            )
        )
    if not entries:
        found.append(InvalidInput(N_("Propose at least one person or collective.")))
    for entry in entries:
        if not _is_registered(session, submission, entry):
            found.append(_registration_refusal(session, submission, entry))
    found += [InvalidInput(v.msgid, **v.params) for v in check_registration(entries)]
    held = {(nominee_key(e)[0], e.title_code) for e in entries if e.nominee == Nominee.INDIVIDUAL}
    for entry in entries:
        needed = COLLECTIVE_NEEDS_MEMBER.get(entry.title_code)
        if needed and (Nominee.INDIVIDUAL.value, needed) not in held:
            found.append(
                InvalidInput(
                    N_(
                        "{title} needs at least one {required} among the individuals "
                        "proposed: {name} has none."
                    ),
                    title=TitleRef(entry.title_code),
                    required=TitleRef(needed),
                    name=entry.unit_name,
                )
            )
    if figures is not None:
        workers = figures.get("workers")
        advanced = sum(1 for e in entries if e.title_code == "LDTT")
        if workers is not None and advanced > workers:
            found.append(
                InvalidInput(
                    N_(
                        "{count} proposed for {title}, but the year-end report counts "
                        "{workers} workers."
                    ),
                    count=advanced,
                    title=TitleRef("LDTT"),
                    workers=workers,
                )
            )
        reported = figures.get("initiatives")
        claimed = sum(1 for e in entries if e.has_initiative)
        if reported is not None and claimed > reported:
            found.append(
                InvalidInput(
                    N_(
                        "{count} entries name an initiative, but the year-end report counts "
                        "{reported} initiatives applied."
                    ),
                    count=claimed,
                    reported=reported,
                )
            )
    if not subs.list_attachments(session, submission):
        found.append(
            InvalidInput(
                N_(
                    "The signed achievement report is missing (a PDF, DOCX or XLSX file, or "
                    "photos of its pages)."
                )
            )
        )
    return found


def proposal_snapshot(session: Session, submission: Submission) -> list[dict[str, Any]]:
    """The entries as a receipt keeps them."""
    return [proposal_dump(e) for e in list_proposals(session, submission)]
