"""The title catalogue and the rules a title registration must follow.

The catalogue and its rules are data (`bot/templates/titles.toml`) because boards and the
law change them; this module only knows how to read and apply the kinds of rule the file
can state: a title that needs another title for the same nominee, one that needs an
initiative, and a cap relative to another title's count (the 15% rule).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.i18n import N_, Translator, in_language
from bot.models.enums import Nominee
from bot.services.catalogue_files import Record, load_records
from bot.services.errors import NotFound, render
from bot.templates import TEMPLATES_DIR

CATALOGUE_PATH = TEMPLATES_DIR / "titles.toml"
ROUNDINGS = {"floor": ROUND_FLOOR, "half_up": ROUND_HALF_UP, "ceil": ROUND_CEILING}


class Cap(BaseModel):
    """At most round(count(of) * ratio) entries of the title in one registration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    of: str
    ratio: Decimal = Field(ge=0, le=1)
    rounding: Literal["floor", "half_up", "ceil"] = "floor"
    basis_vi: str = ""
    basis_en: str = ""

    def basis(self, language: str) -> str:
        """Where the cap is written, in the reader's language ("" when the file names none)."""
        return in_language(language, self.basis_vi, self.basis_en)

    def limit(self, base_count: int) -> int:
        return int((Decimal(base_count) * self.ratio).to_integral_value(ROUNDINGS[self.rounding]))

    def base_needed(self, count: int) -> int:
        """The fewest of the base title a registration needs for `count` of this one
        (15%, rounded down: one Chiến sĩ thi đua cơ sở needs 7 Lao động tiên tiến)."""
        if count <= 0 or self.ratio <= 0:
            return 0
        needed = int(Decimal(count) / self.ratio)
        while self.limit(needed) < count:
            needed += 1
        while needed > 0 and self.limit(needed - 1) >= count:
            needed -= 1
        return needed

    @property
    def percent(self) -> str:
        return format((self.ratio * 100).normalize(), "f")


class Title(Record):
    """A danh hiệu thi đua or a hình thức khen thưởng, with its rules and the conditions the
    law states for it: one `[[title]]` of titles.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    CODE = r"[A-Z0-9_]{1,20}"
    CODE_RULE = "use A-Z, 0-9 and _, at most 20 characters"

    name_vi: str = Field(min_length=1, pattern=r"\S")
    name_en: str = Field(min_length=1, pattern=r"\S")
    nominee: Literal["individual", "collective", "both"]
    kind: Literal["title", "commendation"] = "title"
    requires: tuple[str, ...] = ()
    requires_initiative: bool = False
    cap: Cap | None = None
    basis_vi: str = ""
    basis_en: str = ""
    conditions_vi: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()

    def name(self, language: str) -> str:
        return in_language(language, self.name_vi, self.name_en)

    def localize(self, language: str) -> str:
        return self.name(language)

    def basis(self, language: str) -> str:
        """Where the conditions are written ("khoản 1 Điều 28 Luật Thi đua, khen thưởng 2022")."""
        return in_language(language, self.basis_vi, self.basis_en)

    def conditions(self, language: str) -> tuple[str, ...]:
        """The conditions as the law words them (the English a translation), one item each."""
        return in_language(language, self.conditions_vi, self.conditions_en)

    @property
    def is_commendation(self) -> bool:
        """A hình thức khen thưởng (Giấy khen, Bằng khen), not a danh hiệu thi đua."""
        return self.kind == "commendation"

    @model_validator(mode="after")
    def _both_languages(self) -> Title:
        # A condition shown in Vietnamese and missing in English (or the other way round) would
        # tell the two readers different rules.
        if len(self.conditions_vi) != len(self.conditions_en):
            raise ValueError("conditions_vi and conditions_en must have the same number of items")
        if bool(self.basis_vi) != bool(self.basis_en):
            raise ValueError("give basis_vi and basis_en together")
        return self

    def fits(self, nominee: Nominee | str) -> bool:
        return self.nominee == "both" or self.nominee == str(nominee)


@dataclass(frozen=True)
class TitleRef:
    """A title named in a message; shown in the reader's language (unknown codes as is)."""

    code: str

    def localize(self, language: str) -> str:
        title = _by_code().get(self.code)
        return title.name(language) if title else self.code

    def __str__(self) -> str:
        return self.code


class EntryLike(Protocol):
    """What the rules read of an entry; a RegistrationEntry, or a draft not yet saved."""

    nominee: Nominee
    full_name: str
    unit_name: str
    title_code: str
    has_initiative: bool


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: an English msgid with params, and the entry it concerns (None when it
    concerns the registration as a whole, like the cap)."""

    rule: str
    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    entry: Any = None

    def message(self, t: Translator) -> str:
        return render(t, self.msgid, self.params)


def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Title]:
    """Read and check a catalogue file; a mistake stops with the file, title and field named."""
    titles = load_records(path, "title", Title)
    codes = [title.code for title in titles]
    for title in titles:
        for other in (*title.requires, *([title.cap.of] if title.cap else [])):
            if other not in codes:
                raise ValueError(
                    f"{path.name}: title {title.code} refers to the unknown title {other!r}"
                )
    return titles


@lru_cache(maxsize=1)
def _catalogue() -> tuple[Title, ...]:
    return tuple(load_catalogue())


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Title]:
    return {title.code: title for title in _catalogue()}


def titles_by_code() -> dict[str, Title]:
    """Every title by its code."""
    return dict(_by_code())


def catalogue() -> list[Title]:
    """Every title, in the catalogue's order (individual titles, collective, commendations)."""
    return list(_catalogue())


