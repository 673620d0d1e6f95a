"""The enterprise, invite and staff verbs of `thidua`, on both databases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.cli import cli
from bot.models import (
    AuditEntry,
    Cluster,
    Contact,
    Enterprise,
    InviteCode,
    Organization,
    Role,
    utcnow,
)
from bot.settings import get_settings
from tests.sheets import active
from tests.values import present

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "enterprises_bac_giang.csv"
VALID = {"0100109106", "0300588569", "0101245486-001", "2400100041", "2407654320"}


@pytest.fixture
def env(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the CLI at the test database (tables made by the fixture, stamped as migrated)."""
    monkeypatch.setenv("THIDUA_LOCALE", "en")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def org(engine: Engine, env: None) -> Organization:
    with Session(engine, expire_on_commit=False) as session:
        org = Organization(slug="bac-giang", name="BQL các KCN Bắc Giang", province="Bắc Giang")
        session.add(org)
        session.commit()
        return org


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _audit(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
            ).all()
        )


def _codes(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Enterprise.tax_code)).all())


def test_import_reports_rejected_lines_and_exits_1(engine: Engine, org: Organization) -> None:
    result = run("enterprises", "import", str(SAMPLE))
    assert result.exit_code == 1
    assert "5 created, 0 updated, 0 unchanged, 8 rejected" in result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("line ")]
    assert [int(present(re.match(r"line (\d+):", line)).group(1)) for line in lines] == [
        5,
        6,
        7,
        8,
        9,
        10,
        12,
        14,
    ]
    assert "line 5: Tax code 0100109107 is not valid" in result.stdout
    assert "must be 6, not 7" in result.stdout
    assert _codes(engine) == VALID
    again = run("enterprises", "import", str(SAMPLE), "--org", "bac-giang")
    assert "0 created, 0 updated, 5 unchanged, 8 rejected" in again.stdout
    assert _codes(engine) == VALID
    # The first import is audited as made on the command line; the second changed nothing.
    (entry,) = _audit(engine, "enterprise.import")
    assert (entry.actor, entry.subject) == ("cli", f"organization:{org.id}")
    assert entry.after == {
        "file": SAMPLE.name,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 8,
    }


def test_dry_run_saves_nothing(engine: Engine, org: Organization) -> None:
    result = run("enterprises", "import", str(SAMPLE), "--dry-run")
    assert result.exit_code == 1
    assert "5 created" in result.stdout and "nothing was saved" in result.stdout
    assert _codes(engine) == set()
    assert _audit(engine, "enterprise.import") == []


def test_clean_xlsx_import_exits_0(engine: Engine, org: Organization, tmp_path: Path) -> None:
    wb = Workbook()
    ws = active(wb)
    ws.append(["Mã số thuế", "Tên doanh nghiệp", "KCN", "Cụm thi đua"])
    ws.append(["0100109106", "Chi nhánh Viettel", "KCN Đình Trám", "Cụm 1"])
    ws.append([300588569, "Vinamilk Bắc Giang", "KCN Quang Châu", "Cụm 2"])
    wb.save(tmp_path / "dn.xlsx")
    result = run("enterprises", "import", str(tmp_path / "dn.xlsx"))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.stdout
    assert _codes(engine) == {"0100109106", "0300588569"}


