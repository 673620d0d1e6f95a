"""Where a campaign stands: who sent what, the figures against the plan, the title shortlist.

Every view is computed with a handful of set-based queries (GROUP BY over enterprises joined
to their submissions), never one query per enterprise: a board has hundreds of enterprises and
the chat must answer at once. Every view is filtered through a `Scope`, so a cluster leader
only ever counts his own cluster.

"Not submitted" (`submissions.not_submitted_condition`) is one definition shared by the planner,
the missing list, its export, the nudge and the "not yet submitted" broadcast audience: no
submission at all, a draft never sent, or an item returned for fixes (it awaits the officer's
action). The progress counts keep "returned" as its own column beside "missing" (no row or
a draft, drafts shown as a subset), so the board sees what was received and sent back.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    Campaign,
    Cluster,
    Contact,
    Deadline,
    DeadlineKind,
    Enterprise,
    Nominee,
    RegistrationEntry,
    Role,
    Submission,
    SubmissionStatus,
    YearEndReport,
    Zone,
)
from bot.services.access import NotFound, Scope, campaign_in_scope
from bot.services.submissions import not_submitted_condition
from bot.services.targets import goal_text
from bot.services.targets import heading as target_heading

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

KIND_LABELS: dict[str, str] = {
    DeadlineKind.LAUNCH_DOCUMENT: N_("Launch document"),
    DeadlineKind.TITLE_REGISTRATION: N_("Title registration"),
    DeadlineKind.YEAR_END_REPORT: N_("Year-end report"),
    DeadlineKind.SIX_MONTH_REPORT: N_("Six-month report"),
}

STATUS_LABELS: dict[str, str] = {
    SubmissionStatus.DRAFT: N_("Draft"),
    SubmissionStatus.SUBMITTED: N_("Submitted"),
    SubmissionStatus.RETURNED: N_("Returned"),
    SubmissionStatus.ACCEPTED: N_("Accepted"),
}
NOT_STARTED_LABEL = N_("Not started")

# The statuses whose content counts as reported: returned items await corrections.
COUNTED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)

# The statuses that still need the officer's action, so the item counts as not submitted
# (an enterprise with no submission row at all is not submitted either).


@dataclass(frozen=True)
class KindName:
    """A deadline kind as an error parameter: it names itself in the reader's language."""

    kind: str

    def localize(self, language: str) -> str:
        return kind_label(Translator(language), self.kind)

    def __str__(self) -> str:
        return self.localize("en")


