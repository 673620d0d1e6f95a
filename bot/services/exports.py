"""XLSX exports for the board's office: registrations, the report summary, the missing list.

The files go on to the provincial council, so they look like the office's own tables:
Vietnamese headers (the default language; any supported language can be asked for), a bold,
frozen header row, sensible column widths, dates as real date cells shown dd/mm/yyyy and every
figure as a number cell (never text), so the office can sort, filter and add up in Excel.

Number formats carry the Vietnamese language tag ([$-42A]): LibreOffice then shows 540.000,5
whatever the reader's locale; Excel shows the reader's own separators (Vietnamese on a
Vietnamese system). Each export reads its rows with one or two set-based queries, and
writes an audit entry (in the caller's transaction: commit it) saying who took which list.
The caller hands an `Act` (the moment, the board's time zone, who exports): the sheet's
"as of" line and the dates things were submitted are local, and nothing here reads a clock
or the settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from bot.i18n import N_, Translator
from bot.models import (
    Audience,
    Campaign,
    Deadline,
    DeadlineKind,
    Enterprise,
    Nominee,
    Organization,
    RegistrationEntry,
    Submission,
    SubmissionStatus,
    YearEndReport,
    Zone,
)
from bot.services import audience, audit
from bot.services.access import InvalidInput, Scope, campaign_in_scope
from bot.services.acts import Act
from bot.services.items import kind_label, parse_kind
from bot.services.numbers import Figure
from bot.services.progress import (
    COUNTED_STATUSES,
    aggregate_figures,
    missing_enterprises,
    missing_status,
    sent_parts,
    status_label,
    to_decimal,
)
from bot.services.sheets import Heading, make_printable
from bot.services.spreadsheet_text import guard_cell
from bot.services.targets import summary as targets_summary
from bot.services.titles import Title, title_and_form, titles_by_code

DATE_FORMAT = "dd/mm/yyyy"
VI_TAG = "[$-42A]"  # Vietnamese (LCID 0x042A)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)
MIN_WIDTH, MAX_WIDTH = 6, 60

# The items an office exports: once sent (returned ones too, marked as such); drafts are not.
REPORT_KINDS = (DeadlineKind.YEAR_END_REPORT, DeadlineKind.SIX_MONTH_REPORT)
SENT_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, SubmissionStatus.ACCEPTED)


def number_format(decimals: int) -> str:
    """A grouped number format with `decimals` places, tagged Vietnamese."""
    return VI_TAG + "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _local_date(value: datetime | None, tz: tzinfo) -> date | None:
    return value.astimezone(tz).date() if value is not None else None


@dataclass
class _Sheet:
    """A worksheet being filled: header row, data rows, widths measured as we go."""

    ws: Worksheet
    widths: list[int]
    rows: int = 1  # rows written so far, the header included (ws.max_row is O(cells))

    @classmethod
    def start(cls, wb: Workbook, title: str, headers: Sequence[str]) -> _Sheet:
        ws = wb.active
        assert isinstance(ws, Worksheet)
        ws.title = title[:31]
        ws.append(list(headers))
        for cell in ws[1]:
            guard_cell(cell)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.freeze_panes = "A2"
        return cls(ws=ws, widths=[len(h) for h in headers])

    def add(self, values: Sequence[Any], formats: Sequence[str | None] = ()) -> None:
        self.ws.append(list(values))
        self.rows += 1
        row = self.rows
        for index, value in enumerate(values):
            cell = self.ws.cell(row=row, column=index + 1)
            guard_cell(cell)  # user text is never a formula
            fmt = formats[index] if index < len(formats) else None
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
                width = 10
            else:
                if fmt:
                    cell.number_format = fmt
                width = len(str(value)) + (4 if isinstance(value, int | float | Decimal) else 0)
            if index < len(self.widths):
                self.widths[index] = max(self.widths[index], width)

    def finish(self) -> None:
        for index, width in enumerate(self.widths, start=1):
            letter = get_column_letter(index)
            self.ws.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
        if self.rows > 1:
            self.ws.auto_filter.ref = self.ws.dimensions


def _print_setup(
    session: Session,
    ws: Worksheet,
    campaign: Campaign,
    title: str,
    t: Translator,
    at: datetime,
) -> None:
    """The title block and print setup of bot/services/sheets.py, for one export's sheet:
    with the campaign's targets, the year they belong to and the plan's qualifiers."""
    organization = session.get(Organization, campaign.organization_id)
    board = organization.name if organization is not None else ""
    goals = targets_summary(t, campaign.targets, campaign.year)
    make_printable(ws, Heading(title, campaign.title, board, at, goals), t)


# The columns naming the participant, in the words of a units' campaign.
_UNIT_HEADERS = {"Enterprise": N_("Unit"), "Tax code": N_("Unit code")}


def _headers(t: Translator, headers: Sequence[str], campaign: Campaign) -> list[str]:
    """Column headers in the campaign's words ("Đơn vị", "Mã đơn vị" for the board's units)."""
    units = Audience(campaign.audience) is Audience.BOARD_UNITS
    return [t(_UNIT_HEADERS.get(h, h) if units else h) for h in headers]


def _save(wb: Workbook, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _record(
    session: Session,
    action: str,
    scope: Scope,
    campaign_id: int,
    path: Path | str,
    rows: int,
    act: Act,
    kind: str | None = None,
) -> None:
    """Audit the export (who took which list out, when): in the caller's transaction."""
    after: dict[str, Any] = {"file": Path(path).name, "rows": rows}
    if kind is not None:
        after["kind"] = kind
    if scope.cluster_id is not None:
        after["cluster_id"] = scope.cluster_id
    audit.record(session, action, act, subject=f"campaign:{campaign_id}", after=after)


