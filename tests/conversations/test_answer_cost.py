"""What one officer's answer costs the database: a typical figure answer runs at most six SQL
statements (issue 12), counted through the engine on both databases, so a change that adds a
query per message fails here instead of in the bench."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.services.numbers import report_figures
from tests.conversations.conftest import World, linked_chat
from tests.conversations.test_report import answer

# Statements of one figure answer (BEGIN/COMMIT are not cursor statements; the test counts
# what reaches the cursor), 13 on SQLite / 14 on PostgreSQL before issue 12's n12s:
#  1 the update's dedupe row (exactly-once); on PostgreSQL the same INSERT first takes the
#    sender's advisory lock, so that
#  2 the contact, row-locked, can come with its conversation state (one outer join)
#  3 the item: the running campaign, its deadline, the submission (row-locked) and the
#    report's row, in one join (bot.services.submissions.load_item)
#  4 the figure (UPDATE of the report's row)
#  5 the audit entry
#  6 the conversation state (step, data, history)
# Gone: the SAVEPOINT around the step and its RELEASE (a refusal rolls back the whole
# transaction and answers again, engine._Refused), the separate campaign/deadline/submission/
# report reads, the attachments (a figure question does not show them), the re-read of the
# submission under its lock (load_item locked it), and the bump of submission.updated_at (a
# change of a part is dated by its audit entry).
MAX_STATEMENTS = {"sqlite": 6, "postgresql": 6}


@contextmanager
def counted(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(world.db, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(world.db, "before_cursor_execute", before)


async def test_a_figure_answer_runs_a_handful_of_statements(world: World) -> None:
    chat = await linked_chat(world, language="vi")
    await chat.say("/report")
    figures = report_figures()
    out = await chat.say(answer(figures[0], 0))  # the first answer warms any cache
    assert "Đã ghi" in out or "Noted" in out, out
    world.clock.now += timedelta(seconds=40)  # the officer types the next figure
    with counted(world) as statements:
        out = await chat.say(answer(figures[1], 0))
    assert "Đã ghi" in out or "Noted" in out, out
    listing = "\n".join(f"{i}. {' '.join(s.split())[-160:]}" for i, s in enumerate(statements, 1))
    most = MAX_STATEMENTS[world.db.dialect.name]
    assert len(statements) <= most, f"{len(statements)} statements:\n{listing}"
