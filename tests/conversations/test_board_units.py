"""A Sóc Trăng unit's year in the chat: the officer of one of the board's own units links,
sees the units' campaign (never the enterprises' one), and sends a year-end report that is a
narrative and the signed file, with no industrial figures; an enterprise officer of the same
board sees only the enterprises' campaign. Staff's /missing and /progress speak of units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select

from bot.models import (
    Channel,
    Contact,
    Enterprise,
    Organization,
    Role,
    Submission,
    SubmissionStatus,
    YearEndReport,
)
from bot.services.acts import Act
from bot.services.board_units import add_unit
from bot.services.campaigns import create_campaign
from bot.services.invites import create_invite, format_code
from tests import files as real
from tests.conversations.conftest import Chat, Clock, World, world_settings

NOVEMBER = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 local, before the report's 05/12


def _world(db: SAEngine, files_dir: Path) -> tuple[World, str, str]:
    with Session(db, expire_on_commit=False) as session:
        org = Organization(
            slug="bql-st",
            name="Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng",
            province="Sóc Trăng",
        )
        session.add(org)
        session.flush()
        assert org.id is not None
        unit = add_unit(session, org, "Văn phòng Ban", Act(NOVEMBER, UTC), code="DV-VP")
        firm = Enterprise(organization_id=org.id, tax_code="0100109106", name="Công ty Sao Mai")
        session.add(firm)
        units_campaign = create_campaign(session, org, "soc-trang-bql-2021-2025", 2025)
        firms_campaign = create_campaign(session, org, "bac-giang-kcn", 2025)
        session.add(
            Contact(
                channel=Channel.TELEGRAM,
                user_id="staff",
                chat_id="staff",
                display_name="Văn phòng",
                role=Role.STAFF,
                organization_id=org.id,
            )
        )
        session.flush()
        then = Act(NOVEMBER - timedelta(days=30), UTC)
        unit_code = format_code(create_invite(session, unit, then, timedelta(days=90)).code)
        firm_code = format_code(create_invite(session, firm, then, timedelta(days=90)).code)
        session.commit()
        assert unit.id and firm.id and units_campaign.id and firms_campaign.id
        world = World(
            db=db,
            settings=world_settings(files_dir),
            clock=Clock(NOVEMBER),
            org_id=org.id,
            enterprise_id=unit.id,
            other_enterprise_id=firm.id,
            campaign_id=units_campaign.id,
        )
        return world, unit_code, firm_code


async def test_a_units_year_end_report_is_a_narrative_and_the_signed_file(
    engine: SAEngine, tmp_path: Path
) -> None:
    world, unit_code, firm_code = _world(engine, tmp_path / "files")
    unit = Chat(world.engine(), "unit-officer")
    await unit.say("/start")
    out = await unit.say(unit_code)
    assert "Văn phòng Ban" in out, out
    out = await unit.say("/status")
    assert "giai đoạn 2021 – 2025" in out and "Đăng ký danh hiệu thi đua" in out, out
    out = await unit.say("/report")
    assert "Đơn vị của anh/chị không phải báo cáo số liệu" in out, out
    assert "Số liệu 1" not in out and "Chỉ tiêu" not in out
    out = await unit.say(
        "Văn phòng Ban hoàn thành 100% thủ tục hành chính đúng hạn, 2 sáng kiến cải tiến."
    )
    assert "Đã ghi" in out or "tóm tắt" in out.casefold(), out
    pdf = tmp_path / "bao-cao-van-phong.pdf"
    real.pdf(pdf, pages=2)
    out = await unit.send_file(pdf)
    assert "Số liệu" not in out and "bao-cao-van-phong.pdf" in out, out
    out = await unit.press(unit.key_for("Nộp ngay"))
    with Session(engine) as session:
        sent = session.exec(
            select(Submission).where(Submission.enterprise_id == world.enterprise_id)
        ).one()
        report = session.exec(select(YearEndReport)).one()
    assert sent.status == SubmissionStatus.SUBMITTED and sent.campaign_id == world.campaign_id, out
    assert report.figures == {} and "sáng kiến" in report.narrative

    # The enterprise's officer of the same board sees only the enterprises' campaign.
    firm = Chat(world.engine(), "firm-officer")
    await firm.say("/start")
    assert "Sao Mai" in await firm.say(firm_code)
    out = await firm.say("/status")
    assert "giai đoạn 2021 – 2025" not in out and "Phong trào thi đua" in out, out

    # The office's /missing of the units' campaign lists units only, in the units' words.
    staff = Chat(world.engine(), "staff")
    out = await staff.say(f"/missing #{world.campaign_id}")
    assert "Hạng mục nào?" in out, out
    out = await staff.press(staff.key_for("Đăng ký"))
    assert "1 đơn vị chưa nộp" in out and "DV-VP" in out and "Sao Mai" not in out, out
    out = await staff.say(f"/progress #{world.campaign_id}")
    assert "Số đơn vị: 1" in out and "Chỉ tiêu giai đoạn 2021–2025" in out, out
    assert "Khả năng liên lạc với đơn vị (1)" in out and "Sao Mai" not in out, out
