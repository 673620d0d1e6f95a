"""Reading the board office's answers in the guided plan edit: texts, years, targets, counts.

Only reading: what the answer says, in the office's words ("khoảng 540.000 tỷ đồng, tăng
19,3%", "từ 200 ha trở lên", "25.000–30.000 người", "không"). Whether the result fits the
plan (dates inside the campaign, a range that rises, a founding year before the year) is
`bot.services.plan_edits.check`'s to say, through the preview. An answer that cannot be read
raises `Invalid` with what is expected; numbers go through `bot.services.numbers`, so
"540.000" and "19,3" are read as everywhere else in the bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.i18n import Translator, fold
from bot.services.errors import InvalidNumber
from bot.services.numbers import parse_number, split_number
from bot.services.templates import Qualifier
from conversations.flow import Invalid

# Typed to keep a value as it is.
KEEP = ("=", "giữ", "giu", "giữ nguyên", "giu nguyen", "keep")
# Typed for "no value" (no founding year, no growth).
NONE_WORDS = ("không", "khong", "không có", "khong co", "none", "no", "-", "—")

Number = int | float


def keeps(text: str) -> bool:
    return fold(text) in {fold(word) for word in KEEP}


def says_none(text: str) -> bool:
    return fold(text).rstrip(".") in {fold(word) for word in NONE_WORDS}


def read_text(t: Translator, text: str, longest: int) -> str:
    """A name, theme or call as typed (spaces tidied); refused empty or too long."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid(t("Please type the text."))
    if len(cleaned) > longest:
        raise Invalid(
            t(
                "That is {n} characters long; at most {max} fit. Please shorten it.",
                n=len(cleaned),
                max=longest,
            )
        )
    return cleaned


def read_founded(t: Translator, text: str, year: int) -> int | None:
    """A founding year (four digits) or "không" for none."""
    raw = text.strip()
    if says_none(raw):
        return None
    if not (raw.isdigit() and len(raw) == 4):
        raise Invalid(
            t(
                'Please type the founding year with four digits (for example 1930), or "không" '
                "if the day has no anniversary number.",
            )
        )
    founded = int(raw)
    if not 1000 <= founded < year:
        raise Invalid(
            t("The founding year must be before {year}, for example 1930.", year=str(year))
        )
    return founded


def read_count(t: Translator, text: str) -> int:
    """A whole number of 0 or more (an award target: how many proposals)."""
    try:
        value = parse_number(text.strip())
    except InvalidNumber:
        value = Decimal(-1)
    if value < 0 or value != value.to_integral_value() or value > 100_000:
        raise Invalid(t("Please type a whole number, for example 5."))
    return int(value)


