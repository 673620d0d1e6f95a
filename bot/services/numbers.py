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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.i18n import N_, Translator
from bot.services.catalogue_files import load_catalogue_file
from bot.services.errors import InvalidInput, InvalidNumber, NotFound
from bot.templates import TEMPLATES_DIR

FIGURES_PATH = TEMPLATES_DIR / "report_figures.toml"
MAX_LENGTH = 64

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_SHAPE = re.compile(r"^(?P<sign>[+-]?) ?(?P<num>\d[\d., ]*?) ?(?P<unit>(?:%|[^\W\d_])[^\d]*)?$")
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
    return value + 0 if value == 0 else value  # "-0" reads as 0


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


class Figure(BaseModel):
    """A figure of the year-end report: one `[[figure]]` of report_figures.toml (see its fields).

    Validated when the file is read, so a mistake in the file stops the bot at start with the
    file, the figure and the field named, instead of surfacing in an officer's chat.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
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

    @field_validator("code")
    @classmethod
    def _code(cls, code: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]{1,40}", code):
            raise ValueError("use a-z, 0-9 and _, at most 40 characters")
        return code

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        if self.min > self.max:
            raise ValueError("min is above max")
        if self.kind in ("integer", "yes_no") and self.decimals != 0:
            raise ValueError(f"an {self.kind} figure has no decimals")
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
        )

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_vi

    def unit(self, language: str) -> str:
        return self.unit_en if language == "en" else self.unit_vi

    def localize(self, language: str) -> str:
        return self.label(language)


class _FiguresFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    figure: list[Figure] = Field(min_length=1)


@dataclass(frozen=True)
class _Unit:
    figure: Figure

    def localize(self, language: str) -> str:
        return self.figure.unit(language)


def load_figures(path: Path = FIGURES_PATH) -> list[Figure]:
    """Read and check a figures file; a mistake stops with the file, figure and field named."""
    figures = load_catalogue_file(path, _FiguresFile).figure
    codes = [figure.code for figure in figures]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"{path.name}: figure codes must be unique: {', '.join(twice)}")
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


def parse_figure(figure: Figure, text: str) -> Decimal:
    """The value of `text` for `figure`: parsed, of the right kind, within bounds.

    yes/no figures read yes/có/1 and no/không/0 and give 1 or 0.
    """
    if figure.kind == "yes_no":
        word = " ".join(unicodedata.normalize("NFC", text or "").casefold().split())
        word = word.rstrip(".!")
        if word in _YES:
            return Decimal(1)
        if word in _NO:
            return Decimal(0)
        raise InvalidInput(N_("Please answer yes or no (có / không)."), figure=figure)
    value = parse_number(text)
    if figure.kind == "integer":
        if value != value.to_integral_value():
            raise InvalidNumber(N_("{figure} must be a whole number."), figure=figure)
        value = value.to_integral_value()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > figure.decimals:
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
    return value


def format_figure(t: Translator, figure: Figure, value: Decimal) -> str:
    """A figure's value as echoed back to the user: 540.000 tỷ đồng, 19,3%, Có."""
    if figure.kind == "yes_no":
        return t("Yes") if value else t("No")
    number = t.number(value, digits=figure.decimals)
    unit = figure.unit(t.language)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"
