"""Broadcasts: staff write once, the outbox delivers to every officer of the chosen audience.

`create_broadcast` writes the Broadcast (its text and document, once), one pending Delivery
per recipient (`bot.notifications.BroadcastMessage`, through the one `enqueue`) and the
audit entry in the caller's transaction, so either all of it exists or none of it does; the
scheduler's dispatcher sends the pending deliveries at its own pace (rate limits, quiet
hours, retries). Recipients are linked, reachable officers of active enterprises inside the
sender's scope: a cluster leader's broadcast never reaches another cluster, even when he asks
for "all" or for a zone shared with other clusters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    Broadcast,
    Campaign,
    Cluster,
    Contact,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryStatus,
    Enterprise,
    Role,
    Submission,
    Zone,
)
from bot.notifications.kinds import BroadcastMessage
from bot.notifications.outbox import enqueue
from bot.services import audit
from bot.services.access import (
    AccessDenied,
    InvalidInput,
    NotFound,
    Scope,
    campaign_in_scope,
    clusters_in_scope,
)
from bot.services.acts import Act
from bot.services.audience import reaches
from bot.services.items import kind_label, parse_kind
from bot.services.progress import deadline_of
from bot.services.reach import receives_now
from bot.services.submissions import not_submitted_condition

TEXT_LIMIT = 4096  # Broadcast.text; the channels split longer messages themselves


class AudienceKind(StrEnum):
    ALL = "all"
    ZONE = "zone"
    CLUSTER = "cluster"
    NOT_SUBMITTED = "not_submitted"


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to; stored as JSON on the Broadcast (`to_json` / `from_json`)."""

    kind: AudienceKind
    zone_id: int | None = None
    cluster_id: int | None = None
    campaign_id: int | None = None
    item: DeadlineKind | None = None

    @classmethod
    def everyone(cls) -> Audience:
        return cls(AudienceKind.ALL)

    @classmethod
    def zone(cls, zone_id: int) -> Audience:
        return cls(AudienceKind.ZONE, zone_id=zone_id)

    @classmethod
    def cluster(cls, cluster_id: int) -> Audience:
        return cls(AudienceKind.CLUSTER, cluster_id=cluster_id)

    @classmethod
    def not_submitted(cls, campaign_id: int, item: str) -> Audience:
        """The enterprises that have not yet submitted `item`.

        That is nothing, a draft, or an item returned for fixes (`not_submitted_condition`).
        """
        return cls(AudienceKind.NOT_SUBMITTED, campaign_id=campaign_id, item=parse_kind(item))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        for key in ("zone_id", "cluster_id", "campaign_id"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.item is not None:
            data["item"] = self.item.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        try:
            kind = AudienceKind(data.get("kind", ""))
            item = data.get("item")
            audience = cls(
                kind,
                zone_id=_int_or_none(data.get("zone_id")),
                cluster_id=_int_or_none(data.get("cluster_id")),
                campaign_id=_int_or_none(data.get("campaign_id")),
                item=DeadlineKind(item) if item else None,
            )
        except (ValueError, TypeError):
            raise InvalidInput(N_("This audience is not understood.")) from None
        audience.check()
        return audience

    def check(self) -> None:
        """Refuse an audience missing what its kind needs."""
        missing = (
            (self.kind == AudienceKind.ZONE and self.zone_id is None)
            or (self.kind == AudienceKind.CLUSTER and self.cluster_id is None)
            or (
                self.kind == AudienceKind.NOT_SUBMITTED
                and (self.campaign_id is None or self.item is None)
            )
        )
        if missing:
            raise InvalidInput(N_("This audience is not understood."))


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _check_audience(
    session: Session, organization_id: int, audience: Audience, scope: Scope
) -> None:
    """Refuse another board, an unknown zone, cluster or campaign, and another cluster."""
    audience.check()
    if organization_id != scope.organization_id:
        raise AccessDenied(N_("You can only write to your own board's enterprises."))
    if audience.kind == AudienceKind.ZONE:
        zone = session.get(Zone, audience.zone_id)
        if zone is None or zone.organization_id != organization_id:
            raise NotFound(N_("There is no such industrial zone."))
    elif audience.kind == AudienceKind.CLUSTER:
        assert audience.cluster_id is not None
        cluster = session.get(Cluster, audience.cluster_id)
        if cluster is None or cluster.organization_id != organization_id:
            raise NotFound(N_("There is no such emulation cluster."))
        scope.check_cluster(audience.cluster_id)
    elif audience.kind == AudienceKind.NOT_SUBMITTED:
        assert audience.campaign_id is not None and audience.item is not None
        campaign_in_scope(session, audience.campaign_id, scope)
        deadline_of(session, audience.campaign_id, audience.item)


def resolve_audience(
    session: Session, organization_id: int, audience: Audience, scope: Scope, *, email: bool
) -> list[Contact]:
    """The linked, reachable officer contacts the audience designates, within `scope`."""
    _check_audience(session, organization_id, audience, scope)
    query = (
        select(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable).is_(True),
            receives_now(email),
            *scope.enterprise_conditions(),
        )
    )
    if audience.kind == AudienceKind.ZONE:
        query = query.where(col(Enterprise.zone_id) == audience.zone_id)
    elif audience.kind == AudienceKind.CLUSTER:
        query = query.where(col(Enterprise.cluster_id) == audience.cluster_id)
    elif audience.kind == AudienceKind.NOT_SUBMITTED:
        query = query.outerjoin(
            Submission,
            and_(
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.campaign_id) == audience.campaign_id,
                col(Submission.kind) == audience.item,
            ),
        ).where(not_submitted_condition(), reaches(audience.campaign_id))
    return list(session.exec(query.order_by(col(Enterprise.name), col(Contact.id))).all())


