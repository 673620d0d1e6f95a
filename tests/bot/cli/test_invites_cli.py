"""`thidua invite create --all|--zone|--not-linked`: codes for many enterprises, the mail-merge
sheet and the letters on disk, the e-mails queued — and clear refusals — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import cli
from bot.models import Delivery, DeliveryKind, InviteCode, Organization
from bot.settings import get_settings
from tests.fakes.registry import write_registry
from tests.sheets import active


@pytest.fixture
def env(database: str, monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Iterator[None]:
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "ThiDuaBacGiangBot")
    monkeypatch.setenv("ZALO_BOT_NAME", "Thi đua KCN Bắc Giang")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "thidua@bql.vn")
    get_settings.cache_clear()
    with Session(engine) as session:
        session.add(
            Organization(slug="bg", name="BQL các KCN tỉnh Bắc Giang", province="Bắc Giang")
        )
        session.commit()
    yield
    get_settings.cache_clear()


def run(*args: str) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(cli, list(args))


def test_import_then_invite_everyone(engine: Engine, env: None, tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "dn.xlsx", 10)
    imported = run("enterprises", "import", str(registry))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "moi"
    result = run("invite", "create", "--all", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Đã cấp 10 mã mời (thu hồi 0 mã cũ chưa dùng); 8 thư mời đang chờ gửi qua e-mail." in (
        result.output
    )
    rows = list(active(load_workbook(out / "moi-lien-ket.xlsx")).iter_rows(values_only=True))
    assert len(rows) == 11
    letters = sorted((out / "thu-moi").glob("*.docx"))
    assert len(letters) == 10
    with Session(engine) as s:
        codes = {c.code for c in s.exec(select(InviteCode)).all()}
        assert len(codes) == 10
        assert len(s.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INVITE)).all()) == 8
    text = "\n".join(
        cell.text
        for table in Document(str(letters[0])).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "https://t.me/ThiDuaBacGiangBot?start=" in text

    # A second run for one zone re-issues there only.
    again = run("invite", "create", "--zone", "KCN Quang Châu", "--out", str(tmp_path / "z"))
    assert again.exit_code == 0, again.output
    assert "Đã cấp 3 mã mời (thu hồi 3 mã cũ chưa dùng)" in again.output


def test_refusals(env: None, tmp_path: Path) -> None:
    write_registry(tmp_path / "dn.xlsx", 2)
    run("enterprises", "import", str(tmp_path / "dn.xlsx"))
    both = run("invite", "create", "--all", "--tax-code", "0100109106")
    assert both.exit_code == 2 and "Dùng --tax-code, hoặc --all" in both.output
    unknown = run("invite", "create", "--zone", "KCN Không Có", "--out", str(tmp_path / "x"))
    assert unknown.exit_code == 1 and "Ban không có KCN nào tên “KCN Không Có”" in unknown.output
    assert not (tmp_path / "x").exists()


def test_reach_text_and_json(env: None, tmp_path: Path) -> None:
    import json

    write_registry(tmp_path / "dn.xlsx", 10)  # every 5th has no e-mail
    run("enterprises", "import", str(tmp_path / "dn.xlsx"))
    text = run("reach")
    assert text.exit_code == 0, text.output
    assert "0 đã liên kết trò chuyện · 8 chỉ liên lạc được qua e-mail · 2 chưa liên lạc được" in (
        text.output
    )
    assert "Công ty TNHH Sản xuất số 0005" in text.output
    assert "thidua invite create --not-linked" in text.output
    data = json.loads(run("reach", "--json").output)
    assert data["total"] == {"linked": 0, "email_only": 8, "unreachable": 2}
    assert [u["name"] for u in data["unreachable"]] == [
        "Công ty TNHH Sản xuất số 0005",
        "Công ty TNHH Sản xuất số 0010",
    ]
    assert sum(z["email_only"] for z in data["by_zone"].values()) == 8
