"""What rendering a batch of messages needs, read in a handful of queries for the whole batch.

`Facts` is built from the identities of a batch (the dispatcher's claimed rows, or the
planner's dry run) and holds the campaigns, deadlines, phases, observances, submissions and
broadcasts they name, as they are now. A message whose subject has since disappeared raises
`Gone` when rendered: it is not sent (the outbox marks it failed, saying why).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.models import (
    Broadcast,
    Campaign,
    Cluster,
    Deadline,
    DeadlineExtension,
    DeadlineKind,
    Enterprise,
    LinkAttempt,
    Observance,
    Organization,
    Phase,
    Role,
    Submission,
    SubmissionStatus,
)
from bot.services.audience import members
from bot.services.submissions import item_submission_join, not_submitted_condition

if TYPE_CHECKING:
    from bot.notifications.kinds import Notification

# A batch naming more enterprises than this reads its campaigns' submissions whole.
MAX_LISTED_IDS = 1000
# The digest lists at most this many overdue enterprises (see `texts.digest_text`).
DIGEST_OVERDUE_LIMIT = 15


class Gone(Exception):
    """What a message is about no longer exists (or no longer concerns its recipient)."""


@dataclass(frozen=True)
class Recipient:
    """The contact a message goes to, as he is when it is sent."""

    contact_id: int
    language: str
    enterprise_id: int | None = None
    role: Role = Role.OFFICER
    cluster_id: int | None = None


@dataclass(frozen=True)
class DigestLine:
    """Counts for one deadline within the recipient's scope."""

    kind: DeadlineKind
    due_on: date
    total: int
    submitted: int
    accepted: int
    returned: int
    draft: int
    missing: int
    late: int = 0  # of the received ones, sent after the due date ("nộp muộn")


@dataclass(frozen=True)
class OverdueItem:
    enterprise: str
    tax_code: str
    kind: DeadlineKind
    due_on: date


class DigestFigures:
    """One campaign's counts per (deadline, cluster, status) and its first overdue items per
    cluster on a day: every digest of the campaign, board-wide or for one cluster, is cut
    from them."""

    def __init__(self, session: Session, campaign: Campaign, deadlines: list[Deadline], on: date):
        self.deadlines = sorted(deadlines, key=lambda d: (d.due_on, d.id or 0))
        ids = [d.id for d in self.deadlines if d.id is not None]
        by_id = {d.id: d for d in self.deadlines}
        self.counts: dict[tuple[int, int | None], dict[str | None, int]] = defaultdict(dict)
        # received after the due date ("nộp muộn"), per (deadline, cluster)
        self.late: dict[tuple[int, int | None], int] = defaultdict(int)
        if ids:
            joined = _campaign_items(
                select(
                    col(Deadline.id),
                    col(Enterprise.cluster_id),
                    col(Submission.status),
                    col(Submission.late),
                    func.count(),
                ),
                campaign,
                ids,
            ).group_by(
                col(Deadline.id),
                col(Enterprise.cluster_id),
                col(Submission.status),
                col(Submission.late),
            )
            for deadline_id, cluster_id, status, was_late, n in session.execute(joined).all():
                per_status = self.counts[(deadline_id, cluster_id)]
                key = None if status is None else str(status)
                per_status[key] = per_status.get(key, 0) + n
                if was_late and status is not None and status != SubmissionStatus.DRAFT:
                    self.late[(deadline_id, cluster_id)] += n
        overdue_ids = [d.id for d in self.deadlines if d.due_on < on and d.id is not None]
        rows = (
            list(session.execute(_overdue_heads(campaign, overdue_ids)).all())
            if overdue_ids
            else []
        )
        self._overdue = [
            (
                row.cluster_id,
                OverdueItem(
                    enterprise=row.name,
                    tax_code=row.tax_code,
                    kind=DeadlineKind(by_id[row.deadline_id].kind),
                    due_on=by_id[row.deadline_id].due_on,
                ),
            )
            for row in rows
        ]
        self._overdue_totals = {row.cluster_id: row.in_cluster for row in rows}
        self._clusters = dict(
            session.execute(
                select(col(Cluster.id), col(Cluster.name)).where(
                    col(Cluster.organization_id) == campaign.organization_id
                )
            ).all()
        )

    def cluster_name(self, cluster_id: int | None) -> str:
        return self._clusters.get(cluster_id, "?") if cluster_id is not None else ""

    def lines(self, cluster_id: int | None, leader: bool) -> list[DigestLine]:
        out = []
        for d in self.deadlines:
            tally: dict[str | None, int] = defaultdict(int)
            late = 0
            for (did, cid), per_status in self.counts.items():
                if did == d.id and (not leader or cid == cluster_id):
                    for status, n in per_status.items():
                        tally[status] += n
                    late += self.late.get((did, cid), 0)
            out.append(
                DigestLine(
                    kind=DeadlineKind(d.kind),
                    due_on=d.due_on,
                    total=sum(tally.values()),
                    submitted=tally[SubmissionStatus.SUBMITTED.value],
                    accepted=tally[SubmissionStatus.ACCEPTED.value],
                    returned=tally[SubmissionStatus.RETURNED.value],
                    draft=tally[SubmissionStatus.DRAFT.value],
                    missing=tally[None],
                    late=late,
                )
            )
        return out

    def overdue(self, cluster_id: int | None, leader: bool) -> list[OverdueItem]:
        return [item for cid, item in self._overdue if not leader or cid == cluster_id][
            :DIGEST_OVERDUE_LIMIT
        ]

    def overdue_total(self, cluster_id: int | None, leader: bool) -> int:
        return sum(n for cid, n in self._overdue_totals.items() if not leader or cid == cluster_id)


