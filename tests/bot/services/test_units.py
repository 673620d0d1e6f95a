"""Every unit word an officer types, read for the figures of report_figures.toml; and how
sums are shown (units.py, numbers.read_figure/format_quantity)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n import Translator
from bot.services.errors import InvalidNumber
from bot.services.numbers import format_percent, format_quantity, get_figure, read_figure
from bot.services.units import convert, parse_unit, rescale

# (figure code, typed, value stored in the figure's unit)
ACCEPTED = [
    ("revenue", "500 nghìn tỷ", "500000"),
    ("revenue", "2 ngàn tỷ đồng", "2000"),
    ("revenue", "2 nghin ty", "2000"),
    ("revenue", "500 triệu", "0.5"),
    ("revenue", "500 trieu dong", "0.5"),
    ("revenue", "500tr", "0.5"),
    ("revenue", "1,5 tỷ", "1.5"),
    ("revenue", "1,5 tỉ đồng", "1.5"),
    ("revenue", "1,5 TỶ ĐỒNG", "1.5"),
    ("revenue", "500.000.000 đồng", "0.5"),
    ("revenue", "500.000.000 VND", "0.5"),
    ("revenue", "500.000.000 vnđ", "0.5"),
    ("revenue", "500.000.000đ", "0.5"),
    ("revenue", "12", "12"),
    ("exports", "1,5 triệu USD", "1.5"),
    ("exports", "1,5 tỷ USD", "1500"),
    ("exports", "2 nghìn USD", "0.002"),
    ("exports", "250.000 usd", "0.25"),
    ("exports", "3 triệu $", "3"),
    ("exports", "3 triệu đô", "3"),
    ("growth", "19,3%", "19.3"),
    ("growth", "19,3 %", "19.3"),
    ("growth", "19,3 phần trăm", "19.3"),
    ("social_insurance", "95 phan tram", "95"),
    ("workers", "1.200 người", "1200"),
    ("workers", "1,2 nghìn người", "1200"),
    ("workers", "1.200 lao động", "1200"),
    ("workers", "1.200 công nhân", "1200"),
    ("accidents", "2 vụ", "2"),
    ("initiatives", "45 sáng kiến", "45"),
    ("average_income", "9,5 triệu", "9.5"),
    ("average_income", "9,5 triệu đồng/người/tháng", "9.5"),
    ("average_income", "9.500 nghìn đồng", "9.5"),
    ("labour_productivity", "1,2 tỷ đồng/người/năm", "1200"),
]

REFUSED = [
    ("initiatives", "45 tỷ"),  # a money word for a count
    ("initiatives", "45 người"),
    ("revenue", "5 USD"),  # never converted between currencies
    ("exports", "5 tỷ đồng"),
    ("revenue", "5%"),
    ("growth", "12 người"),
    ("workers", "2 nghìn"),  # a scale word alone is money
    ("revenue", "5 abc"),
    ("average_income", "9,5 triệu đồng/người/năm"),  # per year, the figure is per month
    ("revenue", "500 nghìn"),  # 0,0005 tỷ đồng: more decimals than the figure keeps
]


@pytest.mark.parametrize(("code", "typed", "value"), ACCEPTED)
def test_each_unit_word_is_understood(code: str, typed: str, value: str) -> None:
    assert read_figure(get_figure(code), typed).value == Decimal(value)


@pytest.mark.parametrize(("code", "typed"), REFUSED)
def test_a_unit_that_does_not_fit_is_refused(code: str, typed: str) -> None:
    with pytest.raises(InvalidNumber):
        read_figure(get_figure(code), typed)


def test_every_catalogue_unit_parses_in_both_languages() -> None:
    assert parse_unit("tỷ đồng") == parse_unit("billion VND")
    assert parse_unit("triệu đồng/người/tháng") == parse_unit("million VND per worker per month")
    assert parse_unit("người") == parse_unit("people")
    assert parse_unit("hecta") is None


def test_conversion_between_scales_of_one_currency_only() -> None:
    assert convert(Decimal(1500), "triệu USD", "tỷ USD") == Decimal("1.5")
    assert convert(Decimal(1), "nghìn tỷ đồng", "tỷ đồng") == Decimal(1000)
    assert convert(Decimal(1), "tỷ đồng", "tỷ USD") is None
    assert convert(Decimal(1), "người", "tỷ đồng") is None


def test_small_sums_keep_their_precision_and_a_fitting_unit() -> None:
    vi, en = Translator("vi"), Translator("en")
    assert rescale(Decimal("0.0015"), "tỷ USD", "vi") == (Decimal("1.5"), "triệu USD")
    assert format_quantity(vi, Decimal("0.0015"), "tỷ USD") == "1,5 triệu USD"
    assert format_quantity(en, Decimal("0.0015"), "billion USD") == "1,5 million USD"
    assert format_quantity(vi, Decimal("24.2"), "tỷ USD") == "24,2 tỷ USD"
    assert format_quantity(vi, Decimal("540000.5"), "tỷ đồng") == "540.000,5 tỷ đồng"
    assert format_quantity(vi, Decimal("0.0042"), "người") == "0,0042 người"
    assert format_percent(vi, Decimal("0.0061983")) == "0,0062%"
    assert format_percent(vi, Decimal("12.34")) == "12,3%"
