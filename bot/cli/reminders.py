"""`thidua reminders plan` and `thidua outbox status`: look at the scheduler without sending.

`reminders plan --on DATE` shows what the planner would put in the outbox that day — who,
for which enterprise, what kind, about which deadline or observance, and the text in the
recipient's language — without writing or sending anything. `outbox status` counts the
outbox by status. Output follows the configured locale (Vietnamese by default).
"""

from __future__ import annotations

import json
from datetime import date

import click
from sqlmodel import Session

from bot.db import get_engine
from bot.i18n import N_, Translator
from bot.migrations import ensure_database
from bot.models import DeliveryKind, DeliveryStatus
from bot.notifications.kinds import KIND_NAMES
from bot.services.dates import read_date
from bot.services.errors import InvalidInput
from bot.services.items import kind_label
from bot.settings import get_settings
from scheduler.outbox import outbox_status
from scheduler.planner import PlannedMessage, backlog, preview_day, sending_start_utc

COMMANDS: list[click.Command] = []

STATUS_LABELS: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: N_("pending"),
    DeliveryStatus.SENDING: N_("being sent"),
    DeliveryStatus.SENT: N_("sent"),
    DeliveryStatus.FAILED: N_("failed"),
    DeliveryStatus.UNREACHABLE: N_("unreachable"),
    DeliveryStatus.EXPIRED: N_("expired (not sent on its day)"),
    DeliveryStatus.CANCELLED: N_("cancelled (already submitted)"),
}
# Messages to a whole board not yet written out to their recipients (`scheduler.planner`).
PLANNED = "planned"
PLANNED_LABEL = N_("planned, not yet queued per recipient")


def _translator() -> Translator:
    return Translator(get_settings().locale)


def parse_day(t: Translator, raw: str) -> date:
    """YYYY-MM-DD (or dd/mm/yyyy, as the office writes dates); anything else is refused."""
    try:
        return read_date(raw, "2025-01-24", iso=True)
    except InvalidInput as exc:
        raise click.ClickException(exc.message(t)) from None


def _session() -> Session:
    url = get_settings().database_url
    ensure_database(url)
    return Session(get_engine(url))


def _subject(t: Translator, m: PlannedMessage) -> str:
    """The deadline's name in the office's language, or the observance / phase as planned."""
    if m.kind is DeliveryKind.REMINDER:
        return kind_label(t, m.subject)
    if m.kind is DeliveryKind.DIGEST:
        return ""
    return m.subject


@click.group("reminders")
def reminders_group() -> None:
    """What the scheduler plans: reminders, commemoration prompts, notices, digests."""


@reminders_group.command("plan")
@click.option("--on", "on_text", required=True, help="The local date, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def reminders_plan(on_text: str, as_json: bool) -> None:
    """Show what would be sent on a day, without sending or writing anything."""
    t = _translator()
    on = parse_day(t, on_text)
    settings = get_settings()
    with _session() as session:
        planned = preview_day(session, on, settings)
        session.rollback()
    if as_json:
        payload = {
            "date": on.isoformat(),
            "sending_from": sending_start_utc(on, settings).isoformat(),
            "messages": [m.as_json() for m in planned],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not planned:
        click.echo(t("Nothing would be sent on {date}.", date=t.date(on)))
        return
    click.echo(
        t.ngettext(
            "{n} message would be sent on {date}:",
            "{n} messages would be sent on {date}:",
            len(planned),
            date=t.date(on),
        )
    )
    for m in planned:
        who = f"{m.contact_name or m.contact_id} ({m.channel}, {m.language})"
        where = f" — {m.enterprise_name} ({m.tax_code})" if m.enterprise_name else ""
        click.echo("")
        subject = _subject(t, m)
        label = f"{t(KIND_NAMES[m.kind])}: {subject}" if subject else t(KIND_NAMES[m.kind])
        click.echo(f"[{label}] {who}{where}")
        for line in m.text.splitlines():
            click.echo(f"    {line}")


@click.group("outbox")
def outbox_group() -> None:
    """The outbox every automatic message goes through."""


@outbox_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def outbox_status_command(as_json: bool) -> None:
    """How many messages are pending, sent, failed, unreachable, expired, cancelled, planned."""
    t = _translator()
    with _session() as session:
        counts = outbox_status(session) | {
            PLANNED: backlog(session, email=get_settings().sends_email)
        }
    if as_json:
        click.echo(json.dumps(counts, indent=2))
        return
    labels = {status.value: label for status, label in STATUS_LABELS.items()}
    labels[PLANNED] = PLANNED_LABEL
    width = max(len(t(label)) for label in labels.values())
    for key, label in labels.items():
        click.echo(f"{t(label):<{width}}  {t.number(counts[key], 0):>9}")


COMMANDS.extend([reminders_group, outbox_group])
