"""`thidua db ...`: database maintenance."""

from __future__ import annotations

import click

from bot.migrations import upgrade_database
from bot.settings import get_settings


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def upgrade() -> None:
    """Apply every migration to the configured database."""
    url = get_settings().database_url
    upgrade_database(url)
    click.echo("Database is up to date.")
