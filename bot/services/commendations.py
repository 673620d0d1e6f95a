"""The board's side of closing the year: review of the proposals, scoring, decisions, results.

- Review, entry by entry (bình xét): accept, return with a reason, or move to a lower form.
  When every entry of a proposal has a verdict the proposal itself is accepted, or returned
  with the reasons when any entry was returned (the officer fixes it and submits again; the
  entries already accepted keep their verdict).
- Scoring (chấm điểm), where the plan file defines criteria (`[scoring]` in the plan's TOML):
  the bot fills the points it knows (items submitted on time, reported figures against a
  target) and the office types the rest; a ranking per cluster, and the shortlist for the Cờ
  thi đua / Bằng khen drawn from it.
- Decisions (quyết định khen thưởng): number, date, signing authority and who received which
  title or form; each level of authority awards its own titles and forms (`LEVELS`).
- Results per enterprise (for /status and the notices) and the year-over-year view.

Every change is audited in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models.campaign import Campaign, Deadline
from bot.models.commendation import Decision, ProposalEntry, Score, ScoringCriterion
from bot.models.enums import DeadlineKind, Nominee, SubmissionStatus
from bot.models.organization import Cluster, Enterprise
from bot.models.submission import Receipt, RegistrationEntry, Submission
from bot.services import audit
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.audience import members
from bot.services.dumps import Dump
from bot.services.errors import InvalidInput, InvalidState, NotFound
from bot.services.proposals import list_proposals
from bot.services.rows import rows_of
from bot.services.submissions.finding import _subject
from bot.services.submissions.states import _Label
from bot.services.submissions.text import _one_line, _too_long
from bot.services.templates import plan_scoring
from bot.services.titles import TitleRef, get_title

KIND = DeadlineKind.COMMENDATION_PROPOSAL


# --- levels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """Who awards a title or form, and its standing (a lower form has a lower standing)."""

    authority: str  # "board", "province", "government"
    standing: int


# Who signs what (Luật Thi đua, khen thưởng 2022; Nghị định 98/2023/NĐ-CP): the board's head
# awards Giấy khen and recognises the base-level titles of the enterprises he manages; the
# Chairman of the provincial People's Committee the Bằng khen, Cờ thi đua and Chiến sĩ thi đua
# cấp tỉnh; the Prime Minister the Bằng khen of the Prime Minister, the Government's Cờ thi đua
# and Chiến sĩ thi đua toàn quốc (on the province's proposal).
LEVELS: dict[str, Level] = {
    "LDTT": Level("board", 1),
    "TT_LDTT": Level("board", 1),
    "GIAY_KHEN": Level("board", 2),
    "CSTD_CS": Level("board", 3),
    "TT_LDXS": Level("board", 3),
    "BK_TINH": Level("province", 4),
    "CSTD_TINH": Level("province", 5),
    "CO_TINH": Level("province", 5),
    "BK_TTG": Level("government", 6),
    "CSTD_TQ": Level("government", 7),
    "CO_CP": Level("government", 7),
}
AUTHORITIES = ("board", "province", "government")
AUTHORITY_LABELS = {
    "board": N_("Head of the board"),
    "province": N_("Chairman of the Provincial People's Committee"),
    "government": N_("Prime Minister"),
}
REVIEW_LABELS = {
    "pending": N_("awaiting review"),
    "accepted": N_("accepted"),
    "returned": N_("returned"),
    "lowered": N_("accepted at a lower form"),
}
AWARDABLE = ("accepted", "lowered")


def level_of(code: str) -> Level:
    return LEVELS.get(code, Level("board", 0))


def authority_label(t: Translator, authority: str) -> str:
    return t(AUTHORITY_LABELS.get(authority, authority))


def _authority(value: str) -> str:
    text = value.strip().casefold()
    aliases = {
        "board": "board",
        "truong ban": "board",
        "trưởng ban": "board",
        "province": "province",
        "ubnd": "province",
        "chu tich ubnd tinh": "province",
        "chủ tịch ubnd tỉnh": "province",
        "government": "government",
        "thu tuong": "government",
        "thủ tướng": "government",
    }
    if text not in aliases:
        raise InvalidInput(
            N_("The signing authority is one of: board, province, government."),
        )
    return aliases[text]


def lower_forms(entry: ProposalEntry) -> list[str]:
    """The codes an entry may be moved down to: fitting the nominee, of a lower standing, and a
    form for a form."""
    standing = level_of(entry.title_code).standing
    try:
        proposed_kind = get_title(entry.title_code).kind
    except NotFound:
        return []
    codes = []
    for code, level in LEVELS.items():
        if level.standing >= standing or code == entry.title_code:
            continue
        try:
            title = get_title(code)
        except NotFound:
            continue
        # A form of commendation moves down to a lower form only (Bằng khen -> Giấy khen); a
        # title may become a lower title or a form (Cờ thi đua -> Bằng khen).
        if proposed_kind == "commendation" and title.kind != "commendation":
            continue
        if title.fits(entry.nominee):
            codes.append(code)
    return sorted(codes, key=lambda c: -level_of(c).standing)


# --- review ---------------------------------------------------------------------------


def _proposal(session: Session, entry: ProposalEntry) -> Submission:
    submission = subs.get_submission(session, entry.submission_id)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise InvalidState(
            N_("Only a submitted proposal can be reviewed; this one is {state}."),
            state=_Label(subs.STATE_LABELS[submission.status]),
        )
    return submission


def pending_entries(session: Session, submission: Submission) -> list[ProposalEntry]:
    return [e for e in list_proposals(session, submission) if e.review == "pending"]


def review_entry(
    session: Session,
    entry_id: int,
    verdict: str,
    act: Act,
    *,
    note: str = "",
    lower_to: str | None = None,
) -> ProposalEntry:
    """Record the board's verdict on one entry: "accept", "return" (a reason is needed) or
    "lower" (to one of `lower_forms`). The last verdict of a proposal settles the proposal."""
    entry = session.get(ProposalEntry, entry_id)
    if entry is None:
        raise NotFound(N_("This entry does not exist (any more)."))
    submission = _proposal(session, entry)
    before = {"review": entry.review, "awarded_code": entry.awarded_code}
    cleaned = _one_line(note)
    _too_long(cleaned, subs.REASON_MAX)
    if verdict == "accept":
        entry.review, entry.awarded_code, entry.review_note = "accepted", entry.title_code, None
    elif verdict == "return":
        if not cleaned:
            raise InvalidInput(
                N_("Please give the reason for returning the entry; the officer reads it.")
            )
        entry.review, entry.awarded_code, entry.review_note = "returned", None, cleaned
    elif verdict == "lower":
        code = (lower_to or "").strip().upper()
        if code not in lower_forms(entry):
            raise InvalidInput(
                N_("{title} is not a lower form for this entry."), title=TitleRef(code)
            )
        entry.review, entry.awarded_code, entry.review_note = "lowered", code, cleaned or None
    else:
        raise ValueError(f"unknown verdict {verdict!r}")
    entry.reviewed_at = act.now
    entry.reviewed_by_contact_id = act.contact_id
    session.add(entry)
    session.flush()
    audit.record(
        session,
        f"proposal.review_{verdict}",
        act,
        subject=_subject(submission),
        before=before,
        after={
            "entry": entry.id,
            "review": entry.review,
            "awarded_code": entry.awarded_code,
            "note": entry.review_note,
        },
    )
    _settle(session, submission, act)
    return entry


def _settle(session: Session, submission: Submission, act: Act) -> None:
    entries = list_proposals(session, submission)
    if any(e.review == "pending" for e in entries):
        return
    returned = [e for e in entries if e.review == "returned"]
    if returned:
        reasons = "\n".join(
            f"- {e.full_name or e.unit_name}: {e.review_note}" for e in returned if e.review_note
        )
        subs.return_submission(session, submission, reasons, act)
    else:
        subs.accept(session, submission, act)


# --- scoring --------------------------------------------------------------------------


def shortlist_size(campaign: Campaign) -> int:
    return plan_scoring(campaign.template).shortlist_per_cluster


# What a campaign keeps of each criterion of its plan file's scoring.
_CRITERION_COLUMNS = Dump(("code", "label", "label_en", "max_points", "source"))


def criteria(session: Session, campaign: Campaign) -> list[ScoringCriterion]:
    """The campaign's criteria; copied from the plan file the first time (then the campaign's
    own data, so a later edit of the file does not change a year already scored)."""
    by_position = [col(ScoringCriterion.position)]
    rows = rows_of(
        session, ScoringCriterion, ScoringCriterion.campaign_id == campaign.id, order=by_position
    )
    if rows:
        return rows
    assert campaign.id is not None
    for position, spec in enumerate(plan_scoring(campaign.template).criteria):
        row = ScoringCriterion(
            campaign_id=campaign.id, position=position, **_CRITERION_COLUMNS(spec)
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def _criterion_target(campaign: Campaign, code: str) -> tuple[str, Decimal] | None:
    for spec in plan_scoring(campaign.template).criteria:
        if spec.code == code and spec.figure is not None and spec.target is not None:
            return spec.figure, spec.target
    return None


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _on_time_share(session: Session, campaign: Campaign, enterprise_id: int, tz: tzinfo) -> Decimal:
    deadlines = session.exec(
        select(Deadline).where(Deadline.campaign_id == campaign.id, Deadline.kind != KIND)
    ).all()
    if not deadlines:
        return Decimal(0)
    on_time = 0
    for deadline in deadlines:
        first = session.exec(
            select(Receipt.submitted_at)
            .join(Submission, col(Submission.id) == col(Receipt.submission_id))
            .where(
                Submission.campaign_id == campaign.id,
                Submission.enterprise_id == enterprise_id,
                Submission.kind == deadline.kind,
            )
            .order_by(col(Receipt.submitted_at))
        ).first()
        if first is not None and first.astimezone(tz).date() <= deadline.due_on:
            on_time += 1
    return Decimal(on_time) / Decimal(len(deadlines))


def _reported_figure(
    session: Session, campaign: Campaign, enterprise_id: int, figure: str
) -> Decimal | None:
    report = session.exec(
        select(Submission).where(
            Submission.campaign_id == campaign.id,
            Submission.enterprise_id == enterprise_id,
            Submission.kind == DeadlineKind.YEAR_END_REPORT,
            col(Submission.status).in_((SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)),
        )
    ).first()
    if report is None:
        return None
    return subs.report_details(session, report).figures.get(figure)


def _set_score(
    session: Session,
    criterion: ScoringCriterion,
    enterprise_id: int,
    points: Decimal,
    *,
    by_staff: bool,
    now: datetime,
) -> Score:
    assert criterion.id is not None
    score = session.exec(
        select(Score).where(
            Score.criterion_id == criterion.id, Score.enterprise_id == enterprise_id
        )
    ).first()
    if score is None:
        score = Score(criterion_id=criterion.id, enterprise_id=enterprise_id, points=points)
    score.points, score.by_staff, score.updated_at = points, by_staff, now
    session.add(score)
    session.flush()
    return score


def fill_known_scores(session: Session, campaign: Campaign, now: datetime, tz: tzinfo) -> int:
    """Fill the points the bot knows (on time, figures against targets) for every enterprise
    of the board; staff points are left alone. Returns the number of scores written.

    An item is on time when its first receipt falls on or before the due date in the
    board's time zone `tz` (the caller's, like `now`)."""
    enterprises = _enterprises(session, campaign)
    written = 0
    for criterion in criteria(session, campaign):
        if criterion.source == "staff":
            continue
        target = _criterion_target(campaign, criterion.code)
        for enterprise in enterprises:
            assert enterprise.id is not None
            if criterion.source == "on_time":
                share = _on_time_share(session, campaign, enterprise.id, tz)
            else:
                if target is None:
                    continue
                value = _reported_figure(session, campaign, enterprise.id, target[0])
                if value is None or target[1] <= 0:
                    share = Decimal(0)
                else:
                    share = max(Decimal(0), min(Decimal(1), value / target[1]))
            _set_score(
                session,
                criterion,
                enterprise.id,
                _points(criterion.max_points * share),
                by_staff=False,
                now=now,
            )
            written += 1
    audit.record(
        session,
        "scoring.fill",
        Act(now, tz),
        subject=f"campaign:{campaign.id}",
        after={"scores": written},
    )
    return written


def set_staff_score(
    session: Session,
    campaign: Campaign,
    enterprise_id: int,
    criterion_code: str,
    raw_points: str,
    act: Act,
) -> Score:
    """The office's points for one enterprise on one criterion (0 to the criterion's max)."""
    found = {c.code: c for c in criteria(session, campaign)}
    criterion = found.get(criterion_code.strip())
    if criterion is None:
        raise NotFound(
            N_("There is no scoring criterion {code} in this campaign."), code=criterion_code
        )
    try:
        points = Decimal(raw_points.strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(N_("Please type the points as a number.")) from None
    if not points.is_finite() or points < 0 or points > criterion.max_points:
        raise InvalidInput(
            N_("The points for {criterion} are between 0 and {max}."),
            criterion=criterion.label,
            max=criterion.max_points,
        )
    before = session.exec(
        select(col(Score.points)).where(
            Score.criterion_id == criterion.id, Score.enterprise_id == enterprise_id
        )
    ).first()
    points = _points(points)
    score = _set_score(session, criterion, enterprise_id, points, by_staff=True, now=act.now)
    audit.record(
        session,
        "scoring.set",
        act,
        subject=f"enterprise:{enterprise_id}",
        before={"criterion": criterion.code, "points": before},
        after={"criterion": criterion.code, "points": score.points},
    )
    return score


@dataclass(frozen=True)
class Ranked:
    """One enterprise's total and its rank in its cluster; `shortlisted` for the Flag/Merit."""

    enterprise_id: int
    enterprise_name: str
    tax_code: str
    cluster: str
    points: dict[str, Decimal]
    total: Decimal
    rank: int
    shortlisted: bool


