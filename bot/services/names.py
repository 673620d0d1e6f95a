"""People's names as the office keeps them: trimmed, each word capitalised ("nguyễn văn an"
→ "Nguyễn Văn An"), no emoji or pictographs. Names of units (collectives) keep their own
capitalisation ("Phòng Kỹ thuật") but refuse pictographs too."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from bot.i18n import N_
from bot.models import Nominee, RegistrationEntry, Submission
from bot.services.errors import InvalidInput

# Pictographs and symbols nobody's name holds: So (other symbols: emoji, ©), Sk modifiers
# (skin tones), Cs surrogates, Co private use, and the emoji joiners/selectors.
_REFUSED_CATEGORIES = {"So", "Sk", "Cs", "Co"}
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def refuse_pictographs(text: str) -> str:
    """`text` unchanged, or InvalidInput when it holds an emoji or another pictograph."""
    for ch in text:
        if ch in _JOINERS or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise InvalidInput(
                N_("A name cannot hold emoji or symbols ({symbol}): {text}"),
                symbol=ch,
                text=text,
            )
    return text


def _capitalise(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def person_name(text: str) -> str:
    """A person's full name: one line, single spaces, each word capitalised."""
    cleaned = " ".join(unicodedata.normalize("NFC", text or "").split())
    refuse_pictographs(cleaned)
    return " ".join(_capitalise(word) for word in cleaned.split(" ") if word)


def same_person(a: str, b: str) -> bool:
    """Whether two typed names name the same person (case and spacing aside)."""
    return re.sub(r"\s+", " ", a).strip().casefold() == re.sub(r"\s+", " ", b).strip().casefold()


def rename_person(
    session: Session, submission: Submission, before: Mapping[str, Any], entry: RegistrationEntry
) -> list[int]:
    """One person, one name: when an individual's entry is renamed, the person's other
    entries in the same registration (same old name) take the new name. Returns their ids."""
    old, new = str(before.get("full_name") or ""), entry.full_name
    if entry.nominee != Nominee.INDIVIDUAL or not old or (same_person(old, new) and old == new):
        return []
    others = session.exec(
        select(RegistrationEntry).where(
            RegistrationEntry.submission_id == submission.id,
            RegistrationEntry.nominee == Nominee.INDIVIDUAL,
            RegistrationEntry.id != entry.id,
        )
    ).all()
    renamed = []
    for other in others:
        if same_person(other.full_name, old):
            other.full_name = new
            session.add(other)
            assert other.id is not None
            renamed.append(other.id)
    return renamed
