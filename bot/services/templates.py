"""Campaign templates: the boards' plans as data (bot/templates/<slug>.toml).

A plan changes every year in its wording and figures but hardly in its shape (phases,
deadlines, commemoration days, targets), so each plan is a TOML file and this module reads
it into frozen pydantic models (through bot.services.catalogue_files, like every catalogue),
checking everything a typo could break (a date that does not exist, an observance outside its
phase, an unknown deadline kind, a misspelt key) when the file is loaded rather than when a
reminder is due months later. Errors name the file, the record and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.i18n import N_
from bot.models.enums import Audience, DeadlineKind, LatePolicy
from bot.services.catalogue_files import read_toml, validate_catalogue
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
    """How a target's value is meant, with the words that say it (`form`, a msgid with
    {value}): "about 1,2 tỷ USD", "200 ha or more", "at most 2,5%"."""

    form: str

    def __new__(cls, value: str, form: str) -> Qualifier:
        member = str.__new__(cls, value)
        member._value_ = value
        member.form = form
        return member

    EXACT = "exact", N_("{value}")
    ABOUT = "about", N_("about {value}")
    AT_LEAST = "at_least", N_("{value} or more")
    AT_MOST = "at_most", N_("at most {value}")

    @classmethod
    def of(cls, stored: object) -> Qualifier:
        """The qualifier a stored target names; exact when it names none we know."""
        return next((q for q in cls if q.value == stored), cls.EXACT)


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


def _month_day(value: object) -> MonthDay:
    if isinstance(value, MonthDay):
        return value
    if not isinstance(value, str):
        raise ValueError("expected MM-DD as text")
    return MonthDay.parse(value.strip())


# What the files hold: text is trimmed (and, unless optional, not empty); whole numbers and
# numbers are strict (no "1930" in quotes, no true/false); a day of the year is "MM-DD".
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]
Day = Annotated[MonthDay, PlainValidator(_month_day)]


class _Spec(BaseModel):
    # Frozen like the dataclasses they replace; a key the model does not know is a typo.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class PhaseSpec(_Spec):
    number: StrictInt
    name: Text
    name_en: Text
    start: Day
    end: Day
    call: OptionalText = ""
    call_en: OptionalText = ""
    review: OptionalText = ""
    review_en: OptionalText = ""

    @model_validator(mode="after")
    def _ends_after_start(self) -> PhaseSpec:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class DeadlineSpec(_Spec):
    kind: DeadlineKind
    due: Day
    # Positive: days before the due date; negative: working days after it. Kept from the
    # largest down, each once.
    reminder_offsets: tuple[StrictInt, ...] = Field(
        default=DEFAULT_REMINDER_OFFSETS, alias="reminders"
    )
    late_policy: LatePolicy = Field(default=LatePolicy.LOCK, alias="late")

    @field_validator("reminder_offsets")
    @classmethod
    def _largest_first(cls, offsets: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(set(offsets), reverse=True))


class ObservanceSpec(_Spec):
    on: Day = Field(alias="date")
    name: Text
    name_en: Text
    founded: StrictInt | None = None
    phase: StrictInt
    # The last year the day is kept (a province merged away no longer has its founding day:
    # Nghị quyết 202/2025/QH15, from 01/07/2025); None: every year.
    until: StrictInt | None = None


class TargetSpec(_Spec):
    key: Text
    label: Text
    label_en: Text
    value: StrictFloat | None = None
    value_max: StrictFloat | None = None
    unit: OptionalText = ""
    unit_en: OptionalText = ""
    growth: StrictFloat | None = None
    qualifier: Qualifier = Qualifier.EXACT

    @model_validator(mode="after")
    def _range_in_order(self) -> TargetSpec:
        if self.value_max is not None and (self.value is None or self.value_max < self.value):
            raise ValueError("value_max needs a smaller value")
        return self

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored on Campaign.targets."""
        return self.model_dump(mode="json")


class AwardTargetSpec(_Spec):
    """A minimum number of proposals for an award (e.g. the Emulation Flag for ≥ 5 enterprises)."""

    key: Text
    label: Text
    label_en: Text
    value: StrictInt = Field(ge=0)


class CriterionSpec(_Spec):
    """One scoring criterion (chấm điểm): its points and who gives them: "on_time" (the bot:
    the share of items submitted by their deadlines), "targets" (the bot: the reported
    `figure` against `target`, full points at or above it) or "staff" (the office types them)."""

    code: Text
    label: Text
    label_en: OptionalText = ""
    max_points: Decimal = Field(alias="max", gt=0)
    source: Literal["on_time", "targets", "staff"] = "staff"
    figure: Text | None = None
    target: Decimal | None = None


class ScoringSpec(_Spec):
    """How the board scores the year (`[scoring]`); a plan without one scores nothing."""

    # The Cờ thi đua / Bằng khen shortlist takes the best this many of each cluster.
    shortlist_per_cluster: StrictInt = Field(default=1, gt=0)
    criteria: tuple[CriterionSpec, ...] = ()