def _enterprises(session: Session, campaign: Campaign) -> list[Enterprise]:
    return list(
        session.exec(
            select(Enterprise)
            .where(
                Enterprise.organization_id == campaign.organization_id,
                col(Enterprise.active).is_(True),
                members(campaign.audience),
            )
            .order_by(col(Enterprise.name))
        ).all()
    )


def ranking(session: Session, campaign: Campaign) -> list[Ranked]:
    """Every enterprise with its points per criterion, ranked within its cluster (ties share
    the enterprise name order); the best `shortlist_per_cluster` of each cluster with some
    points are shortlisted."""
    found = criteria(session, campaign)
    ids = [c.id for c in found]
    scores: dict[int, dict[str, Decimal]] = defaultdict(dict)
    by_id = {c.id: c.code for c in found}
    for score in session.exec(select(Score).where(col(Score.criterion_id).in_(ids))).all():
        scores[score.enterprise_id][by_id[score.criterion_id]] = score.points
    clusters = {
        c.id: c.name
        for c in session.exec(
            select(Cluster).where(Cluster.organization_id == campaign.organization_id)
        ).all()
    }
    grouped: dict[str, list[tuple[Decimal, Enterprise]]] = defaultdict(list)
    for enterprise in _enterprises(session, campaign):
        assert enterprise.id is not None
        total = sum(scores[enterprise.id].values(), Decimal(0))
        grouped[clusters.get(enterprise.cluster_id, "")].append((total, enterprise))
    size = shortlist_size(campaign)
    ranked: list[Ranked] = []
    for cluster in sorted(grouped):
        members = sorted(grouped[cluster], key=lambda pair: (-pair[0], pair[1].name))
        for index, (total, enterprise) in enumerate(members, 1):
            assert enterprise.id is not None
            ranked.append(
                Ranked(
                    enterprise_id=enterprise.id,
                    enterprise_name=enterprise.name,
                    tax_code=enterprise.tax_code,
                    cluster=cluster,
                    points=dict(scores[enterprise.id]),
                    total=total,
                    rank=index,
                    shortlisted=index <= size and total > 0,
                )
            )
    return ranked


