"""Tax codes: the check digit of DOMAIN.md, branch suffixes, and which rule a bad code breaks."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.i18n import Translator
from bot.services.taxcode import (
    InvalidTaxCode,
    check_digit,
    is_valid_tax_code,
    make_tax_code,
    normalize_tax_code,
)

# Published codes of well-known companies (Viettel, Vinamilk, FPT, Vietcombank Hà Nội).
REAL_CODES = ["0100109106", "0300588569", "0101245486", "0100233583"]

prefixes = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _reference_check_digit(prefix: str) -> int | None:
    weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
    c = 10 - sum(w * int(d) for w, d in zip(weights, prefix, strict=True)) % 11
    return None if c == 10 else c


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code: str) -> None:
    assert normalize_tax_code(code) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 0100109106 ", "0100109106"),
        ("0100 109 106", "0100109106"),
        ("0100.109.106", "0100109106"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106 - 012", "0100109106-012"),
        ("0100109106–999", "0100109106-999"),  # en dash from a word processor
    ],
)
def test_separators_are_stripped(raw: str, expected: str) -> None:
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "msgid_start", "params"),
    [
        ("", "The tax code is empty", {}),
        ("   ", "The tax code is empty", {}),
        ("01001O9106", "A tax code may contain only digits", {"char": "O"}),
        ("010010910", "A tax code has 10 digits", {"count": 9}),
        ("01001091066", "A tax code has 10 digits", {"count": 11}),
        ("0100109106-01", "The branch number after the dash must have 3 digits", {"count": 2}),
        ("0100109106-", "The branch number after the dash must have 3 digits", {"count": 0}),
        ("0100109106-000", "The branch number after the dash cannot be 000", {}),
        ("0100109106-001-002", "A tax code has at most one dash", {}),
        ("0100109107", "The check digit is wrong", {"expected": 6, "actual": "7"}),
    ],
)
def test_each_rule_says_what_failed(raw: str, msgid_start: str, params: dict[str, object]) -> None:
    with pytest.raises(InvalidTaxCode) as info:
        normalize_tax_code(raw)
    assert info.value.msgid.startswith(msgid_start)
    assert info.value.params == params


def test_prefix_without_check_digit_is_invalid() -> None:
    # 31·1 + 29·0 + ... = a sum divisible by 11 gives c = 10: no digit can complete it.
    prefix = next(
        f"{n:09d}" for n in range(10**6, 10**9) if _reference_check_digit(f"{n:09d}") is None
    )
    assert check_digit(prefix) is None
    for last in "0123456789":
        with pytest.raises(InvalidTaxCode) as info:
            normalize_tax_code(prefix + last)
        assert info.value.params == {"prefix": prefix}
    with pytest.raises(InvalidTaxCode):
        make_tax_code(prefix)


def test_reason_is_translated() -> None:
    with pytest.raises(InvalidTaxCode) as info:
        normalize_tax_code("0100109107")
    vi = info.value.message(Translator("vi"))
    en = info.value.message(Translator("en"))
    assert "6" in vi and "7" in vi
    assert en.startswith("The check digit is wrong")
    assert vi != en


@given(prefixes)
def test_check_digit_matches_the_formula(prefix: str) -> None:
    assert check_digit(prefix) == _reference_check_digit(prefix)


@given(prefixes)
def test_made_codes_are_valid_and_others_are_not(prefix: str) -> None:
    digit = _reference_check_digit(prefix)
    assume(digit is not None)
    code = make_tax_code(prefix)
    assert code == f"{prefix}{digit}"
    assert normalize_tax_code(code) == code
    for wrong in set("0123456789") - {str(digit)}:
        assert not is_valid_tax_code(prefix + wrong)


@given(prefixes, st.integers(min_value=1, max_value=999))
def test_branch_codes_round_trip(prefix: str, branch: int) -> None:
    assume(_reference_check_digit(prefix) is not None)
    code = f"{make_tax_code(prefix)}-{branch:03d}"
    assert normalize_tax_code(code) == code
    spaced = f" {code[:4]} {code[4:7]}.{code[7:10]} - {code[11:]} "
    assert normalize_tax_code(spaced) == code


@given(prefixes, st.integers(min_value=0, max_value=9))
def test_single_digit_typos_are_caught(prefix: str, position: int) -> None:
    """Changing any one digit of a valid code makes it invalid (the point of the check digit)."""
    assume(_reference_check_digit(prefix) is not None)
    code = make_tax_code(prefix)
    for digit in "0123456789":
        if digit != code[position]:
            typo = code[:position] + digit + code[position + 1 :]
            assert not is_valid_tax_code(typo)


@given(st.text(max_size=20))
def test_anything_either_normalises_or_raises_invalid(raw: str) -> None:
    try:
        code = normalize_tax_code(raw)
    except InvalidTaxCode as exc:
        assert exc.msgid
        return
    assert len(code) in (10, 14)
    assert normalize_tax_code(code) == code