def plain(value: Decimal) -> Number:
    """A read number as the plan stores it (540000, not 540000.0; 19.3)."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Goal:
    """A target as the plan words it."""

    qualifier: Qualifier
    value: Number | None
    value_max: Number | None
    unit: str | None  # None: no unit typed, the target keeps its own
    growth: Number | None


# Words before or after the number that say how the plan means it, folded.
_FRONT: tuple[tuple[tuple[str, ...], Qualifier], ...] = (
    (("khoang",), Qualifier.ABOUT),
    (("about",), Qualifier.ABOUT),
    (("around",), Qualifier.ABOUT),
    (("xap", "xi"), Qualifier.ABOUT),
    (("it", "nhat"), Qualifier.AT_LEAST),
    (("toi", "thieu"), Qualifier.AT_LEAST),
    (("at", "least"), Qualifier.AT_LEAST),
    (("khong", "qua"), Qualifier.AT_MOST),
    (("toi", "da"), Qualifier.AT_MOST),
    (("at", "most"), Qualifier.AT_MOST),
    (("no", "more", "than"), Qualifier.AT_MOST),
)
_SIGNS: tuple[tuple[str, Qualifier], ...] = (
    ("≥", Qualifier.AT_LEAST),
    (">=", Qualifier.AT_LEAST),
    ("≤", Qualifier.AT_MOST),
    ("<=", Qualifier.AT_MOST),
    ("~", Qualifier.ABOUT),
)
_GROWTH_WORDS = {"tang": 1, "up": 1, "giam": -1, "down": -1}
_RANGE = re.compile(r"\s*[–—]\s*|\s+-\s+|(?<=\d)-(?=\d)|\s+(?:đến|den|to)\s+", re.IGNORECASE)
EXAMPLE = "khoảng 540.000 tỷ đồng, tăng 19,3%"


def _number_of(t: Translator, text: str) -> tuple[Decimal, str]:
    try:
        return split_number(text)
    except InvalidNumber as exc:
        raise Invalid(
            t(
                "{problem} Type the target as the plan words it, for example: {example}.",
                problem=exc.message(t),
                example=EXAMPLE,
            )
        ) from None


def _growth(t: Translator, words: list[str]) -> tuple[list[str], Number | None]:
    """The words without a trailing "tăng 19,3%" / "giảm 5%" / "+19,3%", and that growth."""
    folded = [fold(w) for w in words]
    for i in range(len(words) - 1, -1, -1):
        word = folded[i].strip(",;")
        sign = _GROWTH_WORDS.get(word)
        tail = " ".join(words[i + 1 :])
        if sign is None and word.startswith("+") and i == len(words) - 1:
            sign, tail = 1, words[i].lstrip("+")
        if sign is None:
            continue
        value, unit = _number_of(t, tail)
        if fold(unit) not in ("", "%", "phan tram", "percent"):
            raise Invalid(t("Please give the growth in per cent, for example: tăng 19,3%."))
        before = words[:i]
        if before:
            before[-1] = before[-1].rstrip(",;")
        return [w for w in before if w], plain(value * sign)
    return words, None


def read_goal(t: Translator, text: str) -> Goal:
    """The target typed whole: "khoảng 540.000 tỷ đồng, tăng 19,3%", "từ 200 ha trở lên",
    "không quá 2,5%", "25.000–30.000 người", "tăng 19,3%" (a growth only)."""
    words, growth = _growth(t, text.split())
    if not words:
        if growth is None:
            raise Invalid(t("Please type the target, for example: {example}.", example=EXAMPLE))
        return Goal(Qualifier.EXACT, None, None, None, growth)
    qualifier = Qualifier.EXACT
    folded = [fold(w) for w in words]
    if folded[-2:] == ["tro", "len"] or folded[-2:] == ["or", "more"]:
        qualifier, words = Qualifier.AT_LEAST, words[:-2]
        if folded[0] == "tu":
            words = words[1:]
    else:
        for phrase, meant in _FRONT:
            if tuple(folded[: len(phrase)]) == phrase:
                qualifier, words = meant, words[len(phrase) :]
                break
        else:
            for sign, meant in _SIGNS:
                if words[0].startswith(sign):
                    qualifier = meant
                    words = [words[0][len(sign) :], *words[1:]]
                    break
    rest = " ".join(words).strip()
    parts = _RANGE.split(rest, maxsplit=1)
    if qualifier is Qualifier.EXACT and len(parts) == 2 and fold(rest).startswith("tu "):
        parts = _RANGE.split(rest[3:].strip(), maxsplit=1)  # "từ 25.000 đến 30.000 người"
    if not rest:
        raise Invalid(t("Please type the target's value, for example: {example}.", example=EXAMPLE))
    if len(parts) == 2:
        low, low_unit = _number_of(t, parts[0])
        high, unit_words = _number_of(t, parts[1])
        value, value_max = plain(low), plain(high)
        unit_words = unit_words or low_unit
    else:
        number, unit_words = _number_of(t, rest)
        value, value_max = plain(number), None
    return Goal(qualifier, value, value_max, unit_words.strip() or None, growth)