# --- decisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One proposal entry with its enterprise, for the documents and the results."""

    entry: ProposalEntry
    enterprise: Enterprise
    cluster: str
    decision: Decision | None

    @property
    def name(self) -> str:
        return self.entry.full_name or self.entry.unit_name

    @property
    def code(self) -> str:
        return self.entry.awarded_code or self.entry.title_code


def proposal_rows(
    session: Session, campaign: Campaign, *, reviewed_only: bool = False
) -> list[Row]:
    """Every entry of the campaign's submitted or settled proposals (drafts left out), by
    level, form, enterprise and entry."""
    query = (
        select(ProposalEntry, Submission, Enterprise)
        .join(Submission, col(Submission.id) == col(ProposalEntry.submission_id))
        .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
        .where(
            Submission.campaign_id == campaign.id,
            col(Submission.status).in_(
                (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED, SubmissionStatus.RETURNED)
            ),
        )
    )
    clusters = {
        c.id: c.name
        for c in session.exec(
            select(Cluster).where(Cluster.organization_id == campaign.organization_id)
        ).all()
    }
    decisions = {
        d.id: d for d in session.exec(select(Decision).where(Decision.campaign_id == campaign.id))
    }
    rows = []
    for entry, _submission, enterprise in session.exec(query).all():
        if reviewed_only and entry.review not in AWARDABLE:
            continue
        rows.append(
            Row(
                entry,
                enterprise,
                clusters.get(enterprise.cluster_id, ""),
                decisions.get(entry.decision_id),
            )
        )
    order = {code: index for index, code in enumerate(LEVELS)}
    rows.sort(
        key=lambda r: (
            AUTHORITIES.index(level_of(r.code).authority),
            order.get(r.code, 99),
            r.enterprise.name,
            r.entry.id or 0,
        )
    )
    return rows