def create_broadcast(
    session: Session,
    organization_id: int,
    text: str,
    audience: Audience,
    scope: Scope,
    document_path: str | Path | None = None,
    *,
    act: Act,
    email: bool,
) -> tuple[Broadcast, int]:
    """Write the broadcast (its author: the act's contact) and one pending delivery per
    recipient; returns it and the count.

    Nothing is committed: the caller's transaction holds the broadcast, its deliveries and
    its audit entry together. Refused (and nothing written) when the text is empty or too
    long, the document is missing, or nobody in the audience can be reached.
    """
    body = text.strip()
    if not body:
        raise InvalidInput(N_("The message is empty."))
    if len(body) > TEXT_LIMIT:
        raise InvalidInput(
            N_("The message is too long: {n} characters, at most {limit}."),
            n=Decimal(len(body)),
            limit=Decimal(TEXT_LIMIT),
        )
    document = str(document_path) if document_path is not None else None
    if document is not None and not Path(document).is_file():
        raise InvalidInput(N_("The attached document cannot be found."))
    recipients = resolve_audience(session, organization_id, audience, scope, email=email)
    if not recipients:
        raise InvalidInput(N_("Nobody in this audience can be reached: nothing was sent."))

    broadcast = Broadcast(
        organization_id=organization_id,
        campaign_id=audience.campaign_id,
        created_by_contact_id=act.contact_id,
        text=body,
        document_path=document,
        audience=audience.to_json(),
        created_at=act.now,
    )
    session.add(broadcast)
    session.flush()
    assert broadcast.id is not None
    # The body and document stay on the Broadcast row; each delivery is its identity.
    enqueue(
        session,
        BroadcastMessage(broadcast.id),
        [contact.id for contact in recipients if contact.id is not None],
        not_before=act.now,
        now=act.now,
    )
    audit.record(
        session,
        "broadcast.create",
        act,
        subject=f"broadcast:{broadcast.id}",
        after={
            "audience": audience.to_json(),
            "recipients": len(recipients),
            "text": body,
            "document_path": document,
        },
    )
    session.flush()
    return broadcast, len(recipients)


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class BroadcastStatus:
    """Where the deliveries of one broadcast stand (counted within the viewer's scope)."""

    broadcast_id: int
    created_at: datetime
    text: str
    audience: dict[str, Any]
    document_path: str | None
    sent: int
    pending: int  # pending or being sent
    failed: int
    unreachable: int

    @property
    def recipients(self) -> int:
        return self.sent + self.pending + self.failed + self.unreachable


def _in_scope_deliveries(scope: Scope) -> Any:
    """The ids of broadcasts with at least one delivery to an enterprise in scope."""
    return (
        sa_select(col(Delivery.broadcast_id))
        .join(Contact, col(Contact.id) == col(Delivery.contact_id))
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(col(Delivery.broadcast_id).is_not(None), *scope.enterprise_conditions())
    )


def broadcast_status(
    session: Session, broadcast_id: int | None, scope: Scope, limit: int = 10
) -> list[BroadcastStatus]:
    """Sent / pending / failed / unreachable per broadcast, newest first.

    With `broadcast_id`, that broadcast only (NotFound if it is not visible). Counts cover the
    recipients inside the scope: a cluster leader sees his cluster's share of a board-wide
    broadcast, and only broadcasts that reached his cluster or that he wrote.
    """
    query = select(Broadcast).where(col(Broadcast.organization_id) == scope.organization_id)
    if not scope.whole_board:
        visible: list[ColumnElement[bool]] = [col(Broadcast.id).in_(_in_scope_deliveries(scope))]
        if scope.contact_id is not None:
            visible.append(col(Broadcast.created_by_contact_id) == scope.contact_id)
        query = query.where(or_(*visible))
    if broadcast_id is not None:
        query = query.where(col(Broadcast.id) == broadcast_id)
    broadcasts = session.exec(
        query.order_by(col(Broadcast.created_at).desc(), col(Broadcast.id).desc()).limit(limit)
    ).all()
    if broadcast_id is not None and not broadcasts:
        raise NotFound(N_("There is no broadcast number {id}."), id=broadcast_id)
    ids = [b.id for b in broadcasts if b.id is not None]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if ids:
        rows = session.execute(
            sa_select(col(Delivery.broadcast_id), col(Delivery.status), func.count())
            .join(Contact, col(Contact.id) == col(Delivery.contact_id))
            .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
            .where(col(Delivery.broadcast_id).in_(ids), *scope.enterprise_conditions())
            .group_by(col(Delivery.broadcast_id), col(Delivery.status))
        ).all()
        for bid, status, n in rows:
            counts[bid][str(status)] += int(n)
    result = []
    for b in broadcasts:
        assert b.id is not None
        c = counts[b.id]
        result.append(
            BroadcastStatus(
                broadcast_id=b.id,
                created_at=b.created_at,
                text=b.text,
                audience=dict(b.audience),
                document_path=b.document_path,
                sent=c[DeliveryStatus.SENT],
                pending=c[DeliveryStatus.PENDING] + c[DeliveryStatus.SENDING],
                failed=c[DeliveryStatus.FAILED],
                unreachable=c[DeliveryStatus.UNREACHABLE],
            )
        )
    return result


