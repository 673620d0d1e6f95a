"""A campaign's targets (chỉ tiêu) belong to a year, and say what the plan says of them.

Each target stored on `Campaign.targets` carries its `year` (the plan's year it was written
for), a `qualifier` ("khoảng", "từ … trở lên", "không quá"), an optional `value_max` (a range
"25.000–30.000"), an optional `growth` ("tăng 19,3%"), and `confirmed`: False for targets
copied from the previous year's campaign until the board office confirms them. A campaign
made from a template for another year than the plan's own starts with none: a 2027 campaign
must not compare with the 2024 plan's figures as if they were its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.i18n import Translator
from bot.services.templates import Qualifier


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def is_confirmed(target: Mapping[str, Any]) -> bool:
    return bool(target.get("confirmed", True))


def goal_text(t: Translator, target: Mapping[str, Any]) -> str:
    """The target as the plan words it: "khoảng 540.000 tỷ đồng, tăng 19,3%",
    "từ 200 ha trở lên", "25.000–30.000 người"."""
    value, value_max = _decimal(target.get("value")), _decimal(target.get("value_max"))
    unit = str((target.get("unit_en") if t.language == "en" else None) or target.get("unit", ""))

    def with_unit(number: str) -> str:
        if unit == "%":
            return f"{number}%"
        return f"{number} {unit}" if unit else number

    if value is None:
        text = "—"
    elif value_max is not None:
        text = with_unit(t("{low}–{high}", low=t.number(value), high=t.number(value_max)))
    else:
        form = Qualifier.of(target.get("qualifier")).form
        text = t(form, value=with_unit(t.number(value)))
    growth = _decimal(target.get("growth"))
    if growth is None:
        return text
    # "giảm 5%", not "tăng -5%"; a growth alone is the whole target ("tăng 19,3%", not "—, …")
    change = (
        t("down {growth}%", growth=t.number(-growth))
        if growth < 0
        else t("up {growth}%", growth=t.number(growth))
    )
    return change if value is None else f"{text}, {change}"


def targets_year(targets: Sequence[Mapping[str, Any]]) -> int | None:
    """The year the targets were set for (they are one year's, whatever the campaign's)."""
    years = {int(t["year"]) for t in targets if isinstance(t.get("year"), int)}
    return max(years) if years else None


def _is_period(value: Any) -> bool:
    """[first, last]: the years of a multi-year plan's targets."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in value)
    )


def heading(t: Translator, targets: Sequence[Mapping[str, Any]], campaign_year: int) -> str:
    """Which year's targets a comparison uses, and whether the office confirmed them."""
    year = targets_year(targets)
    period = next((t_["period"] for t_ in targets if _is_period(t_.get("period"))), None)
    if year is None and period is not None:
        text = t("Targets for the period {first}–{last}", first=period[0], last=period[1])
    elif year is None:
        return t("Targets (no year given)")
    else:
        text = t("Targets for {year}", year=year)
        if year != campaign_year:
            text += " " + t("(the campaign is for {year})", year=campaign_year)
    if any(not is_confirmed(target) for target in targets):
        text += " — " + t("copied from last year, not yet confirmed by the board office")
    return text


def summary(t: Translator, targets: Sequence[Mapping[str, Any]], campaign_year: int) -> str:
    """The targets on one line with their year and the plan's words, for the digest and the
    exports' title block: "Chỉ tiêu năm 2026 … : Giá trị sản xuất: khoảng 540.000 tỷ đồng;
    …" ("" when the campaign has none)."""
    goals = [target for target in targets if _decimal(target.get("value")) is not None]
    if not goals:
        return ""
    named = "; ".join(f"{_label(t, target)}: {goal_text(t, target)}" for target in goals)
    return f"{heading(t, targets, campaign_year)}: {named}"


def _label(t: Translator, target: Mapping[str, Any]) -> str:
    label = target.get("label_en") if t.language == "en" else None
    return str(label or target.get("label") or target.get("key") or "")


def carried_over(targets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Last year's targets for a new campaign: kept, marked as not yet confirmed."""
    return [{**target, "confirmed": False} for target in targets]
