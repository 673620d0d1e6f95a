"""The enterprises that have not yet sent an item, with their contacts and state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    Cluster,
    Contact,
    Deadline,
    Enterprise,
    Role,
    Submission,
    SubmissionStatus,
    Zone,
)
from bot.services.access import NotFound, Scope, campaign_in_scope
from bot.services.audience import members
from bot.services.items import KindName, parse_kind
from bot.services.progress.overview import _names
from bot.services.submissions import not_submitted_condition


@dataclass(frozen=True)
class ContactInfo:
    """An officer of a missing enterprise and whether the bot can still write to him."""

    id: int
    display_name: str
    channel: str
    reachable: bool


@dataclass(frozen=True)
class MissingEnterprise:
    """An enterprise that has not submitted an item, with whom to nudge."""

    id: int
    name: str
    tax_code: str
    zone: str
    cluster: str
    # None: nothing started; DRAFT: started, not sent; RETURNED: sent back for fixes
    status: SubmissionStatus | None
    contacts: tuple[ContactInfo, ...]
    review_note: str = ""  # why a returned item was sent back ("" when none was given)

    @property
    def reachable(self) -> bool:
        """At least one linked officer can be messaged."""
        return any(c.reachable for c in self.contacts)


def deadline_of(session: Session, campaign_id: int, kind: str) -> Deadline:
    """The campaign's deadline for `kind`, or NotFound naming the item."""
    deadline = session.exec(
        select(Deadline).where(col(Deadline.campaign_id) == campaign_id, col(Deadline.kind) == kind)
    ).first()
    if deadline is None:
        raise NotFound(N_("This campaign has no deadline for: {item}."), item=KindName(kind))
    return deadline


def missing_enterprises(
    session: Session, campaign_id: int, kind: str, scope: Scope
) -> list[MissingEnterprise]:
    """The enterprises in scope that have not submitted `kind`, with their officers.

    Not submitted is `not_submitted_condition`: nothing, a draft, or a returned item (with
    the reason it was returned, so the board can say what is still expected).
    """
    campaign = campaign_in_scope(session, campaign_id, scope)
    kind = parse_kind(kind)
    deadline_of(session, campaign_id, kind)
    zones = _names(session, Zone, scope.organization_id)
    clusters = _names(session, Cluster, scope.organization_id)
    rows = session.execute(
        sa_select(
            col(Enterprise.id),
            col(Enterprise.name),
            col(Enterprise.tax_code),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.review_note),
        )
        .outerjoin(
            Submission,
            and_(
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.campaign_id) == campaign_id,
                col(Submission.kind) == kind,
            ),
        )
        .where(
            *scope.enterprise_conditions(),
            members(campaign.audience),
            not_submitted_condition(),
        )
        .order_by(col(Enterprise.name), col(Enterprise.id))
    ).all()
    ids = [row[0] for row in rows]
    contacts: dict[int, list[ContactInfo]] = defaultdict(list)
    if ids:
        for contact in session.exec(
            select(Contact)
            .where(col(Contact.enterprise_id).in_(ids), col(Contact.role) == Role.OFFICER)
            .order_by(col(Contact.id))
        ).all():
            assert contact.id is not None and contact.enterprise_id is not None
            contacts[contact.enterprise_id].append(
                ContactInfo(contact.id, contact.display_name, contact.channel, contact.reachable)
            )
    return [
        MissingEnterprise(
            id=enterprise_id,
            name=name,
            tax_code=tax_code,
            zone=zones.get(zone_id or 0, ""),
            cluster=clusters.get(cluster_id or 0, ""),
            status=SubmissionStatus(status) if status else None,
            contacts=tuple(contacts.get(enterprise_id, ())),
            review_note=(note or "").strip() if status == SubmissionStatus.RETURNED else "",
        )
        for enterprise_id, name, tax_code, zone_id, cluster_id, status, note in rows
    ]


def missing_state(
    t: Translator, enterprise: MissingEnterprise, reason_limit: int | None = None
) -> str:
    """Where a missing enterprise stands on the item, with the reason when it was returned.

    Shared by the chat list and the export so both tell the board the same thing; the chat
    list cuts a long reason at `reason_limit` characters so fifty lines still fit.
    """
    if enterprise.status == SubmissionStatus.RETURNED:
        reason = " ".join(enterprise.review_note.split())
        if reason_limit is not None and len(reason) > reason_limit:
            reason = reason[: reason_limit - 1].rstrip() + "…"
        if reason:
            return t("returned for fixes: {reason}", reason=reason)
        return t("returned for fixes")
    if enterprise.status == SubmissionStatus.DRAFT:
        return t("draft started")
    return t("not started")