def kind_label(t: Translator, kind: str) -> str:
    """The deadline kind in the user's language."""
    return t(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def status_label(t: Translator, status: str | None, late: bool = False) -> str:
    """A submission status (None: nothing started) in the user's language; `late` adds
    "submitted late" to an item sent after its due date."""
    if status is None:
        return t(NOT_STARTED_LABEL)
    label = t(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    if late and status != SubmissionStatus.DRAFT:
        return t("{status} (submitted late)", status=label)
    return label


def parse_kind(value: str) -> DeadlineKind:
    """A deadline kind from its code, or a clear refusal listing the known ones."""
    try:
        return DeadlineKind(value)
    except ValueError:
        raise NotFound(
            N_("Unknown item {kind}; expected one of: {known}."),
            kind=value,
            known=", ".join(k.value for k in DeadlineKind),
        ) from None


# --------------------------------------------------------------------------- catalogues


@dataclass(frozen=True)
class FigureDef:
    """A year-end figure as `report_figures.toml` describes it.

    `aggregate` says how the board adds the enterprises' values up: "sum" (amounts and
    counts), "mean" (averages such as income per worker) or "count_yes" (yes/no figures).
    """

    code: str
    label_vi: str
    label_en: str = ""
    unit: str = ""
    kind: str = "decimal"
    target: str | None = None
    aggregate: str = "sum"
    decimals: int = 2

    def label(self, language: str) -> str:
        return (self.label_en or self.label_vi) if language == "en" else self.label_vi


@dataclass(frozen=True)
class TitleDef:
    """A title of `titles.toml`: what the exports and the shortlist need of it."""

    code: str
    name_vi: str
    name_en: str = ""
    nominee: str = "both"

    def name(self, language: str) -> str:
        return (self.name_en or self.name_vi) if language == "en" else self.name_vi


def _entries(data: Mapping[str, Any], *keys: str) -> list[dict[str, Any]]:
    """The records of a catalogue: `[[key]]` arrays, or `[key.CODE]` tables (code from the key)."""
    section: Any = next((data[key] for key in keys if key in data), None)
    if isinstance(section, list):
        return [dict(item) for item in section if isinstance(item, dict)]
    if isinstance(section, dict):
        return [
            {"code": code, **value} for code, value in section.items() if isinstance(value, dict)
        ]
    return []


def _text(entry: Mapping[str, Any], name: str, language: str) -> str:
    """`name` of a record in `language`: `name_vi`/`name_en`, `name = {vi, en}`, or plain `name`.

    A plain `name` is Vietnamese (the plans' language); it is the fallback for English too.
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


@lru_cache(maxsize=8)
def _load_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def report_figures(path: Path | None = None) -> list[FigureDef]:
    """The year-end figures from `bot/templates/report_figures.toml` (empty when absent)."""
    data = _load_toml(path or TEMPLATES_DIR / "report_figures.toml")
    figures = []
    for entry in _entries(data, "figure", "figures"):
        code = str(entry.get("code", "")).strip()
        if not code:
            continue
        target = entry.get("target_key") or entry.get("target")
        kind = str(entry.get("kind", "decimal"))
        figures.append(
            FigureDef(
                code=code,
                label_vi=_text(entry, "label", "vi") or code,
                label_en=_text(entry, "label", "en"),
                unit=_text(entry, "unit", "vi"),
                kind=kind,
                target=str(target) if target else None,
                aggregate=str(entry.get("aggregate", "count_yes" if kind == "yes_no" else "sum")),
                decimals=int(entry.get("decimals", 0 if kind in ("integer", "yes_no") else 2)),
            )
        )
    return figures


def title_catalogue(path: Path | None = None) -> dict[str, TitleDef]:
    """The titles from `bot/templates/titles.toml` by code (empty when absent)."""
    data = _load_toml(path or TEMPLATES_DIR / "titles.toml")
    titles: dict[str, TitleDef] = {}
    for entry in _entries(data, "title", "titles"):
        code = str(entry.get("code", "")).strip()
        if code:
            titles[code] = TitleDef(
                code=code,
                name_vi=_text(entry, "name", "vi") or code,
                name_en=_text(entry, "name", "en"),
                nominee=str(entry.get("nominee", "both")),
            )
    return titles


# --------------------------------------------------------------------------- progress


@dataclass
class Counts:
    """How many enterprises stand where on one item.

    accepted + submitted + returned + missing = total; `draft` is a part of `missing`.
    """

    total: int = 0
    accepted: int = 0
    submitted: int = 0
    returned: int = 0
    missing: int = 0
    draft: int = 0  # those of `missing` who started a draft
    late: int = 0  # those of `received` sent after the due date ("nộp muộn")

    @property
    def received(self) -> int:
        return self.accepted + self.submitted + self.returned

    def add(self, status: str | None, n: int, late: bool = False) -> None:
        if late and status in (*COUNTED_STATUSES, SubmissionStatus.RETURNED):
            self.late += n
        self.total += n
        if status == SubmissionStatus.ACCEPTED:
            self.accepted += n
        elif status == SubmissionStatus.SUBMITTED:
            self.submitted += n
        elif status == SubmissionStatus.RETURNED:
            self.returned += n
        else:
            self.missing += n
            if status == SubmissionStatus.DRAFT:
                self.draft += n


@dataclass
class GroupCounts:
    """The counts of one zone or cluster; `id` None gathers the enterprises without one."""

    id: int | None
    name: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class KindProgress:
    """One deadline of the campaign and where the enterprises stand on it."""

    kind: DeadlineKind
    due_on: date
    overall: Counts
    by_zone: list[GroupCounts]
    by_cluster: list[GroupCounts]


@dataclass
class Progress:
    """A campaign's progress as seen from one scope."""

    campaign_id: int
    campaign_title: str
    year: int
    organization_id: int
    cluster_id: int | None
    cluster_name: str | None
    enterprises: int
    items: list[KindProgress]

    def item(self, kind: str) -> KindProgress | None:
        return next((item for item in self.items if item.kind == kind), None)


def _names(
    session: Session, model: type[Zone] | type[Cluster], organization_id: int
) -> dict[int, str]:
    rows = session.exec(
        select(model.id, model.name).where(col(model.organization_id) == organization_id)
    ).all()
    return {row[0]: row[1] for row in rows if row[0] is not None}


def _deadlines(session: Session, campaign_id: int) -> list[Deadline]:
    return list(
        session.exec(
            select(Deadline)
            .where(col(Deadline.campaign_id) == campaign_id)
            .order_by(col(Deadline.due_on), col(Deadline.kind))
        ).all()
    )


def _sorted_groups(groups: Mapping[int | None, GroupCounts]) -> list[GroupCounts]:
    return sorted(groups.values(), key=lambda g: (g.id is None, g.name.casefold(), g.id or 0))


def campaign_progress(session: Session, campaign_id: int, scope: Scope) -> Progress:
    """Per deadline: accepted / submitted / returned / missing (and drafts), by zone and cluster."""
    campaign = campaign_in_scope(session, campaign_id, scope)
    deadlines = _deadlines(session, campaign_id)
    zones = _names(session, Zone, scope.organization_id)
    clusters = _names(session, Cluster, scope.organization_id)
    enterprises = session.exec(
        select(func.count(col(Enterprise.id))).where(*scope.enterprise_conditions())
    ).one()
    rows = session.execute(
        sa_select(
            col(Deadline.kind),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.late),
            func.count(col(Enterprise.id)),
        )
        .select_from(Enterprise)
        .join(Deadline, col(Deadline.campaign_id) == campaign_id)
        .outerjoin(
            Submission,
            and_(
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.campaign_id) == col(Deadline.campaign_id),
                col(Submission.kind) == col(Deadline.kind),
            ),
        )
        .where(*scope.enterprise_conditions())
        .group_by(
            col(Deadline.kind),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.late),
        )
    ).all()

    overall: dict[str, Counts] = defaultdict(Counts)
    by_zone: dict[str, dict[int | None, GroupCounts]] = defaultdict(dict)
    by_cluster: dict[str, dict[int | None, GroupCounts]] = defaultdict(dict)
    for kind, zone_id, cluster_id, status, late, n in rows:
        overall[kind].add(status, n, bool(late))
        zone = by_zone[kind].setdefault(zone_id, GroupCounts(zone_id, zones.get(zone_id or 0, "")))
        zone.counts.add(status, n, bool(late))
        cluster = by_cluster[kind].setdefault(
            cluster_id, GroupCounts(cluster_id, clusters.get(cluster_id or 0, ""))
        )
        cluster.counts.add(status, n, bool(late))

    items = [
        KindProgress(
            kind=DeadlineKind(d.kind),
            due_on=d.due_on,
            overall=overall.get(d.kind, Counts()),
            by_zone=_sorted_groups(by_zone.get(d.kind, {})),
            by_cluster=_sorted_groups(by_cluster.get(d.kind, {})),
        )
        for d in deadlines
    ]
    assert campaign.id is not None
    return Progress(
        campaign_id=campaign.id,
        campaign_title=campaign.title,
        year=campaign.year,
        organization_id=campaign.organization_id,
        cluster_id=scope.cluster_id,
        cluster_name=clusters.get(scope.cluster_id) if scope.cluster_id is not None else None,
        enterprises=enterprises,
        items=items,
    )


