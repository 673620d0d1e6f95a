"""A plan is one fan-out row per (notification, board); the dispatcher expands it into
per-contact deliveries as it sends: a batch ahead, resumable after a crash, each contact
once, deciding who still owes the item when it expands, and never on a later day.

On SQLite and PostgreSQL (the `engine` fixture), with the FakeClock and the FakeSender.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.models import (
    Channel,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Fanout,
    FanoutStatus,
    SubmissionStatus,
)
from bot.services.acts import Act
from bot.services.deadlines import DeadlineChange
from bot.services.plan_edits import change_and_replan
from bot.settings import Settings, load_settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.planner import expand, expand_all, plan_day, sending_start_utc
from tests.scheduler.factories import Board, add_enterprises, make_board, submit, the_fanout
from tests.scheduler.fakes import FakeSender

DUE_DAY = date(2025, 4, 15)  # the title registration is due: every officer is reminded


def local(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


def _board(engine: Engine, enterprises: int = 7) -> Board:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        add_enterprises(session, board, enterprises, contacts_each=2)
        session.commit()
        return board


def _plan(engine: Engine, settings: Settings, on: date = DUE_DAY) -> None:
    with Session(engine) as session:
        plan_day(session, on, settings, now=sending_start_utc(on, settings))


def _dispatcher(
    engine: Engine, sender: FakeSender, clock: FakeClock, settings: Settings, name: str = "d1"
) -> Dispatcher:
    config = SchedulerConfig.from_settings(settings, per_chat_interval_seconds=0.0)
    return Dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, name, config=config)


async def _drain(dispatcher: Dispatcher, batch: int) -> None:
    for _ in range(200):
        if await dispatcher.run_once(batch) == 0:
            return
    raise AssertionError("the outbox did not drain")


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))))


async def test_a_plan_is_one_row_and_each_officer_gets_the_reminder_once(
    engine: Engine, settings: Settings
) -> None:
    board = _board(engine)
    _plan(engine, settings)
    assert _deliveries(engine) == []
    fanout = the_fanout(engine)
    assert (fanout.kind, fanout.campaign_id, fanout.item_kind, fanout.planned_on) == (
        DeliveryKind.REMINDER,
        board.campaign.id,
        DeadlineKind.TITLE_REGISTRATION,
        DUE_DAY,
    )
    assert fanout.organization_id == board.org.id and fanout.status == FanoutStatus.PENDING

    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, FakeClock(local("2025-04-15T08:00:00")), settings)
    await dispatcher.run_once(4)
    assert len(sender.sent) == 4
    assert len(_deliveries(engine)) <= 8  # a batch ahead, not the whole audience
    await _drain(dispatcher, 4)

    chats = {str(c.chat_id) for c in board.officers}
    assert sorted(chat for chat, _text in sender.sent) == sorted(chats)
    assert all("15/04/2025" in text for _chat, text in sender.sent)
    rows = _deliveries(engine)
    assert len(rows) == 14 and {r.status for r in rows} == {DeliveryStatus.SENT}
    fanout = the_fanout(engine)
    assert fanout.status == FanoutStatus.EXPANDED and fanout.expanded == 14
    assert fanout.cursor == max(e.id or 0 for e in board.enterprises)


def test_an_interrupted_expansion_resumes_and_never_writes_a_contact_twice(
    engine: Engine, settings: Settings
) -> None:
    board = _board(engine)
    _plan(engine, settings)
    now = sending_start_utc(DUE_DAY, settings)
    with Session(engine) as session:
        assert expand(session, now, 5, email=False) == 10  # five enterprises, two officers each
        session.commit()
    cursor = the_fanout(engine).cursor
    assert cursor == board.enterprises[4].id
    with Session(engine) as session:
        assert expand(session, now, 1, email=False) == 2
        session.rollback()  # the dispatcher died before its commit
    assert the_fanout(engine).cursor == cursor and len(_deliveries(engine)) == 10
    with Session(engine) as session:
        # even a cursor set back (or a second expander) writes nobody twice
        fanout = session.exec(select(Fanout)).one()
        fanout.cursor = 0
        session.add(fanout)
        session.commit()
        assert expand_all(session, now, email=False) == 14
        assert expand_all(session, now, email=False) == 0
    rows = _deliveries(engine)
    assert sorted(r.contact_id for r in rows) == sorted(c.id or 0 for c in board.officers)
    assert the_fanout(engine).status == FanoutStatus.EXPANDED


async def test_an_enterprise_that_submits_after_the_plan_gets_nothing(
    engine: Engine, settings: Settings
) -> None:
    board = _board(engine, 3)
    _plan(engine, settings)
    done = board.enterprises[0]
    with Session(engine) as session:
        submit(session, board, done, DeadlineKind.TITLE_REGISTRATION, SubmissionStatus.SUBMITTED)
        session.commit()
    sender = FakeSender()
    await _drain(_dispatcher(engine, sender, FakeClock(local("2025-04-15T09:00:00")), settings), 10)
    theirs = {str(c.chat_id) for c in board.officers if c.enterprise_id == done.id}
    assert len(sender.sent) == 4 and not theirs & {chat for chat, _ in sender.sent}
    owed = {c.id for c in board.officers if c.enterprise_id != done.id}
    assert {r.contact_id for r in _deliveries(engine)} == owed  # no row, not even cancelled


async def test_nothing_is_expanded_outside_the_sending_hours_or_on_a_later_day(
    engine: Engine, settings: Settings
) -> None:
    _board(engine, 2)
    _plan(engine, settings)
    sender = FakeSender()
    clock = FakeClock(local("2025-04-15T06:00:00"))
    dispatcher = _dispatcher(engine, sender, clock, settings)
    assert await dispatcher.run_once() == 0
    assert _deliveries(engine) == [] and the_fanout(engine).status == FanoutStatus.PENDING
    clock.set(local("2025-04-16T08:00:00"))  # the dispatcher was down all of 15/04
    await dispatcher.run_once()
    assert sender.sent == [] and _deliveries(engine) == []
    assert the_fanout(engine).status == FanoutStatus.EXPIRED


async def test_a_moved_deadline_cancels_the_unexpanded_reminders(
    engine: Engine, settings: Settings
) -> None:
    board = _board(engine, 2)
    _plan(engine, settings)
    now = local("2025-04-15T08:00:00")
    with Session(engine, expire_on_commit=False) as session:
        registration = session.merge(board.deadlines[DeadlineKind.TITLE_REGISTRATION])
        change_and_replan(
            session,
            registration,
            Act(now, UTC, actor="test"),
            DeadlineChange(date(2025, 4, 25)),
            email=False,
        )
        session.commit()
    assert the_fanout(engine).status == FanoutStatus.CANCELLED
    sender = FakeSender()
    await _drain(_dispatcher(engine, sender, FakeClock(now), settings), 10)
    kinds = {r.kind for r in _deliveries(engine)}
    assert kinds == {DeliveryKind.DEADLINE_MOVED}  # told the new date; no stale reminder
    assert len(sender.sent) == 4 and all("25/04/2025" in text for _c, text in sender.sent)


async def test_two_dispatchers_share_the_expansion_without_doubles(
    engine: Engine, db_url: str
) -> None:
    settings = load_settings(database_url=db_url, telegram_rate_per_second=1_000_000)
    board = _board(engine, 30)
    _plan(engine, settings)
    clock = FakeClock(local("2025-04-15T08:00:00"))
    a_sender, b_sender = FakeSender(), FakeSender()
    a = _dispatcher(engine, a_sender, clock, settings, "a")
    b = _dispatcher(engine, b_sender, clock, settings, "b")
    await asyncio.gather(_drain(a, 7), _drain(b, 7))
    together = Counter(chat for chat, _text in a_sender.sent + b_sender.sent)
    assert set(together) == {str(c.chat_id) for c in board.officers}
    assert set(together.values()) == {1}
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Delivery)).one()
    assert count == 60


async def test_a_dispatcher_of_one_channel_expands_for_every_channel_and_loses_nothing(
    engine: Engine, settings: Settings
) -> None:
    """The cursor is one per fan-out (scheduler/README.md, "Fan-outs and channels"): a
    Telegram-only dispatcher writes the Zalo officers' rows too, which wait for a Zalo one."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        add_enterprises(session, board, 3)
        add_enterprises(session, board, 3, channel=Channel.ZALO)
        add_enterprises(session, board, 2)
        session.commit()
    _plan(engine, settings)
    clock = FakeClock(local("2025-04-15T08:00:00"))
    config = SchedulerConfig.from_settings(settings, per_chat_interval_seconds=0.0)
    telegram, zalo = FakeSender(), FakeSender()
    only_telegram = Dispatcher(engine, {Channel.TELEGRAM: telegram}, clock, settings, "t", config)
    for _ in range(12):
        # A batch that expanded only Zalo officers sends nothing: `run` polls again a
        # second later (poll_interval_seconds), and the expansion goes on.
        await only_telegram.run_once(2)
    assert the_fanout(engine).status == FanoutStatus.EXPANDED
    waiting = {r.contact_id for r in _deliveries(engine) if r.status == DeliveryStatus.PENDING}
    assert waiting == {c.id for c in board.officers if c.channel == Channel.ZALO}
    await _drain(Dispatcher(engine, {Channel.ZALO: zalo}, clock, settings, "z", config), 2)
    for sender, channel in ((telegram, Channel.TELEGRAM), (zalo, Channel.ZALO)):
        chats = Counter(chat for chat, _text in sender.sent)
        assert set(chats) == {str(c.chat_id) for c in board.officers if c.channel == channel}
        assert set(chats.values()) == {1}
