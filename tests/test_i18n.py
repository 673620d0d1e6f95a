"""The catalogs: nothing missing in either language, placeholders intact, Babel formatting."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.i18n import LANGUAGES, Translator, normalize_language, translations
from bot.i18n_tools import extract, missing

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_msgid_missing(language: str) -> None:
    assert missing(language) == {}, f"untranslated in {language}: run make i18n and translate"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders(language: str) -> None:
    catalog = translations(language)
    for message in extract():
        if not message.id or not isinstance(message.id, str):
            continue
        translated = catalog.gettext(message.id)
        assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(message.id)), (
            f"{language}: placeholders differ in {message.id!r} -> {translated!r}"
        )


def test_vietnamese_formats() -> None:
    t = Translator("vi")
    assert t.date(date(2024, 12, 5)) == "05/12/2024"
    assert t.number(540000) == "540.000"
    assert t.number(Decimal("19.3")) == "19,3"
    assert t.number(1234567.891) == "1.234.567,89"
    moment = datetime(2024, 12, 5, 9, 5, tzinfo=timezone(timedelta(hours=7)))
    assert t.datetime(moment) == "09:05 05/12/2024"


def test_language_normalisation() -> None:
    assert normalize_language("en-US") == "en"
    assert normalize_language("vi_VN") == "vi"
    assert normalize_language("fr") == "vi"
    assert normalize_language(None) == "vi"


def test_vietnamese_catalog_is_really_loaded() -> None:
    t = Translator("vi")
    assert t("Database is up to date.") != "Database is up to date."
    assert Translator("en")("Database is up to date.") == "Database is up to date."


def test_plurals() -> None:
    en, vi = Translator("en"), Translator("vi")
    one = ("Registered so far: {n} entry.", "Registered so far: {n} entries.")
    assert en.ngettext(*one, 1) == "Registered so far: 1 entry."
    assert en.ngettext(*one, 2) == "Registered so far: 2 entries."
    assert vi.ngettext(*one, 1) == "Đã đăng ký: 1 trường hợp."
    assert vi.ngettext(*one, 5) == "Đã đăng ký: 5 trường hợp."


def test_the_vietnamese_catalogue_never_says_ban() -> None:
    """The bot addresses officers and staff as "anh/chị", never "bạn" (issue 11)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).parent.parent / "locales/vi/LC_MESSAGES/messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    found = [
        message.id
        for message in catalog
        if message.id
        and any(
            re.search(r"\bbạn\b", text, re.IGNORECASE)
            for text in (
                [message.string] if isinstance(message.string, str) else message.string or ()
            )
            if text
        )
    ]
    assert found == []
