"""The outbox dispatcher against an in-process fake platform, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import (
    Broadcast,
    Channel,
    Contact,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Organization,
    SubmissionStatus,
)
from bot.notifications.kinds import BroadcastMessage
from bot.notifications.outbox import enqueue
from bot.services.review_results import tell_officers
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher, outbox_status
from tests.scheduler.conftest import WORKDAY_10AM, delivery_texts, fill_outbox, make_contacts
from tests.scheduler.factories import add_enterprises, make_board, submit
from tests.scheduler.fakes import FakeSender


def _dispatcher(
    engine: Engine,
    sender: FakeSender,
    clock: FakeClock,
    settings: Settings,
    name: str = "test-1",
    **config: object,
) -> Dispatcher:
    cfg = SchedulerConfig.from_settings(settings, **config)
    return Dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, name, config=cfg)


async def _drain(dispatcher: Dispatcher, rounds: int = 1000) -> None:
    for _ in range(rounds):
        if await dispatcher.run_once() == 0:
            return
    raise AssertionError("the outbox did not drain")


def _deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)))  # type: ignore[arg-type]


def test_enqueue_is_idempotent_and_counted(engine: Engine) -> None:
    (cid,) = make_contacts(engine, 1)
    fill_outbox(engine, [], tag="none")  # the test board
    with Session(engine, expire_on_commit=False) as session:
        board = session.exec(select(Organization)).one()
        broadcast = Broadcast(organization_id=board.id or 0, text="xin chào")
        session.add(broadcast)
        session.flush()
        message = BroadcastMessage(broadcast.id or 0)
        assert enqueue(session, message, [cid, cid], not_before=WORKDAY_10AM, now=WORKDAY_10AM) == 1
        assert enqueue(session, message, [cid], not_before=WORKDAY_10AM, now=WORKDAY_10AM) == 0
        session.commit()
        status = outbox_status(session)
        (row,) = session.exec(select(Delivery)).all()
    assert (row.kind, row.broadcast_id, row.campaign_id, row.planned_on) == (
        DeliveryKind.BROADCAST,
        broadcast.id,
        None,
        None,
    )
    assert status == {
        "pending": 1,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "expired": 0,
        "cancelled": 0,
    }
    with Session(engine) as session, pytest.raises(ValueError):
        enqueue(session, message, [cid], not_before=datetime(2025, 1, 1), now=WORKDAY_10AM)


async def test_sends_due_messages_and_records_them(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 5)
    texts = fill_outbox(engine, ids)
    later = fill_outbox(engine, ids[:1], not_before=WORKDAY_10AM + timedelta(hours=1), tag="later")
    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, clock, settings)
    await _drain(dispatcher)
    assert sorted(text for _chat, text in sender.sent) == sorted(texts)
    texts_now = delivery_texts(engine)
    rows = {texts_now[d.id or 0]: d for d in _deliveries(engine)}
    for text in texts:
        assert rows[text].status is DeliveryStatus.SENT or rows[text].status == "sent"
        assert rows[text].sent_at == clock.now()
        assert rows[text].attempts == 1
        assert rows[text].claimed_by is None
    assert rows[later[0]].status == DeliveryStatus.PENDING  # not due yet
    clock.advance(timedelta(hours=1))
    await _drain(dispatcher)
    assert sender.counts()[later[0]] == 1


@pytest.mark.parametrize(
    "local",
    [
        "2025-01-06T07:29:00",  # before sending hours
        "2025-01-06T17:30:00",  # at the end
        "2025-01-06T22:00:00",  # at night
        "2025-01-04T10:00:00",  # Saturday
        "2025-01-29T10:00:00",  # Tết (Mùng 1)
        "2025-09-02T10:00:00",  # National Day
    ],
)
async def test_nothing_goes_out_outside_sending_hours(
    engine: Engine, settings: Settings, local: str
) -> None:
    ids = make_contacts(engine, 2)
    fill_outbox(engine, ids, not_before=datetime.fromisoformat("2024-12-01T00:00:00+00:00"))
    clock = FakeClock(datetime.fromisoformat(local + "+07:00"))
    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, clock, settings)
    assert await dispatcher.run_once() == 0
    assert sender.calls == 0
    # The first minute of sending hours on the next working day, everything goes.
    clock.set(datetime.fromisoformat("2025-09-03T07:30:00+07:00"))
    assert await dispatcher.run_once() == 2
    assert len(sender.sent) == 2


async def test_notices_answer_at_once_even_at_night(engine: Engine, settings: Settings) -> None:
    """A review result (a returned submission's reason) is someone's own business: it goes
    out outside sending hours too, while reminders and broadcasts wait for the morning."""
    night = datetime.fromisoformat("2025-01-06T22:00:00+07:00")
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        (enterprise,) = add_enterprises(session, board, 1, contacts_each=1)
        returned = submit(
            session,
            board,
            enterprise,
            DeadlineKind.LAUNCH_DOCUMENT,
            SubmissionStatus.RETURNED,
            note="thiếu chữ ký",
        )
        session.commit()
        assert tell_officers(session, returned, accepted=False, now=night, email=False) == 1
        session.commit()
    ids = make_contacts(engine, 2)
    broadcasts = fill_outbox(engine, ids, not_before=night)
    clock = FakeClock(night)
    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, clock, settings)
    await _drain(dispatcher)
    ((_chat, notice),) = sender.sent
    assert "trả lại" in notice and "thiếu chữ ký" in notice
    clock.set(datetime.fromisoformat("2025-01-07T07:30:00+07:00"))
    await _drain(dispatcher)
    assert sorted(text for _chat, text in sender.sent[1:]) == sorted(broadcasts)


async def test_blocked_contact_is_marked_unreachable_and_never_retried(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 3)
    fill_outbox(engine, ids, per_contact=2)
    blocked_chat = f"c{0}"
    with Session(engine) as session:
        blocked = session.exec(select(Contact).where(Contact.chat_id == blocked_chat)).one()
    sender = FakeSender(blocked={blocked_chat})
    dispatcher = _dispatcher(engine, sender, clock, settings, per_chat_interval_seconds=0.0)
    await _drain(dispatcher)
    by_contact: dict[int, list[Delivery]] = {}
    for d in _deliveries(engine):
        by_contact.setdefault(d.contact_id, []).append(d)
    assert {d.status for d in by_contact[blocked.id or 0]} == {DeliveryStatus.UNREACHABLE}
    # The platform was asked once at most per message, and never again after the 403.
    assert sender.calls <= 2 + 4
    assert all(
        d.status == DeliveryStatus.SENT for cid in ids if cid != blocked.id for d in by_contact[cid]
    )
    with Session(engine) as session:
        assert session.get(Contact, blocked.id).reachable is False  # type: ignore[union-attr]
        fill_outbox(engine, [blocked.id or 0], tag="again")  # a new message to a 403 contact
    calls = sender.calls
    await _drain(dispatcher)
    assert sender.calls == calls
    with Session(engine) as session:
        assert outbox_status(session)["unreachable"] == 3


async def test_transient_errors_back_off_then_fail(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 2)
    fill_outbox(engine, ids)
    sender = FakeSender(flaky={"c0": 2, "c1": 99})
    dispatcher = _dispatcher(
        engine,
        sender,
        clock,
        settings,
        max_attempts=4,
        backoff_base_seconds=10.0,
        per_chat_interval_seconds=0.0,
    )
    assert await dispatcher.run_once() == 2
    rows = {d.contact_id: d for d in _deliveries(engine)}
    assert rows[ids[0]].status == DeliveryStatus.PENDING
    assert rows[ids[0]].attempts == 1
    assert rows[ids[0]].not_before == clock.now() + timedelta(seconds=10)
    assert "502" in (rows[ids[0]].last_error or "")
    # Not due again until the back-off has passed.
    assert await dispatcher.run_once() == 0
    clock.advance(10)
    assert await dispatcher.run_once() == 2
    rows = {d.contact_id: d for d in _deliveries(engine)}
    assert rows[ids[0]].not_before == clock.now() + timedelta(seconds=20)  # doubled
    clock.advance(20)
    await dispatcher.run_once()
    clock.advance(40)
    await dispatcher.run_once()
    clock.advance(3600)
    await _drain(dispatcher)
    rows = {d.contact_id: d for d in _deliveries(engine)}
    assert rows[ids[0]].status == DeliveryStatus.SENT
    assert rows[ids[0]].attempts == 3
    assert rows[ids[1]].status == DeliveryStatus.FAILED
    assert rows[ids[1]].attempts == 4
    assert sender.counts()[f"msg-{ids[0]}-0"] == 1


async def test_stale_claims_are_taken_back(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 4)
    fill_outbox(engine, ids)
    dead = _dispatcher(engine, FakeSender(), clock, settings, name="dead")
    # The dead instance claimed everything and never came back.
    jobs, _swept = await asyncio.to_thread(dead._claim, clock.now(), ["telegram"], 10)
    assert len(jobs) == 4
    sender = FakeSender()
    alive = _dispatcher(engine, sender, clock, settings, name="alive", claim_timeout_seconds=60)
    assert await alive.run_once() == 0  # claims are fresh: hands off
    clock.advance(61)
    await _drain(alive)
    assert sorted(sender.counts().values()) == [1, 1, 1, 1]


async def test_pacing_keeps_under_the_platform_limit(
    sqlite_engine: Engine, sqlite_url: str, clock: FakeClock
) -> None:
    """120 messages at the default 25/s against a platform that 429s above 30/s.

    Pacing does not depend on the database, so this runs on SQLite only.
    """
    from bot.settings import load_settings

    engine, settings = sqlite_engine, load_settings(database_url=sqlite_url)
    ids = make_contacts(engine, 120)
    texts = fill_outbox(engine, ids)
    sender = FakeSender(max_per_second=30, retry_after=1.0)
    dispatcher = _dispatcher(engine, sender, clock, settings)
    assert dispatcher.settings.telegram_rate_per_second == 25
    await _drain(dispatcher)
    assert sender.rate_limited == 0
    assert sender.max_in_any_second() <= 26
    assert sorted(sender.counts()) == sorted(texts)
    assert set(sender.counts().values()) == {1}


async def test_429_storm_is_honoured_and_nothing_is_lost(
    sqlite_engine: Engine, sqlite_url: str, clock: FakeClock
) -> None:
    """Configured too fast (200/s) for a platform allowing 30/s: 429s, pauses, no loss."""
    from bot.settings import load_settings

    engine = sqlite_engine
    settings = load_settings(database_url=sqlite_url, telegram_rate_per_second=200)
    ids = make_contacts(engine, 120)
    texts = fill_outbox(engine, ids)
    sender = FakeSender(max_per_second=30, retry_after=0.5)
    dispatcher = _dispatcher(engine, sender, clock, settings, max_inline_pause_seconds=5.0)
    for _ in range(200):
        await _drain(dispatcher)
        with Session(engine) as session:
            if outbox_status(session)["pending"] == 0:
                break
        clock.advance(1)  # 429'd messages come due again after retry_after
    assert sender.rate_limited > 0
    assert sorted(sender.counts()) == sorted(texts)
    assert set(sender.counts().values()) == {1}
    assert sender.max_in_any_second() <= 30
    with Session(engine) as session:
        assert outbox_status(session)["sent"] == 120


async def test_one_message_per_second_per_chat(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    (cid,) = make_contacts(engine, 1)
    fill_outbox(engine, [cid], per_contact=3)
    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, clock, settings)
    await _drain(dispatcher)
    assert [text for _c, text in sender.sent] == [f"msg-{cid}-{k}" for k in range(3)]
    gaps = [b - a for a, b in zip(sender.sent_at, sender.sent_at[1:], strict=False)]
    assert all(gap >= 0.99 for gap in gaps)


async def test_ten_thousand_deliveries_none_lost_or_doubled(
    engine: Engine, db_url: str, clock: FakeClock
) -> None:
    from bot.settings import load_settings

    settings = load_settings(database_url=db_url, telegram_rate_per_second=1_000_000)
    ids = make_contacts(engine, 10_000)
    texts = fill_outbox(engine, ids)
    sender = FakeSender()
    dispatcher = _dispatcher(engine, sender, clock, settings, concurrency=200)
    dispatcher.max_batch = 1000
    await _drain(dispatcher)
    counts = sender.counts()
    assert len(counts) == 10_000
    assert set(counts) == set(texts)
    assert set(counts.values()) == {1}
    with Session(engine) as session:
        assert outbox_status(session)["sent"] == 10_000


async def test_two_dispatchers_on_postgresql_share_without_doubles(
    pg_engine: Engine, pg_url: str, clock: FakeClock
) -> None:
    from bot.settings import load_settings
    from tests.conftest import _truncate

    _truncate(pg_engine)
    settings = load_settings(database_url=pg_url, telegram_rate_per_second=1_000_000)
    ids = make_contacts(pg_engine, 1500)
    texts = fill_outbox(pg_engine, ids)
    sender_a, sender_b = FakeSender(latency=0.001), FakeSender(latency=0.001)
    a = _dispatcher(pg_engine, sender_a, clock, settings, name="a", concurrency=50)
    b = _dispatcher(pg_engine, sender_b, clock, settings, name="b", concurrency=50)
    a.max_batch = b.max_batch = 100
    await asyncio.gather(_drain(a), _drain(b))
    together = sender_a.counts() + sender_b.counts()
    assert set(together) == set(texts)
    assert set(together.values()) == {1}
    assert len(sender_a.sent) > 0 and len(sender_b.sent) > 0
    with Session(pg_engine) as session:
        assert outbox_status(session)["sent"] == 1500
    _truncate(pg_engine)