def _zone_names(session: Session, organization_id: int) -> dict[int, str]:
    rows = session.execute(
        sa_select(col(Zone.id), col(Zone.name)).where(col(Zone.organization_id) == organization_id)
    ).all()
    return {zone_id: name for zone_id, name in rows}


# --------------------------------------------------------------------------- registrations

REGISTRATION_HEADERS = (
    N_("No."),
    N_("Enterprise"),
    N_("Tax code"),
    N_("Industrial zone (IZ)"),
    N_("Individual / collective"),
    N_("Proposed person or collective"),
    N_("Position / unit"),
    N_("Emulation title"),
    N_("Form of commendation"),
    N_("Recognised initiative"),
    N_("Status"),
    N_("Submitted on"),
)
NOMINEE_LABELS = {Nominee.INDIVIDUAL: N_("individual"), Nominee.COLLECTIVE: N_("collective")}


def yes_no(t: Translator, value: bool | None) -> str:
    """A yes/no answer as the office reads it in a sheet: "Có" / "Không" (blank: unknown)."""
    if value is None:
        return ""
    return t("Yes") if value else t("No")


_SENT_ITEM = (
    col(Enterprise.name),
    col(Enterprise.tax_code),
    col(Enterprise.zone_id),
    col(Submission.status),
    col(Submission.submitted_at),
    col(Submission.late),
)
"""The columns an export row of a sent item starts with: who sent it and how it stands."""


