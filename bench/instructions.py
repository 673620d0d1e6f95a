"""Benchmark 6: instructions per update of the whole bot against the echo bot, counted.

The throughput benchmark's CPU ratio moves by a third between two invocations of the same
code on the same idle machine (docs/PERFORMANCE.md, 02/12/2026), because what an update costs
there is mostly how cold the caches are when it runs, not how much it does. This benchmark
counts what it does: the same script, the same bots and the same fake Bot API as
`bench.throughput`, run once inside valgrind's callgrind, which counts the instructions each
bot executes in its timed part (the fake runs outside, at full speed). For the same code and
script the whole bot's count repeats to within a few per cent, whatever else the machine is
doing; the echo bot's moves more (12-15 M instructions per update), with how its concurrent
sends queue for pooled connections at valgrind's pace, so the ratio moves by about a fifth.

It needs valgrind on the PATH (Debian's package); without it the figures are missing and
the report says so. A run takes a minute or two per database: valgrind runs Python about
fifty times slower than it runs alone.

    python -m bench --only instructions
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.request import HTTPXRequest

from bench import throughput

# Python under callgrind is ~50x slower; nothing here waits on a human.
TIMEOUT = 3000.0


def available() -> bool:
    """Whether valgrind (and its callgrind_control) is on the PATH."""
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


@dataclass(frozen=True)
class InstructionRun:
    """One run of both bots on one database: instructions executed while timed."""

    database: str
    updates: int
    echo: int
    bot: int
    check: str

    @property
    def echo_per_update(self) -> float:
        return self.echo / self.updates

    @property
    def bot_per_update(self) -> float:
        return self.bot / self.updates

    @property
    def ratio(self) -> float:
        return self.bot / self.echo


class CallgrindMeter:
    """Counts instructions instead of CPU time: callgrind's instrumentation is switched on
    when the script is queued and off when it has been handled, and the counts are then
    written to a dump described by the bot's name (`echo` or the database)."""

    def __init__(self, bot: str) -> None:
        self.bot = bot

    def begin(self) -> None:
        _control("--instr=on")

    def end(self) -> float:
        _control("--instr=off")
        _control(f"--dump={self.bot}")
        return 0.0  # CPU time means nothing at valgrind's pace; the dump holds the count


def _control(option: str) -> None:
    subprocess.run(["callgrind_control", option, str(os.getpid())], check=True, capture_output=True)


def measure(database: str, officers: int, files_dir: Path) -> InstructionRun:
    """Run both bots under callgrind on `officers` officers; the counts of the timed parts."""
    with tempfile.TemporaryDirectory(prefix="thidua-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.instructions",
            database,
            str(officers),
            str(files_dir),
        ]
        # The same hash seed every time: dict and set layouts, hence the work, repeat.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            said = [line for line in done.stderr.splitlines() if not line.startswith("==")]
            raise RuntimeError("the run under callgrind failed: " + "\n".join(said[-20:]))
        child = json.loads(done.stdout.strip().splitlines()[-1])
        counts = _dumps(Path(tmp))
    return InstructionRun(
        database, child["updates"], counts["echo"], counts[database], child["check"]
    )


# How callgrind heads a dump asked for by `callgrind_control --dump=<description>`.
DUMPED = "desc: Trigger: dump "


def _dumps(folder: Path) -> dict[str, int]:
    """The instructions in each dump, by the description the meter gave it."""
    counts: dict[str, int] = {}
    for path in folder.glob("callgrind.out.*"):
        described, total = "", 0
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(DUMPED):
                described = line.removeprefix(DUMPED).strip()
            elif line.startswith("totals:"):
                total = int(line.split()[1])
        counts[described] = total
    return counts


def _patient_pool() -> None:
    """Give every Bot API request of this process minutes, not python-telegram-bot's one
    second, to get a pooled connection: at valgrind's pace the echo bot's 140 concurrent sends
    queue longer than that, and a send given up is work not counted. Both bots get the same
    patience; the requests themselves are unchanged. getUpdates keeps its own timeout: its
    one connection is held by the long poll, and the updater's last call at shutdown must
    give up on it rather than wait."""
    init = HTTPXRequest.__init__

    @functools.wraps(init)
    def patient(self: HTTPXRequest, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("connection_pool_size", 1) > 1:  # not getUpdates' own one-connection pool
            kwargs["pool_timeout"] = TIMEOUT
        init(self, *args, **kwargs)

    HTTPXRequest.__init__ = patient  # type: ignore[method-assign]


def _child(database: str, officers: int, files_dir: Path) -> None:
    """Inside valgrind: one measured run of each bot; the checks, as JSON, on the last line."""
    _patient_pool()
    results = asyncio.run(
        throughput.measure(officers, 1, [database], files_dir, TIMEOUT, CallgrindMeter)
    )
    [echo], [ours] = results["echo"], results[database]
    if echo.errors or ours.errors:
        # A send that timed out at valgrind's pace would make a bot look cheaper than it is.
        raise SystemExit(f"not every update was answered: echo {echo.check}; bot {ours.check}")
    print(json.dumps({"updates": ours.updates, "check": f"echo {echo.check}; bot {ours.check}"}))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
