"""Benchmark 3: the daily planner over many enterprises (4 deadlines, 2 officers each).

The board's campaign is created from the Bắc Giang template through the services; its three
deadlines are then moved so that each has a reminder going out on the planned day, so the
planner writes one reminder per deadline per officer (6 per enterprise) plus whatever the
template's observances and phases give that day. The enterprises and officers are seeded
with bulk inserts. Each run empties the outbox, then times `plan_day` (read, build the
texts, bulk insert, commit) and counts its SQL statements with an engine event listener.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete
from sqlmodel import Session

from bench.common import (
    StatementCounter,
    fresh_database,
    make_every_deadline_due,
    seed_board,
    working_day_on_or_after,
)
from bot.db import get_engine
from bot.models import Delivery
from bot.settings import load_settings
from scheduler.planner import plan_day

YEAR = 2026
# A Tuesday in March, inside phase 1 and clear of Tết; reminders are moved onto it.
PLAN_DAY = date(YEAR, 3, 10)


@dataclass
class PlanRun:
    enterprises: int
    seconds: float
    statements: int
    messages: int
    by_kind: dict[str, int]


def measure(
    database: str, enterprises: int, runs: int, contacts_per_enterprise: int = 2
) -> tuple[list[PlanRun], float]:
    """`runs` timed plans of one day on a fresh board; returns the runs and the seeding time."""
    on = working_day_on_or_after(PLAN_DAY)
    settings = load_settings()
    out: list[PlanRun] = []
    with fresh_database(database) as url:
        db = get_engine(url)
        began = time.perf_counter()
        board = seed_board(db, enterprises, contacts_per_enterprise, YEAR)
        make_every_deadline_due(db, board.campaign_id, on)
        seeding = time.perf_counter() - began
        for _ in range(runs):
            with Session(db) as session:
                session.execute(delete(Delivery))
                session.commit()
            with Session(db, expire_on_commit=False) as session, StatementCounter(db) as counter:
                started = time.perf_counter()
                result = plan_day(session, on, settings)
                seconds = time.perf_counter() - started
            out.append(
                PlanRun(enterprises, seconds, counter.count, result.inserted, dict(result.by_kind))
            )
    return out, seeding
