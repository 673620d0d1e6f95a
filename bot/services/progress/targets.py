"""The enterprises' figures added up against the campaign's targets, units converted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from bot.models import (
    DeadlineKind,
    Submission,
    YearEndReport,
)
from bot.services import audience, units
from bot.services.access import Scope, campaign_in_scope
from bot.services.numbers import Figure
from bot.services.progress.statuses import COUNTED_STATUSES, sent_parts


def _text(entry: Mapping[str, Any], name: str, language: str) -> str:
    """`name` of a stored record in `language`: `name_vi`/`name_en`, `name = {vi, en}`, or plain
    `name`. A plain `name` is Vietnamese (the plans' language); it is the fallback for English too.
    """
    value = entry.get(f"{name}_{language}")
    if isinstance(value, str) and value:
        return value
    value = entry.get(name)
    if isinstance(value, dict):
        return str(value.get(language) or value.get("vi") or "")
    if isinstance(value, str) and language == "vi":
        return value
    return ""


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """`value` in `from_unit` expressed in `to_unit` (see units.convert)."""
    return units.convert(value, from_unit, to_unit)


def to_decimal(value: Any) -> Decimal | None:
    """A stored figure (a decimal string, or a number) as a Decimal; None when not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True)
class TargetProgress:
    """One plan target and what the enterprises reported towards it.

    `reported` is the sum of the figures (or their mean, or the number of "yes" answers,
    as `aggregate` says), in the target's unit; None when no figure counts towards it.
    """

    key: str
    label: str
    label_en: str
    unit: str
    target: Decimal | None
    reported: Decimal | None
    enterprises: int  # enterprises whose reports contributed
    figure_codes: tuple[str, ...]
    aggregate: str = "sum"
    unit_en: str = ""
    spec: Mapping[str, Any] = field(default_factory=dict)  # as stored (year, qualifier...)

    @property
    def percent(self) -> Decimal | None:
        """The share of the target reached, in percent (None without a target or figures)."""
        if self.reported is None or not self.target:
            return None
        return self.reported * 100 / self.target

    def label_in(self, language: str) -> str:
        return (self.label_en or self.label) if language == "en" else self.label

    def unit_in(self, language: str) -> str:
        return (self.unit_en or self.unit) if language == "en" else self.unit


def aggregate_figures(
    rows: Sequence[tuple[int, Mapping[str, Any] | None]],
    sources: Sequence[Figure],
    unit: str,
) -> tuple[Decimal, int]:
    """The figures of `sources` over every report, aggregated; and how many enterprises count."""
    aggregate = sources[0].aggregate
    values: list[Decimal] = []
    contributors: set[int] = set()
    for enterprise_id, figures in rows:
        for figure in sources:
            number = to_decimal((figures or {}).get(figure.code))
            if number is None:
                continue
            if aggregate == "count_yes":
                values.append(Decimal(1) if number == 1 else Decimal(0))
            else:
                converted = convert(number, figure.unit_vi, unit)
                if converted is None:
                    continue
                values.append(converted)
            contributors.add(enterprise_id)
    total = sum(values, Decimal(0))
    if aggregate == "mean" and values:
        total /= len(values)
    return total, len(contributors)


def figures_vs_targets(
    session: Session,
    campaign_id: int,
    scope: Scope,
    figures: Sequence[Figure] | None = None,
) -> list[TargetProgress]:
    """The year-end figures reported so far (submitted or accepted) against the plan's targets.

    `figures` says which figure counts towards which target key and how (default:
    the figures the campaign's reports ask: none for the board's units). Amounts are
    converted to the target's unit (triệu USD -> tỷ USD); a percentage is never summed. One
    query reads every counted report in scope.
    """
    campaign = campaign_in_scope(session, campaign_id, scope)
    definitions = list(audience.figures(campaign) if figures is None else figures)
    by_target: dict[str, list[Figure]] = defaultdict(list)
    for figure in definitions:
        summed_percent = figure.kind == "percent" and figure.aggregate == "sum"
        if figure.target_key and not summed_percent:
            by_target[figure.target_key].append(figure)

    rows = [
        (enterprise_id, values)
        for enterprise_id, values in session.exec(
            sent_parts(
                select(Submission.enterprise_id, YearEndReport.figures),
                YearEndReport,
                campaign_id,
                DeadlineKind.YEAR_END_REPORT,
                COUNTED_STATUSES,
                scope,
            )
        ).all()
    ]

    results = []
    for target in campaign.targets:
        key = str(target.get("key", ""))
        unit = str(target.get("unit", ""))
        sources = by_target.get(key, [])
        reported: Decimal | None = None
        contributors = 0
        if sources:
            reported, contributors = aggregate_figures(rows, sources, unit)
        results.append(
            TargetProgress(
                key=key,
                label=_text(target, "label", "vi") or key,
                label_en=_text(target, "label", "en"),
                unit=unit,
                target=to_decimal(target.get("value")),
                reported=reported,
                enterprises=contributors,
                figure_codes=tuple(f.code for f in sources),
                aggregate=sources[0].aggregate if sources else "sum",
                unit_en=str(target.get("unit_en") or ""),
                spec=dict(target),
            )
        )
    return results