def test_import_errors_are_one_line(engine: Engine, org: Organization, tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("Tên;KCN\nA;B\n", encoding="utf-8")
    result = run("enterprises", "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No header row")
    assert len(result.stderr.strip().splitlines()) == 1
    missing = run("enterprises", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 1 and "File not found" in missing.stderr
    wrong_org = run("enterprises", "import", str(SAMPLE), "--org", "nope")
    assert wrong_org.exit_code == 1 and "nope" in wrong_org.stderr
    assert _codes(engine) == set()


def test_several_boards_need_org(engine: Engine, org: Organization) -> None:
    with Session(engine) as session:
        session.add(Organization(slug="soc-trang", name="BQL Sóc Trăng", province="Sóc Trăng"))
        session.commit()
    result = run("enterprises", "import", str(SAMPLE))
    assert result.exit_code == 1
    assert "--org" in result.stderr and "bac-giang, soc-trang" in result.stderr
    assert _codes(engine) == set()


def test_no_board_yet(engine: Engine, env: None) -> None:
    result = run("enterprises", "import", str(SAMPLE))
    assert result.exit_code == 1 and "thidua org create" in result.stderr


def test_list_table_and_json(engine: Engine, org: Organization) -> None:
    empty = run("enterprises", "list")
    assert empty.exit_code == 0 and "No enterprises yet" in empty.stdout
    run("enterprises", "import", str(SAMPLE))
    table = run("enterprises", "list")
    assert table.exit_code == 0
    assert "Chi nhánh Viettel Bắc Giang" in table.stdout and "KCN Đình Trám" in table.stdout
    assert "5 enterprises." in table.stdout
    as_json = run("enterprises", "list", "--json")
    data = json.loads(as_json.stdout)
    assert {row["tax_code"] for row in data} == VALID
    viettel = next(row for row in data if row["tax_code"] == "0100109106")
    assert viettel["zone"] == "KCN Đình Trám" and viettel["cluster"] == "Cụm 1"
    assert viettel["organization"] == "bac-giang" and viettel["officers"] == 0


def test_vietnamese_by_default(
    engine: Engine, org: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THIDUA_LOCALE")
    get_settings.cache_clear()
    result = run("enterprises", "import", str(SAMPLE))
    assert result.exit_code == 1
    assert "dòng 5: Mã số thuế 0100109107 không hợp lệ" in result.stdout
    assert "thêm mới 5" in result.stdout


def test_invite_create(engine: Engine, org: Organization) -> None:
    run("enterprises", "import", str(SAMPLE))
    before = utcnow()
    result = run("invite", "create", "--tax-code", "0100 109 106", "--days", "3")
    assert result.exit_code == 0, result.output
    code = present(re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", result.stdout)).group(1)
    with Session(engine) as session:
        invite = session.exec(select(InviteCode)).one()
    assert invite.code == code.replace("-", "")
    assert before + timedelta(days=3) <= invite.expires_at <= utcnow() + timedelta(days=3)
    # The expiry is printed in local time (UTC+7).
    local = invite.expires_at.astimezone(get_settings().tz)
    assert local.strftime("%H:%M %d/%m/%Y") in result.stdout
    (entry,) = _audit(engine, "invite.create")
    assert entry.actor == "cli"
    assert entry.after is not None and entry.after["code_id"] == invite.id
    with Session(engine) as session:
        viettel = session.exec(select(Enterprise).where(Enterprise.tax_code == "0100109106")).one()
    assert entry.subject == f"enterprise:{viettel.id}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tax-code", "0100109107"], "must be 6, not 7"),
        (["--tax-code", "2400100027"], "No enterprise has the tax code 2400100027"),
        (["--tax-code", "0100109106", "--days", "0"], "Invalid value for '--days'"),
    ],
)
def test_invite_create_errors(
    engine: Engine, org: Organization, args: list[str], message: str
) -> None:
    run("enterprises", "import", str(SAMPLE))
    result = run("invite", "create", *args)
    assert result.exit_code != 0
    assert message in result.stderr
    with Session(engine) as session:
        assert session.exec(select(InviteCode)).all() == []
    assert _audit(engine, "invite.create") == []


def test_staff_add(engine: Engine, org: Organization) -> None:
    with Session(engine) as session:
        session.add(Cluster(organization_id=present(org.id), name="Cụm 1"))
        session.commit()
    ok = run("staff", "add", "--channel", "telegram", "--user-id", "123", "--role", "admin")
    assert ok.exit_code == 0, ok.output
    assert "telegram user 123 is now an admin of BQL các KCN Bắc Giang" in ok.stdout
    leader = run(
        "staff",
        "add",
        "--channel",
        "zalo",
        "--user-id",
        "abc",
        "--role",
        "cluster-leader",
        "--cluster",
        "cụm 1",
    )
    assert leader.exit_code == 0, leader.output
    assert "a cluster leader" in leader.stdout and "Cluster: Cụm 1." in leader.stdout
    no_cluster = run(
        "staff", "add", "--channel", "zalo", "--user-id", "x", "--role", "cluster-leader"
    )
    assert no_cluster.exit_code == 1 and "needs a cluster" in no_cluster.stderr
    unknown = run(
        "staff",
        "add",
        "--channel",
        "zalo",
        "--user-id",
        "x",
        "--role",
        "cluster-leader",
        "--cluster",
        "Cụm 9",
    )
    assert unknown.exit_code == 1 and "Cụm 1" in unknown.stderr
    bad_channel = run("staff", "add", "--channel", "fax", "--user-id", "1", "--role", "staff")
    assert bad_channel.exit_code == 2
    with Session(engine) as session:
        contacts = {c.user_id: c for c in session.exec(select(Contact))}
    assert set(contacts) == {"123", "abc"}
    assert contacts["123"].role == Role.ADMIN
    assert contacts["abc"].role == Role.CLUSTER_LEADER and contacts["abc"].cluster_id is not None
    # One entry per change made, signed "cli"; the refused commands wrote none, and
    # repeating a change that is already in place writes none either.
    entries = _audit(engine, "staff.add")
    assert [(e.actor, e.subject) for e in entries] == [
        ("cli", f"contact:{contacts['123'].id}"),
        ("cli", f"contact:{contacts['abc'].id}"),
    ]
    assert entries[0].before is None and entries[0].after is not None
    assert entries[0].after["role"] == "admin"
    same = run("staff", "add", "--channel", "telegram", "--user-id", "123", "--role", "admin")
    assert same.exit_code == 0, same.output
    promoted = run("staff", "add", "--channel", "telegram", "--user-id", "123", "--role", "staff")
    assert promoted.exit_code == 0, promoted.output
    entries = _audit(engine, "staff.add")
    assert len(entries) == 3
    assert entries[2].before is not None and entries[2].before["role"] == "admin"
    assert entries[2].after is not None and entries[2].after["role"] == "staff"
