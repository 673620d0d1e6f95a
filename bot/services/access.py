"""Who may see what: the scope of a staff member's views and actions.

Every staff query (progress, missing lists, exports, broadcasts) takes a `Scope` and filters
the enterprises through `Scope.enterprise_conditions()`, so a cluster leader can never see or
reach another cluster, whatever the view. Officers have no scope at all: asking for one raises
`AccessDenied`, which the chat turns into a polite refusal in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.models import Campaign, Cluster, Contact, Enterprise, Role
from bot.services.errors import DomainError, InvalidInput, NotFound


class AccessDenied(DomainError):
    """The contact may not see or do this (an officer, or a cluster leader outside his cluster)."""


__all__ = [
    "AccessDenied",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "Scope",
    "campaign_in_scope",
    "clusters_in_scope",
    "scope_for",
]


@dataclass(frozen=True)
class Scope:
    """What a staff member sees: one board, and within it one cluster or all of them.

    `cluster_id` None means the whole board (staff and admins); a cluster leader's scope
    carries his cluster. `contact_id` is the staff member acting (None from the CLI).
    """

    organization_id: int
    cluster_id: int | None = None
    contact_id: int | None = None
    role: Role = Role.STAFF

    @classmethod
    def board(cls, organization_id: int, contact_id: int | None = None) -> Scope:
        """The whole board, as the board office (and the CLI on its behalf) sees it."""
        return cls(organization_id=organization_id, contact_id=contact_id, role=Role.STAFF)

    @property
    def whole_board(self) -> bool:
        return self.cluster_id is None

    def enterprise_conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions restricting `Enterprise` rows to this scope (active ones only)."""
        conditions: list[ColumnElement[bool]] = [
            col(Enterprise.organization_id) == self.organization_id,
            col(Enterprise.active).is_(True),
        ]
        if self.cluster_id is not None:
            conditions.append(col(Enterprise.cluster_id) == self.cluster_id)
        return conditions

    def allows_enterprise(self, enterprise: Enterprise) -> bool:
        """Whether one already-loaded enterprise is inside this scope."""
        if enterprise.organization_id != self.organization_id:
            return False
        return self.cluster_id is None or enterprise.cluster_id == self.cluster_id

    def check_cluster(self, cluster_id: int) -> None:
        """Refuse a cluster other than the leader's own."""
        if self.cluster_id is not None and cluster_id != self.cluster_id:
            raise AccessDenied(N_("You can only see and act on your own cluster."))


def scope_for(contact: Contact) -> Scope:
    """The scope of a contact's staff commands; officers and unattached staff are refused."""
    if contact.role == Role.OFFICER:
        raise AccessDenied(N_("This command is for the board's staff only."))
    if contact.organization_id is None:
        raise AccessDenied(
            N_("Your account is not attached to a board yet. Please ask the board's administrator.")
        )
    if contact.role == Role.CLUSTER_LEADER:
        if contact.cluster_id is None:
            raise AccessDenied(
                N_(
                    "You are a cluster leader without a cluster. "
                    "Please ask the board's administrator."
                )
            )
        return Scope(
            organization_id=contact.organization_id,
            cluster_id=contact.cluster_id,
            contact_id=contact.id,
            role=Role.CLUSTER_LEADER,
        )
    return Scope(organization_id=contact.organization_id, contact_id=contact.id, role=contact.role)


def campaign_in_scope(session: Session, campaign_id: int, scope: Scope) -> Campaign:
    """The campaign, if it exists and belongs to the scope's board."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
    if campaign.organization_id != scope.organization_id:
        raise AccessDenied(N_("Campaign number {id} belongs to another board."), id=campaign_id)
    return campaign


def clusters_in_scope(session: Session, scope: Scope) -> list[Cluster]:
    """The clusters a staff member may pick, by name: the board's, or a leader's own."""
    query = select(Cluster).where(col(Cluster.organization_id) == scope.organization_id)
    if scope.cluster_id is not None:
        query = query.where(col(Cluster.id) == scope.cluster_id)
    return list(session.exec(query.order_by(col(Cluster.name))).all())