def _campaign_items(query: Any, campaign: Campaign, deadline_ids: list[int]) -> Any:
    """`query` over the campaign's items: each active enterprise of the board × each of
    `deadline_ids` that takes part in the campaign (its audience), outer-joined to its
    submission (none yet: NULL columns)."""
    return (
        query.select_from(Enterprise)
        .join(Deadline, col(Deadline.campaign_id) == campaign.id)
        .outerjoin(Submission, item_submission_join())
        .where(
            col(Deadline.id).in_(deadline_ids),
            col(Enterprise.active),
            col(Enterprise.organization_id) == campaign.organization_id,
            members(campaign.audience),
        )
    )


def _overdue_heads(campaign: Campaign, overdue_ids: list[int]) -> Any:
    """SQL: the first `DIGEST_OVERDUE_LIMIT` overdue items of each cluster, with the
    cluster's total, in the digest's order (due date, enterprise name).

    A digest lists at most that many items, for the whole board or one cluster; the board's
    first ones are all among its clusters' first ones. So a digest never holds every overdue
    item (300,000 at 100,000 enterprises and three deadlines), only a few per cluster.
    """
    partition = (col(Enterprise.cluster_id),)
    order = (col(Deadline.due_on), col(Enterprise.name), col(Enterprise.id), col(Deadline.id))
    ranked = (
        _campaign_items(
            select(
                col(Deadline.id).label("deadline_id"),
                col(Enterprise.cluster_id).label("cluster_id"),
                col(Enterprise.name).label("name"),
                col(Enterprise.tax_code).label("tax_code"),
                col(Deadline.due_on).label("due_on"),
                col(Enterprise.id).label("enterprise_id"),
                func.row_number().over(partition_by=partition, order_by=order).label("rank"),
                func.count().over(partition_by=partition).label("in_cluster"),
            ),
            campaign,
            overdue_ids,
        )
        .where(not_submitted_condition())
        .subquery("overdue")
    )
    return (
        select(ranked)
        .where(ranked.c.rank <= DIGEST_OVERDUE_LIMIT)
        .order_by(ranked.c.due_on, ranked.c.name, ranked.c.enterprise_id, ranked.c.deadline_id)
    )


_Found = TypeVar("_Found")


def _of_item(
    found: dict[tuple[int, str, int], _Found],
    campaign_id: int,
    kind: DeadlineKind,
    enterprise_id: int | None,
) -> _Found | None:
    """What the batch read of one enterprise's item of a campaign (None for a message that
    is about no enterprise, or when there is nothing)."""
    if enterprise_id is None:
        return None
    return found.get((campaign_id, str(kind), enterprise_id))


