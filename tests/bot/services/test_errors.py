"""DomainError: an English msgid with params, rendered for each reader."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.errors import (
    DomainError,
    InvalidInput,
    SubmissionIncomplete,
    SubmissionLocked,
    render,
)
from bot.services.titles import TitleRef


def test_params_are_formatted_for_the_reader() -> None:
    error = DomainError(
        "{title} {when} {at} {amount} {n}",
        title=TitleRef("LDTT"),
        when=date(2024, 4, 15),
        at=datetime(2024, 4, 15, 3, 5, tzinfo=UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")),
        amount=Decimal("540000.5"),
        n=2024,
    )
    assert (
        error.message(Translator("vi"))
        == "Lao động tiên tiến 15/04/2024 10:05 15/04/2024 540.000,5 2024"
    )
    assert error.message(Translator("en")).startswith("Advanced Worker 15/04/2024")
    assert str(error).startswith("Advanced Worker 2024-04-15")
    assert error.params["n"] == 2024


def test_a_missing_param_never_breaks_str() -> None:
    assert str(DomainError("a {x} b {y}", x=1)) == "a 1 b {y}"


def test_translated_with_the_catalogue() -> None:
    error = SubmissionLocked(
        "This item was due on {date} and is now closed. Please contact the board office if "
        "something must change.",
        date=date(2025, 1, 31),
    )
    vi = error.message(Translator("vi"))
    assert "31/01/2025" in vi and "Văn phòng Ban" in vi


def test_incomplete_lists_every_problem() -> None:
    error = SubmissionIncomplete(
        [
            InvalidInput("The document number is missing."),
            InvalidInput("The document date is missing."),
        ]
    )
    assert error.params == {"count": 2}
    lines = error.message(Translator("en")).splitlines()
    assert lines == [
        "The item cannot be submitted yet:",
        "- The document number is missing.",
        "- The document date is missing.",
    ]
    assert render(Translator("vi"), "No", {}) == "Không"
