"""Values for the tests: narrowing (what a test has just written or matched is there) and the
act a test's set-up is made by."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TypeVar

from bot.services.acts import SYSTEM, Act

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, failing the test if it is None (a row just written, a pattern that matched):
    the models type ids and `session.get` as optional, the test knows better and says so."""
    assert value is not None
    return value


def set_up(now: datetime, tz: tzinfo = UTC) -> Act:
    """The bot itself ("system", no contact) at the test's fixed `now`, in the board's `tz`: who
    a fixture's staff, import or seed is made by, since the services read no wall clock."""
    return Act(now, tz, None, SYSTEM)