# --------------------------------------------------------------------------- figures vs targets

# Amount units as written in the plans and the figure catalogue: (currency, factor).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "đồng": ("VND", Decimal(1)),
    "nghìn đồng": ("VND", Decimal(10) ** 3),
    "triệu đồng": ("VND", Decimal(10) ** 6),
    "tỷ đồng": ("VND", Decimal(10) ** 9),
    "nghìn tỷ đồng": ("VND", Decimal(10) ** 12),
    "usd": ("USD", Decimal(1)),
    "nghìn usd": ("USD", Decimal(10) ** 3),
    "triệu usd": ("USD", Decimal(10) ** 6),
    "tỷ usd": ("USD", Decimal(10) ** 9),
}


def _unit_key(unit: str) -> str:
    return " ".join(unit.casefold().replace("tỉ", "tỷ").split())


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """`value` in `from_unit` expressed in `to_unit`; None when the units cannot be compared.

    Identical units (or a unit left blank on one side) are taken as-is; amounts of money are
    scaled (triệu USD -> tỷ USD); different currencies, or different units the table does not
    know (người vs ha), are never added up.
    """
    a, b = _unit_key(from_unit), _unit_key(to_unit)
    if a == b or not a or not b:
        return value
    if a in _UNITS and b in _UNITS:
        (currency_a, factor_a), (currency_b, factor_b) = _UNITS[a], _UNITS[b]
        if currency_a != currency_b:
            return None
        return value * factor_a / factor_b
    return None


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
    sources: Sequence[FigureDef],
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
                converted = convert(number, figure.unit, unit)
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
    figures: Sequence[FigureDef] | None = None,
) -> list[TargetProgress]:
    """The year-end figures reported so far (submitted or accepted) against the plan's targets.

    `figures` says which figure counts towards which target key and how (default:
    report_figures.toml). Amounts are converted to the target's unit (triệu USD -> tỷ USD);
    a percentage is never summed. One query reads every counted report in scope.
    """
    campaign = campaign_in_scope(session, campaign_id, scope)
    definitions = list(report_figures() if figures is None else figures)
    by_target: dict[str, list[FigureDef]] = defaultdict(list)
    for figure in definitions:
        summed_percent = figure.kind == "percent" and figure.aggregate == "sum"
        if figure.target and not summed_percent:
            by_target[figure.target].append(figure)

    rows = [
        (enterprise_id, values)
        for enterprise_id, values in session.exec(
            select(Submission.enterprise_id, YearEndReport.figures)
            .join(YearEndReport, col(YearEndReport.submission_id) == col(Submission.id))
            .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
            .where(
                col(Submission.campaign_id) == campaign_id,
                col(Submission.kind) == DeadlineKind.YEAR_END_REPORT,
                col(Submission.status).in_(COUNTED_STATUSES),
                *scope.enterprise_conditions(),
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


# --------------------------------------------------------------------------- missing


@dataclass(frozen=True)
class ContactInfo:
    """An officer of a missing enterprise and whether the bot can still write to him."""

    id: int
    display_name: str
    channel: str
    reachable: bool


@dataclass(frozen=True)
class MissingEnterprise:
    """An enterprise that has not submitted an item, with whom to nudge."""

    id: int
    name: str
    tax_code: str
    zone: str
    cluster: str
    # None: nothing started; DRAFT: started, not sent; RETURNED: sent back for fixes
    status: SubmissionStatus | None
    contacts: tuple[ContactInfo, ...]
    review_note: str = ""  # why a returned item was sent back ("" when none was given)

    @property
    def reachable(self) -> bool:
        """At least one linked officer can be messaged."""
        return any(c.reachable for c in self.contacts)


def deadline_of(session: Session, campaign_id: int, kind: str) -> Deadline:
    """The campaign's deadline for `kind`, or NotFound naming the item."""
    deadline = session.exec(
        select(Deadline).where(col(Deadline.campaign_id) == campaign_id, col(Deadline.kind) == kind)
    ).first()
    if deadline is None:
        raise NotFound(N_("This campaign has no deadline for: {item}."), item=KindName(kind))
    return deadline


def missing_enterprises(
    session: Session, campaign_id: int, kind: str, scope: Scope
) -> list[MissingEnterprise]:
    """The enterprises in scope that have not submitted `kind`, with their officers.

    Not submitted is `not_submitted_condition`: nothing, a draft, or a returned item (with
    the reason it was returned, so the board can say what is still expected).
    """
    campaign_in_scope(session, campaign_id, scope)
    kind = parse_kind(kind)
    deadline_of(session, campaign_id, kind)
    zones = _names(session, Zone, scope.organization_id)
    clusters = _names(session, Cluster, scope.organization_id)
    rows = session.execute(
        sa_select(
            col(Enterprise.id),
            col(Enterprise.name),
            col(Enterprise.tax_code),
            col(Enterprise.zone_id),
            col(Enterprise.cluster_id),
            col(Submission.status),
            col(Submission.review_note),
        )
        .outerjoin(
            Submission,
            and_(
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.campaign_id) == campaign_id,
                col(Submission.kind) == kind,
            ),
        )
        .where(
            *scope.enterprise_conditions(),
            not_submitted_condition(),
        )
        .order_by(col(Enterprise.name), col(Enterprise.id))
    ).all()
    ids = [row[0] for row in rows]
    contacts: dict[int, list[ContactInfo]] = defaultdict(list)
    if ids:
        for contact in session.exec(
            select(Contact)
            .where(col(Contact.enterprise_id).in_(ids), col(Contact.role) == Role.OFFICER)
            .order_by(col(Contact.id))
        ).all():
            assert contact.id is not None and contact.enterprise_id is not None
            contacts[contact.enterprise_id].append(
                ContactInfo(contact.id, contact.display_name, contact.channel, contact.reachable)
            )
    return [
        MissingEnterprise(
            id=enterprise_id,
            name=name,
            tax_code=tax_code,
            zone=zones.get(zone_id or 0, ""),
            cluster=clusters.get(cluster_id or 0, ""),
            status=SubmissionStatus(status) if status else None,
            contacts=tuple(contacts.get(enterprise_id, ())),
            review_note=(note or "").strip() if status == SubmissionStatus.RETURNED else "",
        )
        for enterprise_id, name, tax_code, zone_id, cluster_id, status, note in rows
    ]


def missing_state(
    t: Translator, enterprise: MissingEnterprise, reason_limit: int | None = None
) -> str:
    """Where a missing enterprise stands on the item, with the reason when it was returned.

    Shared by the chat list and the export so both tell the board the same thing; the chat
    list cuts a long reason at `reason_limit` characters so fifty lines still fit.
    """
    if enterprise.status == SubmissionStatus.RETURNED:
        reason = " ".join(enterprise.review_note.split())
        if reason_limit is not None and len(reason) > reason_limit:
            reason = reason[: reason_limit - 1].rstrip() + "…"
        if reason:
            return t("returned for fixes: {reason}", reason=reason)
        return t("returned for fixes")
    if enterprise.status == SubmissionStatus.DRAFT:
        return t("draft started")
    return t("not started")


# --------------------------------------------------------------------------- shortlist


@dataclass(frozen=True)
class AwardRule:
    """How one award target of a campaign is counted from the registrations."""

    key: str
    label: str  # English msgid
    title_codes: tuple[str, ...]
    nominee: Nominee | None  # None: individuals and collectives alike
    count_enterprises: bool  # True: distinct enterprises proposed; False: nominees


# Names that identify the award titles in any catalogue, Vietnamese or ASCII.
_FLAG_NAMES = (
    "cờ thi đua của ubnd tỉnh",
    "cờ thi đua ubnd tỉnh",
    "cờ thi đua của ủy ban nhân dân tỉnh",
)
_MERIT_NAMES = (
    "bằng khen của chủ tịch ubnd tỉnh",
    "bằng khen chủ tịch ubnd tỉnh",
    "bằng khen của chủ tịch ủy ban nhân dân tỉnh",
)
# The codes titles.toml uses, for a catalogue that names them differently.
_FALLBACK_FLAG_CODES = ("CO_TINH",)
_FALLBACK_MERIT_CODES = ("BK_TINH",)


def _codes_named(titles: Mapping[str, TitleDef], names: Iterable[str]) -> tuple[str, ...]:
    wanted = {n.casefold() for n in names}
    return tuple(
        code
        for code, title in titles.items()
        if " ".join(title.name_vi.casefold().split()) in wanted
    )


def default_award_rules(titles: Mapping[str, TitleDef] | None = None) -> list[AwardRule]:
    """The 2024 plan's award targets, found in the title catalogue by their Vietnamese names."""
    titles = title_catalogue() if titles is None else titles
    flag = _codes_named(titles, _FLAG_NAMES) or _FALLBACK_FLAG_CODES
    merit = _codes_named(titles, _MERIT_NAMES) or _FALLBACK_MERIT_CODES
    return [
        AwardRule(
            "flag_enterprises",
            N_("Enterprises proposed for the provincial Emulation Flag"),
            flag,
            None,
            True,
        ),
        AwardRule(
            "merit_collectives",
            N_("Collectives proposed for the Chairman's Certificate of Merit"),
            merit,
            Nominee.COLLECTIVE,
            False,
        ),
        AwardRule(
            "merit_individuals",
            N_("Individuals proposed for the Chairman's Certificate of Merit"),
            merit,
            Nominee.INDIVIDUAL,
            False,
        ),
    ]


@dataclass(frozen=True)
class ShortlistLine:
    """One award target: how many are proposed (submitted or accepted) and accepted so far."""

    key: str
    msgid: str  # the rule's English label, translated when the campaign gives no label
    target: int
    proposed: int
    accepted: int
    label_vi: str = ""
    label_en: str = ""

    @property
    def reached(self) -> bool:
        return self.proposed >= self.target

    def label(self, t: Translator) -> str:
        own = self.label_en if t.language == "en" else self.label_vi
        return own or (t(self.msgid) if self.msgid else self.key)


def _award_targets(raw: Any) -> list[tuple[str, Decimal | None, dict[str, Any]]]:
    """Campaign.award_targets as (key, value, record): {key: 5}, {key: {value, label}} or a list."""
    if isinstance(raw, Mapping):
        items = [
            (str(key), value if isinstance(value, Mapping) else {"value": value})
            for key, value in raw.items()
        ]
    elif isinstance(raw, list):
        items = [(str(item.get("key", "")), item) for item in raw if isinstance(item, Mapping)]
    else:
        items = []
    return [(key, to_decimal(record.get("value")), dict(record)) for key, record in items if key]


def shortlist(
    session: Session,
    campaign_id: int,
    scope: Scope | None = None,
    rules: Sequence[AwardRule] | None = None,
) -> list[ShortlistLine]:
    """Where the title registrations stand against `Campaign.award_targets`.

    Only submitted and accepted registrations count as proposed. Without a scope the whole
    board of the campaign is counted (the targets are the board's); a cluster leader's scope
    counts his cluster's contribution only.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
    scope = scope or Scope.board(campaign.organization_id)
    campaign_in_scope(session, campaign_id, scope)
    rules_by_key = {rule.key: rule for rule in (rules or default_award_rules())}

    rows = session.execute(
        sa_select(
            col(RegistrationEntry.title_code),
            col(RegistrationEntry.nominee),
            col(Submission.status),
            col(Submission.enterprise_id),
            func.count(col(RegistrationEntry.id)),
        )
        .join(Submission, col(Submission.id) == col(RegistrationEntry.submission_id))
        .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
        .where(
            col(Submission.campaign_id) == campaign_id,
            col(Submission.kind) == DeadlineKind.TITLE_REGISTRATION,
            col(Submission.status).in_(COUNTED_STATUSES),
            *scope.enterprise_conditions(),
        )
        .group_by(
            RegistrationEntry.title_code,
            col(RegistrationEntry.nominee),
            col(Submission.status),
            col(Submission.enterprise_id),
        )
    ).all()

    lines = []
    for key, goal, record in _award_targets(campaign.award_targets):
        rule = rules_by_key.get(key)
        proposed = accepted = 0
        if rule is not None:
            proposed_set: set[int] = set()
            accepted_set: set[int] = set()
            for title_code, nominee, status, enterprise_id, n in rows:
                if title_code not in rule.title_codes:
                    continue
                if rule.nominee is not None and nominee != rule.nominee:
                    continue
                if rule.count_enterprises:
                    proposed_set.add(enterprise_id)
                    if status == SubmissionStatus.ACCEPTED:
                        accepted_set.add(enterprise_id)
                else:
                    proposed += n
                    if status == SubmissionStatus.ACCEPTED:
                        accepted += n
            if rule.count_enterprises:
                proposed, accepted = len(proposed_set), len(accepted_set)
        lines.append(
            ShortlistLine(
                key=key,
                msgid=rule.label if rule else "",
                target=int(goal) if goal is not None else 0,
                proposed=proposed,
                accepted=accepted,
                label_vi=_text(record, "label", "vi"),
                label_en=_text(record, "label", "en"),
            )
        )
    return lines


# --------------------------------------------------------------------------- chat texts


def _counts_line(t: Translator, counts: Counts) -> str:
    return t(
        "{accepted} accepted · {submitted} submitted · {returned} returned · "
        "{missing} missing of {total}",
        accepted=t.number(counts.accepted),
        submitted=t.number(counts.submitted),
        returned=t.number(counts.returned),
        missing=t.number(counts.missing),
        total=t.number(counts.total),
    )


NO_ZONE = N_("No zone")
NO_CLUSTER = N_("No cluster")


def group_name(t: Translator, group: GroupCounts, none_label: str) -> str:
    """A zone's or cluster's name; `none_label` (NO_ZONE, NO_CLUSTER) for the rest."""
    return group.name if group.id is not None else t(none_label)


def _group_line(t: Translator, group: GroupCounts, none_label: str) -> str:
    """One zone or cluster, compact (the full breakdown is on the deadline's own line)."""
    counts = group.counts
    return "  • " + t(
        "{name}: {received}/{total} received ({accepted} accepted), {missing} missing",
        name=group_name(t, group, none_label),
        received=t.number(counts.received),
        total=t.number(counts.total),
        accepted=t.number(counts.accepted),
        missing=t.number(counts.missing),
    )


def render_progress_text(t: Translator, progress: Progress, details: bool = True) -> str:
    """The progress as a chat message (with the zone and cluster breakdowns when `details`)."""
    lines = [t("Progress of {title}", title=progress.campaign_title)]
    if progress.cluster_name is not None:
        lines.append(t("Cluster: {name}", name=progress.cluster_name))
    lines.append(t("Enterprises: {n}", n=t.number(progress.enterprises)))
    if not progress.items:
        lines.append(t("This campaign has no deadlines."))
    for item in progress.items:
        lines.append("")
        lines.append(
            t("{item} (due {date})", item=kind_label(t, item.kind), date=t.date(item.due_on))
        )
        lines.append(_counts_line(t, item.overall))
        if item.overall.draft:
            lines.append(t("of which {n} drafts not yet sent", n=t.number(item.overall.draft)))
        if item.overall.late:
            lines.append(t("of which {n} submitted late", n=t.number(item.overall.late)))
        if not details:
            continue
        if progress.cluster_id is None and item.by_cluster:
            lines.append(t("By cluster:"))
            lines.extend(_group_line(t, g, NO_CLUSTER) for g in item.by_cluster)
        if item.by_zone:
            lines.append(t("By zone:"))
            lines.extend(_group_line(t, g, NO_ZONE) for g in item.by_zone)
    return "\n".join(lines)


def render_targets_text(
    t: Translator, targets: Sequence[TargetProgress], campaign_year: int | None = None
) -> str:
    """The figures reported so far against the plan's targets, as a chat message: which
    year's targets they are, each as the plan words it ("khoảng", "từ … trở lên", a range)."""
    lines = [t("Reported figures against the plan")]
    if targets and campaign_year is not None:
        lines.append(target_heading(t, [target.spec for target in targets], campaign_year))
    if not targets:
        lines.append(t("This campaign has no targets."))
    for target in targets:
        label = target.label_in(t.language)
        if target.reported is None and target.spec:
            lines.append(
                t(
                    "• {label}: target {goal}; no reported figure adds up to it yet",
                    label=label,
                    goal=goal_text(t, target.spec),
                )
            )
            continue
        if target.reported is None:
            lines.append(t("• {label}: no reported figure adds up to this target", label=label))
            continue
        if target.spec:
            line = t(
                "• {label}: {reported} {unit} from {n} enterprises; target {goal}",
                label=label,
                reported=t.number(target.reported),
                unit=target.unit_in(t.language),
                n=t.number(target.enterprises),
                goal=goal_text(t, target.spec),
            )
        else:
            goal = t.number(target.target) if target.target is not None else "—"
            line = t(
                "• {label}: {reported} / {target} {unit} from {n} enterprises",
                label=label,
                reported=t.number(target.reported),
                target=goal,
                unit=target.unit_in(t.language),
                n=t.number(target.enterprises),
            )
        if target.percent is not None:
            line += f" ({t.number(target.percent, 1)}%)"
        lines.append(line)
    return "\n".join(lines)


def render_shortlist_text(t: Translator, lines: Sequence[ShortlistLine]) -> str:
    """The award shortlist against the plan's award targets, as a chat message."""
    out = [t("Award shortlist")]
    if not lines:
        out.append(t("This campaign sets no award targets."))
    for line in lines:
        mark = "✅" if line.reached else "⏳"
        out.append(
            t(
                "{mark} {label}: {proposed} proposed ({accepted} accepted), target {target}",
                mark=mark,
                label=line.label(t),
                proposed=t.number(line.proposed),
                accepted=t.number(line.accepted),
                target=t.number(line.target),
            )
        )
    return "\n".join(out)


def missing_status(t: Translator, enterprise: MissingEnterprise) -> str:
    """The status column of the missing export: the status, and why a returned item came back."""
    label = status_label(t, enterprise.status)
    if enterprise.status == SubmissionStatus.RETURNED and enterprise.review_note:
        return f"{label}: {enterprise.review_note}"
    return label


MISSING_REASON_LIMIT = 80  # characters of a return reason shown per line of the chat list


def render_missing_text(
    t: Translator, kind: str, missing: Sequence[MissingEnterprise], limit: int = 50
) -> str:
    """The missing list as a chat message: each enterprise and whether it can be nudged."""
    lines = [
        t(
            "{item}: {n} enterprises have not submitted",
            item=kind_label(t, kind),
            n=t.number(len(missing)),
        )
    ]
    for number, enterprise in enumerate(missing[:limit], start=1):
        if not enterprise.contacts:
            reach = t("no linked officer")
        elif enterprise.reachable:
            reach = t("reachable")
        else:
            reach = t("unreachable")
        state = ""
        if enterprise.status is not None:
            state = " · " + missing_state(t, enterprise, reason_limit=MISSING_REASON_LIMIT)
        lines.append(f"{number}. {enterprise.name} ({enterprise.tax_code}) · {reach}{state}")
    if len(missing) > limit:
        lines.append(t("… and {n} more", n=t.number(len(missing) - limit)))
    return "\n".join(lines)
