"""Benchmark 5: the conversation engine alone, counted rather than timed.

`Engine._handle_sync` — one update's database transaction and flow, what the whole bot adds
to python-telegram-bot — driven directly on the throughput benchmark's script
(`throughput.officer_script`), on a fresh database, after as many officers again have warmed
it up (SQLAlchemy compiles each statement once per engine):

- Python function calls per update (cProfile's count, one pass of its own);
- SQL statements per update and CPU ms per update (thread time), another pass.

The two counts do not move with the machine's load or the state of its caches, so they show
a change to the engine's work that the throughput benchmark's CPU ratio cannot: that ratio's
spread between runs is wider than most changes, and inside the running bot the engine's cost
is mostly that of running cold after python-telegram-bot's work (docs/PERFORMANCE.md,
02/12/2026).
"""

from __future__ import annotations

import cProfile
import pstats
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from bench.common import StatementCounter, fresh_database, open_deadlines, seed_board
from bench.throughput import officer_script
from bot.db import get_engine
from bot.messaging import Incoming
from bot.models import Channel
from bot.settings import load_settings
from conversations.engine import Engine


@dataclass(frozen=True)
class EngineRun:
    updates: int
    calls: int
    statements: int
    cpu_seconds: float

    @property
    def calls_per_update(self) -> float:
        return self.calls / self.updates

    @property
    def statements_per_update(self) -> float:
        return self.statements / self.updates

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.updates


def _drive(engine: Engine, chat_ids: list[int], keys: count[int]) -> int:
    """Every update of the script for these officers, one after the other; how many."""
    updates = 0
    for kind, chat, payload in officer_script(chat_ids):
        engine._handle_sync(  # the transaction alone: no file, no event loop
            Incoming(
                channel=Channel.TELEGRAM,
                user_id=str(chat),
                chat_id=str(chat),
                update_key=f"engine-{next(keys)}",
                display_name=f"Cán bộ {chat}",
                text=payload if kind == "text" else None,
                choice=payload if kind == "callback" else None,
            ),
            None,
            None,
        )
        updates += 1
    return updates


def measure_once(database: str, officers: int, files_dir: Path) -> EngineRun:
    """Warm up on `officers` officers, count calls on as many more, then statements and CPU
    on as many more again; all on one fresh database."""
    with fresh_database(database) as url:
        db = get_engine(url)
        today = datetime.now(UTC).astimezone(load_settings().tz).date()
        board = seed_board(db, 3 * officers, 1, today.year)
        open_deadlines(db, board.campaign_id, today)
        engine = Engine(db, load_settings(database_url=url, files_dir=files_dir))
        chats = board.chat_ids
        keys = count()
        _drive(engine, chats[:officers], keys)
        profile = cProfile.Profile()
        profile.enable()
        updates = _drive(engine, chats[officers : 2 * officers], keys)
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        with StatementCounter(db) as counter:
            began = time.thread_time()
            timed = _drive(engine, chats[2 * officers :], keys)
            cpu = time.thread_time() - began
        assert timed == updates
        return EngineRun(updates, int(calls), counter.count, cpu)


def measure(database: str, officers: int, runs: int, files_dir: Path) -> list[EngineRun]:
    return [measure_once(database, officers, files_dir) for _ in range(runs)]
