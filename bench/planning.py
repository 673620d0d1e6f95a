"""Benchmark 3: the daily planner over many enterprises (5 deadlines, 2 officers each), and
the dispatcher's expansion of what it planned.

The board's campaign is created from the Bắc Giang template through the services; its
deadlines are then moved so that each has a reminder going out on the planned day, so the
day's plan is one reminder per deadline for every officer (10 per enterprise) plus whatever
the template's observances and phases give that day. The enterprises and officers are
seeded with bulk inserts (and, on PostgreSQL, analyzed, as autovacuum would have done on
a real server). Each run empties the outbox, then times `plan_day` (read the
campaigns, write the day's fan-outs, commit) and counts its SQL statements with an engine
event listener.

Planning writes one fan-out row per (notification, board); the per-contact rows are
written later by the dispatcher, a batch at a time as it sends (`scheduler.planner.expand`).
So that this cost is not hidden, each run then expands the plan exactly as the dispatcher
does — `expand(limit=EXPAND_BATCH)` and a commit per batch, the dispatcher's default batch —
for up to `EXPAND_SAMPLE` recipients (half the day at 10,000 enterprises), and reports the
time per message and the time the whole day's expansion would take at that rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.common import (
    StatementCounter,
    fresh_database,
    make_every_deadline_due,
    seed_board,
    working_day_on_or_after,
)
from bot.db import get_engine
from bot.models import Delivery, Fanout
from bot.notifications.fanouts import fanout_recipients
from bot.settings import load_settings
from scheduler.planner import expand, plan_day, sending_start_utc

YEAR = 2026
# A Tuesday in March, inside phase 1 and clear of Tết; reminders are moved onto it.
PLAN_DAY = date(YEAR, 3, 10)
EXPAND_BATCH = 100  # the dispatcher's default max_batch
EXPAND_SAMPLE = 50_000  # recipients expanded per run (at most)


@dataclass
class PlanRun:
    enterprises: int
    seconds: float
    statements: int
    rows: int  # outbox rows the plan wrote (fan-outs and per-contact digests)
    by_kind: dict[str, int]
    recipients: int  # deliveries the day's plan expands to, all told
    expanded: int  # of which expanded (timed) in this run
    expand_seconds: float

    @property
    def us_per_message(self) -> float:
        return self.expand_seconds / self.expanded * 1e6 if self.expanded else 0.0

    @property
    def expand_all_seconds(self) -> float:
        """The whole day's expansion at the measured rate."""
        return self.us_per_message * self.recipients / 1e6


def _recipients(db: Engine) -> int:
    """How many deliveries the planned fan-outs expand to (counted, not timed)."""
    table: Any = Fanout.__table__  # type: ignore[attr-defined]
    with Session(db) as session:
        fanouts = session.execute(select(*table.c)).all()
        return sum(
            int(
                session.execute(
                    select(func.count()).select_from(fanout_recipients(f, email=False).subquery())
                ).scalar_one()
            )
            for f in fanouts
        )


def measure(
    database: str, enterprises: int, runs: int, contacts_per_enterprise: int = 2
) -> tuple[list[PlanRun], float]:
    """`runs` timed plans of one day on a fresh board; returns the runs and the seeding time."""
    on = working_day_on_or_after(PLAN_DAY)
    settings = load_settings()
    now = sending_start_utc(on, settings)
    out: list[PlanRun] = []
    with fresh_database(database) as url:
        db = get_engine(url)
        began = time.perf_counter()
        board = seed_board(db, enterprises, contacts_per_enterprise, YEAR)
        make_every_deadline_due(db, board.campaign_id, on)
        if database == "postgresql":
            # The statistics autovacuum would have gathered long before a real 08:00 plan
            # (the enterprises and contacts are months old by then): without them the
            # expansion's two lookups take a sequential scan (measured 30 and 80 ms per
            # batch at 100,000 enterprises instead of 4 and 4).
            with db.begin() as conn:
                conn.execute(text("ANALYZE"))
        seeding = time.perf_counter() - began
        for _ in range(runs):
            with Session(db) as session:
                session.execute(delete(Delivery))
                session.execute(delete(Fanout))
                session.commit()
            with Session(db, expire_on_commit=False) as session, StatementCounter(db) as counter:
                started = time.perf_counter()
                result = plan_day(session, on, settings, now=now)
                seconds = time.perf_counter() - started
            recipients = _recipients(db)
            expanded = 0
            started = time.perf_counter()
            with Session(db) as session:
                while expanded < min(EXPAND_SAMPLE, recipients):
                    batch = expand(session, now, EXPAND_BATCH, email=False)
                    session.commit()
                    if not batch:
                        break
                    expanded += batch
            expand_seconds = time.perf_counter() - started
            out.append(
                PlanRun(
                    enterprises,
                    seconds,
                    counter.count,
                    result.inserted,
                    dict(result.by_kind),
                    recipients,
                    expanded,
                    expand_seconds,
                )
            )
    return out, seeding
