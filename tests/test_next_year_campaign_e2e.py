"""The issue's "done when", end to end on both databases: a board makes next year's campaign
from this year's, renames its province, changes two deadlines and imports the year's targets
with their qualifiers, all from the CLI and without any change to the code; then every
reminder, commemoration prompt, /status, /progress and export of the new year is true."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.models import (
    Campaign,
    Channel,
    Contact,
    Deadline,
    DeadlineKind,
    DeliveryKind,
    Enterprise,
    LatePolicy,
    Observance,
    Phase,
    Role,
)
from bot.services.campaigns import create_campaign
from bot.services.contacts import add_staff
from bot.services.organizations import create_organization
from bot.settings import get_settings, load_settings
from conversations.engine import Engine as ChatEngine
from conversations.flows import export as ex
from scheduler.planner import preview_day, reminder_date
from tests.conversations.conftest import Chat, Clock
from tests.values import present, set_up

THIS_YEAR = datetime.now(UTC).year
NEXT = THIS_YEAR + 1  # 2027 when this was written
# Appended to the exported plan (which says targets_year = NEXT near its top).
TARGETS = """
[[targets]]
key = "investment"
label = "Tổng thu hút vốn đầu tư quy đổi"
value = 1.5
unit = "tỷ USD"
qualifier = "about"

[[targets]]
key = "cleared_land"
label = "Giải phóng mặt bằng, tạo quỹ đất sạch KCN"
value = 250
unit = "ha"
qualifier = "at_least"

[[targets]]
key = "workers"
label = "Lao động làm việc trong các KCN tăng thêm"
value = 25000
value_max = 30000
unit = "người"

