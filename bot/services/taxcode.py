"""Vietnamese enterprise tax codes (mã số thuế): normalisation and the check digit.

A tax code is 10 digits, or 10 digits, a dash and a 3-digit branch suffix (001-999). The 10th
digit is a check digit over the first nine (see DOMAIN.md). Officers and spreadsheets write
codes with spaces or dots ("0101 234 567", "0101.234.567"), so those are stripped before the
rules are applied. Each failed rule raises `InvalidTaxCode` with an English msgid and its
parameters, so every caller (import report, chat flow, CLI) can say *which* rule failed in the
user's language.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.services.errors import InvalidInput

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
DIGITS = frozenset("0123456789")
# Characters people put inside a code that carry no meaning.
_SEPARATORS = frozenset(" .\u00a0\u2009\u202f\t")
# Dashes officers type (or word processors substitute) between the code and the branch.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")


class InvalidTaxCode(InvalidInput):
    """A tax code that breaks a rule; `msgid` and `params` say which, untranslated.

    Render it with `error.message(t)` (bot.services.errors.DomainError).
    """


def check_digit(prefix9: str) -> int | None:
    """The check digit for nine digits, or None when no digit is valid (c would be 10)."""
    if len(prefix9) != 9 or not set(prefix9) <= DIGITS:
        raise ValueError(f"expected nine digits, got {prefix9!r}")
    total = sum(w * int(d) for w, d in zip(WEIGHTS, prefix9, strict=True))
    c = 10 - total % 11
    return None if c == 10 else c


def normalize_tax_code(raw: str) -> str:
    """The canonical form ("0101234567" or "0101234567-001") of `raw`, or `InvalidTaxCode`."""
    text = "".join(ch for ch in raw.strip() if ch not in _SEPARATORS)
    text = "".join("-" if ch in _DASHES else ch for ch in text)
    if not text:
        raise InvalidTaxCode(N_("The tax code is empty."))
    for ch in text:
        if ch != "-" and ch not in DIGITS:
            raise InvalidTaxCode(
                N_("A tax code may contain only digits and one dash, but it contains “{char}”."),
                char=ch,
            )
    main, dash, branch = text.partition("-")
    if "-" in branch:
        raise InvalidTaxCode(
            N_("A tax code has at most one dash (10 digits, then - and a 3-digit branch number).")
        )
    if len(main) != 10:
        raise InvalidTaxCode(
            N_("A tax code has 10 digits before any branch suffix, but this one has {count}."),
            count=len(main),
        )
    if dash and len(branch) != 3:
        raise InvalidTaxCode(
            N_("The branch number after the dash must have 3 digits, but it has {count}."),
            count=len(branch),
        )
    if dash and branch == "000":
        raise InvalidTaxCode(N_("The branch number after the dash cannot be 000."))
    expected = check_digit(main[:9])
    if expected is None:
        raise InvalidTaxCode(
            N_(
                "No valid tax code starts with {prefix}: the first nine digits admit no check "
                "digit. Please check the code for a typing mistake."
            ),
            prefix=main[:9],
        )
    if int(main[9]) != expected:
        raise InvalidTaxCode(
            N_(
                "The check digit is wrong: with these first nine digits the 10th digit must be "
                "{expected}, not {actual}. Please check the code for a typing mistake."
            ),
            expected=expected,
            actual=main[9],
        )
    return f"{main}-{branch}" if dash else main


def is_valid_tax_code(raw: str) -> bool:
    """Whether `raw` normalises to a valid tax code."""
    try:
        normalize_tax_code(raw)
    except InvalidTaxCode:
        return False
    return True


def make_tax_code(prefix9: str) -> str:
    """A valid 10-digit tax code from nine digits (for tests and demo data).

    Raises `InvalidTaxCode` when the nine digits admit no check digit.
    """
    digit = check_digit(prefix9)
    if digit is None:
        raise InvalidTaxCode(
            N_(
                "No valid tax code starts with {prefix}: the first nine digits admit no check "
                "digit. Please check the code for a typing mistake."
            ),
            prefix=prefix9,
        )
    return f"{prefix9}{digit}"
