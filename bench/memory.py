"""Benchmark 4: resident memory of the running bot with 10,000 enterprises and 20,000 contacts.

The real entry point, `thidua run` (python -m bot.cli run), runs in a subprocess with a fake
token and TELEGRAM_API_BASE_URL pointing at the fake Bot API. The database is seeded first
(bulk inserts, a campaign whose four deadlines all have a reminder due today when today is
a working day). The planning time is set to midnight so the scheduler's start-up catch-up
plans today at once. After it has planned and handled a round of officer updates, the
benchmark reads VmRSS (and the peak, VmHWM) from /proc/<pid>/status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from bench.common import fresh_database, make_every_deadline_due, seed_board
from bench.fake_process import REPO, RemoteFakeTelegram
from bench.throughput import officer_script
from bot.db import get_engine
from bot.models import Delivery
from bot.services.calendar import is_working_day
from bot.settings import load_settings
from scheduler.planner import backlog


@dataclass
class MemoryRun:
    rss_mb: float
    peak_mb: float
    planned: int
    updates: int
    replies: int
    note: str = ""


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _wait(predicate: object, timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bot exited (code {process.returncode}) while {what}")
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out {what}")


def local_today() -> date:
    """Today in the board's time zone: the day the bot's start-up planning run plans."""
    return datetime.now(UTC).astimezone(load_settings().tz).date()


def measure_once(
    enterprises: int = 10_000,
    contacts_per_enterprise: int = 2,
    talkers: int = 50,
    settle_seconds: float = 2.0,
    plan: bool = True,
) -> MemoryRun:
    """One run; `plan=False` sets the planning time to the end of the day, so the bot starts
    without a planning run (what the planning run itself adds to the memory)."""
    today = local_today()
    with (
        RemoteFakeTelegram() as fake,
        fresh_database("sqlite", migrate=True) as url,
        tempfile.TemporaryDirectory(prefix="thidua-bench-files-") as files,
    ):
        db = get_engine(url)
        board = seed_board(db, enterprises, contacts_per_enterprise, today.year)
        working = is_working_day(today) and plan
        if working:
            make_every_deadline_due(db, board.campaign_id, today)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "THIDUA_DATABASE_URL": url,
            "THIDUA_FILES_DIR": files,
            "THIDUA_PLANNING_TIME": "00:00" if plan else "23:59:59",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            # The health server runs in polling mode too: a free loopback port, never 8080.
            "THIDUA_WEB_HOST": "127.0.0.1",
            "THIDUA_WEB_PORT": "0",
        }
        for name in ("TELEGRAM_WEBHOOK_URL", "ZALO_BOT_TOKEN", "ZALO_WEBHOOK_URL"):
            env.pop(name, None)
        log = (Path(files) / "bot.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "run"],
            cwd=files,  # no .env of the repository is read
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait(
                lambda: fake.call("method_counts").get("getUpdates", 0) > 0,
                120,
                "starting",
                process,
            )

            def planned() -> int:
                """The day's messages: the deliveries written so far and those the plan's
                fan-outs have still to write (the dispatcher expands them as it sends)."""
                with Session(db) as session:
                    rows = int(session.exec(select(func.count()).select_from(Delivery)).one())
                    return rows + backlog(session, email=False)

            expected = 3 * len(board.chat_ids) if working else 0
            if working:
                _wait(lambda: planned() >= expected, 300, "planning", process)
            day = planned()  # before the officers answer (a submission takes its reminders)
            script = officer_script(board.chat_ids[:talkers])
            before = fake.call("sent_count")
            fake.call("push_script", script)
            _wait(
                lambda: (
                    fake.call("pending_updates") == 0
                    and fake.call("sent_count") - before >= len(script)
                ),
                300,
                "answering the officers",
                process,
            )
            time.sleep(
                settle_seconds
            )  # let the dispatcher run a few batches of the planned reminders
            rss = _status_mb(process.pid, "VmRSS")
            peak = _status_mb(process.pid, "VmHWM")
            note = (
                ""
                if working
                else "no planning run"
                if not plan
                else "today is a day off: the planning run had nothing to plan"
            )
            return MemoryRun(
                rss,
                peak,
                day,
                len(script),
                fake.call("sent_count") - before,
                note,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def measure(runs: int, enterprises: int = 10_000) -> list[MemoryRun]:
    return [measure_once(enterprises) for _ in range(runs)]
