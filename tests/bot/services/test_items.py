"""The item vocabulary: one row per kind, and every parser and label reads it."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.models import DeadlineKind
from bot.services.errors import NotFound
from bot.services.items import (
    ITEM_KINDS,
    KindName,
    kind_command,
    kind_label,
    kind_phrase,
    parse_kind,
    parse_kind_word,
    receipt_prefix,
)

VI = Translator("vi")
EN = Translator("en")


def test_every_kind_has_one_row_with_distinct_receipt_prefixes() -> None:
    assert set(ITEM_KINDS) == set(DeadlineKind)
    prefixes = [item.receipt_prefix for item in ITEM_KINDS.values()]
    assert len(set(prefixes)) == len(prefixes)


def test_labels_phrases_and_commands() -> None:
    assert kind_label(VI, DeadlineKind.TITLE_REGISTRATION) == "Đăng ký danh hiệu thi đua"
    assert kind_label(EN, "year_end_report") == "Year-end report"
    assert kind_label(EN, "no_such_kind") == "no_such_kind"
    assert kind_phrase(EN, DeadlineKind.TITLE_REGISTRATION) == (
        "the registration of emulation titles"
    )
    assert kind_command(DeadlineKind.LAUNCH_DOCUMENT) == "launch"
    # Both reports are sent with /report; "/report 6" names the six-month one (plain /report
    # takes whichever is owed and due first), and the scheduler and the flows say the same.
    assert kind_command(DeadlineKind.SIX_MONTH_REPORT) == "report 6"
    assert receipt_prefix(DeadlineKind.SIX_MONTH_REPORT) == "SK"
    assert KindName("launch_document").localize("en") == "Launch document"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("/register", DeadlineKind.TITLE_REGISTRATION),
        ("  Đăng   KÝ ", DeadlineKind.TITLE_REGISTRATION),
        ("year_end_report", DeadlineKind.YEAR_END_REPORT),
        ("báo cáo", DeadlineKind.YEAR_END_REPORT),
        ("Sơ kết", DeadlineKind.SIX_MONTH_REPORT),
        ("six-month report", DeadlineKind.SIX_MONTH_REPORT),
        ("Đăng ký danh hiệu thi đua", DeadlineKind.TITLE_REGISTRATION),
        ("launch", DeadlineKind.LAUNCH_DOCUMENT),
        # Without accents (and without the space) as on a keyboard with no Vietnamese input.
        ("phatdong", DeadlineKind.LAUNCH_DOCUMENT),
        ("DangKy", DeadlineKind.TITLE_REGISTRATION),
        ("soket", DeadlineKind.SIX_MONTH_REPORT),
        ("denghi", DeadlineKind.COMMENDATION_PROPOSAL),
    ],
)
def test_parse_kind_word(typed: str, kind: DeadlineKind) -> None:
    assert parse_kind_word(typed) is kind


def test_parse_kind_word_unknown_and_empty() -> None:
    assert parse_kind_word("nomination") is None
    assert parse_kind_word("proposal") is DeadlineKind.COMMENDATION_PROPOSAL
    assert parse_kind_word("   ") is None


def test_parse_kind_refuses_unknown_codes() -> None:
    assert parse_kind("launch_document") is DeadlineKind.LAUNCH_DOCUMENT
    with pytest.raises(NotFound):
        parse_kind("launch")
