"""`thidua export` and `thidua audit` through click, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from bot.db import get_engine
from bot.services import audit
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.broadcasts import Audience, create_broadcast
from bot.services.sheets import HEADER_ROW
from tests.bot.cli.conftest import Invoke
from tests.bot.services.test_progress import World, build_world
from tests.sheets import active


@pytest.fixture
def world(database: str) -> World:
    """The staff-services world in the configured database (stamped at the newest revision)."""
    with Session(get_engine(database)) as session:
        return build_world(session)


def test_export_registrations(run: Invoke, world: World, tmp_path: Path) -> None:
    out = tmp_path / "dang-ky.xlsx"
    result = run("export", "registrations", "--campaign", str(world.campaign), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Đã ghi 7 dòng vào {out}."
    ws = active(load_workbook(out))
    assert ws.cell(row=HEADER_ROW, column=1).value == "STT"
    assert [ws.cell(row=HEADER_ROW + r, column=2).value for r in range(1, 8)] == ["E1"] * 5 + [
        "E4"
    ] * 2
    assert ws.cell(row=HEADER_ROW + 1, column=8).value == "Cờ thi đua của UBND tỉnh"  # titles.toml
    (entry,) = json.loads(run("audit", "--json").output)
    assert (entry["action"], entry["actor"]) == ("export.registrations", "cli")
    assert entry["after"] == {"file": "dang-ky.xlsx", "rows": 7}


def test_export_reports_and_missing(run: Invoke, world: World, tmp_path: Path) -> None:
    reports = tmp_path / "bao-cao.xlsx"
    result = run("export", "reports", "--campaign", str(world.campaign), "--out", str(reports))
    assert result.exit_code == 0, result.output
    ws = active(load_workbook(reports))
    assert [ws.cell(row=HEADER_ROW + r, column=2).value for r in range(1, 4)] == ["E1", "E4", "E5"]
    header = [c.value for c in ws[HEADER_ROW]]
    output = header.index("Giá trị sản xuất công nghiệp (tỷ đồng)") + 1
    assert ws.cell(row=HEADER_ROW + 1, column=output).value == pytest.approx(1000.5)
    assert ws.cell(row=HEADER_ROW + 4, column=output).value == pytest.approx(
        3000.5
    )  # the total row

    missing = tmp_path / "chua-nop.xlsx"
    result = run(
        "export", "missing", "--campaign", str(world.campaign), "--out", str(missing),
        "--kind", "launch_document",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3" in result.output  # the returned E3 is not submitted either
    ws = active(load_workbook(missing))
    assert [ws.cell(row=HEADER_ROW + r, column=2).value for r in (1, 2, 3)] == ["E3", "E4", "E5"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing", "--out", "x.xlsx"], "--kind"),
        (["registrations", "--out", "x.csv"], ".xlsx"),
        (["registrations", "--out", "x.xlsx", "--kind", "year_end_report"], "--kind"),
        (["missing", "--out", "x.xlsx", "--kind", "six_month_report"], "Báo cáo sơ kết 6 tháng"),
        (["reports", "--out", "x.xlsx", "--kind", "launch_document"], "Chỉ báo cáo mới có số liệu"),
    ],
)
def test_export_refusals_are_one_line(
    run: Invoke, world: World, tmp_path: Path, args: list[str], message: str
) -> None:
    what, *rest = args
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    rest = [str(out_dir / a) if a.startswith("x.") else a for a in rest]
    result = run("export", what, "--campaign", str(world.campaign), *rest)
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not list(out_dir.iterdir())


def test_export_unknown_campaign(run: Invoke, world: World, tmp_path: Path) -> None:
    result = run("export", "registrations", "--campaign", "9999", "--out", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 1
    assert result.output.strip() == "Lỗi: Không có phong trào thi đua số 9999."
    assert not (tmp_path / "a.xlsx").exists()


def _audit_world(world: World, db_url: str) -> None:
    with Session(get_engine(db_url)) as session:
        audit.record(
            session,
            "submission.accept",
            # 11/04 00:30 in Việt Nam
            Act(datetime(2024, 4, 10, 17, 30, tzinfo=UTC), UTC, world.staff, "telegram:100"),
            subject="submission:1",
            before={"status": "submitted"},
            after={"status": "accepted"},
        )
        audit.record(
            session,
            "submission.return",
            Act(datetime(2024, 4, 10, 16, 0, tzinfo=UTC), UTC),  # 10/04 23:00 in Việt Nam
            subject="submission:2",
            before={"status": "submitted", "review_note": None},
            after={"status": "returned", "review_note": "Thiếu chữ ký"},
        )
        create_broadcast(
            session,
            world.org,
            "Nhắc nộp báo cáo",
            Audience.everyone(),
            Scope.board(world.org, world.staff),
            act=Act(datetime(2024, 11, 20, 2, 0, tzinfo=UTC), UTC, world.staff, "telegram:100"),
            email=False,
        )
        session.commit()


def test_audit_table_and_json(run: Invoke, world: World, db_url: str) -> None:
    _audit_world(world, db_url)
    result = run("audit")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Thời", "gian", "Người", "thực", "hiện", "Hành", "động",
                                "Đối", "tượng", "Thay", "đổi"]  # fmt: skip
    assert "23:00 10/04/2024" in lines[1] and "trả lại hồ sơ" in lines[1]
    assert "status: submitted → returned; review_note: null → Thiếu chữ ký" in lines[1]
    assert "Văn phòng (telegram:100)" in lines[2] and "00:30 11/04/2024" in lines[2]
    assert "gửi thông báo" in lines[3] and "recipients=4" in lines[3]
    assert lines[-1] == "3 mục"

    result = run("audit", "--json", "--since", "2024-04-11")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [e["action"] for e in data] == ["submission.accept", "broadcast.create"]
    assert data[0]["before"] == {"status": "submitted"}
    assert data[0]["at"].startswith("2024-04-10T17:30:00")
    assert data[0]["contact_id"] == world.staff

    result = run("audit", "--json", "--since", "11/04/2024", "--action", "broadcast.")
    assert [e["action"] for e in json.loads(result.output)] == ["broadcast.create"]


def test_audit_refusals_and_empty(run: Invoke, world: World) -> None:
    result = run("audit", "--since", "2024-13-01")
    assert result.exit_code == 1
    assert result.output.strip() == "Lỗi: 2024-13-01: không có tháng 13; tháng chỉ từ 1 đến 12."
    result = run("audit", "--since", "yesterday")
    assert result.exit_code == 1
    result = run("audit")
    assert result.exit_code == 0
    assert result.output.strip() == "Nhật ký chưa có mục nào trong khoảng thời gian này."
    assert json.loads(run("audit", "--json").output) == []