[[targets]]
key = "industrial_output"
label = "Giá trị sản xuất công nghiệp (giá hiện hành)"
value = 600000
unit = "tỷ đồng"
growth = 11.1
"""


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(*args: str) -> Result:
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def _board(engine: Engine) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        org = create_organization(
            session, "bqlbg", "Ban Quản lý các KCN tỉnh Bắc Giang", "Bắc Giang"
        )
        this_year = create_campaign(session, org, "bac-giang-kcn", THIS_YEAR)
        enterprise = Enterprise(
            organization_id=org.id or 0, tax_code="0100109106", name="Công ty Sao Mai"
        )
        session.add(enterprise)
        session.flush()
        officer = Contact(
            channel=Channel.TELEGRAM,
            user_id="off-1",
            chat_id="off-1",
            display_name="Chị Hoa",
            role=Role.OFFICER,
            organization_id=org.id,
            enterprise_id=enterprise.id,
        )
        session.add(officer)
        add_staff(
            session,
            "telegram",
            "staff-1",
            "staff",
            org,
            set_up(datetime(THIS_YEAR, 1, 12, 3, tzinfo=UTC), get_settings().tz),
        )
        session.commit()
        return {"this_year": this_year, "enterprise": enterprise, "officer": officer}


def _texts_of(session: Session, campaign_id: int) -> list[str]:
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    texts = [campaign.title, campaign.title_en, campaign.theme, campaign.theme_en]
    for phase in session.exec(select(Phase).where(Phase.campaign_id == campaign_id)):
        texts += [phase.name, phase.name_en, phase.call, phase.call_en, phase.review_name]
    for obs in session.exec(select(Observance).where(Observance.campaign_id == campaign_id)):
        texts += [obs.name, obs.name_en]
    return texts


async def test_next_years_campaign_is_true_everywhere(
    engine: Engine, cli_env: None, tmp_path: Path
) -> None:
    world = _board(engine)
    # 1. next year's campaign from this year's
    out = _run("campaign", "copy", "--from", str(world["this_year"].id), "--year", str(NEXT))
    with Session(engine) as session:
        campaign = session.exec(select(Campaign).where(Campaign.year == NEXT)).one()
        assert campaign.targets == []  # the plan's targets are 2024's: none carried as its own
    assert f"Phong trào thi đua năm {NEXT}" in out.output
    # 2. the province merged: the board renames it
    _run(
        "org", "rename", "--slug", "bqlbg",
        "--name", "Ban Quản lý các KCN tỉnh Bắc Ninh", "--province", "Bắc Ninh",
    )  # fmt: skip
    # 3. two deadlines move; the six-month report is accepted late
    cid = str(campaign.id)
    out = _run("campaign", "deadline", "--campaign", cid, "--item", "title_registration",
               "--due", f"20/04/{NEXT}")  # fmt: skip
    assert "1 cán bộ" in out.output
    _run("campaign", "deadline", "--campaign", cid, "--item", "six_month_report",
         "--due", f"30/06/{NEXT}", "--late", "accept_late")  # fmt: skip
    # 4. the year's targets with the plan's qualifiers, through the whole plan's file
    plan = tmp_path / "ke-hoach.toml"
    _run("campaign", "export", "--campaign", cid, "--output", str(plan))
    edited = plan.read_text(encoding="utf-8").replace("targets = []\n", "") + TARGETS
    bad = tmp_path / "bad.toml"
    bad.write_text(edited.replace('qualifier = "about"', 'qualifier = "khoảng"'), encoding="utf-8")
    refused = CliRunner().invoke(cli, ["campaign", "import", "--campaign", cid, str(bad)])
    line = edited.splitlines().index('qualifier = "about"') + 1
    assert refused.exit_code == 1 and f"dòng {line}, qualifier" in refused.output, refused.output
    plan.write_text(edited, encoding="utf-8")
    out = _run("campaign", "import", "--campaign", cid, str(plan))
    assert "khoảng 1,5 tỷ USD" in out.output and "từ 250 ha trở lên" in out.output
    assert "25.000–30.000 người" in out.output and "tăng 11,1%" in out.output
    assert "Không có gì thay đổi" in _run("campaign", "import", "--campaign", cid, str(plan)).output

    settings = load_settings(database_url=str(engine.url), files_dir=tmp_path / "files")
    with Session(engine) as session:
        texts = _texts_of(session, campaign.id or 0)
        assert not [text for text in texts if "Bắc Giang" in text], texts
        assert f"Phong trào thi đua năm {NEXT} trong các KCN tỉnh Bắc Ninh" in texts
        deadlines = {
            d.kind: d
            for d in session.exec(select(Deadline).where(Deadline.campaign_id == campaign.id))
        }
        assert deadlines[DeadlineKind.TITLE_REGISTRATION].due_on == date(NEXT, 4, 20)
        assert deadlines[DeadlineKind.SIX_MONTH_REPORT].late_policy == LatePolicy.ACCEPT_LATE
        # every message the planner writes for the new campaign across the year is true
        seen, founded_day_seen = 0, False
        day = date(NEXT, 1, 1)
        registration_days = {
            reminder_date(date(NEXT, 4, 20), offset) for offset in (14, 7, 3, 1, 0, -1, -3)
        }
        while day <= date(NEXT, 12, 31):
            for message in preview_day(session, day, settings):
                if message.campaign_id != campaign.id:
                    continue
                seen += 1
                assert "Bắc Giang" not in message.text, (day, message.text)
                assert str(THIS_YEAR) not in message.text.replace(f"{THIS_YEAR}/", ""), message.text
                if (
                    message.kind == DeliveryKind.REMINDER
                    and message.subject == "title_registration"
                ):
                    assert day in registration_days and f"20/04/{NEXT}" in message.text
                    assert "15/04" not in message.text
                head = message.text.splitlines()[0]
                if message.kind == DeliveryKind.OBSERVANCE and "thành lập Đảng" in head:
                    assert f"kỷ niệm {NEXT - 1930} năm" in head, head
                    founded_day_seen = True
            day += timedelta(days=1)
        assert seen > 20 and founded_day_seen
    # the chat: the officer's /status, the staff's /progress and export
    chat_engine = ChatEngine(engine, settings, clock=Clock(datetime(NEXT, 3, 10, 3, tzinfo=UTC)))
    officer = Chat(chat_engine, "off-1")
    status = await officer.say("/status")
    assert f"Đăng ký danh hiệu thi đua: chưa bắt đầu, hạn nộp 20/04/{NEXT}" in status, status
    assert f"năm {NEXT} trong các KCN tỉnh Bắc Ninh" in status
    staff = Chat(chat_engine, "staff-1")
    await staff.say("/progress")
    [targets] = [r.text for r in staff.last if "Chỉ tiêu" in r.text]  # beside the reach reply
    assert f"Chỉ tiêu năm {NEXT}" in targets, targets
    assert "khoảng 1,5 tỷ USD" in targets and "từ 250 ha trở lên" in targets
    await staff.say("/export")
    await staff.press(ex.REGISTRATIONS)
    workbook = load_workbook(present(staff.last[0].document))
    assert workbook.properties.title.endswith(f"năm {NEXT} trong các KCN tỉnh Bắc Ninh")
