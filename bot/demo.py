"""Demo data for trying the bot at once: a board, zones, clusters, enterprises, a campaign.

`seed_demo` is idempotent: running it at every start finds what exists and adds only what is
missing, plus one fresh invite code for the demo enterprise (so the code printed at start is
always unused). The demo board is the Bắc Giang board (slug `demo`) running the
`bac-giang-kcn` campaign of the current year.

So that a newcomer can try every flow whatever the date, a deadline of the *demo* campaign
that has already passed is moved to 30 days from today (`DemoData.moved` lists them). Real
boards' campaigns are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import cast

from sqlmodel import Session, select

from bot.models import (
    Campaign,
    Channel,
    Cluster,
    Contact,
    Deadline,
    DeadlineKind,
    Enterprise,
    Organization,
    Role,
    Zone,
)
from bot.services.acts import SYSTEM, Act
from bot.services.campaigns import create_campaign, find_campaign
from bot.services.contacts import add_staff, get_or_create_contact
from bot.services.invites import create_invite, format_code
from bot.services.organizations import add_observance, create_organization, find_organization
from bot.services.taxcode import InvalidTaxCode, make_tax_code

DEMO_SLUG = "demo"
DEMO_TEMPLATE = "bac-giang-kcn"
OFFICER_USER_ID = "console-officer"
STAFF_USER_ID = "console-staff"
MOVE_PAST_DEADLINES_BY = timedelta(days=30)

ZONES = ("KCN Đình Trám", "KCN Quang Châu", "KCN Vân Trung", "KCN Song Khê - Nội Hoàng")
CLUSTERS = ("Cụm thi đua số 1", "Cụm thi đua số 2")
# (first nine digits of the tax code, name, zone index, cluster index)
ENTERPRISES = (
    ("240012345", "Công ty TNHH Điện tử Sao Mai Bắc Giang", 0, 0),
    ("240023456", "Công ty CP May xuất khẩu Hà Bắc", 1, 0),
    ("240034568", "Công ty TNHH Cơ khí chính xác Vân Trung", 2, 1),
    ("240045679", "Công ty TNHH Linh kiện Quang Châu", 1, 1),
    ("240056789", "Công ty CP Bao bì Song Khê", 3, 1),
)


@dataclass
class DemoData:
    """What the demo consists of after seeding, for printing at start."""

    organization: Organization
    enterprise: Enterprise
    campaign: Campaign
    invite_code: str
    moved: list[tuple[DeadlineKind, date, date]] = field(default_factory=list)


def _valid_tax_code(prefix9: str) -> str:
    """A valid code from nine digits, bumping the ninth digit if those admit no check digit."""
    base = int(prefix9)
    for bump in range(10):
        candidate = f"{base + bump:09d}"
        try:
            return make_tax_code(candidate)
        except InvalidTaxCode:
            continue
    raise ValueError(f"no valid tax code near {prefix9}")


def _organization(session: Session) -> Organization:
    org = find_organization(session, DEMO_SLUG)
    if org is None:
        org = create_organization(
            session, DEMO_SLUG, "Ban Quản lý các KCN tỉnh Bắc Giang (demo)", "Bắc Giang"
        )
        add_observance(
            session,
            org,
            "10-10",
            "Ngày thành lập tỉnh Bắc Giang",
            "Founding of Bắc Giang province",
            1895,
        )
    return org


def _named(session: Session, model: type[Zone] | type[Cluster], org_id: int, name: str) -> int:
    found = cast(
        "Zone | Cluster | None",
        session.exec(
            select(model).where(model.organization_id == org_id, model.name == name)
        ).first(),
    )
    row: Zone | Cluster = found if found is not None else model(organization_id=org_id, name=name)
    if found is None:
        session.add(row)
        session.flush()
    assert row.id is not None
    return row.id


def _enterprises(session: Session, org_id: int) -> list[Enterprise]:
    zones = [_named(session, Zone, org_id, name) for name in ZONES]
    clusters = [_named(session, Cluster, org_id, name) for name in CLUSTERS]
    rows: list[Enterprise] = []
    for prefix, name, zone, cluster in ENTERPRISES:
        tax_code = _valid_tax_code(prefix)
        row = session.exec(select(Enterprise).where(Enterprise.tax_code == tax_code)).first()
        if row is None:
            row = Enterprise(
                organization_id=org_id,
                tax_code=tax_code,
                name=name,
                zone_id=zones[zone],
                cluster_id=clusters[cluster],
            )
            session.add(row)
            session.flush()
        rows.append(row)
    return rows


def _open_deadlines(
    session: Session, campaign: Campaign, today: date
) -> list[tuple[DeadlineKind, date, date]]:
    moved = []
    for deadline in session.exec(select(Deadline).where(Deadline.campaign_id == campaign.id)):
        if deadline.due_on < today:
            new = today + MOVE_PAST_DEADLINES_BY
            moved.append((DeadlineKind(deadline.kind), deadline.due_on, new))
            deadline.due_on = new
            session.add(deadline)
    if campaign.ends_on < today + MOVE_PAST_DEADLINES_BY:
        campaign.ends_on = today + MOVE_PAST_DEADLINES_BY
        session.add(campaign)
    session.flush()
    return moved


def other_boards(session: Session) -> list[str]:
    """Slugs of the boards that are not the demo's: the demo must never mix into real data."""
    return list(
        session.exec(
            select(Organization.slug)
            .where(Organization.slug != DEMO_SLUG)
            .order_by(Organization.slug)
        ).all()
    )


def seed_demo(session: Session, now: datetime, today: date) -> DemoData:
    """Create whatever of the demo is missing and a fresh invite code (caller commits)."""
    org = _organization(session)
    assert org.id is not None
    enterprises = _enterprises(session, org.id)
    campaign = find_campaign(session, org, DEMO_TEMPLATE, today.year)
    if campaign is None:
        campaign = create_campaign(session, org, DEMO_TEMPLATE, today.year)
    moved = _open_deadlines(session, campaign, today)
    invite = create_invite(session, enterprises[0], Act(now, UTC, None, SYSTEM))
    return DemoData(
        organization=org,
        enterprise=enterprises[0],
        campaign=campaign,
        invite_code=format_code(invite.code),
        moved=moved,
    )


def console_contact(
    session: Session, organization: Organization, as_staff: bool, now: datetime
) -> Contact:
    """The console's user: a staff member of the demo board, or a (not yet linked) officer.

    Making the staff member is audited as the bot itself at `now`, the start's clock (the one
    `seed_demo` is given).
    """
    if as_staff:
        return add_staff(
            session,
            Channel.CONSOLE,
            STAFF_USER_ID,
            Role.STAFF,
            organization,
            Act(now, UTC, None, SYSTEM),
        )
    return get_or_create_contact(session, Channel.CONSOLE, OFFICER_USER_ID, OFFICER_USER_ID)
