"""Reading numbers the way officers type them, and the catalogue of report figures.

Officers type Vietnamese style (540.000 tỷ đồng; 19,3%) and plain/English style
(540000, 540,000, 19.3). `parse_number` accepts both under these rules, in this order:

1. Surrounding spaces, a leading sign (+, -, or the Unicode minus) and a trailing unit
   ("tỷ đồng", "triệu USD", "%", "người"...: letters, no digits) are stripped. Anything else
   that is not a digit, ".", "," or a space is garbage.
2. Spaces (also no-break and thin spaces) separate thousands: "1 234 567". The groups must
   be 1-3 digits then exactly 3 digits each; whatever separator follows is then the
   decimal mark ("1 234,5" and "1 234.5" are both 1234.5).
3. Both "." and "," present: the LAST of the two is the decimal mark and appears once; the
   other separates thousands in proper groups ("1.234.567,89", "1,234,567.89").
4. One kind of separator, several times: thousands, in proper groups ("1.234.567", "1,234,567").
5. One separator, once:
   - followed by other than exactly three digits, or preceded by "0" or by more than three
     digits: a decimal mark ("19,3", "19.3", "0,125", "1234.567");
   - "." followed by exactly three digits: thousands, because "." is the Vietnamese
     thousands separator and the house style ("540.000" is 540000, "1.234" is 1234);
   - "," followed by "000": thousands ("540,000" is 540000; nobody writes 540.0 as "540,000");
   - "," followed by any other three digits ("1,234"): ambiguous (1234 in plain style, 1.234 in
     Vietnamese style), refused with a message asking for the number without thousands
     separators. A wrong guess there would be off by a factor of 1000, silently.

Every number the bot echoes back is formatted with `Translator.number` (Vietnamese style),
and those strings always parse back to the same value (tested with hypothesis for up to two
decimals; three decimals after a 1-3 digit integer part are the ambiguous case of rule 5).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from bot.i18n import N_, Translator, in_language
from bot.services.catalogue_files import Record, load_records
from bot.services.errors import InvalidInput, InvalidNumber, NotFound
from bot.services.units import UnitMismatch, factor, parse_unit, rescale, significant_digits
from bot.templates import TEMPLATES_DIR

FIGURES_PATH = TEMPLATES_DIR / "report_figures.toml"
MAX_LENGTH = 64

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_SHAPE = re.compile(r"^(?P<sign>[+-]?) ?(?P<num>\d[\d., ]*?) ?(?P<unit>(?:%|\$|[^\W\d_])[^\d]*)?$")
_GARBAGE = N_("Please type a number, for example 540.000 or 19,3.")
_AMBIGUOUS = N_(
    "{text} can be read two ways (a comma then three digits may separate thousands or "
    "decimals). Please type it without thousands separators, for example 1234 or 1234,5."
)


def _grouped(integer: str, sep: str) -> bool:
    return re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", integer) is not None


def parse_number(text: str) -> Decimal:
    """The value of a typed number, under the rules of this module's docstring.

    Raises InvalidNumber (with an English msgid and `text`) for garbage or ambiguity.
    """
    return split_number(text)[0]


def split_number(text: str) -> tuple[Decimal, str]:
    """The value of a typed number and the unit words typed after it ("" when none)."""
    raw = unicodedata.normalize("NFC", text or "").replace("\u2212", "-")
    cleaned = _SPACES.sub(" ", raw).strip()
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise InvalidNumber(_GARBAGE, text=cleaned[:MAX_LENGTH])
    match = _SHAPE.match(cleaned)
    if match is None:
        raise InvalidNumber(_GARBAGE, text=cleaned)
    sign, num = match["sign"], match["num"].strip()
    integer, fraction = _split(num, cleaned)
    try:
        value = Decimal(f"{sign}{integer}.{fraction}" if fraction else f"{sign}{integer}")
    except InvalidOperation:  # pragma: no cover - the shapes above are all digits
        raise InvalidNumber(_GARBAGE, text=cleaned) from None
    unit = (match["unit"] or "").strip()
    return (value + 0 if value == 0 else value), unit  # "-0" reads as 0


def _split(num: str, original: str) -> tuple[str, str]:
    """(integer digits, fraction digits) of the number part, or InvalidNumber."""
    if " " in num:
        match = re.fullmatch(r"(\d{1,3}(?: \d{3})+)(?:[.,](\d+))?", num)
        if match is None:
            raise InvalidNumber(_GARBAGE, text=original)
        return match[1].replace(" ", ""), match[2] or ""
    dots, commas = num.count("."), num.count(",")
    if dots and commas:
        decimal_mark = "." if num.rfind(".") > num.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        integer, _, fraction = num.rpartition(decimal_mark)
        if (
            num.count(decimal_mark) != 1
            or not fraction.isdigit()
            or not _grouped(integer, thousands)
        ):
            raise InvalidNumber(_GARBAGE, text=original)
        return integer.replace(thousands, ""), fraction
    if not dots and not commas:
        return num, ""
    sep = "." if dots else ","
    if dots + commas > 1:
        if not _grouped(num, sep):
            raise InvalidNumber(_GARBAGE, text=original)
        return num.replace(sep, ""), ""
    integer, _, fraction = num.partition(sep)
    if not integer or not fraction.isdigit():
        raise InvalidNumber(_GARBAGE, text=original)
    looks_grouped = len(fraction) == 3 and len(integer) <= 3 and not integer.startswith("0")
    if not looks_grouped:
        return integer, fraction
    if sep == "." or fraction == "000":
        return integer + fraction, ""
    raise InvalidNumber(_AMBIGUOUS, text=original)


class Figure(Record):
    """A figure of the year-end report: one `[[figure]]` of report_figures.toml (see its fields).

    Validated when the file is read, so a mistake in the file stops the bot at start with the
    file, the figure and the field named, instead of surfacing in an officer's chat.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    CODE = r"[a-z0-9_]{1,40}"
    CODE_RULE = "use a-z, 0-9 and _, at most 40 characters"

    label_vi: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    unit_vi: str = ""
    unit_en: str = ""
    kind: Literal["decimal", "integer", "percent", "yes_no"]
    min: Decimal
    max: Decimal
    decimals: int = Field(default=2, ge=0)
    required: bool = False
    target_key: str = ""
    aggregate: Literal["sum", "mean", "count_yes"] = "sum"
    # Above these the officer is asked to confirm (a likely slip of a unit or of a digit):
    # a value, and the code of another figure the value should not exceed (accidents/workers).
    confirm_above: Decimal | None = None
    confirm_above_figure: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        if self.min > self.max:
            raise ValueError("min is above max")
        if self.kind in ("integer", "yes_no") and self.decimals != 0:
            raise ValueError(f"an {self.kind} figure has no decimals")
        for unit in (self.unit_vi, self.unit_en):
            if self.kind != "yes_no" and parse_unit(unit) is None:
                raise ValueError(f"unit {unit!r} is not a known unit (bot/services/units.py)")
        return self

    @classmethod
    def unknown(cls, code: str) -> Figure:
        """A figure found in stored reports but no longer in the catalogue: shown by its code."""
        return cls.model_construct(
            code=code,
            label_vi=code,
            label_en=code,
            kind="decimal",
            min=Decimal(0),
            max=Decimal(0),
            decimals=2,
            unit_vi="",
            unit_en="",
            required=False,
            target_key="",
            aggregate="sum",
            confirm_above=None,
            confirm_above_figure="",
        )

    def label(self, language: str) -> str:
        return in_language(language, self.label_vi, self.label_en)

    def unit(self, language: str) -> str:
        return in_language(language, self.unit_vi, self.unit_en)

    def localize(self, language: str) -> str:
        return self.label(language)


