"""`python -m bench` (`make bench`): run every benchmark and write docs/PERFORMANCE.md.

    python -m bench                 # the default sizes, about fifteen minutes
    python -m bench --full          # the broadcast to all 10,000 recipients (about 15 more)
    python -m bench --quick         # tiny sizes, a minute or two (the smoke test's sizes)
    python -m bench --only instructions   # section 6 alone: instructions counted, ~4 minutes
    python -m bench --only planning --output /tmp/perf.md

PostgreSQL figures need a server on 127.0.0.1:5432 (user postgres, database test, or
THIDUA_BENCH_PG_URL); without one they are marked as not measured, never silently dropped.
Section 6 needs valgrind (Debian's package); without it the report says it was not measured.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

import click

from bench import broadcast, engine, instructions, memory, planning, throughput
from bench.common import median, pg_available
from bench.machine import busy_note, load_average, machine_lines
from bench.report import Report, Row

ALL = ("throughput", "broadcast", "planning", "memory", "engine", "instructions")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


@click.command()
@click.option("--full", is_flag=True, help="Broadcast to all 10,000 recipients.")
@click.option("--quick", is_flag=True, help="Tiny sizes: checks that everything runs.")
@click.option("--only", type=click.Choice(ALL), multiple=True, help="Run only these.")
@click.option("--runs", type=int, default=3, show_default=True, help="Runs per figure.")
@click.option("--sqlite-only", is_flag=True, help="Leave PostgreSQL out.")
@click.option("--output", type=click.Path(path_type=Path), default=DEFAULT_OUTPUT)
def main(
    full: bool, quick: bool, only: tuple[str, ...], runs: int, sqlite_only: bool, output: Path
) -> None:
    """Run the benchmarks and write the table."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    selected = only or ALL
    with_pg = not sqlite_only and pg_available()
    databases = ["sqlite", "postgresql"] if with_pg else ["sqlite"]
    load_before = load_average()
    report = Report(machine_lines(), runs=runs, quick=quick)
    if sqlite_only:
        report.notes.append("Run with --sqlite-only: no PostgreSQL figures.")
    elif "postgresql" not in databases:
        report.notes.append("PostgreSQL did not answer on 127.0.0.1:5432: its figures are missing.")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="thidua-bench-") as tmp:
        if "throughput" in selected:
            _throughput(report, databases, runs, quick, Path(tmp))
        if "broadcast" in selected:
            _broadcast(report, runs, quick, full)
        if "planning" in selected:
            _planning(report, databases, runs, quick)
        if "memory" in selected:
            _memory(report, runs, quick)
        if "engine" in selected:
            _engine(report, databases, runs, quick, Path(tmp))
        if "instructions" in selected:
            _instructions(report, databases, quick, Path(tmp))
    report.elapsed = time.perf_counter() - started
    if "broadcast" in selected and not full:
        report.notes.append(
            "The broadcast rate is measured over a window of the recipients shown (10,000 at "
            "25/s would take 400 s); `python -m bench --full` sends to all 10,000."
        )
    report.notes.append(busy_note(load_before, load_average()))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.markdown() + _kept(output), encoding="utf-8")
    click.echo(report.summary())
    click.echo(f"written: {output}")


# The line below which docs/PERFORMANCE.md holds hand-written sections (before/after notes
# with their commits and profiles): a new run replaces the table above it and keeps them.
KEEP_MARKER = "<!-- Hand-written sections below: `make bench` keeps them. -->"


def _kept(output: Path) -> str:
    """The hand-written part of the previous file, from the marker on ("" if none)."""
    if not output.exists():
        return ""
    text = output.read_text(encoding="utf-8")
    at = text.find(KEEP_MARKER)
    return "" if at < 0 else "\n" + text[at:]


def _n(number: int) -> str:
    """10 000: a thin space would be nicer, a plain one survives every Markdown viewer."""
    return f"{number:,}".replace(",", " ")


def _say(text: str) -> None:
    click.echo(text, err=True)


