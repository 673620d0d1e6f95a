"""The `thidua` command line. Every verb has --help; errors are one clear line and exit 1."""

from __future__ import annotations

import sys

import click

from bot.cli import campaigns, enterprises, reminders, run, staff
from bot.cli.db import db
from bot.settings import SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Thi đua Bot: emulation campaigns of industrial-zone boards."""


cli.add_command(db)
for _module in (campaigns, enterprises, run, reminders, staff):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Entry point: run the CLI, turning a configuration error into one line."""
    try:
        cli.main(standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)
