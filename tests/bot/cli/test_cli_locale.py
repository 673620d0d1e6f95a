"""`thidua --help` and click's own messages follow THIDUA_LOCALE (Vietnamese by default)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.localised import help_texts
from bot.i18n import translations


def _run(args: list[str], locale: str | None) -> str:
    env = {"THIDUA_LOCALE": locale} if locale else {}
    result = CliRunner().invoke(cli, args, env=env, prog_name="thidua")
    return result.output


@pytest.mark.parametrize("locale", [None, "vi"])
def test_help_and_errors_in_vietnamese_by_default(
    locale: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("THIDUA_LOCALE", raising=False)
    out = _run(["--help"], locale)
    assert out.startswith("Cách dùng: thidua [OPTIONS] COMMAND [ARGS]...")
    assert "Tùy chọn:" in out and "Lệnh:" in out and "Hiện hướng dẫn này rồi thoát." in out
    assert "Bảo trì cơ sở dữ liệu." in out and "Usage" not in out and "Options" not in out
    out = _run(["enterprises", "import", "--help"], locale)
    assert "Kiểm tra tệp và báo kết quả, không lưu gì." in out
    assert "Tạo mới hoặc cập nhật doanh nghiệp từ FILE (CSV hoặc XLSX)." in out
    out = _run(["enterprises", "import"], locale)
    assert "Lỗi: Thiếu tham số 'FILE'." in out
    assert "Gõ 'thidua enterprises import --help' để xem hướng dẫn." in out
    out = _run(["run", "--hlep"], locale)
    assert "Lỗi: Không có tùy chọn '--hlep'. (Có phải ý anh/chị là: '--help'?)" in out
    out = _run(["campaign", "create", "--org", "x"], locale)
    assert "Lỗi: Thiếu tùy chọn" in out and "Missing" not in out


def test_help_and_errors_in_english() -> None:
    out = _run(["--help"], "en")
    assert out.startswith("Usage: thidua [OPTIONS] COMMAND [ARGS]...")
    assert "Options:" in out and "Commands:" in out and "Database maintenance." in out
    out = _run(["enterprises", "import"], "en")
    assert "Error: Missing argument 'FILE'." in out
    # and back: one process switching languages keeps translating from the English source
    assert "Bảo trì cơ sở dữ liệu." in _run(["--help"], "vi")
    assert "Database maintenance." in _run(["--help"], "en")
    # click keeps the --help option it built in English: the Vietnamese run must not show it
    assert "Hiện hướng dẫn này rồi thoát." in _run(["db", "--help"], "vi")
    assert "Show this message and exit." in _run(["db", "--help"], "en")


def test_every_help_text_has_a_vietnamese_translation() -> None:
    catalogue = translations("vi")
    untranslated = [text for text in help_texts(cli) if catalogue.gettext(text) == text]
    assert untranslated == []
