"""Day-bound messages expire, reminders for submitted items are cancelled, and a batch whose
claims were taken back does not overwrite the other instance's results.

All on SQLite and PostgreSQL (the `engine` fixture), with the FakeClock.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.messaging import Reply, TransientError
from bot.models import (
    Channel,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    SubmissionStatus,
)
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher, OutboxItem, enqueue_many, outbox_status
from scheduler.planner import plan_day
from tests.scheduler.conftest import fill_outbox, make_contacts
from tests.scheduler.factories import Board, add_enterprises, add_staff, make_board, submit
from tests.scheduler.fakes import FakeSender


def local(text: str) -> datetime:
    return datetime.fromisoformat(f"{text}+07:00")


MORNING = local("2025-04-15T07:30:00")


def _dispatcher(
    engine: Engine,
    senders: dict[Channel, object],
    clock: FakeClock,
    settings: Settings,
    name: str,
    **config: object,
) -> Dispatcher:
    cfg = SchedulerConfig.from_settings(settings, **config)
    return Dispatcher(engine, senders, clock, settings, name, config=cfg)  # type: ignore[arg-type]


async def _drain(dispatcher: Dispatcher) -> None:
    for _ in range(100):
        if await dispatcher.run_once() == 0:
            return
    raise AssertionError("the outbox did not drain")


def _rows(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))))


def _board(engine: Engine, n: int = 3) -> tuple[Board, list[int]]:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        add_enterprises(session, board, n)
        session.commit()
        return board, [c.id for c in board.officers if c.id is not None]


def _plan(engine: Engine, on: date, settings: Settings) -> None:
    with Session(engine) as session:
        plan_day(session, on, settings)


# ------------------------------------------------------------------------------ expiry


async def test_yesterdays_due_day_reminder_expires_instead_of_going_out_late(
    engine: Engine, settings: Settings
) -> None:
    """The review's reproduction: planned 15/04/2025 at 19:00, dispatcher at 08:00 on 16/04."""
    _board(engine, 2)
    clock = FakeClock(local("2025-04-15T19:00:00"))
    sender = FakeSender()
    dispatcher = _dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1")
    _plan(engine, date(2025, 4, 15), settings)  # the start-up catch-up, late in the evening
    assert await dispatcher.run_once() == 0  # outside the sending hours: nothing goes
    due_day = _rows(engine)
    assert len(due_day) == 2 and all("15/04/2025" in d.text for d in due_day)

    clock.set(local("2025-04-16T08:00:00"))
    _plan(engine, date(2025, 4, 16), settings)  # the +1 overdue reminder
    await _drain(dispatcher)

    assert len(sender.sent) == 2
    assert all("16/04" not in d.text for d in due_day)  # what must not go out...
    assert not {text for _chat, text in sender.sent} & {d.text for d in due_day}  # ...did not
    rows = {d.id: d for d in _rows(engine)}
    for d in due_day:
        assert rows[d.id].status == DeliveryStatus.EXPIRED
        assert rows[d.id].attempts == 0 and rows[d.id].sent_at is None
        assert "planned" in (rows[d.id].last_error or "")
    sent = [d for d in rows.values() if d.status == DeliveryStatus.SENT]
    assert len(sent) == 2 and all(d.dedupe_key.endswith(":2025-04-16") for d in sent)
    with Session(engine) as session:
        counts = outbox_status(session)
    assert counts["expired"] == 2 and counts["sent"] == 2 and counts["pending"] == 0


