"""The migrations produce exactly the models' schema, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from bot.db import get_engine
from bot.migrations import upgrade_database


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff: list[object] = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def test_sqlite_migrations_match_models(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    assert _diff(sqlite_url) == []
    tables = set(inspect(create_engine(sqlite_url)).get_table_names())
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


def test_postgresql_migrations_match_models(pg_url: str) -> None:
    schema_url = pg_url  # a dedicated schema keeps this test apart from the create_all tables
    engine = create_engine(schema_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        conn.execute(text("CREATE SCHEMA migr"))
    engine.dispose()
    url = schema_url + "?options=-csearch_path%3Dmigr"
    try:
        upgrade_database(url)
        assert _diff(url) == []
    finally:
        get_engine(url).dispose()
        engine = create_engine(schema_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:  # other tests share this database: leave no second schema
            conn.execute(text("DROP SCHEMA IF EXISTS migr CASCADE"))
        engine.dispose()


def test_upgrade_is_idempotent(sqlite_url: str) -> None:
    upgrade_database(sqlite_url)
    upgrade_database(sqlite_url)
    assert _diff(sqlite_url) == []
