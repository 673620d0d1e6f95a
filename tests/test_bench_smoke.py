"""The benchmarks at tiny sizes, so they cannot rot: each one runs end to end and its own
correctness checks hold (nothing lost or doubled, every update answered, the planner writes
one reminder per deadline per officer). Speed is not asserted here; `make bench` measures it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench import broadcast, engine, instructions, memory, planning, throughput
from bench.__main__ import main as bench_main
from bench.fake_process import RemoteFakeTelegram
from bench.report import Report, Row
from bot.services.calendar import is_working_day


async def test_throughput_whole_bot_and_echo_answer_every_update(tmp_path: Path) -> None:
    results = await throughput.measure(2, 1, ["sqlite"], tmp_path, timeout=60)
    [ours] = results["sqlite"]
    [echo] = results["echo"]
    assert ours.updates == echo.updates == 2 * throughput.STEPS_PER_OFFICER
    assert ours.errors == 0, ours.check
    assert ours.check.startswith("2/2 registrations saved")
    assert ours.rate > 0 and echo.rate > 0


def test_engine_alone_counts_its_calls_and_statements(tmp_path: Path) -> None:
    [run] = engine.measure("sqlite", 2, 1, tmp_path)
    assert run.updates == 2 * throughput.STEPS_PER_OFFICER
    # Every update claims its key and reads its sender at the least.
    assert run.statements >= 2 * run.updates
    assert run.calls > run.statements and run.cpu_seconds > 0


async def test_broadcast_outbox_loses_and_doubles_nothing_and_naive_is_compared() -> None:
    with RemoteFakeTelegram() as fake:
        ours = await broadcast.run_outbox(fake, 12, timeout=60)
        naive = await broadcast.run_naive(fake, 40)
    assert (ours.sent, ours.lost, ours.doubled, ours.failed) == (12, 0, 0, 0)
    assert ours.rate > 0
    # The fake enforces 30/s; the naive loop's first burst goes over it.
    assert naive.sent + naive.lost == 40
    assert naive.rate_limited == naive.failed == naive.lost


def test_planning_writes_every_reminder_with_a_constant_statement_count() -> None:
    small, _ = planning.measure("sqlite", 20, 1)
    large, _ = planning.measure("sqlite", 60, 1)
    # One fan-out per deadline, whatever the enterprises; expanded, each of the plan's five
    # deadlines reminds each of the two officers of an enterprise.
    assert small[0].by_kind.get("reminder") == large[0].by_kind.get("reminder") == 5
    assert small[0].recipients == small[0].expanded == 20 * 2 * 5
    assert large[0].recipients == large[0].expanded == 60 * 2 * 5
    assert small[0].statements == large[0].statements > 0


def test_memory_reads_the_rss_of_a_running_bot() -> None:
    run = memory.measure_once(30, talkers=2, settle_seconds=0)
    assert 20 < run.rss_mb <= run.peak_mb
    assert run.replies >= run.updates == 2 * throughput.STEPS_PER_OFFICER
    assert run.planned == (30 * 2 * 5 if run.note == "" else 0)  # five deadlines
    assert (run.note == "") == is_working_day(memory.local_today())


def test_report_says_which_target_is_missed_and_by_how_much() -> None:
    report = Report([("CPU", "test")], runs=3)
    report.rows.append(Row("3. Planning", "plan_day, s", 3.4, 3, "< 2", False, "1.7× the target"))
    report.rows.append(Row("4. Memory", "RSS, MB", 120.0, 3, "< 200", True))
    text = report.markdown()
    assert "| 3. Planning | plan_day, s | 3.40 | 3 | < 2 | **not met** (1.7× the target) |" in text
    assert "| 4. Memory | RSS, MB | 120 | 3 | < 200 | met |" in text


def test_cli_writes_the_table(tmp_path: Path) -> None:
    output = tmp_path / "PERFORMANCE.md"
    result = CliRunner().invoke(
        bench_main,
        ["--quick", "--only", "planning", "--runs", "1", "--sqlite-only", "--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    text = output.read_text()
    assert "## Machine" in text and "SQL statements per plan on SQLite" in text


@pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed")
def test_instructions_count_both_bots_on_the_same_script(tmp_path: Path) -> None:
    run = instructions.measure("sqlite", 2, tmp_path)
    assert run.updates == 2 * throughput.STEPS_PER_OFFICER
    assert "echo 14 echoes" in run.check and "0 error replies" in run.check
    # Both bots did real work inside the count: an echo update alone is millions.
    assert run.echo > 1_000_000 * run.updates and run.bot > 1_000_000 * run.updates
    assert 0.5 < run.ratio < 5
