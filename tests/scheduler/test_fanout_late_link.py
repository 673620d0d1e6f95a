"""An officer who links his account after the dispatcher's expansion has passed his
enterprise still gets the day's fanned messages, once: his reminder only while his
enterprise owes the item, nothing twice however he relinks, nothing from another day.

On SQLite and PostgreSQL (the `engine` fixture), with the real planner, the real
`redeem_invite` and the real dispatcher on a FakeClock and a FakeSender.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import (
    Channel,
    Contact,
    DeadlineKind,
    Delivery,
    Enterprise,
    FanoutStatus,
    SubmissionStatus,
)
from bot.services.acts import Act
from bot.services.invites import create_invite, format_code, redeem_invite
from bot.settings import Settings
from conversations.engine import Engine as ChatEngine
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.planner import expand, plan_day, sending_start_utc
from tests.conversations.conftest import Chat
from tests.scheduler.factories import Board, add_enterprises, make_board, submit, the_fanout
from tests.scheduler.fakes import FakeSender

DUE_DAY = date(2025, 4, 15)  # the title registration is due: every officer is reminded
MORNING = datetime.fromisoformat("2025-04-15T08:00:00+07:00")


def _board(engine: Engine) -> tuple[Board, Enterprise, Enterprise]:
    """Six enterprises with an officer each, but the fourth has none yet; also returns the
    fourth (linked late) and the sixth (the last one the expansion reaches)."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        add_enterprises(session, board, 3)
        (late,) = add_enterprises(session, board, 1, contacts_each=0)
        add_enterprises(session, board, 2)
        session.commit()
        return board, late, board.enterprises[-1]


@dataclass
class _Day:
    """`_board`'s board with 15/04's reminders planned, and a Telegram dispatcher at 08:00
    on a fake clock (nothing expanded or sent yet)."""

    board: Board
    late: Enterprise
    last: Enterprise
    clock: FakeClock
    sender: FakeSender
    dispatcher: Dispatcher


def _planned(engine: Engine, settings: Settings) -> _Day:
    board, late, last = _board(engine)
    with Session(engine) as session:
        plan_day(session, DUE_DAY, settings, now=sending_start_utc(DUE_DAY, settings))
    clock, sender = FakeClock(MORNING), FakeSender()
    config = SchedulerConfig.from_settings(settings, per_chat_interval_seconds=0.0)
    dispatcher = Dispatcher(
        engine, {Channel.TELEGRAM: sender}, clock, settings, "d1", config=config
    )
    return _Day(board, late, last, clock, sender, dispatcher)


async def _drain(dispatcher: Dispatcher) -> None:
    for _ in range(100):
        if await dispatcher.run_once(4) == 0:
            return
    raise AssertionError("the outbox did not drain")


def _newcomer(engine: Engine, user: str) -> Contact:
    """Someone who writes to the bot for the first time."""
    with Session(engine, expire_on_commit=False) as session:
        contact = Contact(channel=Channel.TELEGRAM, user_id=user, chat_id=user)
        session.add(contact)
        session.commit()
        return contact


def _link(
    engine: Engine, contact: Contact, enterprise: Enterprise, now: datetime, settings: Settings
) -> None:
    """Staff give the enterprise a code; the contact types it (the link flow's service)."""
    with Session(engine) as session:
        found = session.get(Enterprise, enterprise.id)
        assert found is not None
        invite = create_invite(session, found, Act(now, settings.tz))
        session.commit()
        me = session.get(Contact, contact.id)
        assert me is not None
        mine = Act(now, settings.tz, me.id, f"{me.channel}:{me.user_id}")
        redeem_invite(session, me, invite.code, mine, email=settings.sends_email)
        session.commit()


def _rows_for(engine: Engine, contact: Contact) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).where(Delivery.contact_id == contact.id)))


