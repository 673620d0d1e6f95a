"""What every benchmark shares: fresh databases, bulk seeding, statement counting, medians.

Seeding goes through SQLAlchemy Core executemany inserts (one statement per table, whatever
the row count) so that 100,000 enterprises and 200,000 contacts take seconds, not minutes;
the rows are the same the services would write (valid tax codes, linked officers).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import bot.models  # noqa: F401  (registers the tables)
from bot.db import get_engine
from bot.models import Campaign, Channel, Contact, Deadline, Enterprise, Organization, Role, utcnow
from bot.services.calendar import is_working_day, next_working_day_on_or_after
from bot.services.campaigns import create_campaign
from bot.services.organizations import create_organization
from bot.services.taxcode import check_digit
from scheduler.planner import reminder_offset_on

PG_ADMIN_URL = os.environ.get(
    "THIDUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEMPLATE = "bac-giang-kcn"
# The first nine digits of the benchmark's tax codes start here, clear of the demo's.
TAX_CODE_START = 300_000_000


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def pg_available() -> bool:
    """Whether the PostgreSQL of the benchmarks answers on loopback."""
    try:
        probe = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def fresh_database(kind: str, migrate: bool = False) -> Iterator[str]:
    """A new empty database with the models' tables, dropped (or deleted) afterwards.

    `kind` is "sqlite" (a file in a temporary directory) or "postgresql" (a database of its
    own on the server of PG_ADMIN_URL, created here and dropped with FORCE at the end).
    `migrate` builds the schema with the Alembic migrations, as `thidua run` expects, instead
    of the models' metadata.
    """
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="thidua-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            engine = get_engine(url)
            _create_schema(url, migrate)
            try:
                yield url
            finally:
                engine.dispose()
                get_engine.cache_clear()
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"thidua_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        _create_schema(url, migrate)
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _create_schema(url: str, migrate: bool) -> None:
    if migrate:
        from bot.migrations import ensure_database

        ensure_database(url)
    else:
        SQLModel.metadata.create_all(get_engine(url))


def tax_codes(count: int, start: int = TAX_CODE_START) -> list[str]:
    """`count` distinct valid 10-digit tax codes (nine digits that admit no check digit are
    skipped, as a real register would never hold them)."""
    codes: list[str] = []
    prefix = start
    while len(codes) < count:
        digits = f"{prefix:09d}"
        check = check_digit(digits)
        if check is not None:
            codes.append(f"{digits}{check}")
        prefix += 1
    return codes


@dataclass(frozen=True)
class Board:
    """What `seed_board` wrote: the board, its campaign, and the officers' chat ids."""

    organization_id: int
    campaign_id: int
    enterprise_ids: list[int]
    chat_ids: list[int]


def make_board(session: Session, year: int, slug: str = "bench") -> tuple[Organization, Campaign]:
    """A board and its Bắc Giang campaign of `year` (phases, observances, four deadlines),
    through the services, as the office would create them."""
    org = create_organization(session, slug, "Ban Quản lý các KCN tỉnh Bắc Giang", "Bắc Giang")
    campaign = create_campaign(session, org, TEMPLATE, year)
    session.flush()
    return org, campaign


def seed_board(
    engine: Engine,
    enterprises: int,
    contacts_per_enterprise: int,
    year: int,
    first_chat_id: int = 10_000_000,
) -> Board:
    """A board with a campaign, `enterprises` enterprises and that many linked Telegram
    officers each, written with one executemany INSERT per table."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        org, campaign = make_board(session, year)
        assert org.id is not None and campaign.id is not None
        codes = tax_codes(enterprises)
        session.execute(
            insert(Enterprise),
            [
                {
                    "organization_id": org.id,
                    "tax_code": code,
                    "name": f"Công ty TNHH Sản xuất Thương mại số {i + 1:06d}",
                    "active": True,
                    "created_at": now,
                }
                for i, code in enumerate(codes)
            ],
        )
        ids = list(
            session.scalars(
                select(Enterprise.id)
                .where(Enterprise.organization_id == org.id)
                .order_by(Enterprise.id)  # type: ignore[arg-type]
            )
        )
        chat_ids: list[int] = []
        rows: list[dict[str, Any]] = []
        for n, enterprise_id in enumerate(ids):
            for k in range(contacts_per_enterprise):
                chat = first_chat_id + n * contacts_per_enterprise + k
                chat_ids.append(chat)
                rows.append(
                    {
                        "channel": Channel.TELEGRAM.value,
                        "user_id": str(chat),
                        "chat_id": str(chat),
                        "display_name": f"Cán bộ {chat}",
                        "language": "vi" if chat % 5 else "en",
                        "role": Role.OFFICER.value,
                        "organization_id": org.id,
                        "enterprise_id": enterprise_id,
                        "reachable": True,
                        "created_at": now,
                    }
                )
        if rows:
            session.execute(insert(Contact), rows)
        session.commit()
        return Board(org.id, campaign.id, [i for i in ids if i is not None], chat_ids)


def working_day_on_or_after(day: date) -> date:
    return day if is_working_day(day) else next_working_day_on_or_after(day)


def make_every_deadline_due(engine: Engine, campaign_id: int, on: date) -> list[int]:
    """Move the campaign's deadlines so that each has a reminder going out on `on` (the
    planner then writes one reminder per deadline per officer). Returns the offsets used."""
    offsets: list[int] = []
    with Session(engine) as session:
        deadlines = list(session.exec(select(Deadline).where(Deadline.campaign_id == campaign_id)))
        for index, deadline in enumerate(sorted(deadlines, key=lambda d: d.id or 0)):
            # Spread the due dates, each still within the first (14-day) reminder.
            for days in range(3 + 2 * index, 60):
                due = on + timedelta(days=days)
                offset = reminder_offset_on(due, deadline.reminder_offsets, on)
                if offset is not None:
                    deadline.due_on = due
                    offsets.append(offset)
                    session.add(deadline)
                    break
            else:  # pragma: no cover - the default offsets always match within 60 days
                raise RuntimeError(f"no due date gives {deadline.kind} a reminder on {on}")
        session.commit()
    return offsets


def open_deadlines(engine: Engine, campaign_id: int, today: date, days: int = 30) -> None:
    """Move the campaign's deadlines (and its end) `days` ahead of `today`, so that the
    officers' flows are open whatever day the benchmark runs on (as the demo board does)."""
    with Session(engine) as session:
        for deadline in session.exec(select(Deadline).where(Deadline.campaign_id == campaign_id)):
            deadline.due_on = today + timedelta(days=days)
            session.add(deadline)
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        if campaign.ends_on < today + timedelta(days=days):
            campaign.ends_on = today + timedelta(days=days)
            session.add(campaign)
        session.commit()


class StatementCounter:
    """Counts the SQL statements an engine sends (one per cursor execute or executemany)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _on_execute(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)
