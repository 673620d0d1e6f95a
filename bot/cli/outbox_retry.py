"""`thidua outbox retry`: put failed (or unreachable) messages back in the outbox.

After a platform outage longer than the retry window, the office (or the operator) requeues
what failed, narrowed by kind, campaign and the day it was due; `--dry-run` only counts.
"""

from __future__ import annotations

import click

from bot.cli.acting import ACTOR
from bot.cli.reminders import outbox_group, parse_day
from bot.db import get_engine, session_scope
from bot.i18n import Translator
from bot.migrations import ensure_database
from bot.models import DeliveryKind, DeliveryStatus, utcnow
from bot.settings import get_settings
from scheduler.requeue import RETRYABLE, RequeueFilter, count_requeue, requeue

COMMANDS: list[click.Command] = []  # `retry` joins the `outbox` group of bot.cli.reminders


@outbox_group.command("retry")
@click.option(
    "--state",
    type=click.Choice([s.value for s in RETRYABLE]),
    default=DeliveryStatus.FAILED.value,
    show_default=True,
    help="Which messages: failed, or unreachable (their contacts become reachable again).",
)
@click.option("--kind", type=click.Choice([k.value for k in DeliveryKind]), help="Only this kind.")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign (its id).")
@click.option("--on", "on_text", help="Only messages due on this local day (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Only say how many would be retried.")
def outbox_retry(
    state: str, kind: str | None, campaign_id: int | None, on_text: str | None, dry_run: bool
) -> None:
    """Send failed messages again: they become pending, due now, with their attempts reset."""
    settings = get_settings()
    t = Translator(settings.locale)
    chosen = RequeueFilter(
        status=DeliveryStatus(state),
        kind=DeliveryKind(kind) if kind else None,
        campaign_id=campaign_id,
        on=parse_day(t, on_text) if on_text else None,
    )
    ensure_database(settings.database_url)
    with session_scope(get_engine(settings.database_url)) as session:
        if dry_run:
            n = count_requeue(session, chosen, settings.tz)
            click.echo(
                t.ngettext(
                    "{n} message would be sent again.", "{n} messages would be sent again.", n
                )
            )
            return
        n = requeue(session, chosen, utcnow(), settings.tz, actor=ACTOR)
    click.echo(
        t.ngettext(
            "{n} message put back in the outbox; it goes out at the next sending hours.",
            "{n} messages put back in the outbox; they go out at the next sending hours.",
            n,
        )
    )
