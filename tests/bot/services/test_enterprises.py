"""Importing the board's enterprise list: exactly the valid rows, every rejected line named."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from bot.i18n import Translator
from bot.models import AuditEntry, Cluster, Contact, Enterprise, Organization, Zone
from bot.models.enums import Channel
from bot.services.enterprises import (
    ImportFileError,
    find_enterprise,
    header_field,
    import_enterprises,
    list_enterprises,
)
from bot.services.taxcode import InvalidTaxCode
from tests.sheets import active
from tests.values import present, set_up

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "enterprises_bac_giang.csv"
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
IMPORTED = set_up(NOW, ZoneInfo("Asia/Ho_Chi_Minh"))  # the bot itself imports, at NOW

# What the sample file must give: the valid codes, and each rejected line with its msgid.
VALID = {"0100109106", "0300588569", "0101245486-001", "2400100041", "2407654320"}
REJECTED = {
    5: "Tax code {code} is not valid: {reason}",  # check digit
    6: "Tax code {code} is not valid: {reason}",  # 9 digits
    7: "Tax code {code} already appears on line {first_line}.",
    8: "Tax code {code} is not valid: {reason}",  # letter O
    9: "Tax code {code} is not valid: {reason}",  # branch 000
    10: "The enterprise name is missing.",
    12: "The tax code is missing.",
    14: "Tax code {code} is not valid: {reason}",  # dash in the wrong place
}


def _sample_rows() -> list[list[object]]:
    """The CSV sample as rows of cells (the header included), to build the same XLSX."""
    text = SAMPLE.read_text(encoding="utf-8-sig")
    import csv

    return [list(row) for row in csv.reader(text.splitlines(), delimiter=";")]


def _write_xlsx(path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    wb = Workbook()
    ws = active(wb)
    if title:
        ws.append([title])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _codes(session: Session) -> set[str]:
    return set(session.exec(select(Enterprise.tax_code)).all())


def test_csv_sample_accepts_exactly_the_valid_codes(session: Session, org: Organization) -> None:
    result = import_enterprises(session, org, SAMPLE, IMPORTED)
    session.commit()
    assert _codes(session) == VALID
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    # Audited as the act handed in, at its time (the service reads no clock).
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "enterprise.import")).one()
    assert (entry.actor, entry.contact_id, entry.at.astimezone(UTC)) == ("system", None, NOW)
    assert {r.line: r.msgid for r in result.rejected} == REJECTED
    assert [r.line for r in result.rejected] == sorted(REJECTED)
    # The reasons say which rule failed, in the reader's language.
    en = {r.line: r.reason(Translator("en")) for r in result.rejected}
    assert "10th digit must be 6, not 7" in en[5]
    assert "has 9" in en[6]
    assert "line 2" in en[7]
    assert "“O”" in en[8]
    assert "000" in en[9]
    vi = {r.line: r.reason(Translator("vi")) for r in result.rejected}
    assert vi[5] != en[5] and "6" in vi[5]
    # Zones and clusters were created once each, names matched without case or extra spaces.
    assert sorted(session.exec(select(Zone.name)).all()) == [
        "KCN Quang Châu",
        "KCN Vân Trung",
        "KCN Đình Trám",
    ]
    assert sorted(session.exec(select(Cluster.name)).all()) == ["Cụm 1", "Cụm 2"]
    milk = session.exec(select(Enterprise).where(Enterprise.tax_code == "0300588569")).one()
    assert milk.name == "Công ty CP Sữa Việt Nam; Nhà máy Bắc Giang"


def test_reimport_changes_nothing(session: Session, org: Organization) -> None:
    import_enterprises(session, org, SAMPLE, IMPORTED)
    session.commit()
    before = [(e.id, e.name, e.zone_id, e.cluster_id) for e in session.exec(select(Enterprise))]
    again = import_enterprises(session, org, SAMPLE, IMPORTED)
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert len(again.rejected) == len(REJECTED)
    after = [(e.id, e.name, e.zone_id, e.cluster_id) for e in session.exec(select(Enterprise))]
    assert sorted(after) == sorted(before)
    assert len(session.exec(select(Zone)).all()) == 3


def test_xlsx_same_result_with_title_row_and_number_cells(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    rows = _sample_rows()
    # Excel keeps a plain code as a number (and drops a leading zero); the file has a title.
    for row in rows[1:]:
        if row and row[1] == "0100109106":
            row[1] = 100109106
        if row and row[1] == "2400100041":
            row[1] = 2400100041
    path = _write_xlsx(tmp_path / "dn.xlsx", rows, title="DANH SÁCH DOANH NGHIỆP KCN BẮC GIANG")
    result = import_enterprises(session, org, path, IMPORTED)
    session.commit()
    assert _codes(session) == VALID
    assert result.created == 5
    # One title row above the header: every line number moves down by one.
    assert {r.line - 1: r.msgid for r in result.rejected} == REJECTED


def test_english_headers_any_order_comma_no_bom(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "Cluster,Tax code,Zone,Name,Note\n"
        "C1,0100109106,Z1,Viettel,0901\n"
        "C1,0100109107,Z1,Typo,0902\n",
        encoding="utf-8",
    )
    result = import_enterprises(session, org, path, IMPORTED)
    session.commit()
    assert result.created == 1
    assert [(r.line, r.tax_code) for r in result.rejected] == [(3, "0100109107")]
    [row] = list_enterprises(session, org)
    assert (row.tax_code, row.name, row.zone, row.cluster) == ("0100109106", "Viettel", "Z1", "C1")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Mã số thuế", "tax_code"),
        ("MST", "tax_code"),
        ("tax_code", "tax_code"),
        ("MA SO THUE", "tax_code"),
        ("Tên doanh nghiệp", "name"),
        ("KCN", "zone"),
        ("Khu công nghiệp", "zone"),
        ("Cụm thi đua", "cluster"),
        ("CỤM THI ĐUA", "cluster"),
    ],
)
def test_header_spellings(header: str, field: str) -> None:
    assert header_field(header) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Mã số thuế (MST)", "tax_code"),
        ("Tax code / MST", "tax_code"),
        ("Khu công nghiệp [KCN]", "zone"),
        ("Tên doanh nghiệp (tiếng Việt)", "name"),
        ("STT", None),
        ("Địa chỉ", None),
        ("Ghi chú (MST cũ)", None),  # a note about the old code is not the code
    ],
)
def test_headers_with_brackets(header: str, field: str | None) -> None:
    assert header_field(header) == field


def test_update_by_tax_code(session: Session, org: Organization, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("MST;Tên;KCN;Cụm\n0100109106;Viettel;Z1;C1\n", encoding="utf-8")
    import_enterprises(session, org, first, IMPORTED)
    session.commit()
    second = tmp_path / "b.csv"
    # New name and cluster; a blank zone cell keeps the stored zone.
    second.write_text("MST;Tên;KCN;Cụm\n0100109106;Viettel Bắc Giang;;C2\n", encoding="utf-8")
    result = import_enterprises(session, org, second, IMPORTED)
    session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    [row] = list_enterprises(session, org)
    assert (row.name, row.zone, row.cluster) == ("Viettel Bắc Giang", "Z1", "C2")


def test_tax_code_of_another_board_is_refused(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    other = Organization(slug="soc-trang", name="BQL các KCN Sóc Trăng", province="Sóc Trăng")
    session.add(other)
    session.flush()
    session.add(
        Enterprise(organization_id=present(other.id), tax_code="0100109106", name="Viettel ST")
    )
    session.commit()
    path = tmp_path / "a.csv"
    path.write_text("MST;Tên\n0100109106;Viettel BG\n0300588569;Vinamilk\n", encoding="utf-8")
    result = import_enterprises(session, org, path, IMPORTED)
    session.commit()
    assert result.created == 1
    [rejected] = result.rejected
    assert rejected.line == 2
    assert "BQL các KCN Sóc Trăng" in rejected.reason(Translator("en"))
    stored = session.exec(select(Enterprise).where(Enterprise.tax_code == "0100109106")).one()
    assert (stored.organization_id, stored.name) == (other.id, "Viettel ST")


@pytest.mark.parametrize(
    ("name", "content", "msgid_start"),
    [
        ("a.csv", "Tên;KCN\nViettel;Z1\n", "No header row"),
        ("a.csv", "", "No header row"),
        ("a.csv", "MST;Mã số thuế;Tên\n1;2;3\n", "Two columns"),
        ("a.pdf", "MST;Tên\n", "Unsupported file type"),
        ("a.xls", "MST;Tên\n", "Old Excel files"),
        ("a.xlsx", "MST;Tên\n", "The file cannot be read as an Excel workbook"),
    ],
)
def test_unusable_files_change_nothing(
    session: Session, org: Organization, tmp_path: Path, name: str, content: str, msgid_start: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        import_enterprises(session, org, path, IMPORTED)
    assert info.value.msgid.startswith(msgid_start)
    session.commit()
    assert _codes(session) == set()


def test_non_utf8_csv(session: Session, org: Organization, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("MST;Tên\n0100109106;Công ty\n".encode("utf-16"))
    with pytest.raises(ImportFileError) as info:
        import_enterprises(session, org, path, IMPORTED)
    assert "UTF-8" in info.value.msgid


def test_missing_file(session: Session, org: Organization, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError):
        import_enterprises(session, org, tmp_path / "nothing.csv", IMPORTED)


def test_a_rolled_back_import_leaves_nothing(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    """The valid rows are one unit: a failure before the commit keeps none of them."""
    copy = shutil.copy(SAMPLE, tmp_path / "x.csv")
    import_enterprises(session, org, Path(copy), IMPORTED)
    session.rollback()
    assert _codes(session) == set()
    assert session.exec(select(Zone)).all() == []


def test_list_enterprises_with_names_and_officers(session: Session, org: Organization) -> None:
    import_enterprises(session, org, SAMPLE, IMPORTED)
    session.flush()
    viettel = find_enterprise(session, "0100 109 106")
    assert viettel is not None
    session.add(
        Contact(channel=Channel.TELEGRAM, user_id="1", chat_id="1", enterprise_id=viettel.id)
    )
    other = Organization(slug="aaa", name="Khác", province="X")
    session.add(other)
    session.flush()
    session.add(Enterprise(organization_id=present(other.id), tax_code="2400100027", name="Khác"))
    session.commit()
    rows = list_enterprises(session, org)
    assert {r.tax_code for r in rows} == VALID
    assert [r.name for r in rows] == sorted(r.name for r in rows)
    by_code = {r.tax_code: r for r in rows}
    assert by_code["0100109106"].officers == 1
    assert by_code["0100109106"].zone == "KCN Đình Trám"
    assert by_code["0100109106"].cluster == "Cụm 1"
    assert by_code["2400100041"].zone is None and by_code["2400100041"].officers == 0
    everything = list_enterprises(session)
    assert len(everything) == 6 and everything[0].organization == "aaa"
    with pytest.raises(InvalidTaxCode):
        find_enterprise(session, "123")


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x7f", "\x85"[:0] + "\x9b"])
def test_a_control_character_refuses_only_its_line(
    session: Session, org: Organization, tmp_path: Path, bad: str
) -> None:
    """A NUL byte (or another control character) in a name refuses that line by number; the
    other lines are imported (PostgreSQL used to abort the whole import)."""
    path = tmp_path / "nul.csv"
    path.write_text(
        "MST;Tên;KCN;Cụm\n"
        "0100109106;Viettel;Z1;C1\n"
        f"0300588569;Công ty{bad}Xấu;Z1;C1\n"
        f"2400100041;Công ty Tốt;Z{bad}1;C1\n",
        encoding="utf-8",
    )
    result = import_enterprises(session, org, path, IMPORTED)
    session.commit()
    assert result.created == 1
    assert [(r.line, r.msgid) for r in result.rejected] == [
        (3, "The {field} contains a control character ({code}); remove it."),
        (4, "The {field} contains a control character ({code}); remove it."),
    ]
    reason = result.rejected[0].reason(Translator("vi"))
    assert f"U+{ord(bad):04X}" in reason and "tên doanh nghiệp" in reason
    assert _codes(session) == {"0100109106"}


def test_an_xlsx_with_a_raw_control_character_is_refused_whole(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    """No spreadsheet writes a raw control character into its XML: such a file is refused
    with the usual message (it used to escape as an XML ParseError), and nothing changes."""
    import zipfile

    wb = Workbook()
    ws = active(wb)
    ws.append(["MST", "Tên"])
    ws.append(["0100109106", "Viettel"])
    ws.append(["0300588569", "Công ty CTRLMARK Xấu"])
    clean = tmp_path / "clean.xlsx"
    wb.save(clean)
    path = tmp_path / "nul.xlsx"  # openpyxl refuses to write it; a hostile file has it anyway
    with zipfile.ZipFile(clean) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename).replace(b"CTRLMARK", b"\x01"))
    with pytest.raises(ImportFileError):
        import_enterprises(session, org, path, IMPORTED)
    session.rollback()
    assert _codes(session) == set()
