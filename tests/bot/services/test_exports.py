"""The XLSX exports open with openpyxl and hold the right rows, cells and formats."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import AuditEntry
from bot.services.access import AccessDenied, InvalidInput, NotFound, Scope
from bot.services.acts import Act
from bot.services.exports import (
    export_missing,
    export_registrations,
    export_reports,
    number_format,
)
from bot.services.sheets import HEADER_ROW
from tests.bot.services.test_progress import (
    FIGURES,
    RETURN_REASON,
    SUBMITTED_AT,
    TITLES,
    build_world,
    leader_scope,
)
from tests.sheets import active

NOW = SUBMITTED_AT  # the instant the exports are taken (audited)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in like the settings' one


def _rows(path: Path) -> list[list[object]]:
    ws = active(load_workbook(path))
    return [list(row) for row in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]


def test_registrations(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "out" / "dang-ky.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        count = export_registrations(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), titles=TITLES
        )
    assert count == 7  # E1's five entries and E4's two; E2's draft and board B are left out
    wb = load_workbook(path)
    ws = active(wb)
    assert ws.title == "Đăng ký thi đua, khen thưởng"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [
        "STT",
        "Doanh nghiệp",
        "Mã số thuế",
        "KCN",
        "Cá nhân / tập thể",
        "Người/tập thể được đề nghị",
        "Chức vụ/Đơn vị",
        "Danh hiệu thi đua",
        "Hình thức khen thưởng",
        "Sáng kiến được công nhận",
        "Trạng thái",
        "Ngày nộp",
    ]
    assert all(c.font.bold for c in ws[HEADER_ROW])
    # Printable: columns as wide as their values (at least the longest word of the header,
    # which wraps), so the page fits its width at a readable size.
    assert ws.column_dimensions["B"].width >= len("nghiệp")
    assert ws[HEADER_ROW][1].alignment.wrap_text
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert [r[0] for r in rows] == list(range(1, 8))
    # A danh hiệu thi đua (Cờ thi đua) in its column, the hình thức khen thưởng column blank…
    assert rows[0][1:11] == [
        "E1",
        "0100000001",
        "KCN Quang Châu",
        "Tập thể",
        "Công ty E1",
        None,
        "Cờ thi đua của UBND tỉnh",
        None,
        None,  # an initiative is asked of individuals only
        "Đã nộp",
    ]
    # … and a hình thức khen thưởng (Bằng khen) in the other, the danh hiệu column blank.
    assert rows[1][4:10] == [
        "Cá nhân",
        "Nguyễn Văn An",
        "Tổ trưởng",
        None,
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Không",
    ]
    assert rows[4][7:9] == ["Lao động tiên tiến", None]
    assert rows[5][1] == "E4" and rows[5][10] == "Đã duyệt"
    # 01/12/2024 03:00 UTC is 10:00 in Việt Nam: a real date cell shown dd/mm/yyyy.
    date_cell = ws.cell(row=HEADER_ROW + 1, column=12)
    assert isinstance(date_cell.value, datetime) and date_cell.value.date() == date(2024, 12, 1)
    assert date_cell.number_format == "dd/mm/yyyy"


def test_registrations_in_english_and_unknown_title_codes(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "reg-en.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        export_registrations(
            session, w.campaign, Scope.board(w.org), path, "en", act=Act(NOW, TZ), titles={}
        )
    rows = _rows(path)
    assert rows[0][:4] == ["No.", "Enterprise", "Tax code", "Industrial zone (IZ)"]
    assert rows[0][7:9] == ["Emulation title", "Form of commendation"]
    assert rows[1][4] == "Collective" and rows[1][7] == "CO_TINH"  # no catalogue: the code
    assert rows[1][10] == "Submitted"


def test_a_cluster_leader_exports_only_his_cluster(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        w = build_world(session)
        scope = leader_scope(w)
        n_reg = export_registrations(
            session, w.campaign, scope, tmp_path / "r.xlsx", act=Act(NOW, TZ), titles=TITLES
        )
        n_rep = export_reports(
            session, w.campaign, scope, tmp_path / "b.xlsx", act=Act(NOW, TZ), figures=FIGURES
        )
        n_mis = export_missing(
            session, w.campaign, "year_end_report", scope, tmp_path / "m.xlsx", act=Act(NOW, TZ)
        )
        with pytest.raises(AccessDenied):
            export_registrations(
                session, w.other_campaign, scope, tmp_path / "x.xlsx", act=Act(NOW, TZ)
            )
    assert n_reg == 5 and {r[1] for r in _rows(tmp_path / "r.xlsx")[1:]} == {"E1"}
    assert n_rep == 1 and [r[1] for r in _rows(tmp_path / "b.xlsx")[1:-1]] == ["E1"]
    assert n_mis == 2 and [r[1] for r in _rows(tmp_path / "m.xlsx")[1:]] == ["E2", "E3"]
    assert not (tmp_path / "x.xlsx").exists()


def test_reports_are_number_cells_with_a_total(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        count = export_reports(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), figures=FIGURES
        )
    assert count == 3  # E1 submitted, E4 accepted, E5 returned; E2's draft is not sent
    ws = active(load_workbook(path))
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [
        "STT",
        "Doanh nghiệp",
        "Mã số thuế",
        "KCN",
        "Trạng thái",
        "Ngày nộp",
        "Giá trị SXCN (tỷ đồng)",
        "Giá trị xuất khẩu (triệu USD)",
        "Tăng trưởng (%)",
        "Số lao động (người)",
        "Tóm tắt thành tích",
    ]
    rows = [[c for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    e1 = rows[0]
    assert [c.value for c in e1[:5]] == [1, "E1", "0100000001", "KCN Quang Châu", "Đã nộp"]
    assert e1[6].value == pytest.approx(1000.5) and e1[6].data_type == "n"
    # The figure allows two decimals; the column's values need one, so the print shows one.
    assert number_format(2) == "[$-42A]#,##0.00"
    assert e1[6].number_format == "[$-42A]#,##0.0"
    assert e1[9].value == 350
    assert e1[10].value == "Báo cáo E1"
    assert [c.value for c in rows[2][1:5]] == ["E5", "0100000005", "KCN Quang Châu", "Bị trả lại"]
    assert rows[2][7].value is None  # E5 did not report exports
    total = rows[3]
    assert total[1].value == "Tổng cộng (các báo cáo đã nộp và đã duyệt)"
    # E5's returned report (9999) is listed but not counted.
    assert total[6].value == pytest.approx(3000.5)
    assert total[7].value == 500
    assert total[9].value == 1550
    assert total[1].font.bold
    # Printable: the title block, landscape A4 fitted to the width, the header on every page.
    assert ws["A1"].value == "BÁO CÁO TỔNG KẾT NĂM"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_reports_without_any_report(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        count = export_reports(
            session,
            w.campaign,
            Scope.board(w.org),
            path,
            act=Act(NOW, TZ),
            kind="six_month_report",
            figures=FIGURES,
        )
        with pytest.raises(InvalidInput):
            export_reports(
                session,
                w.campaign,
                Scope.board(w.org),
                tmp_path / "x.xlsx",
                "launch_document",
                act=Act(NOW, TZ),
            )
    assert count == 0
    assert len(_rows(path)) == 1  # the header only
    assert not (tmp_path / "x.xlsx").exists()


def test_missing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "chua-nop.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        count = export_missing(
            session, w.campaign, "launch_document", Scope.board(w.org), path, act=Act(NOW, TZ)
        )
        with pytest.raises(NotFound):
            export_missing(
                session, w.campaign, "six_month_report", Scope.board(w.org), path, act=Act(NOW, TZ)
            )
    # Returned items count as not submitted (they used to be left out): E3 is listed with
    # the reason it was returned.
    assert count == 3
    ws = active(load_workbook(path))
    assert [c.value for c in ws[HEADER_ROW]] == [
        "STT",
        "Doanh nghiệp",
        "Mã số thuế",
        "KCN",
        "Cụm thi đua",
        "Tình trạng",
        "Cán bộ liên hệ",
        "Liên lạc được",
        "Hạn nộp",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert rows[0][:6] == [
        1,
        "E3",
        "0100000003",
        "KCN Vân Trung",
        "Cụm 1",
        f"Bị trả lại: {RETURN_REASON}",
    ]
    assert rows[1][:8] == [
        2,
        "E4",
        "0100000004",
        "KCN Vân Trung",
        "Cụm 2",
        "Đang soạn",
        "Cán bộ E4 (telegram)",
        "Không",
    ]
    assert rows[2][5:8] == ["Chưa nộp", "Cán bộ E5a (telegram); Cán bộ E5b (zalo)", "Có"]
    due = rows[0][8]
    assert isinstance(due, datetime) and due.date() == date(2024, 1, 31)
    assert ws.cell(row=HEADER_ROW + 1, column=9).number_format == "dd/mm/yyyy"


def test_number_format() -> None:
    assert number_format(0) == "[$-42A]#,##0"
    assert number_format(3) == "[$-42A]#,##0.000"


def test_every_export_is_audited(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        w = build_world(session)
        scope = leader_scope(w)
        export_registrations(
            session, w.campaign, scope, tmp_path / "r.xlsx", act=Act(NOW, TZ, w.leader, "tg:101")
        )
        export_reports(
            session,
            w.campaign,
            scope,
            tmp_path / "b.xlsx",
            act=Act(NOW, TZ, w.leader),
            figures=FIGURES,
        )
        export_missing(
            session,
            w.campaign,
            "launch_document",
            scope,
            tmp_path / "m.xlsx",
            act=Act(NOW, TZ, w.leader),
        )
        session.commit()
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert [e.action for e in entries] == [
        "export.registrations",
        "export.reports",
        "export.missing",
    ]
    first = entries[0]
    assert (first.contact_id, first.actor, first.subject) == (
        w.leader,
        "tg:101",
        f"campaign:{w.campaign}",
    )
    assert first.after == {"file": "r.xlsx", "rows": 5, "cluster_id": w.c1}
    assert entries[2].after is not None and entries[2].after["kind"] == "launch_document"


def test_yes_no_figures_are_written_as_co_khong(engine: Engine, tmp_path: Path) -> None:
    """A yes/no figure is the text "Có"/"Không" in the sheet (not 1/0 behind a format); the
    total row counts the yes answers."""
    from bot.models import YearEndReport
    from tests.bot.services.test_progress import FigureDef

    figures = [*FIGURES, FigureDef("iso9001", "ISO 9001", kind="yes_no", aggregate="count_yes")]
    path = tmp_path / "bc.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        reports = session.exec(select(YearEndReport).order_by(col(YearEndReport.id))).all()
        for report, answer in zip(reports, ("1", "0", "1", "0", "1"), strict=False):
            report.figures = {**report.figures, "iso9001": answer}
            session.add(report)
        session.commit()
        export_reports(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), figures=figures
        )
    ws = active(load_workbook(path))
    header = [c.value for c in ws[HEADER_ROW]]
    column = header.index("ISO 9001")
    values = [row[column].value for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert set(values[:-1]) <= {"Có", "Không"} and "Có" in values and "Không" in values
    assert isinstance(values[-1], int | float)  # the total: how many said yes


def test_dates_are_local_in_the_zone_the_caller_hands(engine: Engine, tmp_path: Path) -> None:
    """The export reads no clock and no settings: the submission instant (03:00 UTC on
    01/12/2024) is 01/12 in Hà Nội and still 30/11 in Honolulu."""
    dates = {}
    with Session(engine) as session:
        w = build_world(session)
        for name in ("Asia/Ho_Chi_Minh", "Pacific/Honolulu"):
            path = tmp_path / f"{name.replace('/', '-')}.xlsx"
            export_registrations(
                session,
                w.campaign,
                Scope.board(w.org),
                path,
                act=Act(NOW, ZoneInfo(name)),
                titles=TITLES,
            )
            rows = _rows(path)[1:]
            dates[name] = {v.date() for row in rows for v in row if isinstance(v, datetime)}
    assert dates == {
        "Asia/Ho_Chi_Minh": {date(2024, 12, 1)},
        "Pacific/Honolulu": {date(2024, 11, 30)},
    }


def test_a_late_report_with_a_figure_the_catalogue_lacks_gets_its_column(
    engine: Engine, tmp_path: Path
) -> None:
    """A figure code no definition names still gets a column of its own (after the known
    ones), and a report marked late is listed like any other (the unknown codes are read from
    the reports' figures, not from a neighbouring column)."""
    from bot.models import Submission, YearEndReport

    path = tmp_path / "bc.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        report = session.exec(select(YearEndReport).order_by(col(YearEndReport.id))).first()
        assert report is not None
        report.figures = {**report.figures, "r_and_d": "12"}
        item = session.get(Submission, report.submission_id)
        assert item is not None
        item.late = True
        session.add_all([report, item])
        session.commit()
        export_reports(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), figures=FIGURES
        )
    ws = active(load_workbook(path))
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[-2:] == ["r_and_d", "Tóm tắt thành tích"]
    statuses = [row[4].value for row in ws.iter_rows(min_row=HEADER_ROW + 1)]
    assert "Đã nộp (nộp muộn)" in statuses