def export_registrations(
    session: Session,
    campaign_id: int,
    scope: Scope,
    path: Path | str,
    language: str = "vi",
    titles: dict[str, Title] | None = None,
    *,
    act: Act,
) -> int:
    """Write the registered nominees (one row each) to `path`; returns the number of rows."""
    campaign = campaign_in_scope(session, campaign_id, scope)
    t = Translator(language)
    titles = titles_by_code() if titles is None else titles
    zones = _zone_names(session, scope.organization_id)
    columns = sa_select(
        *_SENT_ITEM,
        col(RegistrationEntry.nominee),
        col(RegistrationEntry.full_name),
        col(RegistrationEntry.position),
        col(RegistrationEntry.unit_name),
        col(RegistrationEntry.title_code),
        col(RegistrationEntry.has_initiative),
    )
    kind = DeadlineKind.TITLE_REGISTRATION
    rows = session.execute(
        sent_parts(columns, RegistrationEntry, campaign_id, kind, SENT_STATUSES, scope)
        .where(audience.members(campaign.audience))
        .order_by(col(Enterprise.name), col(Enterprise.id), col(RegistrationEntry.id))
    ).all()

    wb = Workbook()
    sheet = _Sheet.start(wb, t("Title registrations"), _headers(t, REGISTRATION_HEADERS, campaign))
    for number, row in enumerate(rows, start=1):
        (name, tax_code, zone_id, status, submitted_at, late) = row[:6]
        nominee, full_name, position, unit, code, has_initiative = row[6:]
        individual = nominee == Nominee.INDIVIDUAL
        if individual:
            who = full_name
            where = " – ".join(part for part in (position, unit) if part)
        else:
            who, where = unit, ""
        sheet.add(
            [
                number,
                name,
                tax_code,
                zones.get(zone_id, "") if zone_id else "",
                t(NOMINEE_LABELS.get(Nominee(nominee), str(nominee))).capitalize(),
                who,
                where,
                *title_and_form(code, t.language, titles),
                yes_no(t, bool(has_initiative)) if individual else "",
                status_label(t, status, late),
                _local_date(submitted_at, act.tz),
            ]
        )
    sheet.finish()
    wb.properties.title = t("Title registrations") + f" – {campaign.title}"
    _print_setup(session, sheet.ws, campaign, t("Title registrations"), t, act.local_time)
    _save(wb, path)
    _record(session, "export.registrations", scope, campaign_id, path, len(rows), act)
    return len(rows)


# --------------------------------------------------------------------------- reports


def export_reports(
    session: Session,
    campaign_id: int,
    scope: Scope,
    path: Path | str,
    kind: str = DeadlineKind.YEAR_END_REPORT,
    language: str = "vi",
    figures: Sequence[Figure] | None = None,
    *,
    act: Act,
) -> int:
    """Write the report summary (one row per enterprise, every figure a number cell).

    The last row adds the figures up as the board does (sum, mean or count of "yes") over
    the reports submitted or accepted; returned reports are listed but not counted.
    Returns the number of enterprise rows.
    """
    campaign = campaign_in_scope(session, campaign_id, scope)
    kind = parse_kind(kind)
    if kind not in REPORT_KINDS:
        raise InvalidInput(
            N_("Only reports have figures: {kinds}."),
            kinds=", ".join(k.value for k in REPORT_KINDS),
        )
    t = Translator(language)
    definitions = list(audience.figures(campaign) if figures is None else figures)
    zones = _zone_names(session, scope.organization_id)
    columns = sa_select(
        *_SENT_ITEM,
        col(Enterprise.id),
        col(YearEndReport.figures),
        col(YearEndReport.narrative),
    )
    rows = session.execute(
        sent_parts(columns, YearEndReport, campaign_id, kind, SENT_STATUSES, scope)
        .where(audience.members(campaign.audience))
        .order_by(col(Enterprise.name), col(Enterprise.id))
    ).all()
    # Figures present in the reports but unknown to the catalogue still get a column.
    known = {f.code for f in definitions}
    extra = sorted({code for row in rows for code in (row.figures or {}) if code not in known})
    definitions += [Figure.unknown(code) for code in extra]

    formats: list[str | None] = [None] * 6
    for figure in definitions:
        formats.append(None if figure.kind == "yes_no" else number_format(figure.decimals))
    headers = _headers(
        t,
        [
            N_("No."),
            N_("Enterprise"),
            N_("Tax code"),
            N_("Industrial zone (IZ)"),
            N_("Status"),
            N_("Submitted on"),
        ],
        campaign,
    )
    for figure in definitions:
        label = figure.label(t.language)
        unit = figure.unit(t.language)
        headers.append(f"{label} ({unit})" if unit else label)
    headers.append(t("Narrative"))

    wb = Workbook()
    sheet = _Sheet.start(wb, kind_label(t, kind), headers)
    counted: list[tuple[int, dict[str, Any] | None]] = []
    for number, row in enumerate(rows, start=1):
        name, tax_code, zone_id, status, submitted_at, late, enterprise_id, values, narrative = row
        if status in COUNTED_STATUSES:
            counted.append((enterprise_id, values))
        cells: list[Any] = [
            number,
            name,
            tax_code,
            zones.get(zone_id, "") if zone_id else "",
            status_label(t, status, late),
            _local_date(submitted_at, act.tz),
        ]
        for figure in definitions:
            raw = (values or {}).get(figure.code)
            number_value = to_decimal(raw)
            if figure.kind == "yes_no" and number_value is not None:
                cells.append(yes_no(t, number_value == 1))  # "Có"/"Không" as text, not 1/0
                continue
            cells.append(number_value if number_value is not None else (raw or None))
        cells.append(narrative or "")
        sheet.add(cells, formats)

    if rows:
        total: list[Any] = ["", t("Total (submitted and accepted reports)"), "", "", "", ""]
        for figure in definitions:
            value, contributors = aggregate_figures(counted, [figure], figure.unit_vi)
            total.append(value if contributors else None)
        sheet.add([*total, ""], [*formats[:6], *(_total_format(f) for f in definitions)])
        for cell in sheet.ws[sheet.rows]:
            cell.font = TOTAL_FONT
    sheet.finish()
    narrative_column = get_column_letter(len(headers))
    sheet.ws.column_dimensions[narrative_column].width = MAX_WIDTH
    wb.properties.title = kind_label(t, kind) + f" – {campaign.title}"
    _print_setup(session, sheet.ws, campaign, kind_label(t, kind), t, act.local_time)
    _save(wb, path)
    _record(session, "export.reports", scope, campaign_id, path, len(rows), act, kind)
    return len(rows)


