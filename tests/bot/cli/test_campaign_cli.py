"""`thidua templates`, `calendar`, `org` and `campaign` through click, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from bot.cli.campaigns import campaign_state, local_today
from bot.models import Campaign
from bot.settings import get_settings
from tests.bot.cli.conftest import Invoke


def _audit(run: Invoke, action: str) -> list[dict[str, object]]:
    result = run("audit", "--json", "--action", action)
    assert result.exit_code == 0, result.output
    entries: list[dict[str, object]] = json.loads(result.output)
    return entries


def test_templates_list(run: Invoke) -> None:
    result = run("templates", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [
        "bac-giang-kcn-covid-2021",
        "bac-giang-kcn",
        "bac-giang-ubnd",
        "soc-trang-bql-2021-2025",
    ]
    assert "hằng năm" in lines[1] and "2021–2025" in lines[3]


def test_calendar_json_for_2024(run: Invoke) -> None:
    result = run("calendar", "--template", "bac-giang-kcn", "--year", "2024", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"template", "year", "phases", "deadlines", "observances"}
    assert (data["template"], data["year"]) == ("bac-giang-kcn", 2024)
    assert data["phases"] == [
        {"name": "Đợt thi đua thứ nhất", "start": "2024-01-01", "end": "2024-06-30"},
        {"name": "Đợt thi đua thứ hai", "start": "2024-07-01", "end": "2024-12-31"},
    ]
    assert data["deadlines"] == [
        {"kind": "launch_document", "due": "2024-01-31", "remind_by": "2024-01-31"},
        {"kind": "title_registration", "due": "2024-04-15", "remind_by": "2024-04-15"},
        {"kind": "six_month_report", "due": "2024-06-15", "remind_by": "2024-06-14"},
        {"kind": "year_end_report", "due": "2024-12-05", "remind_by": "2024-12-05"},
        {"kind": "commendation_proposal", "due": "2024-12-20", "remind_by": "2024-12-20"},
    ]
    observances = data["observances"]
    assert len(observances) == 15
    assert all(set(o) == {"date", "name", "years", "phase"} for o in observances)
    assert {"date": "2024-05-07", "name": "Chiến thắng Điện Biên Phủ", "years": 70, "phase": 1} in (
        observances
    )
    assert {"date": "2024-10-10", "name": "Giải phóng Thủ đô", "years": 70, "phase": 2} in (
        observances
    )
    army_days = {(o["name"], o["years"]) for o in observances if o["date"] == "2024-12-22"}
    assert army_days == {
        ("Ngày thành lập Quân đội nhân dân Việt Nam", 80),
        ("Ngày hội Quốc phòng toàn dân", 35),
    }
    assert [o["date"] for o in observances] == sorted(o["date"] for o in observances)


def test_calendar_json_moves_a_reminder_off_tet(run: Invoke) -> None:
    result = run("calendar", "--template", "bac-giang-ubnd", "--year", "2025", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["deadlines"] == [
        {"kind": "launch_document", "due": "2025-01-31", "remind_by": "2025-01-24"},
        {"kind": "six_month_report", "due": "2025-06-15", "remind_by": "2025-06-13"},
    ]


def test_calendar_table_is_vietnamese(run: Invoke) -> None:
    result = run("calendar", "--template", "bac-giang-kcn", "--year", "2025")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "01/01/2025 – 30/06/2025  Đợt thi đua thứ nhất (Sơ kết 6 tháng)" in out
    assert "31/01/2025  Văn bản phát động" in out
    assert "trùng ngày nghỉ: nhắc vào ngày 24/01/2025" in out
    assert (
        "kỷ niệm 50 năm Ngày Giải phóng miền Nam, thống nhất đất nước (30/04/1975 – 30/04/2025)"
        "  ★ năm chẵn"
    ) in out


def test_calendar_errors_are_one_line(run: Invoke) -> None:
    unknown = run("calendar", "--template", "bac-giang", "--year", "2024")
    assert unknown.exit_code == 1
    assert "Không có mẫu kế hoạch 'bac-giang'" in unknown.output
    assert "bac-giang-kcn-covid-2021" in unknown.output
    outside = run("calendar", "--template", "soc-trang-bql-2021-2025", "--year", "2026")
    assert outside.exit_code == 1
    assert "năm 2026 nằm ngoài giai đoạn này" in outside.output
    not_a_year = run("calendar", "--template", "bac-giang-kcn", "--year", "năm nay")
    assert not_a_year.exit_code == 2


@pytest.mark.usefixtures("database")
def test_org_and_campaign_commands(run: Invoke) -> None:
    empty = run("campaign", "list")
    assert empty.exit_code == 0 and "Chưa có phong trào thi đua nào" in empty.output

    created = run(
        "org",
        "create",
        "--slug",
        "bqlkcn-bac-giang",
        "--name",
        "Ban Quản lý các KCN tỉnh Bắc Giang",
        "--province",
        "Bắc Giang",
    )
    assert created.exit_code == 0, created.output
    assert created.output.strip() == (
        "Đã tạo Ban bqlkcn-bac-giang: Ban Quản lý các KCN tỉnh Bắc Giang (Bắc Giang)."
    )
    again = run("org", "create", "--slug", "bqlkcn-bac-giang", "--name", "X", "--province", "Y")
    assert again.exit_code == 1
    assert "Đã có Ban với tên viết tắt 'bqlkcn-bac-giang'." in again.output
    bad = run("org", "create", "--slug", "BQL Bắc Giang", "--name", "X", "--province", "Y")
    assert bad.exit_code == 1 and "không hợp lệ" in bad.output
    # One audit entry for the board created; the refused attempts wrote none.
    (org_entry,) = _audit(run, "organization.create")
    assert (org_entry["actor"], org_entry["subject"]) == ("cli", "organization:1")
    assert org_entry["after"] == {
        "slug": "bqlkcn-bac-giang",
        "name": "Ban Quản lý các KCN tỉnh Bắc Giang",
        "province": "Bắc Giang",
    }
    assert run("org", "list").output.splitlines() == [
        "bqlkcn-bac-giang         Ban Quản lý các KCN tỉnh Bắc Giang (Bắc Giang)"
    ]

    campaign = run(
        "campaign", "create", "--org", "bqlkcn-bac-giang", "--template", "bac-giang-kcn",
        "--year", "2024",
    )  # fmt: skip
    assert campaign.exit_code == 0, campaign.output
    assert campaign.output.splitlines() == [
        "Đã tạo phong trào #1: Phong trào thi đua năm 2024 trong các KCN tỉnh Bắc Giang "
        "(01/01/2024 – 31/12/2024).",
        "2 đợt thi đua, 5 thời hạn, 15 ngày kỷ niệm.",
    ]
    duplicate = run(
        "campaign", "create", "--org", "bqlkcn-bac-giang", "--template", "bac-giang-kcn",
        "--year", "2024",
    )  # fmt: skip
    assert duplicate.exit_code == 1
    assert "đã có phong trào thi đua 'bac-giang-kcn' năm 2024" in duplicate.output
    no_board = run(
        "campaign", "create", "--org", "bql-soc-trang", "--template", "soc-trang-bql-2021-2025",
        "--year", "2024",
    )  # fmt: skip
    assert no_board.exit_code == 1
    assert "Không có Ban 'bql-soc-trang'. Các Ban hiện có: bqlkcn-bac-giang." in no_board.output
    (campaign_entry,) = _audit(run, "campaign.create")
    assert (campaign_entry["actor"], campaign_entry["subject"]) == ("cli", "campaign:1")
    assert campaign_entry["after"] == {
        "organization": "bqlkcn-bac-giang",
        "template": "bac-giang-kcn",
        "year": 2024,
        "title": "Phong trào thi đua năm 2024 trong các KCN tỉnh Bắc Giang",
        "starts_on": "2024-01-01",
        "ends_on": "2024-12-31",
        "phases": 2,
        "deadlines": {
            "launch_document": "2024-01-31",
            "title_registration": "2024-04-15",
            "six_month_report": "2024-06-15",
            "year_end_report": "2024-12-05",
            "commendation_proposal": "2024-12-20",
        },
        "observances": 15,
    }
    covid = run(
        "campaign", "create", "--org", "bqlkcn-bac-giang", "--template",
        "bac-giang-kcn-covid-2021", "--year", "2021",
    )  # fmt: skip
    assert covid.exit_code == 0, covid.output
    assert len(_audit(run, "campaign.create")) == 2

    # The state comes from the dates in local time, not from the `active` flag: the 2024
    # campaign is over (it used to show as running forever), this year's runs, next year's
    # is upcoming.
    this_year = datetime.now(get_settings().tz).year
    for year in (this_year, this_year + 1):
        made = run(
            "campaign", "create", "--org", "bqlkcn-bac-giang", "--template", "bac-giang-kcn",
            "--year", str(year),
        )  # fmt: skip
        assert made.exit_code == 0, made.output
    listing = run("campaign", "list", "--org", "bqlkcn-bac-giang")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"#4    {this_year + 1}  bqlkcn-bac-giang")
    assert lines[0].endswith(f"31/12/{this_year + 1}  sắp diễn ra")
    assert lines[1].endswith(f"31/12/{this_year}  đang diễn ra")
    assert lines[2].startswith("#1    2024  bqlkcn-bac-giang")
    assert lines[2].endswith("01/01/2024 – 31/12/2024  đã kết thúc")
    assert "bac-giang-kcn-covid-2021" in lines[3] and "03/08/2021 – 31/12/2021" in lines[3]
    assert lines[3].endswith("đã kết thúc")

    # A campaign the board closed (active=False) shows as closed, whatever its dates.
    engine = create_engine(get_settings().database_url)
    with Session(engine) as session:
        running = session.exec(select(Campaign).where(Campaign.year == this_year)).one()
        running.active = False
        session.add(running)
        session.commit()
    engine.dispose()
    closed = run("campaign", "list", "--org", "bqlkcn-bac-giang").output.splitlines()[1]
    assert closed.endswith(f"31/12/{this_year}  đã đóng (lưu trữ)")


@pytest.mark.parametrize(
    ("today", "active", "state"),
    [
        (date(2023, 12, 31), True, "upcoming"),
        (date(2024, 1, 1), True, "running"),
        (date(2024, 12, 31), True, "running"),
        (date(2025, 1, 1), True, "finished"),
        (date(2026, 11, 23), True, "finished"),
        (date(2024, 6, 1), False, "closed (archived)"),
    ],
)
def test_campaign_state_from_the_dates(today: date, active: bool, state: str) -> None:
    campaign = Campaign(
        organization_id=1,
        template="bac-giang-kcn",
        year=2024,
        title="2024",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        active=active,
    )
    assert campaign_state(campaign, today) == state


def test_a_fresh_database_is_created(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'thidua.db'}"
    monkeypatch.setenv("THIDUA_DATABASE_URL", url)
    result = run("org", "create", "--slug", "bql-st", "--name", "Ban", "--province", "Sóc Trăng")
    assert result.exit_code == 0, result.output
    assert run("org", "list").output.startswith("bql-st ")


def test_the_local_day_decides(run: Invoke) -> None:
    run("templates", "list")  # the fixture's settings: Asia/Ho_Chi_Minh
    new_year_in_hanoi = datetime(2024, 12, 31, 17, 0, tzinfo=UTC)
    assert local_today(new_year_in_hanoi) == date(2025, 1, 1)
    assert local_today(datetime(2024, 12, 31, 16, 59, tzinfo=UTC)) == date(2024, 12, 31)
    with pytest.raises(ValueError):
        local_today(datetime(2024, 12, 31, 17, 0))
