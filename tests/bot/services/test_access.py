"""Scopes: staff see the board, a cluster leader his cluster, officers nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import Campaign, Contact, Enterprise, Role
from bot.models.enums import Channel
from bot.services.access import (
    AccessDenied,
    NotFound,
    Scope,
    campaign_in_scope,
    scope_for,
)
from tests.bot.services.test_progress import World, build_world


def _contact(role: Role, organization_id: int | None = 1, cluster_id: int | None = None) -> Contact:
    return Contact(
        id=7,
        channel=Channel.TELEGRAM,
        user_id="7",
        chat_id="7",
        role=role,
        organization_id=organization_id,
        cluster_id=cluster_id,
    )


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_staff_and_admins_see_the_whole_board(role: Role) -> None:
    scope = scope_for(_contact(role))
    assert scope == Scope(organization_id=1, cluster_id=None, contact_id=7, role=role)
    assert scope.whole_board


def test_a_cluster_leader_sees_his_cluster() -> None:
    scope = scope_for(_contact(Role.CLUSTER_LEADER, cluster_id=3))
    assert scope.cluster_id == 3 and not scope.whole_board
    assert scope.role == Role.CLUSTER_LEADER


def test_officers_are_refused_in_their_language() -> None:
    with pytest.raises(AccessDenied) as info:
        scope_for(_contact(Role.OFFICER))
    assert info.value.message(Translator("en")) == "This command is for the board's staff only."
    assert info.value.message(Translator("vi")) != info.value.msgid


def test_a_cluster_leader_without_cluster_and_unattached_staff_are_refused() -> None:
    with pytest.raises(AccessDenied):
        scope_for(_contact(Role.CLUSTER_LEADER, cluster_id=None))
    with pytest.raises(AccessDenied):
        scope_for(_contact(Role.STAFF, organization_id=None))


def test_check_cluster() -> None:
    Scope.board(1).check_cluster(99)
    Scope(organization_id=1, cluster_id=3).check_cluster(3)
    with pytest.raises(AccessDenied):
        Scope(organization_id=1, cluster_id=3).check_cluster(4)


def test_enterprise_conditions_filter_board_cluster_and_inactive(engine: Engine) -> None:
    with Session(engine) as session:
        w: World = build_world(session)
        board = Scope.board(w.org)
        leader = Scope(organization_id=w.org, cluster_id=w.c1, role=Role.CLUSTER_LEADER)

        def names(scope: Scope) -> set[str]:
            return set(
                session.exec(select(Enterprise.name).where(*scope.enterprise_conditions())).all()
            )

        assert names(board) == {"E1", "E2", "E3", "E4", "E5", "E6"}
        assert names(leader) == {"E1", "E2", "E3"}
        assert names(Scope.board(w.other_org)) == {"B1"}
        e4 = session.exec(select(Enterprise).where(col(Enterprise.name) == "E4")).one()
        assert board.allows_enterprise(e4)
        assert not leader.allows_enterprise(e4)
        assert not Scope.board(w.other_org).allows_enterprise(e4)


def test_campaign_in_scope(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        campaign = campaign_in_scope(session, w.campaign, Scope.board(w.org))
        assert isinstance(campaign, Campaign) and campaign.id == w.campaign
        with pytest.raises(AccessDenied):
            campaign_in_scope(session, w.other_campaign, Scope.board(w.org))
        with pytest.raises(NotFound) as info:
            campaign_in_scope(session, 9999, Scope.board(w.org))
        assert "9999" in info.value.message(Translator("vi"))
