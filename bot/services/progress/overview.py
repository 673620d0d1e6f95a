"""Who sent what: the counts per item, zone and cluster of one campaign."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.models import (
    Cluster,
    Deadline,
    DeadlineKind,
    Enterprise,
    Submission,
    SubmissionStatus,
    Zone,
)
from bot.services.access import Scope, campaign_in_scope
from bot.services.audience import Audience, members
from bot.services.submissions import item_submission_join


@dataclass
class Counts:
    """How many enterprises stand where on one item.

    accepted + submitted + returned + missing = total; `draft` is a part of `missing`.
    """

    total: int = 0
    accepted: int = 0
    submitted: int = 0
    returned: int = 0
    missing: int = 0
    draft: int = 0  # those of `missing` who started a draft
    late: int = 0  # those of `received` sent after the due date ("nộp muộn")

    @property
    def received(self) -> int:
        return self.accepted + self.submitted + self.returned

    def add(self, status: str | None, n: int, late: bool = False) -> None:
        if late and status in (
            SubmissionStatus.SUBMITTED,
            SubmissionStatus.ACCEPTED,
            SubmissionStatus.RETURNED,
        ):
            self.late += n
        self.total += n
        if status == SubmissionStatus.ACCEPTED:
            self.accepted += n
        elif status == SubmissionStatus.SUBMITTED:
            self.submitted += n
        elif status == SubmissionStatus.RETURNED:
            self.returned += n
        else:
            self.missing += n
            if status == SubmissionStatus.DRAFT:
                self.draft += n


@dataclass
class GroupCounts:
    """The counts of one zone or cluster; `id` None gathers the enterprises without one."""

    id: int | None
    name: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class KindProgress:
    """One deadline of the campaign and where the enterprises stand on it."""

    kind: DeadlineKind
    due_on: date
    overall: Counts
    by_zone: list[GroupCounts]
    by_cluster: list[GroupCounts]


@dataclass
class Progress:
    """A campaign's progress as seen from one scope (the caller knows which campaign it asked
    about: the progress keeps only the title its texts and charts show)."""

    campaign_title: str
    cluster_id: int | None
    cluster_name: str | None
    enterprises: int  # the participants in scope (enterprises, or the board's units)
    items: list[KindProgress]
    audience: Audience = Audience.ENTERPRISES

    def item(self, kind: str) -> KindProgress | None:
        return next((item for item in self.items if item.kind == kind), None)


def _names(
    session: Session, model: type[Zone] | type[Cluster], organization_id: int
) -> dict[int, str]:
    rows = session.exec(
        select(model.id, model.name).where(col(model.organization_id) == organization_id)
    ).all()
    return {row[0]: row[1] for row in rows if row[0] is not None}


def _deadlines(session: Session, campaign_id: int) -> list[Deadline]:
    return list(
        session.exec(
            select(Deadline)
            .where(col(Deadline.campaign_id) == campaign_id)
            .order_by(col(Deadline.due_on), col(Deadline.kind))
        ).all()
    )


def _sorted_groups(groups: Mapping[int | None, GroupCounts]) -> list[GroupCounts]:
    return sorted(groups.values(), key=lambda g: (g.id is None, g.name.casefold(), g.id or 0))


def campaign_progress(session: Session, campaign_id: int, scope: Scope) -> Progress:
    """Per deadline: accepted / submitted / returned / missing (and drafts), by zone and cluster."""
    campaign = campaign_in_scope(session, campaign_id, scope)
    deadlines = _deadlines(session, campaign_id)
    zones = _names(session, Zone, scope.organization_id)
    clusters = _names(session, Cluster, scope.organization_id)
    enterprises = session.exec(
        select(func.count(col(Enterprise.id))).where(
            *scope.enterprise_conditions(), members(campaign.audience)
        )
    ).one()
    rows = session.execute(
        sa_select(
            col(Deadline.kind),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.late),
            func.count(col(Enterprise.id)),
        )
        .select_from(Enterprise)
        .join(Deadline, col(Deadline.campaign_id) == campaign_id)
        .outerjoin(Submission, item_submission_join())
        .where(*scope.enterprise_conditions(), members(campaign.audience))
        .group_by(
            col(Deadline.kind),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.late),
        )
    ).all()

    overall: dict[str, Counts] = defaultdict(Counts)
    by_zone: dict[str, dict[int | None, GroupCounts]] = defaultdict(dict)
    by_cluster: dict[str, dict[int | None, GroupCounts]] = defaultdict(dict)
    for kind, zone_id, cluster_id, status, late, n in rows:
        overall[kind].add(status, n, bool(late))
        zone = by_zone[kind].setdefault(zone_id, GroupCounts(zone_id, zones.get(zone_id or 0, "")))
        zone.counts.add(status, n, bool(late))
        cluster = by_cluster[kind].setdefault(
            cluster_id, GroupCounts(cluster_id, clusters.get(cluster_id or 0, ""))
        )
        cluster.counts.add(status, n, bool(late))

    items = [
        KindProgress(
            kind=DeadlineKind(d.kind),
            due_on=d.due_on,
            overall=overall.get(d.kind, Counts()),
            by_zone=_sorted_groups(by_zone.get(d.kind, {})),
            by_cluster=_sorted_groups(by_cluster.get(d.kind, {})),
        )
        for d in deadlines
    ]
    return Progress(
        campaign_title=campaign.title,
        cluster_id=scope.cluster_id,
        cluster_name=clusters.get(scope.cluster_id) if scope.cluster_id is not None else None,
        enterprises=enterprises,
        items=items,
        audience=Audience(campaign.audience),
    )
