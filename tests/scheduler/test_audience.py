"""A plan's audience: the Sóc Trăng 2021–2025 campaign reaches the board's own units only,
an enterprise campaign never reaches them; /progress, /missing, exports and the digest count
and word each campaign's own participants, and name the year of the targets they show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypedDict
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import (
    Audience,
    Campaign,
    Channel,
    Contact,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    Enterprise,
    Organization,
    Role,
)
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.board_units import InvalidUnit, add_unit, participant_code
from bot.services.broadcasts import Audience as BroadcastAudience
from bot.services.broadcasts import resolve_audience
from bot.services.campaigns import create_campaign
from bot.services.deadlines import DeadlineChange, grant_extension
from bot.services.enterprises import find_enterprise
from bot.services.errors import NotFound
from bot.services.exports import export_missing, export_reports
from bot.services.launch import launch_campaign
from bot.services.plan_edits import change_and_replan
from bot.services.progress import (
    campaign_progress,
    figures_vs_targets,
    missing_enterprises,
    render_missing_text,
    render_progress_text,
    render_targets_text,
)
from bot.services.sheets import HEADER_ROW, TITLE_ROWS
from bot.services.templates import TemplateDataError, load_template, parse_template
from bot.settings import Settings
from scheduler.planner import observance_prompt_date, preview_day
from tests.scheduler.conftest import plan_and_expand
from tests.sheets import active
from tests.values import present

VI = Translator("vi")
NOW = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
D = date.fromisoformat


def _officer(session: Session, participant: Enterprise, user_id: str) -> Contact:
    contact = Contact(
        channel=Channel.TELEGRAM,
        user_id=user_id,
        chat_id=user_id,
        display_name=f"Cán bộ {participant.name}",
        role=Role.OFFICER,
        organization_id=participant.organization_id,
        enterprise_id=participant.id,
    )
    session.add(contact)
    return contact


class SocTrang(TypedDict):
    """What `_board` writes, by name."""

    org: Organization
    units: list[Enterprise]
    firms: list[Enterprise]
    unit_officers: set[int | None]
    firm_officers: set[int | None]
    staff: Contact
    units_campaign: Campaign
    firms_campaign: Campaign


def _board(session: Session) -> SocTrang:
    """The Sóc Trăng board: two of its own units, two enterprises in its zones, each with an
    officer and staff; the units' 2025 campaign (Sóc Trăng 2021–2025) and an enterprises'
    one (the bac-giang-kcn plan run by this board)."""
    org = Organization(
        slug="bql-st",
        name="Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng",
        province="Sóc Trăng",
    )
    session.add(org)
    session.flush()
    units = [
        add_unit(session, org, "Văn phòng Ban", Act(NOW, TZ, actor="test"), code="dv-vp"),
        add_unit(session, org, "Phòng Quản lý doanh nghiệp", Act(NOW, TZ, actor="test")),
    ]
    firms = [
        Enterprise(organization_id=present(org.id), tax_code="0100109106", name="Công ty Sao Mai"),
        Enterprise(organization_id=present(org.id), tax_code="0101243150", name="Công ty Hòa Phát"),
    ]
    session.add_all(firms)
    session.flush()
    unit_officers = [_officer(session, u, f"unit{i}") for i, u in enumerate(units)]
    firm_officers = [_officer(session, f, f"firm{i}") for i, f in enumerate(firms)]
    staff = Contact(
        channel=Channel.TELEGRAM,
        user_id="staff",
        chat_id="staff",
        display_name="Văn phòng",
        role=Role.STAFF,
        organization_id=org.id,
    )
    session.add(staff)
    units_campaign = create_campaign(session, org, "soc-trang-bql-2021-2025", 2025)
    firms_campaign = create_campaign(session, org, "bac-giang-kcn", 2025)
    session.commit()
    return {
        "org": org,
        "units": units,
        "firms": firms,
        "unit_officers": {c.id for c in unit_officers},
        "firm_officers": {c.id for c in firm_officers},
        "staff": staff,
        "units_campaign": units_campaign,
        "firms_campaign": firms_campaign,
    }


def test_the_soc_trang_plan_is_for_the_boards_units() -> None:
    soc = load_template("soc-trang-bql-2021-2025")
    assert soc.audience is Audience.BOARD_UNITS
    assert soc.report_figures == ()  # a unit reports a narrative and the signed file
    assert {d.kind for d in soc.deadlines} == {
        DeadlineKind.TITLE_REGISTRATION,
        DeadlineKind.YEAR_END_REPORT,
    }
    assert load_template("bac-giang-kcn").audience is Audience.ENTERPRISES
    base = {
        "slug": "x",
        "name": "n",
        "name_en": "n",
        "province": "p",
        "issuer": "i",
        "issuer_en": "i",
        "kind": "annual",
        "theme": "t",
        "theme_en": "t",
        "document_number": "{number}/KH",
        "phases": [{"number": 1, "name": "a", "name_en": "a", "start": "01-01", "end": "12-31"}],
    }
    with pytest.raises(
        TemplateDataError,
        match="audience: Input should be 'enterprises' or 'board_units'",
    ):
        parse_template({**base, "audience": "units"}, "x.toml")
    with pytest.raises(TemplateDataError, match="unknown figure 'output'"):
        parse_template({**base, "report_figures": ["output"]}, "x.toml")


def test_unit_codes(engine: Engine) -> None:
    with Session(engine) as session:
        world = _board(session)
        org = world["org"]
        assert isinstance(org, Organization)
        assert [u.tax_code for u in world["units"]] == ["DV-VP", f"DV{org.id}-01"]
        assert participant_code(" dv-vp ") == "DV-VP"
        found = find_enterprise(session, "dv-vp")
        assert found is not None and found.name == "Văn phòng Ban"
        with pytest.raises(InvalidUnit) as bad:
            add_unit(session, org, "Phòng Kế hoạch", Act(NOW, TZ), code="DV VP!")
        assert "DV followed by up to 12 letters" in bad.value.message(Translator("en"))
        with pytest.raises(InvalidUnit):
            add_unit(session, org, "văn phòng ban", Act(NOW, TZ))  # the same name twice
        with pytest.raises(InvalidUnit):
            add_unit(session, org, "Phòng Kế hoạch", Act(NOW, TZ), code="DV-VP")  # a code taken
        session.rollback()
        assert (
            session.exec(select(Enterprise).where(col(Enterprise.audience) == Audience.BOARD_UNITS))
            .all()
            .__len__()
            == 2
        )


def _planned(engine: Engine, on: str, settings: Settings) -> list[Delivery]:
    with Session(engine) as session:
        plan_and_expand(session, D(on), settings)
        return list(session.exec(select(Delivery).where(col(Delivery.kind) != DeliveryKind.DIGEST)))


def test_each_campaign_reaches_its_own_audience_only(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
    units_campaign, firms_campaign = world["units_campaign"], world["firms_campaign"]
    assert isinstance(units_campaign, Campaign) and isinstance(firms_campaign, Campaign)
    unit_officers, firm_officers = world["unit_officers"], world["firm_officers"]
    # 14/04/2025: one day before both campaigns' title registration (15/04).
    rows = _planned(engine, "2025-04-14", settings)
    reminders = [r for r in rows if r.kind is DeliveryKind.REMINDER]
    by_campaign: dict[int | None, set[int]] = {}
    for r in reminders:
        by_campaign.setdefault(r.campaign_id, set()).add(r.contact_id)
    assert by_campaign == {units_campaign.id: unit_officers, firms_campaign.id: firm_officers}
    # The prompt before 19/05 (both plans mark it) goes to each campaign's own people.
    on = observance_prompt_date(D("2025-05-19"), settings.observance_prompt_working_days)
    prompts = [
        r for r in _planned(engine, on.isoformat(), settings) if r.kind is DeliveryKind.OBSERVANCE
    ]
    assert prompts
    for campaign, officers in ((units_campaign, unit_officers), (firms_campaign, firm_officers)):
        reached = {r.contact_id for r in prompts if r.campaign_id == campaign.id}
        assert reached == officers, (campaign.template, reached)
    # The dry run agrees on reminders.
    with Session(engine) as session:
        preview = preview_day(session, D("2025-04-14"), settings)
    unit_texts = [
        m for m in preview if m.contact_id in unit_officers and m.kind is DeliveryKind.REMINDER
    ]
    assert len(unit_texts) == 2 and all("/register" in m.text for m in unit_texts)
    # And on the prompts: each campaign's prompt is listed for its own people only.
    with Session(engine) as session:
        listed = preview_day(session, on, settings)
    for campaign, officers in ((units_campaign, unit_officers), (firms_campaign, firm_officers)):
        shown = {
            m.contact_id
            for m in listed
            if m.kind is DeliveryKind.OBSERVANCE and m.campaign_id == campaign.id
        }
        assert shown == officers, (campaign.template, shown)


def test_progress_missing_and_exports_count_the_campaigns_own_participants(
    engine: Engine, tmp_path: Path
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
        org, units_campaign, firms_campaign = (
            world["org"],
            world["units_campaign"],
            world["firms_campaign"],
        )
        assert isinstance(org, Organization) and org.id is not None
        assert isinstance(units_campaign, Campaign) and units_campaign.id is not None
        assert isinstance(firms_campaign, Campaign) and firms_campaign.id is not None
        scope = Scope.board(org.id)
        progress = campaign_progress(session, units_campaign.id, scope)
        assert progress.enterprises == 2
        text = render_progress_text(VI, progress)
        assert "Số đơn vị: 2" in text and "doanh nghiệp" not in text.casefold()
        # The plan's targets are the period's; a unit reports no figure towards them.
        targets = render_targets_text(
            VI, figures_vs_targets(session, units_campaign.id, scope), units_campaign.year
        )
        assert "Chỉ tiêu giai đoạn 2021–2025" in targets, targets
        assert (
            "Giá trị sản xuất công nghiệp của các KCN đến năm 2025 (giá so sánh 2010): chỉ tiêu "
            "25.000–30.000 tỷ đồng; chưa có số liệu báo cáo nào cộng vào chỉ tiêu này" in targets
        )
        assert campaign_progress(session, firms_campaign.id, scope).enterprises == 2
        missing = missing_enterprises(session, units_campaign.id, "title_registration", scope)
        assert {m.name for m in missing} == {"Văn phòng Ban", "Phòng Quản lý doanh nghiệp"}
        listed = render_missing_text(
            VI, "title_registration", missing, audience=Audience.BOARD_UNITS
        )
        assert "2 đơn vị chưa nộp" in listed and "DV-VP" in listed
        firms_missing = missing_enterprises(session, firms_campaign.id, "title_registration", scope)
        assert {m.name for m in firms_missing} == {"Công ty Sao Mai", "Công ty Hòa Phát"}
        path = tmp_path / "chua-nop.xlsx"
        assert (
            export_missing(
                session, units_campaign.id, "title_registration", scope, path, act=Act(NOW, TZ)
            )
            == 2
        )
        ws = active(load_workbook(path))
        header = [c.value for c in ws[HEADER_ROW]]
        assert header[1:3] == ["Đơn vị", "Mã đơn vị"]
        names = {row[1] for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
        assert names == {"Văn phòng Ban", "Phòng Quản lý doanh nghiệp"}
        # A unit's report has no figure columns: the narrative only.
        reports = tmp_path / "bao-cao.xlsx"
        export_reports(session, units_campaign.id, scope, reports, act=Act(NOW, TZ))
        header = [c.value for c in active(load_workbook(reports))[HEADER_ROW]]
        assert header[1:3] == ["Đơn vị", "Mã đơn vị"] and len(header) == 7, header


def _with_targets(engine: Engine) -> Campaign:
    """A 2027 campaign whose targets are the 2026 ones carried over, not yet confirmed."""
    with Session(engine, expire_on_commit=False) as session:
        org = Organization(slug="bg", name="Ban Quản lý các KCN tỉnh Bắc Ninh", province="Bắc Ninh")
        session.add(org)
        session.flush()
        campaign = create_campaign(session, org, "bac-giang-kcn", 2027)
        campaign.targets = [
            {
                "key": "industrial_output",
                "label": "Giá trị sản xuất công nghiệp",
                "label_en": "Industrial output",
                "value": 540000,
                "unit": "tỷ đồng",
                "unit_en": "bn VND",
                "qualifier": "about",
                "growth": 19.3,
                "year": 2026,
                "confirmed": False,
            }
        ]
        session.add(campaign)
        firm = Enterprise(
            organization_id=present(org.id), tax_code="0100109106", name="Công ty Sao Mai"
        )
        session.add(firm)
        session.flush()
        _officer(session, firm, "firm")
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
        session.commit()
        return campaign


def test_the_digest_names_the_targets_year_and_qualifier(
    engine: Engine, settings: Settings
) -> None:
    _with_targets(engine)
    with Session(engine) as session:
        # Monday 01/03/2027, after the launch document's due date.
        messages = preview_day(session, D("2027-03-01"), settings)
    digest = next(m for m in messages if m.kind is DeliveryKind.DIGEST)
    assert "Chỉ tiêu năm 2026 (phong trào của năm 2027)" in digest.text, digest.text
    assert "chưa xác nhận" in digest.text
    assert "Giá trị sản xuất công nghiệp: khoảng 540.000 tỷ đồng, tăng 19,3%" in digest.text


def test_exports_name_the_targets_year_and_qualifier(engine: Engine, tmp_path: Path) -> None:
    campaign = _with_targets(engine)
    assert campaign.id is not None
    path = tmp_path / "bao-cao.xlsx"
    with Session(engine) as session:
        export_reports(
            session,
            campaign.id,
            Scope.board(campaign.organization_id),
            path,
            act=Act(NOW + timedelta(days=700), TZ),
        )
    ws = active(load_workbook(path))
    line = str(ws.cell(row=TITLE_ROWS, column=1).value)
    assert line.startswith("Chỉ tiêu năm 2026 (phong trào của năm 2027)"), line
    assert "chưa xác nhận" in line and "khoảng 540.000 tỷ đồng, tăng 19,3%" in line


def test_launch_and_staff_broadcasts_reach_the_campaigns_own_participants(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
        org, units_campaign = world["org"], world["units_campaign"]
        assert isinstance(org, Organization) and org.id is not None
        assert isinstance(units_campaign, Campaign) and units_campaign.id is not None
        scope = Scope.board(org.id)
        launch_campaign(session, units_campaign, scope, Act(NOW, TZ), email=False)
        session.commit()
        launched = {
            d.contact_id
            for d in session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.LAUNCH))
        }
        assert launched == world["unit_officers"]
        missing = BroadcastAudience.not_submitted(units_campaign.id, "title_registration")
        reached = {c.id for c in resolve_audience(session, org.id, missing, scope, email=False)}
        assert reached == world["unit_officers"]
        firms_campaign = world["firms_campaign"]
        assert isinstance(firms_campaign, Campaign) and firms_campaign.id is not None
        missing = BroadcastAudience.not_submitted(firms_campaign.id, "title_registration")
        reached = {c.id for c in resolve_audience(session, org.id, missing, scope, email=False)}
        assert reached == world["firm_officers"]


def test_an_extension_is_for_a_participant_of_the_campaign(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
        units_campaign = world["units_campaign"]
        assert isinstance(units_campaign, Campaign)
        deadline = session.exec(
            select(Deadline).where(
                Deadline.campaign_id == units_campaign.id,
                Deadline.kind == DeadlineKind.TITLE_REGISTRATION,
            )
        ).one()
        firm, unit = world["firms"][0], world["units"][0]
        later = datetime(2025, 4, 20, 3, 0, tzinfo=UTC)
        with pytest.raises(NotFound) as refused:
            grant_extension(session, deadline, present(firm.id), date(2025, 4, 30), Act(later, TZ))
        assert (
            refused.value.message(VI) == "Doanh nghiệp này không tham gia phong trào thi đua này."
        )
        granted = grant_extension(
            session, deadline, present(unit.id), date(2025, 4, 30), Act(later, TZ)
        )
        assert granted.until == date(2025, 4, 30)


def test_the_units_digest_counts_units(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
    units_campaign = world["units_campaign"]
    assert isinstance(units_campaign, Campaign)
    with Session(engine) as session:
        messages = preview_day(session, D("2025-04-21"), settings)  # a Monday after 15/04
    digests = [m for m in messages if m.kind is DeliveryKind.DIGEST]
    units = next(m.text for m in digests if "giai đoạn 2021 – 2025" in m.text)
    assert "tổng 2 đơn vị" in units and "Chỉ tiêu giai đoạn 2021–2025" in units, units
    assert "Văn phòng Ban (DV-VP)" in units and "Sao Mai" not in units, units
    firms = next(m.text for m in digests if "giai đoạn 2021 – 2025" not in m.text)
    assert "tổng 2 doanh nghiệp" in firms and "Văn phòng Ban" not in firms, firms


def test_a_moved_deadline_is_told_to_the_campaigns_own_participants(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session)
        units_campaign = world["units_campaign"]
        assert isinstance(units_campaign, Campaign)
        deadline = session.exec(
            select(Deadline).where(
                Deadline.campaign_id == units_campaign.id,
                Deadline.kind == DeadlineKind.TITLE_REGISTRATION,
            )
        ).one()
        replanned = change_and_replan(
            session, deadline, Act(NOW, TZ), DeadlineChange(D("2025-04-22")), email=False
        )
        session.commit()
        told = session.exec(
            select(Delivery).where(col(Delivery.kind) == DeliveryKind.DEADLINE_MOVED)
        ).all()
    assert {d.contact_id for d in told} == world["unit_officers"]
    assert replanned is not None
