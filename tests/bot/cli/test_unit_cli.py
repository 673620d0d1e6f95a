"""`thidua unit add|list`: the board's own units, in Vietnamese, on both databases; a unit's
code works where a tax code is asked (`thidua invite create --tax-code DV-VP`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.cli import cli
from bot.models import Audience, AuditEntry, Enterprise, InviteCode, Organization
from bot.settings import get_settings


@pytest.fixture
def board(database: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()
    with Session(engine, expire_on_commit=False) as session:
        org = Organization(slug="bql-st", name="BQL các KCN tỉnh Sóc Trăng", province="Sóc Trăng")
        session.add(org)
        session.commit()
        assert org.id is not None
        yield org.id
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_add_list_and_invite_a_unit(engine: Engine, board: int) -> None:
    added = run("unit", "add", "--name", "Văn phòng Ban", "--code", "dv-vp")
    assert added.exit_code == 0, added.output
    assert "Đã thêm đơn vị: Văn phòng Ban (mã DV-VP)." in added.output
    assert "thidua invite create --tax-code DV-VP" in added.output
    second = run("unit", "add", "--name", "Phòng Quản lý doanh nghiệp")
    assert f"(mã DV{board}-01)" in second.output, second.output
    again = run("unit", "add", "--name", "VĂN PHÒNG BAN")
    assert again.exit_code == 1 and "Ban đã có đơn vị tên “VĂN PHÒNG BAN”." in again.output
    bad = run("unit", "add", "--name", "Phòng Kế hoạch", "--code", "DV VP!")
    assert bad.exit_code == 1 and "Mã đơn vị gồm DV" in bad.output
    listed = run("unit", "list")
    assert "DV-VP  Văn phòng Ban" in listed.output and "2 đơn vị." in listed.output
    invited = run("invite", "create", "--tax-code", "DV-VP")
    assert invited.exit_code == 0, invited.output
    with Session(engine) as session:
        units = session.exec(select(Enterprise).order_by(col(Enterprise.id))).all()
        assert [u.audience for u in units] == [Audience.BOARD_UNITS] * 2
        assert len(session.exec(select(InviteCode)).all()) == 1
        audited = session.exec(select(AuditEntry).where(AuditEntry.action == "unit.add")).all()
        assert [a.actor for a in audited] == ["cli", "cli"]