def awaiting_decision(session: Session, campaign: Campaign, authority: str) -> list[Row]:
    """Accepted entries of this authority's level that no decision has awarded yet."""
    return [
        r
        for r in proposal_rows(session, campaign, reviewed_only=True)
        if r.entry.decision_id is None and level_of(r.code).authority == authority
    ]


def record_decision(
    session: Session,
    campaign: Campaign,
    number: str,
    signed_on: date,
    authority: str,
    act: Act,
    *,
    signer_name: str = "",
    entry_ids: Sequence[int] | None = None,
) -> tuple[Decision, list[Row]]:
    """Record a decision and the entries it awards: by default every accepted entry of the
    authority's level not yet awarded; `entry_ids` narrows it (the province may award fewer
    than proposed). Returns the decision and the rows awarded."""
    level = _authority(authority)
    cleaned = _one_line(number)
    if not cleaned:
        raise InvalidInput(N_("Please type the decision's number, for example 125/QĐ-BQL."))
    _too_long(cleaned, 64)
    if signed_on > act.today:
        raise InvalidInput(N_("The decision date {date} is in the future."), date=signed_on)
    if session.exec(
        select(Decision).where(Decision.campaign_id == campaign.id, Decision.number == cleaned)
    ).first():
        raise InvalidInput(N_("Decision {number} is already recorded."), number=cleaned)
    candidates = awaiting_decision(session, campaign, level)
    if entry_ids is not None:
        wanted = set(entry_ids)
        unknown = wanted - {r.entry.id for r in candidates}
        if unknown:
            raise InvalidInput(
                N_("Entries {ids} are not accepted entries awaiting a decision of this level."),
                ids=", ".join(str(i) for i in sorted(unknown)),
            )
        candidates = [r for r in candidates if r.entry.id in wanted]
    if not candidates:
        raise InvalidInput(N_("No accepted entry of this level awaits a decision."))
    assert campaign.id is not None
    decision = Decision(
        campaign_id=campaign.id,
        number=cleaned,
        signed_on=signed_on,
        authority=level,
        signer_name=_one_line(signer_name)[:255],
        created_at=act.now,
        created_by_contact_id=act.contact_id,
    )
    session.add(decision)
    session.flush()
    for row in candidates:
        row.entry.decision_id = decision.id
        session.add(row.entry)
    session.flush()
    audit.record(
        session,
        "decision.record",
        act,
        subject=f"campaign:{campaign.id}",
        after={
            "decision": decision.id,
            "number": cleaned,
            "signed_on": signed_on,
            "authority": level,
            "entries": [r.entry.id for r in candidates],
        },
    )
    awarded = [Row(r.entry, r.enterprise, r.cluster, decision) for r in candidates]
    return decision, awarded