def _throughput(report: Report, databases: list[str], runs: int, quick: bool, tmp: Path) -> None:
    officers = 3 if quick else 40
    _say(f"throughput: {officers} officers x {throughput.STEPS_PER_OFFICER} updates, {runs} runs")
    results = asyncio.run(throughput.measure(officers, runs, databases, tmp))
    echo = [r.rate for r in results["echo"]]
    report.rows.append(
        Row("1. Update throughput", "bare PTB echo bot, updates/s", median(echo), runs, "", None)
    )
    report.rows.append(
        Row(
            "1. Update throughput",
            "bare PTB echo bot, CPU ms per update",
            median([r.cpu_ms_per_update for r in results["echo"]]),
            runs,
            "",
            None,
        )
    )
    for database in databases:
        ours = results[database]
        rates = [r.rate for r in ours]
        ratios = [e.rate / o.rate for e, o in zip(results["echo"], ours, strict=True)]
        # The figure is CPU: on a shared machine the wall-clock rate moves with the
        # load, and the bot's replies are paced (scheduler.pacing) while the echo bot's are not.
        cpu_ratios = [
            o.cpu_ms_per_update / e.cpu_ms_per_update
            for e, o in zip(results["echo"], ours, strict=True)
        ]
        errors = sum(r.errors for r in ours)
        name = "SQLite" if database == "sqlite" else "PostgreSQL"
        target = 300.0 if database == "sqlite" else None
        report.rows.append(
            Row(
                "1. Update throughput",
                f"whole bot on {name}, updates/s",
                median(rates),
                runs,
                "≥ 300" if target else "(reported)",
                None if target is None else median(rates) >= target,
                shortfall=f"{median(rates) / target:.0%} of the target" if target else "",
            )
        )
        report.rows.append(
            Row(
                "1. Update throughput",
                f"whole bot on {name}, CPU ms per update",
                median([r.cpu_ms_per_update for r in ours]),
                runs,
                "",
                None,
            )
        )
        report.rows.append(
            Row(
                "1. Update throughput",
                f"CPU per update vs echo bot ({name}), ×",
                median(cpu_ratios),
                runs,
                "≤ 1.5",
                median(cpu_ratios) <= 1.5,
                shortfall=f"{median(cpu_ratios) / 1.5 - 1:.0%} over",
            )
        )
        report.rows.append(
            Row(
                "1. Update throughput",
                f"updates/s of the echo bot per update/s of the bot ({name}), ×",
                median(ratios),
                runs,
                "(reported)",
                None,
            )
        )
        report.rows.append(
            Row(
                "1. Update throughput",
                f"failed updates on {name} (all runs)",
                float(errors),
                runs,
                "0",
                errors == 0,
                shortfall=f"{errors} failed",
            )
        )
        report.details.append(
            f"Throughput on {name}, per run: "
            + "; ".join(
                f"{r.updates} updates in {r.seconds:.1f} s = {r.rate:.0f}/s, "
                f"{r.cpu_ms_per_update:.1f} ms CPU per update ({r.check}); echo bot "
                f"{e.rate:.0f}/s, {e.cpu_ms_per_update:.1f} ms CPU per update; "
                f"rate ratio {e.rate / r.rate:.2f}×, "
                f"CPU ratio {r.cpu_ms_per_update / e.cpu_ms_per_update:.2f}×"
                for r, e in zip(ours, results["echo"], strict=True)
            )
        )


def _engine(report: Report, databases: list[str], runs: int, quick: bool, tmp: Path) -> None:
    officers = 2 if quick else 40
    _say(f"engine alone: {officers} officers x {throughput.STEPS_PER_OFFICER} updates, {runs} runs")
    section = "5. Engine alone"
    for database in databases:
        name = "SQLite" if database == "sqlite" else "PostgreSQL"
        results = engine.measure(database, officers, runs, tmp)
        report.rows += [
            Row(
                section,
                f"Python calls per update, {name} (deterministic)",
                median([r.calls_per_update for r in results]),
                runs,
                "(reported)",
                None,
                shown=f"{median([r.calls_per_update for r in results]):.0f}",
            ),
            Row(
                section,
                f"SQL statements per update, {name}",
                median([r.statements_per_update for r in results]),
                runs,
                "(reported)",
                None,
            ),
            Row(
                section,
                f"CPU ms per update, {name} (the transaction alone)",
                median([r.cpu_ms_per_update for r in results]),
                runs,
                "(reported)",
                None,
            ),
        ]
        report.details.append(
            f"Engine alone on {name}, per run: "
            + "; ".join(
                f"{r.updates} updates, {r.calls_per_update:.0f} calls, "
                f"{r.statements_per_update:.2f} statements, {r.cpu_ms_per_update:.2f} ms CPU "
                "per update"
                for r in results
            )
        )