async def test_an_officer_linked_after_the_cursor_passed_gets_the_days_reminder_once(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    await day.dispatcher.run_once(4)  # expands the first four enterprises: three officers
    assert the_fanout(engine).cursor == day.late.id

    officer = _newcomer(engine, "late")
    day.clock.set(datetime.fromisoformat("2025-04-15T08:30:00+07:00"))
    _link(engine, officer, day.late, day.clock.now(), settings)
    (row,) = _rows_for(engine, officer)
    assert row.planned_on == DUE_DAY and row.not_before == the_fanout(engine).not_before

    await _drain(day.dispatcher)
    sent = Counter(chat for chat, _text in day.sender.sent)
    assert sent["late"] == 1 and set(sent.values()) == {1}
    assert set(sent) == {str(c.chat_id) for c in day.board.officers} | {"late"}
    assert all("15/04/2025" in text for _chat, text in day.sender.sent)
    assert the_fanout(engine).status == FanoutStatus.EXPANDED


async def test_typing_the_code_in_the_chat_brings_the_reminder(
    engine: Engine, settings: Settings
) -> None:
    """The whole way: the officer types /start with his code to the conversation engine."""
    day = _planned(engine, settings)
    await day.dispatcher.run_once(4)
    with Session(engine) as session:
        found = session.get(Enterprise, day.late.id)
        assert found is not None
        code = format_code(create_invite(session, found, Act(MORNING, settings.tz)).code)
        session.commit()
    chat = Chat(ChatEngine(engine, settings, clock=day.clock.now), user_id="chatting")
    assert "Công ty 0003" in await chat.say(f"/start {code}")
    await _drain(day.dispatcher)
    (text,) = [text for chat_id, text in day.sender.sent if chat_id == "chatting"]
    assert "15/04/2025" in text


async def test_a_fully_expanded_fanout_still_reaches_an_officer_linked_later_that_day(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    await _drain(day.dispatcher)
    assert the_fanout(engine).status == FanoutStatus.EXPANDED
    with Session(engine, expire_on_commit=False) as session:
        (newest,) = add_enterprises(session, day.board, 1, contacts_each=0)  # joined the board
        session.commit()
    assert (newest.id or 0) > the_fanout(engine).cursor

    officer = _newcomer(engine, "new")
    day.clock.set(datetime.fromisoformat("2025-04-15T14:00:00+07:00"))
    _link(engine, officer, newest, day.clock.now(), settings)
    await _drain(day.dispatcher)
    assert [chat for chat, _text in day.sender.sent].count("new") == 1


async def test_an_enterprise_that_already_submitted_gets_no_reminder_on_linking(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    await _drain(day.dispatcher)
    with Session(engine) as session:
        registration, submitted = DeadlineKind.TITLE_REGISTRATION, SubmissionStatus.SUBMITTED
        submit(session, day.board, day.late, registration, submitted)
        session.commit()
    officer = _newcomer(engine, "done")
    _link(engine, officer, day.late, MORNING, settings)
    assert _rows_for(engine, officer) == []  # not even a cancelled row


async def test_an_officer_linked_before_the_cursor_gets_it_from_the_expansion(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    officer = _newcomer(engine, "early")
    _link(engine, officer, day.late, MORNING, settings)
    assert _rows_for(engine, officer) == []  # the expansion will take him
    await _drain(day.dispatcher)
    assert [chat for chat, _text in day.sender.sent].count("early") == 1


async def test_relinking_never_gives_an_officer_the_message_twice(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    await day.dispatcher.run_once(4)  # the cursor is on `late`; `last` is not reached yet
    reminded = day.board.officers[0]  # of the first enterprise: already reminded
    first_three = [str(c.chat_id) for c in day.board.officers[:3]]
    assert [chat for chat, _text in day.sender.sent] == first_three
    waiting = next(c for c in day.board.officers if c.enterprise_id == day.last.id)

    _link(engine, reminded, day.late, day.clock.now(), settings)  # relinks to a passed enterprise
    assert len(_rows_for(engine, reminded)) == 1
    # from an enterprise not reached yet to a passed one
    _link(engine, waiting, day.late, day.clock.now(), settings)
    _link(engine, waiting, day.last, day.clock.now(), settings)  # and back
    _link(engine, waiting, day.late, day.clock.now(), settings)  # and there again
    assert len(_rows_for(engine, waiting)) == 1
    await _drain(day.dispatcher)
    sent = Counter(chat for chat, _text in day.sender.sent)
    assert set(sent) == {str(c.chat_id) for c in day.board.officers}
    assert set(sent.values()) == {1}


async def test_nothing_from_a_past_day_for_an_officer_linked_the_next_day(
    engine: Engine, settings: Settings
) -> None:
    day = _planned(engine, settings)
    await day.dispatcher.run_once(4)  # partly expanded on 15/04, then the dispatcher stops
    assert the_fanout(engine).status == FanoutStatus.PENDING
    officer = _newcomer(engine, "tomorrow")
    _link(engine, officer, day.late, datetime.fromisoformat("2025-04-16T08:00:00+07:00"), settings)
    assert _rows_for(engine, officer) == []


def test_a_link_racing_a_batch_waits_for_its_cursor(engine: Engine, settings: Settings) -> None:
    """The dispatcher expands the batch that passes the enterprise while the officer links:
    the batch cannot see the link (not committed yet), so the link must see the batch's
    cursor. On PostgreSQL the link waits on the fan-out's row lock; on SQLite on the write
    lock the batch holds."""
    late = _planned(engine, settings).late
    officer = _newcomer(engine, "racing")
    with Session(engine) as batch:
        assert expand(batch, MORNING, 4, email=settings.sends_email) == 3
        linking = threading.Thread(
            target=_link, args=(engine, officer, late, MORNING, settings), daemon=True
        )
        linking.start()
        time.sleep(1.0)
        assert linking.is_alive()  # waiting for the batch
        batch.commit()
    linking.join(30)
    assert not linking.is_alive()
    (row,) = _rows_for(engine, officer)
    assert row.contact_id == officer.id and the_fanout(engine).cursor == late.id