@dataclass(frozen=True)
class Result:
    """What one proposed person or collective received (or where it stands)."""

    name: str
    proposed: str
    awarded: str | None
    review: str
    decision_number: str | None
    decision_date: date | None
    authority: str | None
    note: str | None


def results_for(session: Session, campaign_id: int, enterprise_id: int) -> list[Result]:
    """The enterprise's proposal, entry by entry, with the verdicts and decisions so far."""
    submission = session.exec(
        select(Submission).where(
            Submission.campaign_id == campaign_id,
            Submission.enterprise_id == enterprise_id,
            Submission.kind == KIND,
        )
    ).first()
    if submission is None or submission.version == 0:
        return []
    out = []
    for entry in list_proposals(session, submission):
        decision = session.get(Decision, entry.decision_id) if entry.decision_id else None
        out.append(
            Result(
                name=entry.full_name or entry.unit_name,
                proposed=entry.title_code,
                awarded=entry.awarded_code if decision is not None else None,
                review=entry.review,
                decision_number=decision.number if decision else None,
                decision_date=decision.signed_on if decision else None,
                authority=decision.authority if decision else None,
                note=entry.review_note,
            )
        )
    return out


# --- year over year -------------------------------------------------------------------


@dataclass(frozen=True)
class YearCounts:
    registered: int
    proposed: int
    awarded: int


