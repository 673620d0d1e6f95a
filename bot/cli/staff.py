"""`thidua export` and `thidua audit`: the board office's files and its audit trail.

Output is for the board's office, in the configured locale (Vietnamese by default); the
exports are the same files the chat's /export sends. Every refusal is one line and a
non-zero exit; a failed export leaves no file behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session, col, select

from bot.cli.acting import cli_act
from bot.db import get_engine, session_scope
from bot.i18n import N_, Translator
from bot.migrations import ensure_database
from bot.models import AuditEntry, Campaign, Contact, DeadlineKind, utcnow
from bot.services import audit
from bot.services.access import Scope
from bot.services.dates import read_date
from bot.services.errors import DomainError, InvalidInput, NotFound
from bot.services.exports import export_missing, export_registrations, export_reports
from bot.settings import get_settings

COMMANDS: list[click.Command] = []

EXPORTS = ("registrations", "reports", "missing")
KINDS = tuple(kind.value for kind in DeadlineKind)


def _translator() -> Translator:
    return Translator(get_settings().locale)


@contextmanager
def _session(t: Translator) -> Iterator[Session]:
    """A session on the configured database (created or upgraded first); errors -> one line."""
    url = get_settings().database_url
    ensure_database(url)
    try:
        with session_scope(get_engine(url)) as session:
            yield session
    except DomainError as exc:
        raise click.ClickException(exc.message(t)) from None


# ---- thidua export ------------------------------------------------------------------


@click.command("export")
@click.argument("what", type=click.Choice(EXPORTS))
@click.option("--campaign", "campaign_id", type=int, required=True, help="Campaign id.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The .xlsx file to write.",
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="The item: required for `missing`; for `reports`, default year_end_report.",
)
def export(what: str, campaign_id: int, out: Path, kind: str | None) -> None:
    """Write registrations, the report summary or the missing list of a campaign to XLSX."""
    t = _translator()
    if out.suffix.lower() != ".xlsx":
        raise click.ClickException(t("The output file must end in .xlsx: {path}", path=out))
    if what == "missing" and kind is None:
        raise click.ClickException(
            t("`export missing` needs --kind, one of: {kinds}.", kinds=", ".join(KINDS))
        )
    if what == "registrations" and kind not in (None, DeadlineKind.TITLE_REGISTRATION):
        raise click.ClickException(t("--kind does not apply to the registrations export."))
    with _session(t) as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound(N_("There is no campaign number {id}."), id=campaign_id)
        scope = Scope.board(campaign.organization_id)
        language = t.language
        act = cli_act(utcnow())  # the CLI is the edge: it reads the clock once
        if what == "registrations":
            rows = export_registrations(session, campaign_id, scope, out, language, act=act)
        elif what == "reports":
            rows = export_reports(
                session,
                campaign_id,
                scope,
                out,
                kind or DeadlineKind.YEAR_END_REPORT,
                language,
                act=act,
            )
        else:
            assert kind is not None
            rows = export_missing(session, campaign_id, kind, scope, out, language, act=act)
    click.echo(t("Wrote {n} rows to {path}.", n=t.number(rows), path=out))


COMMANDS.append(export)


# ---- thidua audit -------------------------------------------------------------------


def parse_day(t: Translator, text: str) -> date:
    """A day typed as YYYY-MM-DD (or the Vietnamese dd/mm/yyyy); one clear line otherwise."""
    try:
        return read_date(text, "2025-01-24", iso=True)
    except InvalidInput as exc:
        raise click.ClickException(exc.message(t)) from None


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """What changed, in one line: `key: old → new` for changed keys, `key=value` for new."""
    before, after = before or {}, after or {}
    parts = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if key in before and key in after:
            if old != new:
                parts.append(f"{key}: {_short(old)} → {_short(new)}")
        elif key in after:
            parts.append(f"{key}={_short(new)}")
        else:
            parts.append(f"-{key}")
    return "; ".join(parts)


def _short(value: Any, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "contact_id": entry.contact_id,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
    }


def _table(rows: Sequence[Sequence[str]], widths: Sequence[int]) -> list[str]:
    out = []
    for row in rows:
        cells = []
        for cell, width in zip(row, widths, strict=True):
            text = cell if len(cell) <= width else cell[: width - 1] + "…"
            cells.append(text.ljust(width))
        out.append("  ".join(cells).rstrip())
    return out


@click.command("audit")
@click.option("--since", "since_text", default=None, help="First day to show (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--action", default=None, help='One action, or a prefix ending in "."')
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Only the latest N entries."
)
def audit_command(
    since_text: str | None, as_json: bool, action: str | None, limit: int | None
) -> None:
    """Show the audit log: who did what, when, and what changed."""
    t = _translator()
    tz = get_settings().tz
    since = None
    if since_text is not None:
        since = datetime.combine(parse_day(t, since_text), time.min, tzinfo=tz)
    with _session(t) as session:
        entries = audit.entries(session, since=since, limit=limit, action=action)
        ids = {e.contact_id for e in entries if e.contact_id is not None}
        names = {
            contact.id: contact.display_name
            for contact in session.exec(select(Contact).where(col(Contact.id).in_(ids))).all()
        }
    if as_json:
        click.echo(json.dumps([_entry_json(e) for e in entries], ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo(t("The audit log has no entries for this period."))
        return
    header = [t("Time"), t("Who"), t("Action"), t("Subject"), t("Changes")]
    rows = [header]
    for entry in entries:
        who = entry.actor or ""
        name = names.get(entry.contact_id) if entry.contact_id is not None else None
        if name:
            who = f"{name} ({who})" if who else name
        rows.append(
            [
                t.datetime(entry.at.astimezone(tz)),
                who or "—",
                audit.action_label(t, entry.action),
                entry.subject,
                _changes(entry.before, entry.after),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    widths = [min(w, cap) for w, cap in zip(widths, (16, 32, 28, 28), strict=True)]
    widths.append(max(len(row[4]) for row in rows))
    for line in _table(rows, widths):
        click.echo(line)
    click.echo(t("{n} entries", n=t.number(len(entries))))


COMMANDS.append(audit_command)
