"""Engine and sessions.

One engine per database URL for the process. SQLite gets WAL and a busy timeout so the bot,
the scheduler and the CLI can share the file; PostgreSQL is the multi-instance database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import bot.models  # noqa: F401  (registers the tables)


def _prepare_sqlite_file(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """The process-wide engine for `url`."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def begin_atomic(session: Session) -> None:
    """Make what `session` does from now on one transaction, on SQLite too.

    Python's sqlite3 opens a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT
    issued first (the services' `begin_nested()` guards against a duplicate) starts a
    transaction of its own, and releasing it commits: `campaign create` interrupted after the
    campaign row left a campaign with no phases. An explicit BEGIN IMMEDIATE (waiting for the
    write lock under the busy timeout) puts every savepoint inside one transaction that the
    session's commit or rollback ends. PostgreSQL needs nothing: SQLAlchemy begins there.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw: Any = connection.connection.dbapi_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work, atomic on both databases: committed on success, rolled back on any
    error or interruption (Ctrl-C included)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            begin_atomic(session)
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
