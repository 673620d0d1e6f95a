"""Reading numbers in Vietnamese and plain styles, and the report figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Translator
from bot.services.errors import InvalidInput, InvalidNumber
from bot.services.numbers import (
    format_figure,
    get_figure,
    load_figures,
    parse_figure,
    parse_number,
    report_figures,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("540.000", "540000"),
        ("540000", "540000"),
        ("540,000", "540000"),
        ("19,3", "19.3"),
        ("19.3", "19.3"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1 234 567", "1234567"),
        ("1\u00a0234\u00a0567,5", "1234567.5"),
        ("1 234,5", "1234.5"),
        ("1 234.5", "1234.5"),
        ("540.000 tỷ đồng", "540000"),
        ("24,2 tỷ USD", "24.2"),
        ("19,3%", "19.3"),
        ("19,3 %", "19.3"),
        ("  7 người ", "7"),
        ("-5", "-5"),
        ("−2,5", "-2.5"),
        ("+12", "12"),
        ("0,125", "0.125"),
        ("0.125", "0.125"),
        ("1234,567", "1234.567"),
        ("1234.567", "1234.567"),
        ("1.234", "1234"),
        ("1.234,567", "1234.567"),
        ("12,5", "12.5"),
        ("1,5", "1.5"),
        ("-0", "0"),
        ("007", "7"),
    ],
)
def test_accepted_styles(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "1..2",
        "1,,2",
        "12abc34",
        "5.",
        ".5",
        ",5",
        "1,2.3",
        "1.2.3",
        "1.23.456",
        "12 34",
        "1 2345",
        "1.234.56",
        "1,234.567.8",
        "--5",
        "5-",
        "1e5",
        "NaN",
        "Infinity",
        "½",
        "1" * 80,
        "tỷ 5",
    ],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        parse_number(text)
    assert info.value.msgid.startswith("Please type a number")


@pytest.mark.parametrize("text", ["1,234", "19,300", "540,500", "1,001"])
def test_a_comma_before_three_digits_is_ambiguous(text: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        parse_number(text)
    assert info.value.params == {"text": text}
    message = info.value.message(Translator("vi"))
    assert text in message and message != info.value.message(Translator("en"))


@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False)
)
def test_what_the_bot_echoes_reads_back_the_same(value: Decimal) -> None:
    t = Translator("vi")
    assert parse_number(t.number(value)) == value
    assert parse_number(t.number(value) + " tỷ đồng") == value


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_echoed_read_back(value: int) -> None:
    t = Translator("vi")
    assert parse_number(t.number(value, digits=0)) == value
    assert parse_number(str(value)) == value
    plain = f"{value:,}"
    if 1000 <= abs(value) < 1_000_000 and abs(value) % 1000 != 0:
        # plain style "1,234" is the documented ambiguous case: refused, never misread
        with pytest.raises(InvalidNumber):
            parse_number(plain)
    else:
        assert parse_number(plain) == value


@given(st.decimals(min_value=0, max_value=Decimal("1e9"), places=2, allow_nan=False))
def test_plain_style_with_a_dot_reads_back(value: Decimal) -> None:
    text = f"{value:,.2f}"  # 1,234,567.89
    assert parse_number(text) == value


def test_figures_catalogue_covers_the_plan() -> None:
    codes = {figure.code for figure in report_figures()}
    assert {
        "revenue",
        "growth",
        "industrial_output",
        "exports",
        "labour_productivity",
        "average_income",
        "workers",
        "equipment_investment",
        "taxes",
        "initiatives",
        "iso9001",
        "social_insurance",
        "accidents",
    } <= codes
    assert get_figure("industrial_output").target_key == "industrial_output"
    assert get_figure("exports").unit_vi == "triệu USD"
    for figure in report_figures():
        assert figure.label_vi and figure.label_en and figure.min <= figure.max


def test_parse_figure_checks_kind_bounds_and_decimals() -> None:
    revenue = get_figure("revenue")
    assert parse_figure(revenue, "540.000 tỷ đồng") == 540000
    with pytest.raises(InvalidNumber) as info:
        parse_figure(revenue, "-5")
    assert info.value.msgid == "{figure} must be between {min} and {max} {unit}."
    assert "Doanh thu" in info.value.message(Translator("vi"))
    assert "10.000.000" in info.value.message(Translator("vi"))
    with pytest.raises(InvalidNumber):
        parse_figure(revenue, "1,2345")
    workers = get_figure("workers")
    assert parse_figure(workers, "1.250 người") == 1250
    assert parse_figure(workers, "12,0") == 12
    with pytest.raises(InvalidNumber, match="whole number"):
        parse_figure(workers, "12,5")
    growth = get_figure("growth")
    assert parse_figure(growth, "-3,5%") == Decimal("-3.5")
    with pytest.raises(InvalidNumber):
        parse_figure(get_figure("social_insurance"), "101%")


def test_yes_no_figures() -> None:
    iso = get_figure("iso9001")
    for word in ("Có", "co", "yes", "1", "Đạt"):
        assert parse_figure(iso, word) == 1
    for word in ("Không", "khong", "no", "0", "chưa"):
        assert parse_figure(iso, word) == 0
    with pytest.raises(InvalidInput):
        parse_figure(iso, "maybe")


def test_format_figure_echoes_vietnamese_style() -> None:
    vi, en = Translator("vi"), Translator("en")
    assert format_figure(vi, get_figure("industrial_output"), Decimal(540000)) == "540.000 tỷ đồng"
    assert format_figure(vi, get_figure("growth"), Decimal("19.3")) == "19,3%"
    assert format_figure(en, get_figure("exports"), Decimal("24200.5")) == "24.200,5 million USD"
    assert format_figure(en, get_figure("iso9001"), Decimal(1)) == "Yes"


def test_figures_file_mistakes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "figures.toml"
    base = (
        '[[figure]]\ncode = "x"\nlabel_vi = "X"\nlabel_en = "X"\nkind = "{kind}"\n'
        'min = "{lo}"\nmax = "{hi}"\ndecimals = {d}\n'
    )
    path.write_text(base.format(kind="decimal", lo=0, hi=1, d=2), encoding="utf-8")
    assert load_figures(path)[0].code == "x"
    for kind, lo, hi, d in (("colour", 0, 1, 0), ("decimal", 2, 1, 0), ("integer", 0, 1, 2)):
        path.write_text(base.format(kind=kind, lo=lo, hi=hi, d=d), encoding="utf-8")
        with pytest.raises(ValueError):
            load_figures(path)


@given(st.text(max_size=40))
def test_any_text_gives_a_number_or_invalid_number(text: str) -> None:
    try:
        value = parse_number(text)
    except InvalidNumber as exc:
        assert exc.message(Translator("vi")) and exc.message(Translator("en"))
    else:
        assert value.is_finite()


def test_figures_file_mistakes_name_the_file_the_figure_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "report_figures.toml"
    path.write_text(
        '[[figure]]\ncode = "revenue"\nlabel_vi = "Doanh thu"\nlabel_en = "Revenue"\n'
        'kind = "decimal"\nmin = "0"\nmax = "lots"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"^report_figures\.toml: figure\[1\] \(revenue\)\.max: "):
        load_figures(path)
    path.write_text('[[figure]]\ncode = "x"\nlabel_vi = "X"\nlabel_en = "X"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"figure\[1\] \(x\)\.kind: Field required"):
        load_figures(path)
    path.write_text("[[figure]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^report_figures\.toml: not valid TOML"):
        load_figures(path)
