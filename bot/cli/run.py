"""`thidua` verbs of this area; each is appended to COMMANDS and registered by bot.cli."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