# --------------------------------------------------------------------------- chat texts


def audience_choices(
    session: Session, t: Translator, scope: Scope, campaign_id: int | None = None
) -> list[tuple[Audience, str]]:
    """The audiences a staff member may pick, labelled in his language (for buttons or a list).

    Everyone, each zone, each cluster (a cluster leader: only his own), and, for a campaign,
    those who have not yet submitted each of its items. Two queries (the zones, the
    clusters), and for a campaign two more: the campaign (none when the session already
    holds it) and its deadlines.
    """
    choices: list[tuple[Audience, str]] = [(Audience.everyone(), t("All enterprises"))]
    zones = session.exec(
        select(Zone)
        .where(col(Zone.organization_id) == scope.organization_id)
        .order_by(col(Zone.name))
    ).all()
    choices += [(Audience.zone(z.id), t("Zone: {name}", name=z.name)) for z in zones if z.id]
    choices += [
        (Audience.cluster(c.id), t("Cluster: {name}", name=c.name))
        for c in clusters_in_scope(session, scope)
        if c.id
    ]
    if campaign_id is not None:
        campaign = campaign_in_scope(session, campaign_id, scope)
        deadlines = session.exec(
            select(Deadline)
            .where(col(Deadline.campaign_id) == campaign_id)
            .order_by(col(Deadline.due_on))
        ).all()
        choices += [
            (
                Audience.not_submitted(campaign_id, d.kind),
                t(
                    "Not yet submitted {item} ({campaign})",
                    item=kind_label(t, d.kind),
                    campaign=campaign.title,
                ),
            )
            for d in deadlines
        ]
    return choices


def describe_audience(session: Session, t: Translator, audience: Audience) -> str:
    """The audience in words, for the preview and the status ("Zone: KCN Quang Châu")."""
    if audience.kind == AudienceKind.ZONE:
        zone = session.get(Zone, audience.zone_id)
        return t("Zone: {name}", name=zone.name if zone else "?")
    if audience.kind == AudienceKind.CLUSTER:
        cluster = session.get(Cluster, audience.cluster_id)
        return t("Cluster: {name}", name=cluster.name if cluster else "?")
    if audience.kind == AudienceKind.NOT_SUBMITTED:
        campaign = session.get(Campaign, audience.campaign_id)
        return t(
            "Not yet submitted {item} ({campaign})",
            item=kind_label(t, audience.item or ""),
            campaign=campaign.title if campaign else "?",
        )
    return t("All enterprises")


def render_broadcast_status_text(
    t: Translator, statuses: Sequence[BroadcastStatus], tz: tzinfo, preview: int = 60
) -> str:
    """The status of recent broadcasts as a chat message, times in the board's zone `tz`."""
    if not statuses:
        return t("No broadcast has been sent yet.")
    lines = [t("Broadcasts")]
    for status in statuses:
        snippet = " ".join(status.text.split())
        if len(snippet) > preview:
            snippet = snippet[: preview - 1] + "…"
        lines.append("")
        lines.append(
            t(
                "#{id} · {when} · {n} recipients",
                id=status.broadcast_id,
                when=t.datetime(status.created_at.astimezone(tz)),
                n=t.number(status.recipients),
            )
        )
        lines.append(f"“{snippet}”")
        lines.append(
            t(
                "{sent} sent · {pending} pending · {failed} failed · {unreachable} unreachable",
                sent=t.number(status.sent),
                pending=t.number(status.pending),
                failed=t.number(status.failed),
                unreachable=t.number(status.unreachable),
            )
        )
    return "\n".join(lines)


__all__ = [
    "Audience",
    "AudienceKind",
    "BroadcastStatus",
    "audience_choices",
    "broadcast_status",
    "create_broadcast",
    "describe_audience",
    "render_broadcast_status_text",
    "resolve_audience",
]
