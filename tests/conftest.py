"""Shared fixtures: a real SQLite file and a real PostgreSQL database for every database test.

`engine` is parametrised over both. PostgreSQL tests run in a database created for this
test process (under `make test`, each pytest-xdist worker has its own; dropped at the end)
and skip only when no server answers on 127.0.0.1:5432; under CI (CI=true) a missing server
is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import bot.models  # noqa: F401
from bot.db import get_engine

PG_ADMIN_URL = os.environ.get(
    "THIDUA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> bool:
    try:
        probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _loopback_web_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve()` always runs its web server (health checks in every mode): in tests it
    listens on a free loopback port unless a test says otherwise, never on 0.0.0.0:8080."""
    monkeypatch.setenv("THIDUA_WEB_HOST", "127.0.0.1")
    monkeypatch.setenv("THIDUA_WEB_PORT", "0")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test process (one per xdist worker), empty:
    `pg_engine` makes the tables."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL does not answer on 127.0.0.1:5432, and CI must not skip it")
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    name = f"thidua_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Engine:
    engine = get_engine(pg_url)
    SQLModel.metadata.create_all(engine)
    return engine


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'thidua.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Engine:
    engine = get_engine(sqlite_url)
    SQLModel.metadata.create_all(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty database with the models' tables, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_engine")
        return
    pg: Engine = request.getfixturevalue("pg_engine")
    _truncate(pg)
    yield pg
    _truncate(pg)


@pytest.fixture
def db_url(engine: Engine) -> str:
    """The URL of `engine`, for code that takes a URL (CLI, settings)."""
    return engine.url.render_as_string(hide_password=False)
