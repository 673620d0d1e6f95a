"""`thidua enterprises contacts`: show and correct one enterprise's contacts on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import cli
from bot.models import AuditEntry, Enterprise, Organization
from bot.settings import get_settings

CODE = "0100109106"


@pytest.fixture
def enterprise(engine: Engine, database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()
    with Session(engine, expire_on_commit=False) as session:
        org = Organization(slug="bg", name="BQL các KCN Bắc Giang", province="Bắc Giang")
        session.add(org)
        session.flush()
        row = Enterprise(organization_id=org.id or 0, tax_code=CODE, name="Chi nhánh Viettel")
        session.add(row)
        session.commit()
        yield row.id or 0
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_show_change_and_refuse(engine: Engine, enterprise: int) -> None:
    shown = run("enterprises", "contacts", "--tax-code", CODE)
    assert shown.exit_code == 0 and "e-mail của doanh nghiệp: -" in shown.stdout
    changed = run(
        "enterprises", "contacts", "--tax-code", CODE,
        "--email", "VanPhong@Viettel.VN", "--contact-phone", "0912.345.678",
        "--contact-name", "Trần Văn Bình",
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "điện thoại cán bộ phụ trách thi đua: 0912 345 678" in changed.stdout
    assert "Đã lưu." in changed.stdout
    bad = CliRunner().invoke(cli, ["enterprises", "contacts", "--tax-code", CODE, "--phone", "12"])
    assert bad.exit_code == 1 and "không phải số điện thoại Việt Nam hợp lệ" in bad.output
    with Session(engine) as session:
        row = session.get(Enterprise, enterprise)
        assert row is not None
        assert (row.email, row.contact_phone, row.phone) == (
            "VanPhong@viettel.vn",
            "+84912345678",
            None,
        )
        (entry,) = session.exec(
            select(AuditEntry).where(AuditEntry.action == "enterprise.contacts")
        ).all()
        assert entry.actor == "cli"
