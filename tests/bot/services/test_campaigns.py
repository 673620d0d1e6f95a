"""Campaigns from templates, and boards, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.i18n import Translator
from bot.models import Campaign, Deadline, Observance, Organization, Phase
from bot.models.enums import DeadlineKind
from bot.services import campaigns as campaign_service
from bot.services.campaigns import (
    CampaignExists,
    PlannedObservance,
    YearOutsidePlan,
    active_campaigns,
    anniversary_label,
    campaign_deadlines,
    campaign_observances,
    campaign_phases,
    create_campaign,
    current_phase,
    list_campaigns,
    plan_campaign,
)
from bot.services.errors import InvalidInput, NotFound
from bot.services.items import kind_label
from bot.services.organizations import (
    OrganizationExists,
    add_observance,
    create_organization,
    get_organization,
    list_organizations,
)
from bot.services.templates import UnknownTemplate, load_template

VI = Translator("vi")
EN = Translator("en")


# ---- the plan (pure) ------------------------------------------------------------------


def test_calendar_2024_shows_everything_the_2024_plan_lists() -> None:
    plan = plan_campaign("bac-giang-kcn", 2024)
    assert plan.title == "Phong trào thi đua năm 2024 trong các KCN tỉnh Bắc Giang"
    assert "nhiệm vụ chính trị năm 2024" in plan.theme
    assert (plan.starts_on, plan.ends_on) == (date(2024, 1, 1), date(2024, 12, 31))
    assert [(p.name, p.starts_on, p.ends_on, p.review_name) for p in plan.phases] == [
        ("Đợt thi đua thứ nhất", date(2024, 1, 1), date(2024, 6, 30), "Sơ kết 6 tháng"),
        ("Đợt thi đua thứ hai", date(2024, 7, 1), date(2024, 12, 31), "Tổng kết năm"),
    ]
    # The dated deadlines are working days in 2024; the six-month report's 15/06 (a day
    # the plans do not name, set by the office) is a Saturday, announced on Friday 14/06.
    assert [(d.kind, d.due, d.remind_by) for d in plan.deadlines] == [
        (DeadlineKind.LAUNCH_DOCUMENT, date(2024, 1, 31), date(2024, 1, 31)),
        (DeadlineKind.TITLE_REGISTRATION, date(2024, 4, 15), date(2024, 4, 15)),
        (DeadlineKind.SIX_MONTH_REPORT, date(2024, 6, 15), date(2024, 6, 14)),
        (DeadlineKind.YEAR_END_REPORT, date(2024, 12, 5), date(2024, 12, 5)),
        (DeadlineKind.COMMENDATION_PROPOSAL, date(2024, 12, 20), date(2024, 12, 20)),
    ]
    by_day = {(o.on, o.founded): o for o in plan.observances}
    # Every commemoration day the 2024 plan names for phase 1 and phase 2.
    named = {
        (date(2024, 2, 3), 1, 94),
        (date(2024, 3, 26), 1, 93),
        (date(2024, 4, 30), 1, 49),
        (date(2024, 5, 1), 1, 138),
        (date(2024, 5, 7), 1, 70),
        (date(2024, 5, 19), 1, 134),
        (date(2024, 6, 11), 1, 76),
        (date(2024, 8, 19), 2, 79),
        (date(2024, 9, 2), 2, 79),
        (date(2024, 10, 10), 2, 129),  # province founding day (1895)
        (date(2024, 10, 13), 2, 20),
        (date(2024, 11, 20), 2, 42),
        (date(2024, 12, 22), 2, 80),
        (date(2024, 12, 22), 2, 35),
        (date(2024, 10, 10), 2, 70),  # Liberation of the Capital
    }
    assert {(o.on, o.phase, o.years) for o in plan.observances} == named
    # The round anniversaries the plan singles out.
    dien_bien_phu = by_day[(date(2024, 5, 7), 1954)]
    capital = by_day[(date(2024, 10, 10), 1954)]
    army = by_day[(date(2024, 12, 22), 1944)]
    defence = by_day[(date(2024, 12, 22), 1989)]
    assert [o.years for o in (dien_bien_phu, capital, army, defence)] == [70, 70, 80, 35]
    assert all(o.is_round for o in (dien_bien_phu, capital, army, defence))
    assert not by_day[(date(2024, 2, 3), 1930)].is_round
    assert anniversary_label(VI, dien_bien_phu) == (
        "kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (07/05/1954 – 07/05/2024)"
    )
    assert anniversary_label(VI, capital) == (
        "kỷ niệm 70 năm Giải phóng Thủ đô (10/10/1954 – 10/10/2024)"
    )
    assert anniversary_label(VI, army) == (
        "kỷ niệm 80 năm Ngày thành lập Quân đội nhân dân Việt Nam (22/12/1944 – 22/12/2024)"
    )
    assert anniversary_label(VI, defence) == (
        "kỷ niệm 35 năm Ngày hội Quốc phòng toàn dân (22/12/1989 – 22/12/2024)"
    )
    assert anniversary_label(EN, army) == (
        "80 years of Founding of the Vietnam People's Army (22/12/1944 – 22/12/2024)"
    )


@pytest.mark.parametrize(
    ("year", "kind", "due", "remind_by"),
    [
        # 31/01/2025 falls in Tết (27/01–01/02): remind on Friday 24/01.
        (2025, DeadlineKind.LAUNCH_DOCUMENT, date(2025, 1, 31), date(2025, 1, 24)),
        # 05/12/2026 is a Saturday.
        (2026, DeadlineKind.YEAR_END_REPORT, date(2026, 12, 5), date(2026, 12, 4)),
        # 31/01/2027 is a Sunday.
        (2027, DeadlineKind.LAUNCH_DOCUMENT, date(2027, 1, 31), date(2027, 1, 29)),
        (2027, DeadlineKind.TITLE_REGISTRATION, date(2027, 4, 15), date(2027, 4, 15)),
    ],
)
def test_remind_by_is_the_last_working_day(
    year: int, kind: DeadlineKind, due: date, remind_by: date
) -> None:
    plan = plan_campaign(load_template("bac-giang-kcn"), year)
    deadline = next(d for d in plan.deadlines if d.kind is kind)
    assert (deadline.due, deadline.remind_by) == (due, remind_by)
    assert deadline.reminder_offsets == (14, 7, 3, 1, 0, -1, -3)


def test_anniversaries_follow_the_year() -> None:
    plan = plan_campaign("bac-giang-kcn", 2025)
    years = {(o.on, o.founded): (o.years, o.is_round) for o in plan.observances}
    assert years[(date(2025, 4, 30), 1975)] == (50, True)
    assert years[(date(2025, 9, 2), 1945)] == (80, True)
    assert years[(date(2025, 10, 10), 1895)] == (130, True)
    assert years[(date(2025, 5, 7), 1954)] == (71, False)


def test_label_without_founding_year() -> None:
    day = PlannedObservance(date(2024, 3, 15), "Ngày truyền thống Ban", "", None, 1)
    assert day.years is None and not day.is_round
    assert anniversary_label(VI, day) == "Ngày truyền thống Ban (15/03/2024)"
    assert anniversary_label(EN, day) == "Ngày truyền thống Ban (15/03/2024)"


def test_fixed_period_plans_refuse_other_years() -> None:
    assert plan_campaign("bac-giang-kcn-covid-2021", 2021).starts_on == date(2021, 8, 3)
    with pytest.raises(YearOutsidePlan) as info:
        plan_campaign("bac-giang-kcn-covid-2021", 2022)
    assert info.value.message(VI) == (
        "Kế hoạch 'bac-giang-kcn-covid-2021' áp dụng cho giai đoạn 2021–2021; "
        "năm 2022 nằm ngoài giai đoạn này."
    )
    for year in (2021, 2023, 2025):
        plan = plan_campaign("soc-trang-bql-2021-2025", year)
        assert [(p.starts_on, p.ends_on) for p in plan.phases] == [
            (date(year, 1, 1), date(year, 12, 31))
        ]
        assert plan.phases[0].name == f"Năm {year} của giai đoạn 2021 – 2025"
    for year in (2020, 2026):
        with pytest.raises(YearOutsidePlan):
            plan_campaign("soc-trang-bql-2021-2025", year)
    for year in (1999, 20244):
        with pytest.raises(YearOutsidePlan):
            plan_campaign("bac-giang-kcn", year)


def test_deadline_kind_labels() -> None:
    assert kind_label(VI, DeadlineKind.TITLE_REGISTRATION) == "Đăng ký danh hiệu thi đua"
    assert kind_label(EN, "year_end_report") == "Year-end report"


# ---- boards ---------------------------------------------------------------------------


def _board(session: Session, slug: str = "bqlkcn-bac-giang") -> Organization:
    return create_organization(session, slug, "Ban Quản lý các KCN tỉnh Bắc Giang", "Bắc Giang")


def test_create_and_get_organization(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        session.commit()
        assert board.id is not None
        assert get_organization(session, "bqlkcn-bac-giang").id == board.id
        assert [o.slug for o in list_organizations(session)] == ["bqlkcn-bac-giang"]
        with pytest.raises(OrganizationExists) as taken:
            _board(session)
        assert taken.value.message(VI) == "Đã có Ban với tên viết tắt 'bqlkcn-bac-giang'."
        with pytest.raises(NotFound) as missing:
            get_organization(session, "bql-soc-trang")
        assert "bqlkcn-bac-giang" in missing.value.message(VI)
        session.commit()
        assert len(list_organizations(session)) == 1


@pytest.mark.parametrize(
    ("slug", "name", "province"),
    [
        ("BQL Bắc Giang", "Ban", "Bắc Giang"),
        ("bql--bg", "Ban", "Bắc Giang"),
        ("-bql", "Ban", "Bắc Giang"),
        ("", "Ban", "Bắc Giang"),
        ("x" * 65, "Ban", "Bắc Giang"),
        ("bql-bg", "   ", "Bắc Giang"),
        ("bql-bg", "Ban", ""),
        ("bql-bg", "B" * 256, "Bắc Giang"),
    ],
)
def test_bad_board_input_changes_nothing(
    engine: Engine, slug: str, name: str, province: str
) -> None:
    with Session(engine) as session:
        with pytest.raises(InvalidInput) as info:
            create_organization(session, slug, name, province)
        assert info.value.message(VI)
        session.commit()
        assert list_organizations(session) == []


def test_empty_name_message_is_translated(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(InvalidInput) as info:
        create_organization(session, "bql-bg", " ", "Bắc Giang")
    assert info.value.message(VI) == "Chưa nhập tên."
    assert info.value.message(EN) == "The name is empty."


def test_add_observance_checks_its_input(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        with pytest.raises(InvalidInput):
            add_observance(session, board, "10/10", "Ngày thành lập tỉnh")
        with pytest.raises(InvalidInput):
            add_observance(session, board, "10-10", " ")
        with pytest.raises(InvalidInput):
            add_observance(session, board, "10-10", "Ngày thành lập tỉnh", founded=189)
        add_observance(session, board, "03-15", "Ngày truyền thống Ban", "Board's day", 2003)
        session.commit()
        session.refresh(board)
        assert board.observances == [
            {
                "date": "03-15",
                "name": "Ngày truyền thống Ban",
                "founded": 2003,
                "name_en": "Board's day",
            }
        ]


# ---- campaigns in the database ---------------------------------------------------------


def test_create_campaign_writes_the_plan(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        campaign = create_campaign(session, board, "bac-giang-kcn", 2024)
        session.commit()

        stored = session.exec(select(Campaign)).one()
        assert stored.id == campaign.id
        assert (stored.template, stored.year, stored.active) == ("bac-giang-kcn", 2024, True)
        assert (stored.starts_on, stored.ends_on) == (date(2024, 1, 1), date(2024, 12, 31))
        assert stored.title_en == "2024 emulation campaign in Bắc Giang's industrial zones"
        assert stored.document_number == ""
        output = next(t for t in stored.targets if t["key"] == "industrial_output")
        assert (output["value"], output["growth"], output["year"]) == (540000, 19.3, 2024)
        assert stored.award_targets == {
            "flag_enterprises": 5,
            "merit_collectives": 10,
            "merit_individuals": 10,
        }

        phases = campaign_phases(session, stored)
        assert [(p.number, p.starts_on, p.ends_on, p.review_name) for p in phases] == [
            (1, date(2024, 1, 1), date(2024, 6, 30), "Sơ kết 6 tháng"),
            (2, date(2024, 7, 1), date(2024, 12, 31), "Tổng kết năm"),
        ]
        assert phases[1].name_en == "Second emulation phase"
        assert "kế hoạch năm 2024" in phases[1].call

        observances = campaign_observances(session, stored)
        assert len(observances) == 15
        phase_of = {p.id: p.number for p in phases}
        for o in observances:
            assert phase_of[o.phase_id] == (1 if o.on <= date(2024, 6, 30) else 2)
        dien_bien_phu = next(o for o in observances if o.on == date(2024, 5, 7))
        assert dien_bien_phu.years == 70
        assert anniversary_label(EN, dien_bien_phu) == (
            "70 years of Điện Biên Phủ Victory (07/05/1954 – 07/05/2024)"
        )

        deadlines = campaign_deadlines(session, stored)
        assert [(d.kind, d.due_on, d.reminder_offsets) for d in deadlines] == [
            (DeadlineKind.LAUNCH_DOCUMENT, date(2024, 1, 31), [14, 7, 3, 1, 0, -1, -3]),
            (DeadlineKind.TITLE_REGISTRATION, date(2024, 4, 15), [14, 7, 3, 1, 0, -1, -3]),
            (DeadlineKind.SIX_MONTH_REPORT, date(2024, 6, 15), [14, 7, 3, 1, 0, -1, -3]),
            (DeadlineKind.YEAR_END_REPORT, date(2024, 12, 5), [14, 7, 3, 1, 0, -1, -3]),
            (DeadlineKind.COMMENDATION_PROPOSAL, date(2024, 12, 20), [14, 7, 3, 1, 0, -1, -3]),
        ]


def test_a_second_campaign_of_the_same_year_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        other = _board(session, "bql-bac-giang-2")
        create_campaign(session, board, "bac-giang-kcn", 2024)
        session.commit()
        with pytest.raises(CampaignExists) as info:
            create_campaign(session, board, "bac-giang-kcn", 2024)
        assert info.value.message(VI) == (
            "Ban bqlkcn-bac-giang đã có phong trào thi đua 'bac-giang-kcn' năm 2024."
        )
        session.commit()
        # Another year, another template or another board is fine.
        create_campaign(session, board, "bac-giang-kcn", 2025)
        create_campaign(session, board, "bac-giang-ubnd", 2024)
        create_campaign(session, other, "bac-giang-kcn", 2024)
        session.commit()
        assert len(list_campaigns(session)) == 4
        assert len(session.exec(select(Phase)).all()) == 8
        assert len(session.exec(select(Deadline)).all()) == 5 + 5 + 2 + 5


def test_the_database_refuses_a_concurrent_duplicate(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as first:
        board = _board(first)
        create_campaign(first, board, "bac-giang-kcn", 2024)
        first.commit()
        board_id = board.id
    with Session(engine) as second:
        same_board = second.get(Organization, board_id)
        assert same_board is not None
        # As if the check ran before the other instance committed.
        monkeypatch.setattr(campaign_service, "find_campaign", lambda *a, **k: None)
        with pytest.raises(CampaignExists):
            create_campaign(second, same_board, "bac-giang-kcn", 2024)
        # The session is still usable and nothing half-made was left behind.
        second.commit()
        assert len(second.exec(select(Campaign)).all()) == 1
        assert len(second.exec(select(Phase)).all()) == 2


def test_refusals_change_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        with pytest.raises(YearOutsidePlan):
            create_campaign(session, board, "soc-trang-bql-2021-2025", 2026)
        with pytest.raises(UnknownTemplate):
            create_campaign(session, board, "bac-giang", 2024)
        session.commit()
        assert session.exec(select(Campaign)).all() == []
        assert session.exec(select(Observance)).all() == []


def test_board_observances_are_added_to_their_phase(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        # The same event as the template's (same day and founding year): not doubled.
        add_observance(session, board, "10-10", "Kỷ niệm ngày thành lập tỉnh", founded=1895)
        add_observance(session, board, "03-15", "Ngày truyền thống Ban", "Board's day", 2003)
        campaign = create_campaign(session, board, "bac-giang-kcn", 2024)
        covid = create_campaign(session, board, "bac-giang-kcn-covid-2021", 2021)
        session.commit()

        observances = campaign_observances(session, campaign)
        assert len(observances) == 16
        assert len([o for o in observances if o.founded == 1895]) == 1
        own = next(o for o in observances if o.on == date(2024, 3, 15))
        phase = session.get(Phase, own.phase_id)
        assert phase is not None and phase.number == 1
        assert (own.years, own.name_en) == (21, "Board's day")
        assert anniversary_label(VI, own) == (
            "kỷ niệm 21 năm Ngày truyền thống Ban (15/03/2003 – 15/03/2024)"
        )
        # 15/03 lies before the 2021 special campaign began (03/08): left out.
        assert [o.on for o in campaign_observances(session, covid)] == [
            date(2021, 8, 19),
            date(2021, 9, 2),
            date(2021, 10, 10),
        ]


def test_a_malformed_board_observance_is_reported(engine: Engine) -> None:
    with Session(engine) as session:
        board = _board(session)
        board.observances = [{"date": "10/10", "name": "Ngày thành lập tỉnh"}]
        session.add(board)
        session.flush()
        with pytest.raises(InvalidInput):
            create_campaign(session, board, "bac-giang-kcn", 2024)
        session.rollback()


def test_listing_active_campaigns_and_current_phase(engine: Engine) -> None:
    with Session(engine) as session:
        bac_giang = _board(session)
        soc_trang = create_organization(
            session, "bql-soc-trang", "Ban Quản lý các KCN tỉnh Sóc Trăng", "Sóc Trăng"
        )
        c2024 = create_campaign(session, bac_giang, "bac-giang-kcn", 2024)
        covid = create_campaign(session, bac_giang, "bac-giang-kcn-covid-2021", 2021)
        annual_2021 = create_campaign(session, bac_giang, "bac-giang-kcn", 2021)
        soc = create_campaign(session, soc_trang, "soc-trang-bql-2021-2025", 2024)
        session.commit()

        assert [c.id for c in list_campaigns(session, soc_trang)] == [soc.id]
        assert [c.year for c in list_campaigns(session, bac_giang)] == [2024, 2021, 2021]

        on = date(2024, 7, 1)
        assert {c.id for c in active_campaigns(session, on)} == {c2024.id, soc.id}
        assert [c.id for c in active_campaigns(session, on, bac_giang)] == [c2024.id]
        # Before 03/08/2021 only the annual campaign runs; after, both.
        assert [c.id for c in active_campaigns(session, date(2021, 8, 2))] == [annual_2021.id]
        assert {c.id for c in active_campaigns(session, date(2021, 8, 3))} == {
            annual_2021.id,
            covid.id,
        }
        c2024.active = False
        session.add(c2024)
        session.commit()
        assert [c.id for c in active_campaigns(session, on)] == [soc.id]

        first = current_phase(session, c2024, date(2024, 6, 30))
        second = current_phase(session, c2024, date(2024, 7, 1))
        assert first is not None and first.number == 1
        assert second is not None and second.number == 2
        assert current_phase(session, c2024, date(2025, 1, 1)) is None
        assert current_phase(session, covid, date(2021, 8, 2)) is None
        special = current_phase(session, covid, date(2021, 12, 31))
        assert special is not None and special.name == "Đợt thi đua “mục tiêu kép”"
