"""Who takes part in a campaign: the one rule of a plan's audience ("đối tượng thi đua").

Most plans are for the enterprises in the board's zones; the Sóc Trăng 2021–2025 plan is for
the board's own units and staff ("Tập thể và cá nhân thuộc Ban Quản lý các khu công
nghiệp"). A participant row (`Enterprise`) and a campaign each carry an `Audience`; a
participant takes part in a campaign exactly when the two are equal. Every query that
reaches, lists or counts a campaign's participants (the planner's reminders and notices,
/progress, /missing, exports, the officer's running campaign) adds the predicate below, so an
enterprise campaign never reaches a unit and a unit campaign never reaches an enterprise.

Texts that name the participants say "doanh nghiệp" or "đơn vị" after the audience.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from bot.i18n import Translator
from bot.models import Audience, Campaign, Enterprise
from bot.services.numbers import Figure, report_figures

__all__ = [
    "Audience",
    "campaigns_for",
    "figures",
    "joins_campaign",
    "members",
    "reaches",
    "takes_part",
    "words",
]


def members(audience: Audience | str) -> ColumnElement[bool]:
    """WHERE condition: the `Enterprise` row belongs to `audience` (a campaign's)."""
    return col(Enterprise.audience) == Audience(audience)


def reaches(campaign_id: Any) -> ColumnElement[bool]:
    """WHERE condition for set-based queries that join `Enterprise` with a campaign id
    column (the planner): the participant belongs to that campaign's audience."""
    # The enclosing query may join `Campaign` itself, which would otherwise correlate the
    # subquery's only table away: `Campaign` stays the subquery's own.
    audience = (
        sa_select(col(Campaign.audience))
        .where(col(Campaign.id) == campaign_id)
        .correlate_except(Campaign)
    )
    return col(Enterprise.audience) == audience.scalar_subquery()


def campaigns_for(audience: Audience | str) -> ColumnElement[bool]:
    """WHERE condition on `Campaign`: the campaigns a participant of `audience` takes part in."""
    return col(Campaign.audience) == Audience(audience)


def joins_campaign() -> ColumnElement[bool]:
    """JOIN condition of `Enterprise` with `Campaign`: the participant takes part in the
    campaign (of its own board)."""
    return and_(
        col(Campaign.organization_id) == col(Enterprise.organization_id),
        col(Campaign.audience) == col(Enterprise.audience),
    )


def takes_part(campaign: Campaign, enterprise: Enterprise) -> bool:
    """Whether one loaded participant takes part in one loaded campaign."""
    return Audience(enterprise.audience) == Audience(campaign.audience)


def figures(campaign: Campaign) -> list[Figure]:
    """The report figures the campaign's reports ask (a units' plan asks none: a unit
    reports a narrative and the signed file)."""
    catalogue = report_figures()
    if campaign.report_figures is None:
        return catalogue
    wanted = set(campaign.report_figures)
    return [f for f in catalogue if f.code in wanted]


def words(
    t: Translator,
    audience: Audience | str,
    for_enterprises: str,
    for_units: str,
    /,
    **params: object,
) -> str:
    """A text in the audience's words: `for_units` (with "đơn vị") when the campaign is the
    board units', else `for_enterprises` (with "doanh nghiệp"); both are msgids (N_)."""
    if Audience(audience) is Audience.BOARD_UNITS:
        return t(for_units, **params)
    return t(for_enterprises, **params)