@dataclass(frozen=True)
class _Unit:
    """A figure's unit as a message parameter, in the reader's language."""

    figure: Figure

    def localize(self, language: str) -> str:
        return self.figure.unit(language)


@dataclass(frozen=True)
class _Example:
    """A typed example of the figure's unit ("500 triệu" for tỷ đồng, "%" for a percent)."""

    figure: Figure

    def localize(self, language: str) -> str:
        unit = parse_unit(self.figure.unit_vi)
        if unit is not None and unit.currency:
            return '"500 triệu", "1,5 tỷ"' if language != "en" else '"500 million", "1.5 billion"'
        if unit is not None and unit.percent:
            return '"19,3%"' if language != "en" else '"19.3%"'
        return f'"12 {self.figure.unit(language)}"'


def load_figures(path: Path = FIGURES_PATH) -> list[Figure]:
    """Read and check a figures file; a mistake stops with the file, figure and field named."""
    figures = load_records(path, "figure", Figure)
    codes = [figure.code for figure in figures]
    for figure in figures:
        if figure.confirm_above_figure and figure.confirm_above_figure not in codes:
            raise ValueError(f"{path.name}: figure {figure.code}: unknown confirm_above_figure")
    return figures


@lru_cache(maxsize=1)
def _figures() -> tuple[Figure, ...]:
    return tuple(load_figures())


def report_figures() -> list[Figure]:
    """Every report figure, in the order the report flow asks them."""
    return list(_figures())


def get_figure(code: str) -> Figure:
    for figure in _figures():
        if figure.code == code:
            return figure
    raise NotFound(N_("There is no report figure with the code {code}."), code=code)


_YES = {"có", "co", "yes", "y", "1", "x", "đạt", "dat", "rồi", "roi", "true", "c"}
_NO = {"không", "khong", "ko", "k", "no", "n", "0", "chưa", "chua", "false"}


@dataclass(frozen=True)
class Reading:
    """A figure as typed: its value in the figure's unit, and whether a unit was converted."""

    value: Decimal
    converted: bool = False


def parse_figure(figure: Figure, text: str) -> Decimal:
    """The value of `text` for `figure`: parsed, in the figure's unit, of the right kind,
    within bounds (see `read_figure`)."""
    return read_figure(figure, text).value


