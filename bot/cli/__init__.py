"""The `thidua` command line. Every verb has --help; errors are one clear line and exit 1.

`main` is the safety net: a configuration error (exit 2) or a database that cannot be
reached becomes one translated line instead of a traceback.
"""

from __future__ import annotations

import os
import sys

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli import campaigns, closing, enterprises, outbox_retry, reminders, run, staff, units
from bot.cli.db import db
from bot.cli.localised import LocalisedGroup
from bot.i18n import Translator
from bot.settings import SettingsError


@click.group(cls=LocalisedGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Thi đua Bot: emulation campaigns of industrial-zone boards."""


cli.add_command(db)
for _module in (campaigns, enterprises, run, reminders, outbox_retry, staff, closing, units):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def _translator() -> Translator:
    # The settings may be what is broken, so the language is read from the environment.
    return Translator(os.environ.get("THIDUA_LOCALE"))


def _database_label() -> str:
    raw = os.environ.get("THIDUA_DATABASE_URL", "sqlite:///data/thidua.db")
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return "?"


def main() -> None:
    """Entry point: run the CLI, turning configuration and database failures into one line."""
    try:
        cli.main(standalone_mode=True)
    except SettingsError as exc:
        t = _translator()
        click.echo(
            t(
                "The setting {variable} is not valid: {reason}.",
                variable=exc.variable,
                reason=t(exc.reason_msgid, **exc.params),
            ),
            err=True,
        )
        sys.exit(2)
    except (SQLAlchemyError, OSError) as exc:
        t = _translator()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        click.echo(
            t(
                "Database error ({database}): {reason}",
                database=_database_label(),
                reason=reason,
            ),
            err=True,
        )
        sys.exit(1)
