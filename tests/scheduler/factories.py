"""Builders for scheduler tests: a board with the yearly bac-giang-kcn shape, built from models.

The campaign here mirrors the template (two phases, deadlines 31/01, 15/04, 05/12 and the
commemoration days) without depending on the template loader, so the planner can be tested
on its own; the CLI test uses the real template when it is available.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import (
    Campaign,
    Cluster,
    Contact,
    Deadline,
    Enterprise,
    Fanout,
    Observance,
    Organization,
    Phase,
    Submission,
    Zone,
)
from bot.models.enums import Channel, DeadlineKind, Role, SubmissionStatus

OBSERVANCES = [
    ((2, 3), "Ngày thành lập Đảng Cộng sản Việt Nam", 1930, 1),
    ((3, 26), "Ngày thành lập Đoàn TNCS Hồ Chí Minh", 1931, 1),
    ((4, 30), "Ngày giải phóng miền Nam, thống nhất đất nước", 1975, 1),
    ((5, 1), "Ngày Quốc tế Lao động", 1886, 1),
    ((5, 7), "Chiến thắng Điện Biên Phủ", 1954, 1),
    ((5, 19), "Ngày sinh Chủ tịch Hồ Chí Minh", 1890, 1),
    ((6, 11), "Ngày Chủ tịch Hồ Chí Minh ra Lời kêu gọi thi đua ái quốc", 1948, 1),
    ((8, 19), "Cách mạng Tháng Tám thành công", 1945, 2),
    ((9, 2), "Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam", 1945, 2),
    ((10, 10), "Ngày Giải phóng Thủ đô", 1954, 2),
    ((10, 13), "Ngày Doanh nhân Việt Nam", 2004, 2),
    ((11, 20), "Ngày Nhà giáo Việt Nam", 1982, 2),
    ((12, 22), "Ngày thành lập Quân đội nhân dân Việt Nam", 1944, 2),
]


@dataclass
class Board:
    org: Organization
    campaign: Campaign
    deadlines: dict[DeadlineKind, Deadline]
    phases: list[Phase]
    clusters: list[Cluster]
    enterprises: list[Enterprise] = field(default_factory=list)
    officers: list[Contact] = field(default_factory=list)


_next_user = [0]


def _user_id() -> str:
    _next_user[0] += 1
    return f"u{_next_user[0]}"


def make_board(session: Session, year: int = 2025, slug: str = "bqlbg") -> Board:
    org = Organization(slug=slug, name="Ban Quản lý các KCN tỉnh Bắc Giang", province="Bắc Giang")
    session.add(org)
    session.flush()
    assert org.id is not None
    campaign = Campaign(
        organization_id=org.id,
        template="bac-giang-kcn",
        year=year,
        title=f"Phong trào thi đua năm {year}",
        starts_on=date(year, 1, 1),
        ends_on=date(year, 12, 31),
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    phases = [
        Phase(
            campaign_id=campaign.id,
            number=1,
            name="Đợt 1",
            starts_on=date(year, 1, 1),
            ends_on=date(year, 6, 30),
            call="Thi đua lập thành tích chào mừng các ngày lễ lớn.",
            review_name="sơ kết 6 tháng",
        ),
        Phase(
            campaign_id=campaign.id,
            number=2,
            name="Đợt 2",
            starts_on=date(year, 7, 1),
            ends_on=date(year, 12, 31),
            call="Thi đua hoàn thành thắng lợi các chỉ tiêu năm.",
            review_name="tổng kết năm",
        ),
    ]
    session.add_all(phases)
    session.flush()
    for (month, day), name, founded, phase_number in OBSERVANCES:
        session.add(
            Observance(
                campaign_id=campaign.id,
                phase_id=phases[phase_number - 1].id,
                on=date(year, month, day),
                name=name,
                founded=founded,
            )
        )
    deadlines = {
        DeadlineKind.LAUNCH_DOCUMENT: Deadline(
            campaign_id=campaign.id, kind=DeadlineKind.LAUNCH_DOCUMENT, due_on=date(year, 1, 31)
        ),
        DeadlineKind.TITLE_REGISTRATION: Deadline(
            campaign_id=campaign.id,
            kind=DeadlineKind.TITLE_REGISTRATION,
            due_on=date(year, 4, 15),
        ),
        DeadlineKind.YEAR_END_REPORT: Deadline(
            campaign_id=campaign.id, kind=DeadlineKind.YEAR_END_REPORT, due_on=date(year, 12, 5)
        ),
    }
    session.add_all(deadlines.values())
    clusters = [
        Cluster(organization_id=org.id, name="Cụm 1"),
        Cluster(organization_id=org.id, name="Cụm 2"),
    ]
    session.add_all(clusters)
    session.add(Zone(organization_id=org.id, name="KCN Quang Châu"))
    session.flush()
    return Board(org, campaign, deadlines, phases, clusters)


def add_enterprises(
    session: Session,
    board: Board,
    n: int,
    *,
    contacts_each: int = 1,
    language: str = "vi",
    channel: Channel = Channel.TELEGRAM,
) -> list[Enterprise]:
    """`n` active enterprises with `contacts_each` linked officers each."""
    assert board.org.id is not None
    start = len(board.enterprises)
    made = []
    for i in range(start, start + n):
        ent = Enterprise(
            organization_id=board.org.id,
            tax_code=f"{board.org.id:02d}{i:08d}",
            name=f"Công ty {i:04d}",
            cluster_id=board.clusters[i % len(board.clusters)].id,
        )
        made.append(ent)
    session.add_all(made)
    session.flush()
    for ent in made:
        for _ in range(contacts_each):
            uid = _user_id()
            contact = Contact(
                channel=channel,
                user_id=uid,
                chat_id=uid,
                display_name=f"Cán bộ {ent.name}",
                language=language,
                role=Role.OFFICER,
                organization_id=board.org.id,
                enterprise_id=ent.id,
            )
            session.add(contact)
            board.officers.append(contact)
    session.flush()
    board.enterprises.extend(made)
    return made


def add_staff(
    session: Session,
    board: Board,
    role: Role = Role.STAFF,
    cluster: Cluster | None = None,
    language: str = "vi",
) -> Contact:
    uid = _user_id()
    contact = Contact(
        channel=Channel.TELEGRAM,
        user_id=uid,
        chat_id=uid,
        display_name=f"Văn phòng {uid}",
        language=language,
        role=role,
        organization_id=board.org.id,
        cluster_id=cluster.id if cluster else None,
    )
    session.add(contact)
    session.flush()
    return contact


def submit(
    session: Session,
    board: Board,
    enterprise: Enterprise,
    kind: DeadlineKind,
    status: SubmissionStatus = SubmissionStatus.SUBMITTED,
    note: str | None = None,
) -> Submission:
    assert board.campaign.id is not None and enterprise.id is not None
    sub = Submission(
        campaign_id=board.campaign.id,
        enterprise_id=enterprise.id,
        kind=kind,
        status=status,
        review_note=note,
    )
    session.add(sub)
    session.flush()
    return sub


def the_fanout(engine: Engine) -> Fanout:
    """The one fan-out a test's plan wrote (fails if there are none or several)."""
    with Session(engine) as session:
        (fanout,) = session.exec(select(Fanout)).all()
        return fanout
