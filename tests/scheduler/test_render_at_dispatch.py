"""Texts are rendered when a message is sent, from what is true then.

Planning writes identities (kind, campaign, item kind, planned day, contact): a /language
switch, a moved deadline or a renamed campaign between planning and sending is what the
officer reads; the row itself never held a text. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import (
    Campaign,
    Channel,
    Contact,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryStatus,
    SubmissionStatus,
)
from bot.notifications import facts
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.planner import plan_day, preview_day
from tests.scheduler.conftest import plan_and_expand
from tests.scheduler.factories import Board, add_enterprises, make_board, submit
from tests.scheduler.fakes import FakeSender


def local(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def _board(engine: Engine) -> Board:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 1, contacts_each=1)
        session.commit()
    return board


async def _send(engine: Engine, settings: Settings, at: str) -> FakeSender:
    sender = FakeSender()
    cfg = SchedulerConfig.from_settings(settings)
    dispatcher = Dispatcher(
        engine, {Channel.TELEGRAM: sender}, FakeClock(local(at)), settings, "d1", config=cfg
    )
    for _ in range(20):
        if await dispatcher.run_once() == 0:
            break
    return sender


def test_a_plan_writes_identities_not_texts(engine: Engine, settings: Settings) -> None:
    board = _board(engine)
    with Session(engine) as session:
        plan_and_expand(session, date(2025, 4, 14), settings)  # 1 day before the registration
        (row,) = session.exec(select(Delivery)).all()
    assert not hasattr(row, "text")
    assert (row.campaign_id, row.item_kind, row.planned_on) == (
        board.campaign.id,
        DeadlineKind.TITLE_REGISTRATION,
        date(2025, 4, 14),
    )
    assert row.dedupe_key == (
        f"reminder:{board.campaign.id}:title_registration:2025-04-14:{row.contact_id}"
    )


async def test_a_language_switch_after_planning_is_honoured(
    engine: Engine, settings: Settings
) -> None:
    board = _board(engine)
    with Session(engine) as session:
        plan_day(session, date(2025, 4, 14), settings)
        officer = session.get(Contact, board.officers[0].id)
        assert officer is not None and officer.language == "vi"
        officer.language = "en"  # /language en, after the plan, before the morning
        session.add(officer)
        session.commit()
    sender = await _send(engine, settings, "2025-04-14T08:00:00")
    ((_chat, text),) = sender.sent
    assert "Reminder: the registration of emulation titles" in text and "1 day left" in text
    assert "15/04/2025" in text


async def test_a_deadline_moved_after_planning_is_what_the_reminder_says(
    engine: Engine, settings: Settings
) -> None:
    """Planned on 14/04 as "due tomorrow"; the office moves the due date to 18/04 before
    the reminder goes out: it says 18/04 and 4 days left, not yesterday's plan."""
    board = _board(engine)
    with Session(engine) as session:
        plan_day(session, date(2025, 4, 14), settings)
        deadline = session.exec(
            select(Deadline).where(
                col(Deadline.campaign_id) == board.campaign.id,
                col(Deadline.kind) == DeadlineKind.TITLE_REGISTRATION,
            )
        ).one()
        deadline.due_on = date(2025, 4, 18)
        campaign = session.get(Campaign, board.campaign.id)
        assert campaign is not None
        campaign.title = "Phong trào thi đua năm 2025 (sửa)"
        session.add_all([deadline, campaign])
        session.commit()
    sender = await _send(engine, settings, "2025-04-14T08:00:00")
    ((_chat, text),) = sender.sent
    assert "18/04/2025" in text and "còn 4 ngày" in text
    assert "15/04/2025" not in text
    assert "Phong trào thi đua năm 2025 (sửa)" in text


async def test_a_reminder_whose_deadline_was_removed_fails_with_the_reason(
    engine: Engine, settings: Settings
) -> None:
    """The office drops a deadline from the campaign after the plan: nothing true is left
    to say, so the reminder is not sent and the row says why."""
    board = _board(engine)
    with Session(engine) as session:
        plan_day(session, date(2025, 4, 14), settings)
        deadline = session.exec(
            select(Deadline).where(
                col(Deadline.campaign_id) == board.campaign.id,
                col(Deadline.kind) == DeadlineKind.TITLE_REGISTRATION,
            )
        ).one()
        session.delete(deadline)
        session.commit()
    sender = await _send(engine, settings, "2025-04-14T08:00:00")
    assert sender.sent == []
    with Session(engine) as session:
        (row,) = session.exec(select(Delivery)).all()
    assert row.status == DeliveryStatus.FAILED
    assert (row.last_error or "").startswith("not rendered") and "deadline" in (
        row.last_error or ""
    )


def test_a_dry_run_of_many_enterprises_reads_their_submissions_whole(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `MAX_LISTED_IDS` enterprises the facts read the campaigns' submissions instead of
    listing ids (SQLite refuses more than 32,766 in a statement): the texts are the same."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        ents = add_enterprises(session, board, 3, contacts_each=1)
        submit(
            session,
            board,
            ents[1],
            DeadlineKind.TITLE_REGISTRATION,
            SubmissionStatus.RETURNED,
            note="thiếu danh sách",
        )
        session.commit()
        listed = [m.text for m in preview_day(session, date(2025, 4, 14), settings)]
        monkeypatch.setattr(facts, "MAX_LISTED_IDS", 1)
        whole = [m.text for m in preview_day(session, date(2025, 4, 14), settings)]
    assert listed == whole and len(listed) == 3
    assert sum("thiếu danh sách" in text for text in whole) == 1
