"""The CLI's safety net: a broken configuration or an unreachable database is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli import main
from bot.db import get_engine
from bot.migrations import upgrade_database
from bot.models import Organization
from bot.settings import get_settings


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["thidua", *args])
    get_settings.cache_clear()
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        get_settings.cache_clear()
    return 0


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    monkeypatch.chdir(tmp_path)


def test_unreachable_postgresql_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", "postgresql://postgres:secret@127.0.0.1:1/nowhere")
    code = _main(monkeypatch, "campaign", "list")
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1
    assert err.startswith("Lỗi cơ sở dữ liệu")
    assert "secret" not in err
    assert "Traceback" not in err


def test_unusable_sqlite_path_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", "sqlite:////proc/nope/thidua.db")
    code = _main(monkeypatch, "db", "upgrade")
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1


def test_configuration_error_is_one_translated_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_TIMEZONE", "Mars/Olympus")
    code = _main(monkeypatch, "db", "upgrade")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.splitlines() == [err]
    assert "THIDUA_TIMEZONE" in err
    assert err.startswith("Biến cấu hình THIDUA_TIMEZONE không hợp lệ: không có múi giờ")


def test_db_upgrade_reports_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert _main(monkeypatch, "db", "upgrade") == 0
    assert "Cơ sở dữ liệu" in capsys.readouterr().out


def test_console_demo_refuses_a_database_with_real_boards(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    upgrade_database(url)
    with Session(get_engine(url)) as session:
        session.add(
            Organization(slug="bg", name="BQL các KCN tỉnh Bắc Giang", province="Bắc Giang")
        )
        session.commit()
    monkeypatch.setenv("THIDUA_DATABASE_URL", url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("ZALO_BOT_TOKEN", raising=False)
    code = _main(monkeypatch, "run", "--console")
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert "bg" in err
    with Session(get_engine(url)) as session:
        slugs = list(session.exec(select(Organization.slug)).all())
    assert slugs == ["bg"]  # the demo board was not seeded into it