class Facts:
    """The current state of everything a batch of messages names, read once."""

    def __init__(self, session: Session, batch: Iterable[tuple[Notification, Recipient]]) -> None:
        self._session = session
        items = list(batch)
        campaign_ids: set[int] = set()
        observance_ids: set[int] = set()
        submission_ids: set[int] = set()
        broadcast_ids: set[int] = set()
        extension_ids: set[int] = set()
        owed: set[tuple[int, int]] = set()  # (campaign, enterprise) of reminders and nudges
        for notification, to in items:
            ident = notification.identity()
            if ident["campaign_id"] is not None:
                campaign_ids.add(ident["campaign_id"])
            if ident["broadcast_id"] is not None:
                broadcast_ids.add(ident["broadcast_id"])
            if notification.kind.value == "observance":
                observance_ids.add(ident["subject_id"])
            elif notification.kind.value == "review_result":
                submission_ids.add(ident["subject_id"])
            elif notification.kind.value == "extension":
                extension_ids.add(ident["subject_id"])
            if notification.cancelled_when_submitted and to.enterprise_id is not None:
                owed.add((ident["campaign_id"], to.enterprise_id))
        self._campaigns = _by_id(session, Campaign, campaign_ids)
        # The boards' names, for "contact the office of ..." (one query for the batch).
        org_ids = {c.organization_id for c in self._campaigns.values()}
        self._boards: dict[int, str] = (
            dict(
                session.execute(
                    select(col(Organization.id), col(Organization.name)).where(
                        col(Organization.id).in_(org_ids)
                    )
                ).all()
            )
            if org_ids
            else {}
        )
        self._extension_by_id = _by_id(session, DeadlineExtension, extension_ids)
        # (campaign, item kind, enterprise) -> the date the board extended the item to
        self._extended: dict[tuple[int, str, int], date] = {}
        self._deadlines: dict[int, list[Deadline]] = defaultdict(list)
        self._phases: dict[int, list[Phase]] = defaultdict(list)
        self._phase_by_id: dict[int, Phase] = {}
        if campaign_ids:
            for d in session.scalars(
                select(Deadline)
                .where(col(Deadline.campaign_id).in_(campaign_ids))
                .order_by(col(Deadline.due_on), col(Deadline.id))
            ):
                self._deadlines[d.campaign_id].append(d)
            for p in session.scalars(
                select(Phase)
                .where(col(Phase.campaign_id).in_(campaign_ids))
                .order_by(col(Phase.number))
            ):
                self._phases[p.campaign_id].append(p)
                if p.id is not None:
                    self._phase_by_id[p.id] = p
        self._observances = _by_id(session, Observance, observance_ids)
        self._broadcasts = _by_id(session, Broadcast, broadcast_ids)
        self._submissions: dict[int, Submission] = {}
        self._owed: dict[tuple[int, str, int], Submission] = {}
        conditions: list[ColumnElement[bool]] = []
        if submission_ids:
            conditions.append(col(Submission.id).in_(submission_ids))
        if owed:
            owed_campaigns: ColumnElement[bool] = col(Submission.campaign_id).in_(
                {c for c, _ in owed}
            )
            enterprises = {e for _, e in owed}
            if len(enterprises) <= MAX_LISTED_IDS:
                owed_campaigns = and_(
                    owed_campaigns, col(Submission.enterprise_id).in_(enterprises)
                )
            # Else (the dry run of a whole board's day): every submission of the campaigns,
            # rather than a list of ids longer than SQLite accepts in one statement.
            conditions.append(owed_campaigns)
        if conditions:
            for s in session.scalars(select(Submission).where(or_(*conditions))):
                if s.id is not None:
                    self._submissions[s.id] = s
                self._owed[(s.campaign_id, str(s.kind), s.enterprise_id)] = s
        if owed:
            extended = (
                select(DeadlineExtension, col(Deadline.campaign_id), col(Deadline.kind))
                .join(Deadline, col(Deadline.id) == col(DeadlineExtension.deadline_id))
                .where(col(Deadline.campaign_id).in_({c for c, _ in owed}))
            )
            if len({e for _, e in owed}) <= MAX_LISTED_IDS:
                extended = extended.where(
                    col(DeadlineExtension.enterprise_id).in_({e for _, e in owed})
                )
            for ext, campaign_id, kind in session.execute(extended).all():
                self._extended[(campaign_id, str(kind), ext.enterprise_id)] = ext.until
        self._digests: dict[tuple[int, date], DigestFigures] = {}
        # The rows the batch names by id, per table (`get`).
        self._by_model: dict[type[Any], dict[int, Any]] = {
            Campaign: self._campaigns,
            DeadlineExtension: self._extension_by_id,
            Phase: self._phase_by_id,
            Observance: self._observances,
            Submission: self._submissions,
            Broadcast: self._broadcasts,
        }

    def get(self, model: type[_Found], row_id: int) -> _Found:
        """The `model` row (campaign, phase, observance, submission, broadcast, extension) a
        message names, read with the batch; Gone when it was deleted between planning and
        sending (the message is dropped, not sent with a hole in it)."""
        row: _Found | None = self._by_model[model].get(row_id)
        if row is None:
            raise Gone(f"{model.__name__} {row_id} no longer exists")
        return row

    def deadlines_of(self, campaign_id: int) -> list[Deadline]:
        return list(self._deadlines.get(campaign_id, []))

    def phases_of(self, campaign_id: int) -> list[Phase]:
        return list(self._phases.get(campaign_id, []))

    def deadline(self, campaign_id: int, kind: DeadlineKind) -> Deadline:
        for d in self._deadlines.get(campaign_id, []):
            if d.kind == kind:
                return d
        raise Gone(f"campaign {campaign_id} no longer has a {kind} deadline")

    def board(self, campaign_id: int) -> str:
        """The name of the campaign's board (the organization that runs it)."""
        return self._boards.get(self.get(Campaign, campaign_id).organization_id, "")

    def extended_until(
        self, campaign_id: int, kind: DeadlineKind, enterprise_id: int | None
    ) -> date | None:
        """The date the board extended this enterprise's item to, if it did."""
        return _of_item(self._extended, campaign_id, kind, enterprise_id)

    def phase_for_observance(self, obs: Observance, on: date) -> Phase | None:
        """The observance's phase; without one, the phase holding its day, else the one
        holding the day of the prompt."""
        if obs.phase_id is not None and obs.phase_id in self._phase_by_id:
            return self._phase_by_id[obs.phase_id]
        phases = self._phases.get(obs.campaign_id, [])
        for day in (obs.on, on):
            for p in phases:
                if p.starts_on <= day <= p.ends_on:
                    return p
        return None

    def submission_of(
        self, campaign_id: int, kind: DeadlineKind, enterprise_id: int | None
    ) -> Submission | None:
        """The enterprise's submission of the item, if it has one (read with the batch)."""
        return _of_item(self._owed, campaign_id, kind, enterprise_id)

    def digest(self, campaign_id: int, on: date) -> DigestFigures:
        key = (campaign_id, on)
        figures = self._digests.get(key)
        if figures is None:
            campaign = self.get(Campaign, campaign_id)
            deadlines = self.deadlines_of(campaign_id)
            figures = self._digests[key] = DigestFigures(self._session, campaign, deadlines, on)
        return figures

    def wrong_codes_up_to(self, attempt_id: int) -> tuple[int, int]:
        """The wrong invite codes typed within the attempt window ending at this wrong try,
        and from how many accounts (for an alert about code guessing)."""
        from bot.services.invites import ATTEMPT_WINDOW  # invites enqueues the alert

        attempt = self._session.get(LinkAttempt, attempt_id)
        if attempt is None:
            raise Gone(f"wrong try {attempt_id} no longer exists")
        at = attempt.at
        tries, accounts = self._session.execute(
            select(func.count(), func.count(func.distinct(col(LinkAttempt.contact_id)))).where(
                col(LinkAttempt.at) > at - ATTEMPT_WINDOW, col(LinkAttempt.at) <= at
            )
        ).one()
        return int(tries), int(accounts)


_Row = TypeVar("_Row", Campaign, Observance, Broadcast, DeadlineExtension)


def _by_id(session: Session, model: type[_Row], ids: set[int]) -> dict[int, _Row]:
    if not ids:
        return {}
    rows = session.scalars(select(model).where(col(model.id).in_(ids)))
    return {row.id: row for row in rows if row.id is not None}
