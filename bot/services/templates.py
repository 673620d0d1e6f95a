"""Campaign templates: the boards' plans as data (bot/templates/<slug>.toml).

A plan changes every year in its wording and figures but hardly in its shape (phases,
deadlines, commemoration days, targets), so each plan is a TOML file and this module turns
it into frozen dataclasses, checking everything a typo could break (a date that does not
exist, an observance outside its phase, an unknown deadline kind) when the file is loaded
rather than when a reminder is due months later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.i18n import N_
from bot.models.enums import Audience, DeadlineKind, LatePolicy
from bot.services.errors import NotFound
from bot.services.numbers import report_figures
from bot.templates import TEMPLATES_DIR

DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (14, 7, 3, 1, 0, -1, -3)
# Files in bot/templates that are not campaign plans.
NOT_PLANS = frozenset({"titles", "report_figures"})


class TemplateKind(StrEnum):
    ANNUAL = "annual"  # runs every year
    SPECIAL = "special"  # a one-off campaign in a fixed year
    MULTI_YEAR = "multi-year"  # a plan for a fixed period of years, run year by year


class Qualifier(StrEnum):
    """How a target's value is meant: "about 1,2 tỷ USD", "200 ha or more", "at most 2,5%"."""

    EXACT = "exact"
    ABOUT = "about"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class TemplateDataError(ValueError):
    """A template file is malformed; the message names the file and the field."""


class UnknownTemplate(NotFound):
    """No template has this slug."""

    def __init__(self, slug: str, known: list[str]) -> None:
        super().__init__(
            N_("Unknown campaign template '{slug}'. Known templates: {known}."),
            # What was typed is echoed at most 64 characters long: a reply must fit one message.
            slug=slug if len(slug) <= 64 else slug[:63] + "…",
            known=", ".join(known),
        )
        self.slug = slug
        self.known = known


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day of the year without the year ("MM-DD" in the files)."""

    month: int
    day: int

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        month_s, sep, day_s = text.partition("-")
        if not sep or not month_s.isdigit() or not day_s.isdigit():
            raise ValueError(f"expected MM-DD, got {text!r}")
        value = cls(int(month_s), int(day_s))
        if (value.month, value.day) == (2, 29):
            raise ValueError("29 February exists only in leap years; choose another day")
        value.in_year(2023)  # raises ValueError for 31 April, 13-01, ...
        return value

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class PhaseSpec:
    number: int
    name: str
    name_en: str
    start: MonthDay
    end: MonthDay
    call: str
    call_en: str
    review: str
    review_en: str


@dataclass(frozen=True)
class DeadlineSpec:
    kind: DeadlineKind
    due: MonthDay
    reminder_offsets: tuple[int, ...]
    late_policy: LatePolicy = LatePolicy.LOCK


@dataclass(frozen=True)
class ObservanceSpec:
    on: MonthDay
    name: str
    name_en: str
    founded: int | None
    phase: int
    # The last year the day is kept (a province merged away no longer has its founding day:
    # Nghị quyết 202/2025/QH15, from 01/07/2025); None: every year.
    until: int | None = None


@dataclass(frozen=True)
class TargetSpec:
    key: str
    label: str
    label_en: str
    value: float | None
    value_max: float | None
    unit: str
    unit_en: str
    growth: float | None
    qualifier: Qualifier

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored on Campaign.targets."""
        return {
            "key": self.key,
            "label": self.label,
            "label_en": self.label_en,
            "value": self.value,
            "value_max": self.value_max,
            "unit": self.unit,
            "unit_en": self.unit_en,
            "growth": self.growth,
            "qualifier": str(self.qualifier),
        }


@dataclass(frozen=True)
class AwardTargetSpec:
    """A minimum number of proposals for an award (e.g. the Emulation Flag for ≥ 5 enterprises)."""

    key: str
    label: str
    label_en: str
    value: int


@dataclass(frozen=True)
class Template:
    slug: str
    name: str
    name_en: str
    province: str
    issuer: str
    issuer_en: str
    kind: TemplateKind
    # The years a SPECIAL or MULTI_YEAR plan covers; None for ANNUAL.
    first_year: int | None
    last_year: int | None
    theme: str
    theme_en: str
    document_number: str
    source: str
    targets_year: int | None
    phases: tuple[PhaseSpec, ...]
    deadlines: tuple[DeadlineSpec, ...]
    observances: tuple[ObservanceSpec, ...]
    targets: tuple[TargetSpec, ...]
    award_targets: tuple[AwardTargetSpec, ...]
    # Who takes part: the zones' enterprises (default) or the board's own units.
    audience: Audience = Audience.ENTERPRISES
    # The report figures asked in the reports (codes of report_figures.toml); None: all.
    report_figures: tuple[str, ...] | None = None

    def covers(self, year: int) -> bool:
        """Whether the plan may be run in `year`."""
        if self.first_year is None or self.last_year is None:
            return True
        return self.first_year <= year <= self.last_year

    def phase(self, number: int) -> PhaseSpec:
        for phase in self.phases:
            if phase.number == number:
                return phase
        raise KeyError(number)

    def document_number_for(self, number: int | str) -> str:
        """The plan's document number once the office has it, e.g. 15 -> '15/KH-KCN'."""
        return self.document_number.format(number=number)


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise TemplateDataError(f"{where}: {key} must be text")
    value = value.strip()
    if required and not value:
        raise TemplateDataError(f"{where}: {key} is required")
    return value


