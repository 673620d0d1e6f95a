"""What the CLI tests share: `run` invokes `thidua ...` through click with the settings read
afresh, and `database` makes the test database the configured one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import CliRunner, Result

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.settings import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Invoke `thidua ...` with the settings read afresh from the environment."""
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args))

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test database as the configured one. Its tables come from the models, so it is
    stamped at the newest revision (test_migrations proves the two schemas are the same)."""
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    return db_url
