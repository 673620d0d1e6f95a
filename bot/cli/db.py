"""`thidua db ...`: database maintenance."""

from __future__ import annotations

import click

from bot.i18n import Translator
from bot.migrations import upgrade_database
from bot.settings import get_settings


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def upgrade() -> None:
    """Apply every migration to the configured database."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    t = Translator(settings.locale)
    click.echo(t("Database is up to date."))