def _instructions(report: Report, databases: list[str], quick: bool, tmp: Path) -> None:
    section = "6. Instructions"
    if not instructions.available():
        report.notes.append("valgrind is not installed: section 6 (instructions) not measured.")
        return
    officers = 3 if quick else 20
    _say(f"instructions: {officers} officers x {throughput.STEPS_PER_OFFICER} updates, callgrind")
    for database in databases:
        name = "SQLite" if database == "sqlite" else "PostgreSQL"
        # One run: the count repeats (unlike CPU time), and a run takes minutes.
        try:
            run = instructions.measure(database, officers, tmp)
        except RuntimeError as error:
            report.notes.append(f"Section 6 on {name} not measured: {str(error)[-500:]}")
            continue
        report.rows += [
            Row(
                section,
                f"instructions per update, millions: echo bot / whole bot on {name}",
                run.bot_per_update / 1e6,
                1,
                "(reported)",
                None,
                shown=f"{run.echo_per_update / 1e6:.2f} / {run.bot_per_update / 1e6:.2f}",
            ),
            Row(
                section,
                f"instructions per update vs echo bot ({name}), ×",
                run.ratio,
                1,
                "≤ 1.5",
                run.ratio <= 1.5,
                shortfall=f"{run.ratio / 1.5 - 1:.0%} over",
            ),
        ]
        report.details.append(
            f"Instructions on {name}: {run.updates} updates each, echo bot {run.echo:,}, "
            f"whole bot {run.bot:,} ({run.check})"
        )


def _broadcast(report: Report, runs: int, quick: bool, full: bool) -> None:
    recipients = 40 if quick else 10_000 if full else 800
    rounds = 1 if full else runs
    _say(f"broadcast: {recipients} recipients, {rounds} runs (the outbox at 25/s, fake at 30/s)")
    results = asyncio.run(broadcast.measure(recipients, rounds))
    ours, naive = results["outbox"], results["naive"]
    rate = median([r.rate for r in ours])
    lost = sum(r.lost for r in ours)
    doubled = sum(r.doubled for r in ours)
    section = "2. Broadcast"
    window = f"{_n(recipients)} recipients"
    report.rows += [
        Row(
            section,
            f"outbox sustained rate, msg/s ({window}; limit 25/s)",
            rate,
            rounds,
            "≥ 23.75 (95%)",
            rate >= 23.75,
            shortfall=f"{rate / 25:.0%} of the configured rate",
        ),
        Row(
            section,
            "outbox: lost / doubled (all runs)",
            float(lost + doubled),
            rounds,
            "0",
            lost + doubled == 0,
            shortfall=f"{lost} lost, {doubled} doubled",
        ),
        Row(
            section,
            "outbox: 429s received",
            median([r.rate_limited for r in ours]),
            rounds,
            "(reported)",
            None,
        ),
        Row(
            section,
            "AIORateLimiter loop: rate, msg/s",
            median([r.rate for r in naive]),
            rounds,
            "(compared)",
            None,
        ),
        Row(
            section,
            "AIORateLimiter loop: 429s received",
            median([r.rate_limited for r in naive]),
            rounds,
            "(compared)",
            None,
        ),
        Row(
            section,
            "AIORateLimiter loop: lost",
            median([r.lost for r in naive]),
            rounds,
            "(compared)",
            None,
        ),
        Row(
            section,
            "AIORateLimiter loop: doubled",
            median([r.doubled for r in naive]),
            rounds,
            "(compared)",
            None,
        ),
    ]
    for label, rows in (("outbox", ours), ("AIORateLimiter loop", naive)):
        report.details.append(
            f"Broadcast, {label}, per run: "
            + "; ".join(
                f"{r.sent}/{r.recipients} delivered in {r.seconds:.1f} s, {r.rate:.2f}/s "
                f"sustained, {r.rate_limited} × 429, {r.lost} lost, {r.doubled} doubled"
                for r in rows
            )
        )


