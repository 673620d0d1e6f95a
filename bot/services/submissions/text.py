"""Cleaning what officers type: one line, no control characters, bounded length."""

from __future__ import annotations

import re
import unicodedata

from bot.i18n import N_
from bot.services.errors import (
    InvalidInput,
)
from bot.services.submissions.limits import NAME_MAX

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _one_line(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "")
    return " ".join(_CONTROL.sub(" ", text).split())


def _too_long(text: str, limit: int) -> None:
    if len(text) > limit:
        raise InvalidInput(
            N_("That is too long: at most {max} characters (you sent {length})."),
            max=limit,
            length=len(text),
        )


def _name(value: str | None, empty_msgid: str) -> str:
    text = _one_line(value)
    if not text:
        raise InvalidInput(empty_msgid)
    _too_long(text, NAME_MAX)
    if not any(ch.isalpha() for ch in text):
        raise InvalidInput(N_("A name must contain letters: {text}"), text=text)
    return text
