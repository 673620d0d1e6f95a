"""The plan edit's readers: a target typed as the plan words it, founding years, counts."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from bot.services.templates import Qualifier
from conversations.flow import Invalid
from conversations.flows._plan_fields import Goal, read_count, read_founded, read_goal

VI = Translator("vi")


@pytest.mark.parametrize(
    ("typed", "goal"),
    [
        (
            "khoảng 540.000 tỷ đồng, tăng 19,3%",
            Goal(Qualifier.ABOUT, 540000, None, "tỷ đồng", 19.3),
        ),
        ("540.000 tỷ đồng", Goal(Qualifier.EXACT, 540000, None, "tỷ đồng", None)),
        ("từ 200 ha trở lên", Goal(Qualifier.AT_LEAST, 200, None, "ha", None)),
        ("200 ha or more", Goal(Qualifier.AT_LEAST, 200, None, "ha", None)),
        ("không quá 2,5%", Goal(Qualifier.AT_MOST, 2.5, None, "%", None)),
        ("khong qua 2,5 %", Goal(Qualifier.AT_MOST, 2.5, None, "%", None)),
        ("≥ 200 ha", Goal(Qualifier.AT_LEAST, 200, None, "ha", None)),
        ("25.000–30.000 người", Goal(Qualifier.EXACT, 25000, 30000, "người", None)),
        ("25.000 - 30.000 người", Goal(Qualifier.EXACT, 25000, 30000, "người", None)),
        ("từ 25.000 đến 30.000 người", Goal(Qualifier.EXACT, 25000, 30000, "người", None)),
        ("tăng 19,3%", Goal(Qualifier.EXACT, None, None, None, 19.3)),
        ("giảm 5%", Goal(Qualifier.EXACT, None, None, None, -5)),
        ("1,2 tỷ USD tăng 10%", Goal(Qualifier.EXACT, 1.2, None, "tỷ USD", 10)),
        ("2", Goal(Qualifier.EXACT, 2, None, None, None)),
    ],
)
def test_goal_as_the_plan_words_it(typed: str, goal: Goal) -> None:
    assert read_goal(VI, typed) == goal


@pytest.mark.parametrize(
    "typed", ["", "khoảng một tỷ", "abc", "540.000 tỷ đồng, tăng abc", "tăng 5 tỷ đồng", "khoảng"]
)
def test_unreadable_goal_says_what_is_expected(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        read_goal(VI, typed)
    assert "ví dụ" in caught.value.message


def test_founding_year_and_count() -> None:
    assert read_founded(VI, "1930", 2027) == 1930
    assert read_founded(VI, "không", 2027) is None
    for bad in ("194", "2027", "năm 1930"):
        with pytest.raises(Invalid):
            read_founded(VI, bad, 2027)
    assert read_count(VI, "7") == 7
    for bad in ("-2", "2,5", "năm", ""):
        with pytest.raises(Invalid):
            read_count(VI, bad)


def test_goal_read_back_in_words() -> None:
    """What the office typed comes back in the preview as the plan would word it."""
    from bot.services.targets import goal_text

    def back(typed: str, unit: str = "") -> str:
        goal = read_goal(VI, typed)
        target = {
            "value": goal.value,
            "value_max": goal.value_max,
            "unit": goal.unit or unit,
            "growth": goal.growth,
            "qualifier": goal.qualifier.value,
        }
        return goal_text(VI, target)

    assert back("khoảng 540.000 tỷ đồng, tăng 19,3%") == "khoảng 540.000 tỷ đồng, tăng 19,3%"
    assert back("từ 200 ha trở lên") == "từ 200 ha trở lên"
    assert back("25.000–30.000 người") == "25.000–30.000 người"
    assert back("không quá 3 vụ, giảm 5%") == "không quá 3 vụ, giảm 5%"
    assert back("tăng 19,3%") == "tăng 19,3%"  # a growth alone, not "—, tăng 19,3%"