def _int(data: dict[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateDataError(f"{where}: {key} must be a whole number")
    return value


def _number(data: dict[str, Any], key: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TemplateDataError(f"{where}: {key} must be a number")
    return float(value)


def _month_day(data: dict[str, Any], key: str, where: str) -> MonthDay:
    try:
        return MonthDay.parse(_text(data, key, where))
    except ValueError as exc:
        raise TemplateDataError(f"{where}: {key}: {exc}") from exc


def _table_list(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TemplateDataError(f"{where}: {key} must be an array of tables ([[{key}]])")
    return items


def _in_range(d: MonthDay, start: MonthDay, end: MonthDay) -> bool:
    return start <= d <= end


def parse_template(data: dict[str, Any], where: str) -> Template:
    """Build and check a Template from a parsed TOML document; `where` names it in errors."""
    slug = _text(data, "slug", where)
    kind_text = _text(data, "kind", where)
    try:
        kind = TemplateKind(kind_text)
    except ValueError:
        allowed = ", ".join(k.value for k in TemplateKind)
        raise TemplateDataError(f"{where}: kind must be one of {allowed}") from None
    years = data.get("years")
    first_year = last_year = None
    if kind is TemplateKind.ANNUAL:
        if years is not None:
            raise TemplateDataError(f"{where}: an annual plan has no fixed years")
    else:
        if (
            not isinstance(years, list)
            or len(years) != 2
            or not all(isinstance(y, int) for y in years)
            or years[0] > years[1]
        ):
            raise TemplateDataError(f"{where}: years must be [first, last] for a {kind} plan")
        first_year, last_year = years
    if kind is TemplateKind.SPECIAL and first_year != last_year:
        raise TemplateDataError(f"{where}: a special campaign runs within one year")

    phases: list[PhaseSpec] = []
    for i, item in enumerate(_table_list(data, "phases", where), 1):
        at = f"{where}: phases[{i}]"
        number = _int(item, "number", at)
        if number != i:
            raise TemplateDataError(f"{at}: phases must be numbered 1, 2, ... in order")
        phase = PhaseSpec(
            number=number,
            name=_text(item, "name", at),
            name_en=_text(item, "name_en", at),
            start=_month_day(item, "start", at),
            end=_month_day(item, "end", at),
            call=_text(item, "call", at, required=False),
            call_en=_text(item, "call_en", at, required=False),
            review=_text(item, "review", at, required=False),
            review_en=_text(item, "review_en", at, required=False),
        )
        if phase.end < phase.start:
            raise TemplateDataError(f"{at}: end {phase.end} is before start {phase.start}")
        if phases and phase.start <= phases[-1].end:
            raise TemplateDataError(f"{at}: overlaps the previous phase")
        phases.append(phase)
    if not phases:
        raise TemplateDataError(f"{where}: a plan needs at least one phase")

    deadlines: list[DeadlineSpec] = []
    for i, item in enumerate(_table_list(data, "deadlines", where), 1):
        at = f"{where}: deadlines[{i}]"
        try:
            deadline_kind = DeadlineKind(_text(item, "kind", at))
        except ValueError:
            allowed = ", ".join(k.value for k in DeadlineKind)
            raise TemplateDataError(f"{at}: kind must be one of {allowed}") from None
        if any(d.kind is deadline_kind for d in deadlines):
            raise TemplateDataError(f"{at}: a second {deadline_kind} deadline")
        offsets = item.get("reminders", list(DEFAULT_REMINDER_OFFSETS))
        if not isinstance(offsets, list) or not all(
            isinstance(o, int) and not isinstance(o, bool) for o in offsets
        ):
            raise TemplateDataError(f"{at}: reminders must be a list of whole numbers")
        try:
            late_policy = LatePolicy(item.get("late", LatePolicy.LOCK.value))
        except ValueError:
            allowed = ", ".join(p.value for p in LatePolicy)
            raise TemplateDataError(f"{at}: late must be one of {allowed}") from None
        due = _month_day(item, "due", at)
        if not _in_range(due, phases[0].start, phases[-1].end):
            raise TemplateDataError(f"{at}: due {due} lies outside the plan's phases")
        deadlines.append(
            DeadlineSpec(
                kind=deadline_kind,
                due=due,
                reminder_offsets=tuple(sorted(set(offsets), reverse=True)),
                late_policy=late_policy,
            )
        )

    observances: list[ObservanceSpec] = []
    for i, item in enumerate(_table_list(data, "observances", where), 1):
        at = f"{where}: observances[{i}]"
        on = _month_day(item, "date", at)
        phase_number = _int(item, "phase", at)
        if phase_number is None or not 1 <= phase_number <= len(phases):
            raise TemplateDataError(f"{at}: phase must be 1..{len(phases)}")
        owner = phases[phase_number - 1]
        if not _in_range(on, owner.start, owner.end):
            raise TemplateDataError(f"{at}: {on} lies outside phase {phase_number}")
        observances.append(
            ObservanceSpec(
                on=on,
                name=_text(item, "name", at),
                name_en=_text(item, "name_en", at),
                founded=_int(item, "founded", at),
                phase=phase_number,
                until=_int(item, "until", at),
            )
        )

    targets: list[TargetSpec] = []
    for i, item in enumerate(_table_list(data, "targets", where), 1):
        at = f"{where}: targets[{i}]"
        try:
            qualifier = Qualifier(item.get("qualifier", "exact"))
        except ValueError:
            allowed = ", ".join(q.value for q in Qualifier)
            raise TemplateDataError(f"{at}: qualifier must be one of {allowed}") from None
        target = TargetSpec(
            key=_text(item, "key", at),
            label=_text(item, "label", at),
            label_en=_text(item, "label_en", at),
            value=_number(item, "value", at),
            value_max=_number(item, "value_max", at),
            unit=_text(item, "unit", at, required=False),
            unit_en=_text(item, "unit_en", at, required=False),
            growth=_number(item, "growth", at),
            qualifier=qualifier,
        )
        if any(t.key == target.key for t in targets):
            raise TemplateDataError(f"{at}: a second target with key {target.key!r}")
        if target.value_max is not None and (
            target.value is None or target.value_max < target.value
        ):
            raise TemplateDataError(f"{at}: value_max needs a smaller value")
        targets.append(target)

    awards: list[AwardTargetSpec] = []
    for i, item in enumerate(_table_list(data, "award_targets", where), 1):
        at = f"{where}: award_targets[{i}]"
        value = _int(item, "value", at)
        if value is None or value < 0:
            raise TemplateDataError(f"{at}: value must be a whole number ≥ 0")
        awards.append(
            AwardTargetSpec(
                key=_text(item, "key", at),
                label=_text(item, "label", at),
                label_en=_text(item, "label_en", at),
                value=value,
            )
        )

    try:
        audience = Audience(data.get("audience", Audience.ENTERPRISES.value))
    except ValueError:
        allowed = ", ".join(a.value for a in Audience)
        raise TemplateDataError(f"{where}: audience must be one of {allowed}") from None
    figure_codes = _figure_codes(data, where)

    document_number = _text(data, "document_number", where)
    if "{number}" not in document_number:
        raise TemplateDataError(f"{where}: document_number must contain {{number}}")

    return Template(
        slug=slug,
        name=_text(data, "name", where),
        name_en=_text(data, "name_en", where),
        province=_text(data, "province", where),
        issuer=_text(data, "issuer", where),
        issuer_en=_text(data, "issuer_en", where),
        kind=kind,
        first_year=first_year,
        last_year=last_year,
        theme=_text(data, "theme", where),
        theme_en=_text(data, "theme_en", where),
        document_number=document_number,
        source=_text(data, "source", where, required=False),
        targets_year=_int(data, "targets_year", where),
        phases=tuple(phases),
        deadlines=tuple(deadlines),
        observances=tuple(sorted(observances, key=lambda o: (o.on, o.phase))),
        targets=tuple(targets),
        award_targets=tuple(awards),
        audience=audience,
        report_figures=figure_codes,
    )


def _figure_codes(data: dict[str, Any], where: str) -> tuple[str, ...] | None:
    """`report_figures = [...]`: the figures the reports ask (absent: all of them); every
    code must be one of report_figures.toml."""
    codes = data.get("report_figures")
    if codes is None:
        return None
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise TemplateDataError(f"{where}: report_figures must be a list of figure codes")
    known = {f.code for f in report_figures()}
    for code in codes:
        if code not in known:
            listed = ", ".join(sorted(known))
            raise TemplateDataError(
                f"{where}: report_figures: unknown figure {code!r} (known: {listed})"
            )
    return tuple(codes)


def load_template_file(path: Path) -> Template:
    """Load and check one template file; its slug must match the file name."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateDataError(f"{path.name}: {exc}") from exc
    template = parse_template(data, path.name)
    if template.slug != path.stem:
        raise TemplateDataError(f"{path.name}: slug {template.slug!r} must match the file name")
    return template


@lru_cache(maxsize=1)
def _all_templates() -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for path in sorted(TEMPLATES_DIR.glob("*.toml")):
        if path.stem in NOT_PLANS:
            continue
        template = load_template_file(path)
        templates[template.slug] = template
    return templates


def list_templates() -> list[Template]:
    """Every campaign template shipped, by slug."""
    return list(_all_templates().values())


def load_template(slug: str) -> Template:
    """The template called `slug`; UnknownTemplate (listing the known ones) otherwise."""
    templates = _all_templates()
    key = slug.strip().lower()
    if key not in templates:
        raise UnknownTemplate(slug, sorted(templates))
    return templates[key]