def year_over_year(
    session: Session, organization_id: int
) -> tuple[list[Campaign], list[tuple[Enterprise, dict[int, YearCounts]]]]:
    """Per enterprise and campaign: entries registered, proposed and awarded."""
    campaigns = list(
        session.exec(
            select(Campaign)
            .where(Campaign.organization_id == organization_id)
            .order_by(col(Campaign.year), col(Campaign.id))
        ).all()
    )
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    registered = session.exec(
        select(Submission.enterprise_id, Submission.campaign_id)
        .join(RegistrationEntry, col(RegistrationEntry.submission_id) == col(Submission.id))
        .where(
            Submission.kind == DeadlineKind.TITLE_REGISTRATION,
            col(Submission.status).in_((SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)),
        )
    ).all()
    for enterprise_id, campaign_id in registered:
        counts[(enterprise_id, campaign_id)][0] += 1
    proposed = session.exec(
        select(Submission.enterprise_id, Submission.campaign_id, ProposalEntry.decision_id)
        .join(ProposalEntry, col(ProposalEntry.submission_id) == col(Submission.id))
        .where(Submission.kind == KIND, col(Submission.version) > 0)
    ).all()
    for enterprise_id, campaign_id, decision_id in proposed:
        counts[(enterprise_id, campaign_id)][1] += 1
        if decision_id is not None:
            counts[(enterprise_id, campaign_id)][2] += 1
    enterprises = session.exec(
        select(Enterprise)
        .where(Enterprise.organization_id == organization_id)
        .order_by(col(Enterprise.name))
    ).all()
    table = []
    for enterprise in enterprises:
        per = {
            c.id: YearCounts(*counts[(enterprise.id, c.id)])
            for c in campaigns
            if c.id is not None and enterprise.id is not None and (enterprise.id, c.id) in counts
        }
        if per:
            table.append((enterprise, per))
    return campaigns, table


def is_individual(entry: ProposalEntry) -> bool:
    return entry.nominee == Nominee.INDIVIDUAL


def results_lines(t: Translator, results: Sequence[Result]) -> list[str]:
    """The results as /status shows them: one line per proposed person or collective."""
    if not results:
        return []
    lines = [t("Commendation results:")]
    for result in results:
        proposed = TitleRef(result.proposed).localize(t.language)
        if result.awarded and result.decision_number and result.decision_date:
            line = t(
                "{name}: {title} (decision {number} of {date}, {authority})",
                name=result.name,
                title=TitleRef(result.awarded).localize(t.language),
                number=result.decision_number,
                date=t.date(result.decision_date),
                authority=authority_label(t, result.authority or ""),
            )
        elif result.review in AWARDABLE:
            line = t(
                "{name}: {title}, accepted by the board; awaiting the decision",
                name=result.name,
                title=proposed,
            )
        elif result.review == "returned":
            line = t(
                "{name}: {title}, returned: {note}",
                name=result.name,
                title=proposed,
                note=result.note or "-",
            )
        else:
            line = t("{name}: {title}, awaiting review", name=result.name, title=proposed)
        lines.append("- " + line)
    return lines