class Template(_Spec):
    """One plan file (bot/templates/<slug>.toml) as read and checked."""

    slug: Text
    name: Text
    name_en: Text
    province: Text
    issuer: Text
    issuer_en: Text
    kind: TemplateKind
    # [first, last]: the years a SPECIAL or MULTI_YEAR plan covers; None for ANNUAL.
    years: tuple[StrictInt, StrictInt] | None = None
    theme: Text
    theme_en: Text
    document_number: Text
    source: OptionalText = ""
    targets_year: StrictInt | None = None
    phases: tuple[PhaseSpec, ...] = Field(min_length=1)
    deadlines: tuple[DeadlineSpec, ...] = ()
    observances: tuple[ObservanceSpec, ...] = ()
    targets: tuple[TargetSpec, ...] = ()
    award_targets: tuple[AwardTargetSpec, ...] = ()
    scoring: ScoringSpec = ScoringSpec()
    # Who takes part: the zones' enterprises (default) or the board's own units.
    audience: Audience = Audience.ENTERPRISES
    # The report figures asked in the reports (codes of report_figures.toml); None: all.
    report_figures: tuple[Text, ...] | None = None

    @field_validator("document_number")
    @classmethod
    def _has_number(cls, value: str) -> str:
        if "{number}" not in value:
            raise ValueError("must contain {number}")
        return value

    @field_validator("report_figures")
    @classmethod
    def _known_figures(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        known = {f.code for f in report_figures()}
        for code in value or ():
            if code not in known:
                raise ValueError(f"unknown figure {code!r} (known: {', '.join(sorted(known))})")
        return value

    @field_validator("observances")
    @classmethod
    def _in_calendar_order(cls, value: tuple[ObservanceSpec, ...]) -> tuple[ObservanceSpec, ...]:
        return tuple(sorted(value, key=lambda o: (o.on, o.phase)))

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[1] if self.years else None

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


def _in_range(d: MonthDay, start: MonthDay, end: MonthDay) -> bool:
    return start <= d <= end


def _check_relations(template: Template, where: str) -> None:
    """What one record cannot check alone: years against the kind, phases in order, each
    date inside its phase, no kind or key twice. Raises TemplateDataError naming the record."""
    if template.kind is TemplateKind.ANNUAL:
        if template.years is not None:
            raise TemplateDataError(f"{where}: an annual plan has no fixed years")
    elif template.years is None or template.years[0] > template.years[1]:
        raise TemplateDataError(f"{where}: years must be [first, last] for a {template.kind} plan")
    elif template.kind is TemplateKind.SPECIAL and template.first_year != template.last_year:
        raise TemplateDataError(f"{where}: a special campaign runs within one year")
    phases = template.phases
    for i, phase in enumerate(phases, 1):
        at = f"{where}: phases[{i}]"
        if phase.number != i:
            raise TemplateDataError(f"{at}: phases must be numbered 1, 2, ... in order")
        if i > 1 and phase.start <= phases[i - 2].end:
            raise TemplateDataError(f"{at}: overlaps the previous phase")
    seen: set[DeadlineKind] = set()
    for i, deadline in enumerate(template.deadlines, 1):
        at = f"{where}: deadlines[{i}]"
        if deadline.kind in seen:
            raise TemplateDataError(f"{at}: a second {deadline.kind} deadline")
        seen.add(deadline.kind)
        if not _in_range(deadline.due, phases[0].start, phases[-1].end):
            raise TemplateDataError(f"{at}: due {deadline.due} lies outside the plan's phases")
    for i, observance in enumerate(template.observances, 1):
        at = f"{where}: observances[{i}] ({observance.on})"
        if not 1 <= observance.phase <= len(phases):
            raise TemplateDataError(f"{at}: phase must be 1..{len(phases)}")
        owner = phases[observance.phase - 1]
        if not _in_range(observance.on, owner.start, owner.end):
            raise TemplateDataError(f"{at}: {observance.on} lies outside phase {observance.phase}")
    keys: set[str] = set()
    for i, target in enumerate(template.targets, 1):
        if target.key in keys:
            raise TemplateDataError(
                f"{where}: targets[{i}]: a second target with key {target.key!r}"
            )
        keys.add(target.key)


def parse_template(data: dict[str, Any], where: str) -> Template:
    """Build and check a Template from a parsed TOML document; `where` names it in errors."""
    try:
        template = validate_catalogue(where, data, Template)
    except ValueError as exc:
        raise TemplateDataError(str(exc)) from None
    _check_relations(template, where)
    return template


def load_template_file(path: Path) -> Template:
    """Load and check one template file; its slug must match the file name."""
    try:
        data = read_toml(path)
    except ValueError as exc:
        raise TemplateDataError(str(exc)) from None
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


def plan_scoring(slug: str) -> ScoringSpec:
    """The scoring of the plan called `slug`; an empty one (no criteria, a shortlist of one)
    when a campaign's plan is not shipped (any more)."""
    template = _all_templates().get(slug)
    return template.scoring if template is not None else ScoringSpec()
