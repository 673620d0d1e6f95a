"""Who the command line is in the audit log, and the act its changes are made as."""

from __future__ import annotations

from datetime import datetime

from bot.services.acts import Act
from bot.settings import get_settings

ACTOR = "cli"  # the audit log's "who" for changes made on the server's command line


def cli_act(now: datetime) -> Act:
    """A change made on the server's command line: at `now` (the command's one reading of
    the clock), in the configured zone, by no contact, named "cli" in the audit log."""
    return Act(now, get_settings().tz, None, ACTOR)