def _planning(report: Report, databases: list[str], runs: int, quick: bool) -> None:
    sizes = (50, 200) if quick else (10_000, 100_000)
    for database in databases:
        name = "SQLite" if database == "sqlite" else "PostgreSQL"
        statements: dict[int, int] = {}
        for size in sizes:
            size_runs = runs if size < 100_000 else min(runs, 2)
            _say(f"planning: {size} enterprises on {name}, {size_runs} runs")
            results, seeding = planning.measure(database, size, size_runs)
            seconds = median([r.seconds for r in results])
            statements[size] = max(r.statements for r in results)
            first = results[0]
            is_target = size == sizes[-1]
            report.rows.append(
                Row(
                    "3. Planning",
                    f"plan_day, {_n(size)} enterprises on {name}, s",
                    seconds,
                    size_runs,
                    "< 2" if is_target else "(reported)",
                    seconds < 2 if is_target else None,
                    shortfall=f"{seconds / 2:.1f}× the target",
                )
            )
            per_message = median([r.us_per_message for r in results])
            report.rows.append(
                Row(
                    "3. Planning",
                    f"expansion by the dispatcher, {_n(size)} enterprises on {name}, "
                    "µs per message",
                    round(per_message, 1),
                    size_runs,
                    "(reported)",
                    None,
                )
            )
            report.details.append(
                f"Planning {size:,} enterprises on {name}: {first.rows:,} outbox rows written "
                f"({first.by_kind}) for {first.recipients:,} messages, {statements[size]} SQL "
                "statements, runs "
                + ", ".join(f"{r.seconds:.2f} s" for r in results)
                + f"; seeding took {seeding:.1f} s. Expansion in batches of "
                f"{planning.EXPAND_BATCH}: "
                + ", ".join(
                    f"{r.expanded:,} messages in {r.expand_seconds:.2f} s "
                    f"({r.us_per_message:.0f} µs each; the whole day "
                    f"≈ {r.expand_all_seconds:.0f} s)"
                    for r in results
                )
                + f"; sending the day at 25/s takes {first.recipients / 25 / 3600:.1f} h"
            )
        flat = len(set(statements.values())) == 1
        report.rows.append(
            Row(
                "3. Planning",
                f"SQL statements per plan on {name} ("
                + " / ".join(_n(s) for s in sizes)
                + " enterprises)",
                float(statements[sizes[-1]]),
                runs,
                "same at every size",
                flat,
                shortfall=" vs ".join(str(statements[s]) for s in sizes),
                shown=" / ".join(str(statements[s]) for s in sizes),
            )
        )


def _memory(report: Report, runs: int, quick: bool) -> None:
    enterprises = 300 if quick else 10_000
    memory_runs = 1 if quick else runs
    _say(f"memory: `thidua run` with {enterprises} enterprises, {memory_runs} runs")
    results = [memory.measure_once(enterprises, talkers=5 if quick else 50)]
    results += [memory.measure_once(enterprises) for _ in range(memory_runs - 1)]
    rss = median([r.rss_mb for r in results])
    report.rows.append(
        Row(
            "4. Memory",
            f"RSS of `thidua run`, {_n(enterprises)} enterprises / {_n(2 * enterprises)} "
            "contacts, MB",
            rss,
            memory_runs,
            "< 200",
            rss < 200,
            shortfall=f"{rss - 200:.0f} MB over",
        )
    )
    report.rows.append(
        Row(
            "4. Memory",
            "peak RSS (VmHWM), MB",
            median([r.peak_mb for r in results]),
            memory_runs,
            "(reported)",
            None,
        )
    )
    # The same bot without the start-up planning run: how much of the memory planning takes.
    baseline = [
        memory.measure_once(enterprises, talkers=5 if quick else 50, plan=False)
        for _ in range(memory_runs)
    ]
    report.rows.append(
        Row(
            "4. Memory",
            "RSS of the same bot without a planning run, MB",
            median([r.rss_mb for r in baseline]),
            memory_runs,
            "(reported)",
            None,
        )
    )
    results += baseline
    for r in results:
        report.details.append(
            f"Memory run: RSS {r.rss_mb:.0f} MB, peak {r.peak_mb:.0f} MB, after a plan of "
            f"{r.planned:,} messages and answering {r.updates} updates with {r.replies} messages"
            + (f" ({r.note})" if r.note else "")
        )


if __name__ == "__main__":
    sys.exit(main())
