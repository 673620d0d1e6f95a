"""Translations and Vietnamese-style formatting.

Message ids are English; `locales/<lang>/LC_MESSAGES/messages.po` holds each language. The
catalogs are compiled in memory from the .po files the first time they are needed, so a
compiled catalog can never be stale. Dates and numbers always go through Babel.
"""

from __future__ import annotations

import gettext
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TypeVar

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
DOMAIN = "messages"
W = TypeVar("W")


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for `language`.

    English is the source language, so a missing English catalog only costs its polish; a
    missing Vietnamese one means a broken install (locales/ must sit beside the packages,
    see the Dockerfile), and answering every officer in English msgids must not go unnoticed.
    """
    po = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        if language == "en":
            return gettext.NullTranslations()
        raise RuntimeError(f"translation catalog not found: {po}")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def normalize_language(language: str | None) -> str:
    lang = (language or "").lower().split("-")[0].split("_")[0]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=2048)
def _date(value: date, language: str) -> str:
    """A day as the office writes it (05/12/2024), remembered: a prompt shows a handful of
    the campaign's dates on every answer, and Babel's formatting is not cheap."""
    return format_date(value, "dd/MM/yyyy", locale=language)


class Translator:
    """Translation and formatting for one language; flows and messages take one of these."""

    def __init__(self, language: str | None = None) -> None:
        self.language = normalize_language(language)
        self._t = translations(self.language)

    def gettext(self, message: str, /, **params: object) -> str:
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    __call__ = gettext

    def date(self, value: date) -> str:
        return _date(value, self.language)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, "HH:mm dd/MM/yyyy", tzinfo=value.tzinfo, locale=self.language)

    def number(self, value: int | float | Decimal, digits: int = 2) -> str:
        return format_decimal(
            value, format=f"#,##0.{'#' * digits}" if digits else "#,##0", locale="vi"
        )


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case without diacritics ("Tỷ Đồng" -> "ty dong"), spaces collapsed: how typed
    Vietnamese is compared when people type without accents ("lao dong tien tien").

    Remembered: every question folds the labels of its choices (the same few hundred texts)
    to recognise a typed answer, a character at a time."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(text.split())


def in_language(language: str, vi: W, en: W) -> W:
    """What a catalogue words in both languages itself (a title, a report figure), for a
    reader of `language`: the English for "en", the Vietnamese for every other language."""
    return en if language == "en" else vi


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message
