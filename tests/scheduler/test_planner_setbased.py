"""The plan, once its fan-outs are expanded, holds exactly what the row-based dry run lists.

`plan_day` writes one fan-out per (notification, board) and the digests per contact; the
dispatcher's expansion (`scheduler.planner.expand`) turns the fan-outs into identity rows;
`preview_day` builds the same messages row by row and renders them. On both databases, for
days with every kind of message, the outbox must hold the preview's messages with the same
keys, recipients and due times, and its rows must render to the preview's texts.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from bot.models import (
    DeadlineKind,
    Delivery,
    DeliveryStatus,
    Fanout,
    FanoutStatus,
    Role,
    SubmissionStatus,
)
from bot.notifications.render import render_deliveries
from bot.settings import Settings
from scheduler.planner import preview_day
from tests.scheduler.conftest import plan_and_expand
from tests.scheduler.factories import add_enterprises, add_staff, make_board, submit

D = date.fromisoformat
# Raw language codes as chat platforms report them; the planner normalises them like
# bot.i18n.normalize_language (en-US → en, fr → the default vi).
LANGUAGES = ["vi", "en", "EN-us", "en_GB", "fr", "vi-VN", "e", ""]
NOTE = "Thiếu chữ ký {n} & 100% 'dấu' của Giám đốc — xem lại\nmục 2"


def _board(session: Session) -> None:
    board = make_board(session, 2025)
    for language in LANGUAGES:
        add_enterprises(session, board, 2, contacts_each=2, language=language)
    e = board.enterprises
    launch, titles = DeadlineKind.LAUNCH_DOCUMENT, DeadlineKind.TITLE_REGISTRATION
    submit(session, board, e[0], launch, SubmissionStatus.DRAFT)
    submit(session, board, e[1], launch, SubmissionStatus.RETURNED, note=NOTE)
    submit(session, board, e[2], launch, SubmissionStatus.RETURNED, note="")
    submit(session, board, e[3], launch, SubmissionStatus.RETURNED)
    submit(session, board, e[4], launch, SubmissionStatus.SUBMITTED)
    submit(session, board, e[5], launch, SubmissionStatus.ACCEPTED)
    submit(session, board, e[6], launch, SubmissionStatus.RETURNED, note="thiếu phụ lục")
    submit(session, board, e[7], titles, SubmissionStatus.RETURNED, note=NOTE)
    submit(session, board, e[8], titles, SubmissionStatus.DRAFT)
    e[9].active = False
    board.officers[20].reachable = False
    add_staff(session, board)
    add_staff(session, board, Role.CLUSTER_LEADER, cluster=board.clusters[0], language="en")
    other = make_board(session, 2025, slug="other")
    add_enterprises(session, other, 3, language="en")


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-24",  # Tết eve: the last working day before 31/01, all wordings
        "2025-02-05",  # 3 working days overdue
        "2025-02-10",  # Monday: overdue reminders? no, the digest
        "2025-04-14",  # one day before the registration
        "2025-07-01",  # phase 2 starts
        "2025-08-27",  # the National Day prompt (round anniversary)
        "2025-12-10",  # the year-end report, overdue
    ],
)
def test_plan_day_writes_what_preview_day_lists(
    engine: Engine, settings: Settings, day: str
) -> None:
    on = D(day)
    with Session(engine, expire_on_commit=False) as session:
        _board(session)
        session.commit()
        preview = preview_day(session, on, settings)
        result = plan_and_expand(session, on, settings)
        rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
        texts = [r.text for r in render_deliveries(session, rows)]  # type: ignore[union-attr]
        again = plan_and_expand(session, on, settings)
        fanouts = session.exec(select(Fanout)).all()
    assert preview, "the day must plan something"
    # The same messages (the preview is sorted; the digests, written with the plan, come
    # before the expanded fan-outs' rows).
    assert len(rows) == len(preview) == len({m.dedupe_key for m in preview})
    digests = [m.dedupe_key for m in preview if m.kind == "digest"]
    assert [r.dedupe_key for r in rows if r.kind == "digest"] == digests
    written = {
        r.dedupe_key: (str(r.kind), r.contact_id, text, r.not_before)
        for r, text in zip(rows, texts, strict=True)
    }
    listed = {m.dedupe_key: (str(m.kind), m.contact_id, m.text, m.not_before) for m in preview}
    assert written == listed
    assert {r.status for r in rows} == {DeliveryStatus.PENDING}
    assert all(r.attempts == 0 and r.claimed_by is None for r in rows)
    # one fan-out per notification to a board, one row per digest recipient
    fanned = {(str(m.kind), m.dedupe_key.rsplit(":", 1)[0]) for m in preview if m.kind != "digest"}
    assert len(fanouts) == result.fanouts == len(fanned)
    assert all(f.status == FanoutStatus.EXPANDED for f in fanouts)
    assert sum(f.expanded for f in fanouts) == len(preview) - len(digests)
    assert result.candidates == result.inserted == len(fanned) + len(digests)
    expected = Counter(kind for kind, _ in fanned) + Counter("digest" for _ in digests)
    assert result.by_kind == dict(expected)
    assert again.candidates == result.candidates and again.inserted == 0


def test_reminder_texts_carry_each_note_and_language(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        _board(session)
        session.commit()
        plan_and_expand(session, D("2025-01-24"), settings)
        rendered = render_deliveries(session, session.exec(select(Delivery)).all())
        texts = [r.text for r in rendered]  # type: ignore[union-attr]
    noted = [t for t in texts if NOTE in t]
    assert len(noted) == 2  # e[1]'s two officers; e[7]'s note is on another item
    assert sum("thiếu phụ lục" in t for t in texts) == 2
    english = [t for t in texts if "last working day before the deadline" in t]
    # en, EN-us, en_GB enterprises of this board (2 each, 2 officers each; e[4]/e[5] done),
    # and the other board's 3 English-speaking enterprises.
    assert len(english) == 4 * 2 - 4 + 4 + 3


def test_a_replan_after_a_partial_run_adds_only_the_missing(
    engine: Engine, settings: Settings
) -> None:
    on = D("2025-01-24")
    with Session(engine, expire_on_commit=False) as session:
        _board(session)
        session.commit()
        plan_and_expand(session, on, settings)
        before = session.exec(select(Delivery.dedupe_key).order_by(col(Delivery.id))).all()
        some = session.exec(select(Delivery.id).order_by(col(Delivery.id)).limit(5)).all()
        session.exec(delete(Delivery).where(col(Delivery.id).in_(some)))
        # the fan-outs' expansion was interrupted: it starts again from the beginning
        session.execute(update(Fanout).values(status=FanoutStatus.PENDING, cursor=0, expanded=0))
        session.commit()
        plan_and_expand(session, on, settings)
        after = session.exec(select(Delivery.dedupe_key).order_by(col(Delivery.id))).all()
    assert sorted(after) == sorted(before) and len(set(after)) == len(after)


def test_digest_lists_the_boards_first_overdue_items_across_clusters(
    engine: Engine, settings: Settings
) -> None:
    """Only the first items of each cluster are read; the board's digest must still list the
    board's first ones, in order, and count them all."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        made = add_enterprises(session, board, 36, contacts_each=0)
        for i, ent in enumerate(made):
            ent.name = f"Công ty {(i * 7) % 36:02d}"  # names not in cluster order
        add_staff(session, board)
        session.commit()
        names = sorted(ent.name for ent in made)
        [digest] = [
            m for m in preview_day(session, D("2025-02-10"), settings) if m.kind == "digest"
        ]
    assert "Quá hạn (36):" in digest.text  # the launch documents, due 31/01
    listed = [line for line in digest.text.splitlines() if line.startswith("• Công ty")]
    assert [line.split(" (")[0][2:] for line in listed] == names[: len(listed)]
    assert len(listed) == 15 and "…và 21 mục khác" in digest.text