def read_figure(figure: Figure, text: str) -> Reading:
    """Read `text` for `figure`: the number, converted from the unit typed after it.

    yes/no figures read yes/có/1 and no/không/0 and give 1 or 0. A unit typed with the
    number is understood (units.py): "500 triệu" for a figure in tỷ đồng is 0,5; a unit that
    does not measure what the figure measures ("45 tỷ" initiatives, "5 USD" in đồng) or an
    unknown word is refused, never dropped.
    """
    if figure.kind == "yes_no":
        word = " ".join(unicodedata.normalize("NFC", text or "").casefold().split())
        word = word.rstrip(".!")
        if word in _YES:
            return Reading(Decimal(1))
        if word in _NO:
            return Reading(Decimal(0))
        raise InvalidInput(N_("Please answer yes or no (có / không)."), figure=figure)
    number, unit_text = split_number(text)
    value, converted = number, False
    if unit_text:
        typed = parse_unit(unit_text)
        field = parse_unit(figure.unit_vi)
        assert field is not None  # checked when the catalogue is loaded
        if typed is None:
            raise InvalidNumber(
                N_(
                    'The unit "{typed}" is not one I know. {figure} is in {unit}: please type '
                    "the number alone, or with a unit such as {example}."
                ),
                typed=unit_text,
                figure=figure,
                unit=_Unit(figure),
                example=_Example(figure),
            )
        try:
            scale = factor(typed, field)
        except UnitMismatch:
            raise InvalidNumber(
                N_('{figure} is in {unit}: "{typed}" does not fit. Please type it in {unit}.'),
                typed=unit_text,
                figure=figure,
                unit=_Unit(figure),
            ) from None
        value = (number * scale).normalize()
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
        converted = scale != 1
    if figure.kind == "integer":
        if value != value.to_integral_value():
            raise InvalidNumber(N_("{figure} must be a whole number."), figure=figure)
        value = value.to_integral_value()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > figure.decimals:
        if converted:
            raise InvalidNumber(
                N_(
                    "{typed} is {value} {unit}; {figure} is kept to {decimals} decimal "
                    "places in {unit}. Please check the amount."
                ),
                typed=text.strip(),
                value=value,
                unit=_Unit(figure),
                figure=figure,
                decimals=figure.decimals,
            )
        raise InvalidNumber(
            N_("{figure}: please give at most {decimals} decimal places."),
            figure=figure,
            decimals=figure.decimals,
        )
    if not figure.min <= value <= figure.max:
        raise InvalidNumber(
            N_("{figure} must be between {min} and {max} {unit}."),
            figure=figure,
            min=figure.min,
            max=figure.max,
            unit=_Unit(figure),
        )
    return Reading(value, converted)


def doubtful(figure: Figure, value: Decimal, others: Mapping[str, Decimal]) -> InvalidNumber | None:
    """Why `value` is far outside what the figure can be for one enterprise (the officer is
    asked to confirm it), or None. `others` are the report's other figures by code."""
    if figure.confirm_above is not None and value > figure.confirm_above:
        return InvalidNumber(
            N_(
                "{figure}: {value} {unit} is far more than an enterprise usually reports "
                "(more than {limit} {unit}). Is it right?"
            ),
            figure=figure,
            value=value,
            unit=_Unit(figure),
            limit=figure.confirm_above,
        )
    if figure.confirm_above_figure:
        other = get_figure(figure.confirm_above_figure)
        bound = others.get(other.code)
        if bound is not None and value > bound:
            return InvalidNumber(
                N_("{figure}: {value} is more than {other} ({bound}). Is it right?"),
                figure=figure,
                value=value,
                other=other,
                bound=bound,
            )
    return None


def format_figure(t: Translator, figure: Figure, value: Decimal) -> str:
    """A figure's value as echoed back to the user: 540.000 tỷ đồng, 19,3%, Có."""
    if figure.kind == "yes_no":
        return t("Yes") if value else t("No")
    number = t.number(value, digits=figure.decimals)
    unit = figure.unit(t.language)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def format_quantity(t: Translator, value: Decimal, unit: str) -> str:
    """A sum or mean shown with its unit and enough precision not to round it away: an
    amount below 1 in its unit moves to a smaller scale (0,0015 tỷ USD → 1,5 triệu USD), and
    a small value keeps three significant digits (0,0062)."""
    shown, shown_unit = rescale(value, unit, t.language)
    number = t.number(shown, digits=min(significant_digits(shown, 3, at_least=2), 8))
    if not shown_unit:
        return number
    return f"{number}{shown_unit}" if shown_unit == "%" else f"{number} {shown_unit}"


def format_percent(t: Translator, value: Decimal) -> str:
    """A share in percent with one decimal, or two significant digits when smaller (0,0062%)."""
    return t.number(value, digits=min(significant_digits(value, 2, at_least=1), 8)) + "%"
