"""Settings: defaults, parsing, and one clear line naming the variable on a wrong value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.settings import SettingsError, get_settings, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "THIDUA_DATABASE_URL",
        "THIDUA_TIMEZONE",
        "TIMEZONE",
        "THIDUA_LOCALE",
        "THIDUA_ADMINS",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "ZALO_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    get_settings.cache_clear()


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///data/thidua.db"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.locale == "vi"
    assert settings.admins == []
    assert settings.telegram_api_base_url == "https://api.telegram.org"
    assert settings.is_sqlite


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("THIDUA_ADMINS", "telegram:123, zalo:abc")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert settings.admins == [("telegram", "123"), ("zalo", "abc")]
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"
    assert not settings.is_sqlite


def test_a_field_is_also_set_by_its_own_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The alias is the variable's name; the field's name works too, as a keyword (tests,
    the CLI's overrides) and in the environment or .env (`populate_by_name`)."""
    monkeypatch.setenv("TIMEZONE", "Asia/Bangkok")
    settings = load_settings(telegram_api_base_url="http://127.0.0.1:8081/")
    assert settings.timezone == "Asia/Bangkok"
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081"
    monkeypatch.setenv("THIDUA_TIMEZONE", "Asia/Ho_Chi_Minh")  # the variable's name wins
    assert load_settings().timezone == "Asia/Ho_Chi_Minh"
    with pytest.raises(SettingsError, match=r"^THIDUA_LOCALE: "):
        load_settings(locale="fr")  # an error names the variable, however it was set


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("THIDUA_TIMEZONE", "Mars/Olympus"),
        ("THIDUA_LOCALE", "fr"),
        ("THIDUA_ADMINS", "telegram"),
        ("THIDUA_DATABASE_URL", "mysql://root@localhost/x"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("ZALO_WEBHOOK_SECRET", "short"),
    ],
)
def test_wrong_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


def test_cli_stops_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_TIMEZONE", "Nowhere/Land")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SettingsError)
    assert "THIDUA_TIMEZONE" in str(result.exception)


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "THIDUA_TIMEZONE",
            "Nowhere/Land",
            "Biến cấu hình THIDUA_TIMEZONE không hợp lệ: không có múi giờ 'Nowhere/Land'.",
        ),
        (
            "THIDUA_WEB_PORT",
            "abc",
            "Biến cấu hình THIDUA_WEB_PORT không hợp lệ: giá trị phải là số nguyên.",
        ),
        (
            "THIDUA_LOCALE",
            "fr",
            "Biến cấu hình THIDUA_LOCALE không hợp lệ: giá trị phải là một trong 'vi', 'en'.",
        ),
    ],
)
def test_configuration_errors_are_one_sentence_in_one_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str,
    value: str, line: str,
) -> None:  # fmt: skip
    from bot.cli import main

    get_settings.cache_clear()
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    monkeypatch.setenv(variable, value)
    monkeypatch.setattr("sys.argv", ["thidua", "db", "upgrade"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [line]
    get_settings.cache_clear()