def get_title(code: str) -> Title:
    """The title with this code; NotFound when there is none."""
    title = _by_code().get(code.strip().upper())
    if title is None:
        raise NotFound(N_("There is no title with the code {code}."), code=code)
    return title


def title_and_form(
    code: str, language: str, titles: dict[str, Title] | None = None
) -> tuple[str, str]:
    """(danh hiệu thi đua, hình thức khen thưởng) of an entry, for the two columns of a list:
    the name in the column of its kind and the other left blank, because the law keeps the two
    apart and so does a board's list. A code no longer in the catalogue is shown as it is,
    under the titles."""
    title = (_by_code() if titles is None else titles).get(code)
    if title is None:
        return code, ""
    name = title.name(language)
    return ("", name) if title.is_commendation else (name, "")


def titles_for(nominee: Nominee | str) -> list[Title]:
    """The titles a nominee of this kind (individual / collective) can be registered for."""
    return [title for title in _catalogue() if title.fits(nominee)]


def normalize_name(name: str) -> str:
    """A name as compared: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def nominee_key(entry: EntryLike) -> tuple[str, str]:
    """Who an entry is about: the same person (or unit) across the entries of a registration."""
    name = entry.full_name if str(entry.nominee) == Nominee.INDIVIDUAL else entry.unit_name
    return (str(entry.nominee), normalize_name(name))


def display_name(entry: EntryLike) -> str:
    name = entry.full_name if str(entry.nominee) == Nominee.INDIVIDUAL else entry.unit_name
    return " ".join(name.split())


def check_registration(entries: Sequence[EntryLike]) -> list[RuleViolation]:
    """Every broken rule of a registration, entry by entry, then the caps; [] when it is fine."""
    by_code = _by_code()
    violations: list[RuleViolation] = []
    held: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        held.setdefault(nominee_key(entry), set()).add(entry.title_code)

    seen: set[tuple[tuple[str, str], str]] = set()
    counts: Counter[str] = Counter()
    for entry in entries:
        name = display_name(entry)
        title = by_code.get(entry.title_code)
        if title is None:
            violations.append(
                RuleViolation(
                    "unknown_title",
                    N_("{name}: there is no title with the code {code}."),
                    {"name": name, "code": entry.title_code},
                    entry,
                )
            )
            continue
        ref = TitleRef(title.code)
        if not title.fits(entry.nominee):
            msgid = (
                N_("{title} is for individuals, not for the collective {name}.")
                if title.nominee == "individual"
                else N_("{title} is for collectives, not for the individual {name}.")
            )
            violations.append(RuleViolation("nominee", msgid, {"title": ref, "name": name}, entry))
            continue
        key = (nominee_key(entry), title.code)
        if key in seen:
            violations.append(
                RuleViolation(
                    "duplicate",
                    N_("{name} is registered twice for {title}."),
                    {"name": name, "title": ref},
                    entry,
                )
            )
            continue
        seen.add(key)
        counts[title.code] += 1
        for required in title.requires:
            if required not in held[nominee_key(entry)]:
                violations.append(
                    RuleViolation(
                        "requires",
                        N_(
                            "{title} needs {required} for the same person in this "
                            "registration: {name} is not registered for {required}."
                        ),
                        {"title": ref, "required": TitleRef(required), "name": name},
                        entry,
                    )
                )
        if title.requires_initiative and not entry.has_initiative:
            violations.append(
                RuleViolation(
                    "initiative",
                    N_(
                        "{title} needs a recognised initiative (sáng kiến): "
                        "{name} has no initiative recorded."
                    ),
                    {"title": ref, "name": name},
                    entry,
                )
            )

    for title in _catalogue():
        if title.cap is None or counts[title.code] == 0:
            continue
        base = counts[title.cap.of]
        cap = title.cap.limit(base)
        if counts[title.code] > cap:
            # Said as the law says it ("không quá 15%"), then what it means in people: an
            # office counts people, not percentages. "At most 0" reads wrong, hence two texts.
            msgid = (
                N_(
                    "{title} may be at most {percent}% of the {base}: {n} {base} allow no "
                    "{title} yet, and this registration has {count}. In people: one {title} "
                    "needs at least {one} {base} in the registration, so {count} need at least "
                    "{needed}."
                )
                if cap == 0
                else N_(
                    "{title} may be at most {percent}% of the {base}: {n} {base} allow at most "
                    "{cap}, and this registration has {count}. In people: one {title} needs at "
                    "least {one} {base} in the registration, so {count} need at least {needed}."
                )
            )
            violations.append(
                RuleViolation(
                    "cap",
                    msgid,
                    {
                        "cap": cap,
                        "title": TitleRef(title.code),
                        "n": base,
                        "base": TitleRef(title.cap.of),
                        "percent": title.cap.percent,
                        "count": counts[title.code],
                        "one": title.cap.base_needed(1),
                        "needed": title.cap.base_needed(counts[title.code]),
                    },
                    None,
                )
            )
    return violations
