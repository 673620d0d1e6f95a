"""A board for the staff command tests: two zones, two clusters, four enterprises with linked
officers, this year's campaign, a staff member, an admin, a cluster leader and an officer.

Cluster 1 holds Sao Mai and Hà Bắc, cluster 2 holds Vân Trung and Quang Châu; Quang Châu's
officer has blocked the bot (unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, SQLModel, col, func, select

from bot.models import (
    AuditEntry,
    Channel,
    Cluster,
    Contact,
    DeadlineKind,
    Delivery,
    Enterprise,
    Organization,
    Role,
    Submission,
    Zone,
)
from bot.notifications.facts import Gone
from bot.notifications.render import render_deliveries
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.contacts import add_staff
from bot.services.taxcode import make_tax_code
from bot.settings import Settings
from conversations.engine import Engine
from tests.conversations.conftest import Chat, Clock, add_board, add_campaign, world_settings
from tests.values import set_up

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

YEAR = 2026
# 10:00 in Hà Nội on Tuesday 10/03/2026.
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
JANUARY = datetime(2026, 1, 12, 3, 0, tzinfo=UTC)
STAFF, ADMIN, LEADER, OFFICER = "staff-1", "admin-1", "leader-1", "officer-1"
# A year-end report's figures as an officer types them.
REPORT = {
    "revenue": "1.200",
    "growth": "12,5",
    "industrial_output": "850",
    "exports": "30",
    "average_income": "9,5",
    "workers": "1500",
    "taxes": "45",
    "initiatives": "5",
    "iso9001": "có",
    "social_insurance": "100",
    "accidents": "0",
}
ENTERPRISES = (
    # prefix, name, zone, cluster, officer language, reachable
    ("240012345", "Công ty Sao Mai", 0, 0, "vi", True),
    ("240023456", "Công ty Hà Bắc", 1, 0, "en", True),
    ("240034568", "Công ty Vân Trung", 1, 1, "vi", True),
    ("240045679", "Công ty Quang Châu", 0, 1, "vi", False),
)


def _tax_code(prefix: str) -> str:
    for bump in range(10):
        try:
            return make_tax_code(f"{int(prefix) + bump:09d}")
        except Exception:
            continue
    raise AssertionError(prefix)


@dataclass(frozen=True)
class QueuedMessage:
    """An outbox row and what it says now."""

    row: Delivery
    text: str
    document_path: str | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


@dataclass
class StaffWorld:
    db: SAEngine
    settings: Settings
    clock: Clock
    org_id: int
    campaign_id: int
    enterprise_ids: list[int] = field(default_factory=list)
    officer_ids: list[int] = field(default_factory=list)
    cluster_ids: list[int] = field(default_factory=list)
    zone_ids: list[int] = field(default_factory=list)

    def engine(self) -> Engine:
        return Engine(self.db, self.settings, clock=self.clock)

    def session(self) -> Session:
        return Session(self.db, expire_on_commit=False)

    async def chat(self, user_id: str, language: str = "vi") -> Chat:
        """A staff member's chat in `language` (staff accounts start in Vietnamese)."""
        chat = Chat(self.engine(), user_id)
        if language != "vi":
            await chat.say(f"/language {language}")
        return chat

    def officer_chat(self, index: int) -> Chat:
        return Chat(self.engine(), f"off-{index}")

    def add_staff_member(self, session: Session, channel: str, user_id: str) -> Organization:
        """Make `user_id` on `channel` a staff member of the board, as set up at the world's
        start (the channel tests' own staff account); the board, for what comes next."""
        org = session.get(Organization, self.org_id)
        assert org is not None
        add_staff(session, channel, user_id, "staff", org, set_up(self.clock.now, self.settings.tz))
        return org

    def count(self, model: type[SQLModel], *where: ColumnElement[bool] | bool) -> int:
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(model).where(*where)).one())

    def deliveries(self) -> list[QueuedMessage]:
        """The outbox, each row with its text and document as the dispatcher would send
        them now (rendered from the row's identity)."""
        with self.session() as s:
            rows = list(s.exec(select(Delivery).order_by(col(Delivery.id))).all())
            rendered = render_deliveries(s, rows)
        out = []
        for row, message in zip(rows, rendered, strict=True):
            assert not isinstance(message, Gone), message
            out.append(QueuedMessage(row, message.text, message.document_path))
        return out

    def audit(self, action: str) -> list[AuditEntry]:
        with self.session() as s:
            return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())

    def submit(self, index: int, kind: DeadlineKind, tmp: Path) -> int:
        """A complete submitted item of enterprise `index` (any kind but the six-month report)."""
        # A launch document was due on 31/01: it was sent in January.
        at = JANUARY if kind == DeadlineKind.LAUNCH_DOCUMENT else NOW
        with self.session() as s:
            sub = subs.get_or_create_submission(
                s, self.campaign_id, self.enterprise_ids[index], kind, Act(at, TZ)
            )
            who = self.officer_ids[index]
            if kind == DeadlineKind.TITLE_REGISTRATION:
                subs.add_entry(
                    s,
                    sub,
                    act=Act(NOW, TZ, who),
                    nominee="collective",
                    unit_name="Phòng Kỹ thuật",
                    title_code="TT_LDTT",
                )
                subs.add_entry(
                    s,
                    sub,
                    act=Act(NOW, TZ, who),
                    nominee="individual",
                    full_name="Nguyễn Văn An",
                    position="Kỹ sư",
                    title_code="LDTT",
                )
                subs.add_entry(
                    s,
                    sub,
                    act=Act(NOW, TZ, who),
                    nominee="collective",
                    unit_name="Phân xưởng May 1",
                    title_code="BK_TINH",
                )
            elif kind == DeadlineKind.YEAR_END_REPORT:
                for code, value in REPORT.items():
                    subs.set_figure(s, sub, code, value, Act(at, TZ, who))
                subs.set_narrative(s, sub, "Năm sáng kiến được công nhận.", Act(at, TZ, who))
                page = tmp / f"bao-cao-{index}.png"
                page.write_bytes(b"\x89PNG\r\n\x1a\n page 1")
                subs.attach_file(
                    s,
                    sub,
                    page.name,
                    "image/png",
                    page.stat().st_size,
                    str(page),
                    "",
                    Act(at, TZ, who),
                )
            else:
                path = tmp / f"kh-{index}.pdf"
                path.write_bytes(b"%PDF-1.4 launch document")
                subs.attach_file(
                    s,
                    sub,
                    path.name,
                    "application/pdf",
                    path.stat().st_size,
                    str(path),
                    "",
                    Act(at, TZ, who),
                )
                subs.set_launch_document(s, sub, "12/KH-CĐ", date(YEAR, 1, 10), Act(at, TZ, who))
            subs.submit(s, sub, Act(at, TZ, who))
            s.commit()
            assert sub.id is not None
            return sub.id

    def status(self, submission_id: int) -> str:
        with self.session() as s:
            sub = s.get(Submission, submission_id)
            assert sub is not None
            return str(sub.status)