def _total_format(figure: Figure) -> str:
    if figure.aggregate == "count_yes":
        return number_format(0)
    if figure.aggregate == "mean":
        return number_format(max(figure.decimals, 1) + 1)
    return number_format(figure.decimals)


# --------------------------------------------------------------------------- missing

MISSING_HEADERS = (
    N_("No."),
    N_("Enterprise"),
    N_("Tax code"),
    N_("Industrial zone (IZ)"),
    N_("Emulation cluster"),
    N_("State"),
    N_("Contact officers"),
    N_("Reachable"),
    N_("Due date"),
)


def export_missing(
    session: Session,
    campaign_id: int,
    kind: str,
    scope: Scope,
    path: Path | str,
    language: str = "vi",
    *,
    act: Act,
) -> int:
    """Write the enterprises that have not submitted `kind`, with their officers."""
    campaign = campaign_in_scope(session, campaign_id, scope)
    missing = missing_enterprises(session, campaign_id, kind, scope)
    kind = parse_kind(kind)
    due = _due_on(session, campaign_id, kind)
    t = Translator(language)
    wb = Workbook()
    sheet = _Sheet.start(wb, t("Not submitted"), _headers(t, MISSING_HEADERS, campaign))
    for number, enterprise in enumerate(missing, start=1):
        officers = "; ".join(f"{c.display_name or '?'} ({c.channel})" for c in enterprise.contacts)
        if not enterprise.contacts:
            reach = t("no linked officer")
        else:
            reach = t("Yes") if enterprise.reachable else t("No")
        sheet.add(
            [
                number,
                enterprise.name,
                enterprise.tax_code,
                enterprise.zone,
                enterprise.cluster,
                missing_status(t, enterprise),
                officers,
                reach,
                due,
            ]
        )
    sheet.finish()
    wb.properties.title = t("Not submitted") + f" – {kind_label(t, kind)} – {campaign.title}"
    _print_setup(
        session,
        sheet.ws,
        campaign,
        t("Not submitted") + f" – {kind_label(t, kind)}",
        t,
        act.local_time,
    )
    _save(wb, path)
    _record(session, "export.missing", scope, campaign_id, path, len(missing), act, kind)
    return len(missing)


def _due_on(session: Session, campaign_id: int, kind: str) -> date | None:
    row = session.execute(
        sa_select(col(Deadline.due_on)).where(
            col(Deadline.campaign_id) == campaign_id, col(Deadline.kind) == kind
        )
    ).first()
    return row[0] if row else None
