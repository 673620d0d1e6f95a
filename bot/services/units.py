"""Units as officers and plans write them, and how to move a value between them.

One definition of the unit words: money scales (nghìn/ngàn, triệu, tỷ/tỉ; thousand, million,
billion), currencies (đồng/VND, USD), percent, and the counted things of the report figures
(người, vụ, sáng kiến). Used to read "500 triệu" typed into a figure kept in tỷ đồng (0,5 tỷ
đồng, not 500), to refuse "45 tỷ" for a number of initiatives, to add triệu USD up towards a
target in tỷ USD, and to show a small amount in a scale where it does not round to 0.

Words are compared folded (lower case, no diacritics, đ → d), so "trieu", "ty dong" and "TỶ
ĐỒNG" are the same units as "triệu", "tỷ đồng".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.i18n import fold

# Powers of ten of the scale words.
_SCALES: dict[str, int] = {
    "nghin": 3,
    "ngan": 3,
    "k": 3,
    "thousand": 3,
    "trieu": 6,
    "tr": 6,
    "million": 6,
    "ty": 9,
    "ti": 9,
    "billion": 9,
    "bn": 9,
    "mn": 6,
}
_CURRENCIES: dict[str, str] = {
    "dong": "VND",
    "d": "VND",
    "vnd": "VND",
    "usd": "USD",
    "$": "USD",
    "do": "USD",
    "do la": "USD",
    "dollar": "USD",
    "dollars": "USD",
}
_PERCENT = {"%", "phan tram", "percent"}
# Counted things: each word folded -> the thing it counts (one name per thing).
_NOUNS: dict[str, str] = {
    "nguoi": "people",
    "lao dong": "people",
    "ld": "people",
    "cong nhan": "people",
    "people": "people",
    "workers": "people",
    "worker": "people",
    "vu": "accidents",
    "accidents": "accidents",
    "accident": "accidents",
    "sang kien": "initiatives",
    "initiatives": "initiatives",
    "initiative": "initiatives",
}
# "per" parts (after "/"), folded, with their English equivalents.
_PER: dict[str, str] = {
    "nguoi": "worker",
    "worker": "worker",
    "lao dong": "worker",
    "nam": "year",
    "year": "year",
    "thang": "month",
    "month": "month",
}
# Scales used to show an amount (largest first).
_DISPLAY_SCALES: dict[str, tuple[tuple[int, str, str], ...]] = {
    "VND": ((9, "tỷ", "billion"), (6, "triệu", "million"), (3, "nghìn", "thousand")),
    "USD": ((9, "tỷ", "billion"), (6, "triệu", "million"), (3, "nghìn", "thousand")),
}


@dataclass(frozen=True)
class Unit:
    """What a unit text means: 10**scale of a currency, a percentage, or a counted thing,
    optionally per worker / per year ("triệu đồng/người/tháng")."""

    scale: int = 0
    currency: str = ""
    percent: bool = False
    noun: str = ""
    per: tuple[str, ...] = ()
    has_scale: bool = False

    @property
    def empty(self) -> bool:
        return self == Unit()


def _words(text: str, table: dict[str, object]) -> tuple[list[str], str]:
    """Split `text` into the longest known words of `table`, left to right; the rest."""
    tokens = text.split()
    found: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (2, 1):
            word = " ".join(tokens[i : i + size])
            if len(tokens[i : i + size]) == size and word in table:
                found.append(word)
                i += size
                break
        else:
            return found, " ".join(tokens[i:])
    return found, ""


def parse_unit(text: str) -> Unit | None:
    """The unit a text names, or None when it holds a word this module does not know.

    "tỷ đồng", "500 triệu" → "triệu", "nghìn tỷ", "USD", "%", "người", "sáng kiến",
    "triệu đồng/người/tháng", "billion VND", "million VND per worker per month".
    """
    folded = fold(text)
    folded = re.sub(r"\s+per\s+", "/", folded)
    main, *pers = [part.strip() for part in folded.split("/")]
    per: list[str] = []
    for part in pers:
        if part not in _PER:
            return None
        per.append(_PER[part])
    if main in _PERCENT or main.replace(" ", "") == "%":
        return Unit(percent=True, per=tuple(per))
    main = main.replace("$", " $ ")
    tokens = main.split()
    scale, has_scale, currency, noun = 0, False, "", ""
    i = 0
    while i < len(tokens):
        two = " ".join(tokens[i : i + 2]) if i + 1 < len(tokens) else ""
        one = tokens[i]
        if two and two in _CURRENCIES and not currency:
            currency, i = _CURRENCIES[two], i + 2
        elif two and two in _NOUNS and not noun:
            noun, i = _NOUNS[two], i + 2
        elif one in _SCALES and not currency and not noun:
            scale, has_scale, i = scale + _SCALES[one], True, i + 1
        elif one in _CURRENCIES and not currency and not noun:
            currency, i = _CURRENCIES[one], i + 1
        elif one in _NOUNS and not noun and not currency:
            noun, i = _NOUNS[one], i + 1
        else:
            return None
    if currency == "" and noun == "" and not has_scale and per:
        return None
    return Unit(scale, currency, False, noun, tuple(per), has_scale)


class UnitMismatch(ValueError):
    """The typed unit does not measure what the field measures."""


def factor(typed: Unit, field: Unit) -> Decimal:
    """By how much a number typed with `typed` is multiplied to be in `field`'s unit.

    An empty typed unit means the field's own. Money converts between scales of one
    currency (never between currencies); a scale word alone ("500 triệu") is in the field's
    currency. Counts take their own noun, with or without a scale ("1,2 nghìn người").
    Raises UnitMismatch otherwise.
    """
    if typed.empty:
        return Decimal(1)
    if typed.per and typed.per != field.per:
        raise UnitMismatch
    if field.currency:
        if typed.percent or typed.noun:
            raise UnitMismatch
        if typed.currency and typed.currency != field.currency:
            raise UnitMismatch
        return Decimal(10) ** (typed.scale - field.scale)
    if field.percent:
        if not typed.percent:
            raise UnitMismatch
        return Decimal(1)
    if field.noun:
        if typed.noun != field.noun or typed.currency or typed.percent:
            raise UnitMismatch
        return Decimal(10) ** typed.scale
    raise UnitMismatch


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """`value` in `from_unit` expressed in `to_unit`; None when they cannot be compared.

    Identical units (or one left blank) are taken as-is; money is scaled within one
    currency (triệu USD -> tỷ USD); different currencies or things are never added up.
    """
    if fold(from_unit) == fold(to_unit) or not from_unit.strip() or not to_unit.strip():
        return value
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a is None or b is None:
        return None
    if a.currency and b.currency:
        if a.currency != b.currency or a.per != b.per:
            return None
        return value * Decimal(10) ** (a.scale - b.scale)
    if a == b:
        return value
    return None


def significant_digits(value: Decimal, keep: int = 3, at_least: int = 0) -> int:
    """Decimal places that show `keep` significant digits of a small value (0,0015 -> 4),
    never fewer than `at_least`; large values need none beyond `at_least`."""
    if value == 0:
        return at_least
    exponent = value.copy_abs().adjusted()  # 0.0015 -> -3, 12.5 -> 1
    return max(at_least, keep - 1 - exponent)


def rescale(value: Decimal, unit: str, language: str) -> tuple[Decimal, str]:
    """An amount of money moved to the largest scale in which it is at least 1 when it is
    below 1 in its own ("0,0015 tỷ USD" -> "1,5 triệu USD"); other values unchanged."""
    parsed = parse_unit(unit)
    if parsed is None or not parsed.currency or parsed.per or value == 0 or abs(value) >= 1:
        return value, unit
    base = value * Decimal(10) ** parsed.scale
    for power, word_vi, word_en in _DISPLAY_SCALES.get(parsed.currency, ()):
        if power >= parsed.scale:
            continue
        scaled = base / Decimal(10) ** power
        if abs(scaled) >= 1:
            if language == "en":
                name = f"{word_en} {'VND' if parsed.currency == 'VND' else 'USD'}"
            else:
                name = f"{word_vi} {'đồng' if parsed.currency == 'VND' else 'USD'}"
            return scaled, name
    return value, unit