def build_staff_world(db: SAEngine, files_dir: Path) -> StaffWorld:
    settings = world_settings(files_dir)
    with Session(db, expire_on_commit=False) as s:
        org = add_board(s)
        assert org.id is not None
        zones = [Zone(organization_id=org.id, name=n) for n in ("KCN Đình Trám", "KCN Quang Châu")]
        clusters = [
            Cluster(organization_id=org.id, name=n)
            for n in ("Cụm thi đua số 1", "Cụm thi đua số 2")
        ]
        s.add_all([*zones, *clusters])
        s.flush()
        campaign = add_campaign(
            s,
            org.id,
            targets=[
                {
                    "key": "industrial_output",
                    "label": "Giá trị sản xuất công nghiệp",
                    "unit": "tỷ đồng",
                    "value": 540000,
                }
            ],
            award_targets={"flag_enterprises": 5, "merit_collectives": 10, "merit_individuals": 10},
        )
        assert campaign.id is not None
        world = StaffWorld(db, settings, Clock(NOW), org.id, campaign.id)
        world.zone_ids = [z.id for z in zones if z.id]
        world.cluster_ids = [c.id for c in clusters if c.id]
        for index, (prefix, name, zone, cluster, language, reachable) in enumerate(ENTERPRISES):
            enterprise = Enterprise(
                organization_id=org.id,
                tax_code=_tax_code(prefix),
                name=name,
                zone_id=world.zone_ids[zone],
                cluster_id=world.cluster_ids[cluster],
            )
            s.add(enterprise)
            s.flush()
            officer = Contact(
                channel=Channel.TELEGRAM,
                user_id=f"off-{index}",
                chat_id=f"off-{index}",
                display_name=f"Cán bộ {index}",
                language=language,
                role=Role.OFFICER,
                enterprise_id=enterprise.id,
                reachable=reachable,
            )
            s.add(officer)
            s.flush()
            assert enterprise.id is not None and officer.id is not None
            world.enterprise_ids.append(enterprise.id)
            world.officer_ids.append(officer.id)
        add_staff(s, "telegram", STAFF, "staff", org, set_up(NOW, TZ))
        add_staff(s, "telegram", ADMIN, "admin", org, set_up(NOW, TZ))
        add_staff(s, "telegram", LEADER, "cluster-leader", org, set_up(NOW, TZ), "Cụm thi đua số 2")
        s.commit()
    return world