async def test_after_an_outage_only_todays_and_undated_messages_go_out(
    engine: Engine, settings: Settings
) -> None:
    """Down from 14/04 to 17/04: four days of plans; only 17/04's and the people's own
    messages (broadcast, launch, notice, a staff nudge) are sent."""
    board, officers = _board(engine, 2)
    with Session(engine) as session:
        add_staff(session, board)
        session.commit()
    for day in (14, 15, 16, 17):
        _plan(engine, date(2025, 4, day), settings)
    old = local("2025-04-14T09:00:00")
    with Session(engine) as session:
        enqueue_many(
            session,
            [
                OutboxItem(DeliveryKind.BROADCAST, officers[0], "thông báo", "bc:1", old),
                OutboxItem(DeliveryKind.LAUNCH, officers[0], "phát động", "launch:1", old),
                OutboxItem(DeliveryKind.NOTICE, officers[0], "trả lại", "notice:1", old),
                OutboxItem(
                    DeliveryKind.REMINDER,
                    officers[1],
                    "nhắc từ văn phòng",
                    f"nudge:{board.campaign.id}:title_registration:{officers[1]}:2025-04-14",
                    old,
                ),
            ],
        )
        session.commit()
    before = {d.id: d for d in _rows(engine)}
    kinds = {d.kind for d in before.values()}
    assert {DeliveryKind.REMINDER, DeliveryKind.DIGEST} <= kinds  # Monday 14/04: the digest

    clock = FakeClock(local("2025-04-17T08:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))

    after = {d.id: d for d in _rows(engine)}
    for row in after.values():
        planned_before_today = row.dedupe_key[-10:] < "2025-04-17"
        day_bound = row.kind in (
            DeliveryKind.REMINDER,
            DeliveryKind.OBSERVANCE,
            DeliveryKind.PHASE_NOTICE,
            DeliveryKind.DIGEST,
        ) and not row.dedupe_key.startswith("nudge:")
        if day_bound and planned_before_today:
            assert row.status == DeliveryStatus.EXPIRED, row.dedupe_key
        else:
            assert row.status == DeliveryStatus.SENT, row.dedupe_key
    sent_texts = {text for _chat, text in sender.sent}
    assert {"thông báo", "phát động", "trả lại", "nhắc từ văn phòng"} <= sent_texts
    assert len(sender.sent) == len(sent_texts)  # nothing twice
    expired = sum(1 for d in after.values() if d.status == DeliveryStatus.EXPIRED)
    assert expired >= 3
    with Session(engine) as session:
        assert outbox_status(session)["expired"] == expired


async def test_a_retry_moved_to_the_next_day_still_expires(
    engine: Engine, settings: Settings
) -> None:
    """`not_before` moves with back-off; the planned day (in the key) does not."""
    _board(engine, 1)
    _plan(engine, date(2025, 4, 15), settings)
    with Session(engine) as session:
        session.execute(
            update(Delivery).values(
                attempts=2,
                last_error="TransientError: 502",
                not_before=local("2025-04-16T07:45:00"),
            )
        )
        session.commit()
    clock = FakeClock(local("2025-04-16T09:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))
    assert sender.sent == []
    (row,) = _rows(engine)
    assert row.status == DeliveryStatus.EXPIRED and row.attempts == 2


async def test_todays_reminder_is_still_sent_late_in_the_day(
    engine: Engine, settings: Settings
) -> None:
    """Expiry is by local day, not by hours: 17:00 on the planned day still sends."""
    _board(engine, 1)
    _plan(engine, date(2025, 4, 15), settings)
    clock = FakeClock(local("2025-04-15T17:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))
    assert len(sender.sent) == 1
    assert [d.status for d in _rows(engine)] == [DeliveryStatus.SENT]


# -------------------------------------------------------------------------- cancelling


async def test_reminder_for_an_item_submitted_meanwhile_is_cancelled(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        ents = add_enterprises(session, board, 4)
        session.commit()
    officers = {c.enterprise_id: c.id for c in board.officers}
    _plan(engine, date(2025, 4, 15), settings)  # title registration due today: 4 reminders
    campaign_id = board.campaign.id
    first = officers[ents[0].id]
    nudge_key = f"nudge:{campaign_id}:title_registration:{officers[ents[0].id]}:2025-04-15"
    other_kind_key = f"reminder:{campaign_id}:launch_document:{officers[ents[0].id]}:2025-04-15"
    with Session(engine) as session:
        enqueue_many(
            session,
            [
                OutboxItem(DeliveryKind.REMINDER, first, "nhắc", nudge_key, MORNING),
                OutboxItem(DeliveryKind.REMINDER, first, "văn bản", other_kind_key, MORNING),
            ],
        )
        # After planning, before sending: 0 submits, 1 is accepted, 2 was returned, 3 drafts.
        for ent, st in zip(
            ents,
            (
                SubmissionStatus.SUBMITTED,
                SubmissionStatus.ACCEPTED,
                SubmissionStatus.RETURNED,
                SubmissionStatus.DRAFT,
            ),
            strict=True,
        ):
            submit(session, board, ent, DeadlineKind.TITLE_REGISTRATION, st)
        session.commit()

    clock = FakeClock(local("2025-04-15T10:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))

    status = {(d.contact_id, d.dedupe_key): d.status for d in _rows(engine)}
    by_contact: dict[int, dict[str, DeliveryStatus]] = {}
    for (contact_id, key), st in status.items():
        by_contact.setdefault(contact_id, {})[key] = st
    planned = {
        cid: next(st for key, st in keys.items() if key.startswith("reminder:") and "title" in key)
        for cid, keys in by_contact.items()
    }
    assert planned[officers[ents[0].id]] == DeliveryStatus.CANCELLED  # submitted
    assert planned[officers[ents[1].id]] == DeliveryStatus.CANCELLED  # accepted
    assert planned[officers[ents[2].id]] == DeliveryStatus.SENT  # returned: still to do
    assert planned[officers[ents[3].id]] == DeliveryStatus.SENT  # draft: still to do
    assert status[(officers[ents[0].id], nudge_key)] == DeliveryStatus.CANCELLED
    # Only the title registration was submitted: the launch-document reminder still goes.
    assert status[(officers[ents[0].id], other_kind_key)] == DeliveryStatus.SENT
    assert len(sender.sent) == 3
    with Session(engine) as session:
        counts = outbox_status(session)
    assert counts["cancelled"] == 3 and counts["sent"] == 3


async def test_broadcasts_and_prompts_are_never_cancelled(
    engine: Engine, settings: Settings
) -> None:
    """Only reminders are cancelled by a submission; other kinds to the same officer go."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        (ent,) = add_enterprises(session, board, 1)
        submit(session, board, ent, DeadlineKind.TITLE_REGISTRATION)
        session.commit()
    (officer,) = [c.id for c in board.officers]
    assert officer is not None
    key = f"{board.campaign.id}:title_registration:{officer}:2025-04-15"
    with Session(engine) as session:
        enqueue_many(
            session,
            [
                OutboxItem(DeliveryKind.BROADCAST, officer, "a", f"broadcast:{key}", MORNING),
                OutboxItem(DeliveryKind.OBSERVANCE, officer, "b", f"observance:{key}", MORNING),
            ],
        )
        session.commit()
    clock = FakeClock(local("2025-04-15T10:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))
    assert sorted(text for _chat, text in sender.sent) == ["a", "b"]


# ------------------------------------------------------------- results after a reclaim


@dataclass
class GatedSender:
    """Holds every send until `release` is set, then succeeds or fails transiently."""

    fail: bool = False
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    sent: list[str] = field(default_factory=list)

    async def send(self, chat_id: str, reply: Reply) -> None:
        self.started.set()
        await self.release.wait()
        if self.fail:
            raise TransientError("502 Bad Gateway")
        self.sent.append(reply.text)


async def _slow_batch(
    engine: Engine, settings: Settings, clock: FakeClock, fail: bool
) -> tuple[GatedSender, asyncio.Task[int]]:
    slow = GatedSender(fail=fail)
    a = _dispatcher(
        engine, {Channel.TELEGRAM: slow}, clock, settings, "slow", claim_timeout_seconds=60
    )
    task = asyncio.create_task(a.run_once())
    await asyncio.wait_for(slow.started.wait(), 5)
    return slow, task


async def test_a_slow_batch_does_not_overwrite_the_instance_that_took_it_over(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 1)
    fill_outbox(engine, ids)
    slow, task = await _slow_batch(engine, settings, clock, fail=True)
    clock.advance(61)  # the slow batch outlives its claim
    fast = FakeSender()
    b = _dispatcher(
        engine, {Channel.TELEGRAM: fast}, clock, settings, "fast", claim_timeout_seconds=60
    )
    assert await b.run_once() == 1
    (row,) = _rows(engine)
    assert row.status == DeliveryStatus.SENT and row.attempts == 1
    slow.release.set()
    assert await task == 1  # the slow instance's send failed; it would schedule a retry...
    (row,) = _rows(engine)
    # ...but the row is no longer its own: B's "sent" stands, and nothing goes a third time.
    assert row.status == DeliveryStatus.SENT
    assert row.attempts == 1 and row.last_error is None and row.claimed_by is None
    assert await b.run_once() == 0
    assert len(fast.sent) == 1


async def test_a_slow_result_is_not_written_over_a_new_claim(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    ids = make_contacts(engine, 1)
    fill_outbox(engine, ids)
    slow, task = await _slow_batch(engine, settings, clock, fail=False)
    clock.advance(61)
    # B takes the row back and claims it, and is itself still sending when A finishes.
    b = _dispatcher(
        engine, {Channel.TELEGRAM: FakeSender()}, clock, settings, "b", claim_timeout_seconds=60
    )
    jobs, _swept = await asyncio.to_thread(b._claim, clock.now(), ["telegram"], 10)
    assert len(jobs) == 1
    slow.release.set()
    await task
    (row,) = _rows(engine)
    assert row.status == DeliveryStatus.SENDING and row.claimed_by == "b"


async def test_a_slow_success_on_a_row_taken_back_but_not_reclaimed_is_recorded(
    engine: Engine, settings: Settings, clock: FakeClock
) -> None:
    """Taken back to `pending` but nobody sent it again yet: record `sent`, no duplicate."""
    ids = make_contacts(engine, 1)
    fill_outbox(engine, ids)
    slow, task = await _slow_batch(engine, settings, clock, fail=False)
    clock.advance(61)
    idle = _dispatcher(engine, {}, clock, settings, "idle", claim_timeout_seconds=60)
    assert await idle.run_once() == 0  # no channel to send on: it only takes claims back
    (row,) = _rows(engine)
    assert row.status == DeliveryStatus.PENDING and row.claimed_by is None
    slow.release.set()
    await task
    (row,) = _rows(engine)
    assert row.status == DeliveryStatus.SENT and row.sent_at == clock.now()
    fast = FakeSender()
    b = _dispatcher(engine, {Channel.TELEGRAM: fast}, clock, settings, "fast")
    assert await b.run_once() == 0 and fast.sent == []
    assert slow.sent == [row.text]
