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
    Broadcast,
    Channel,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Observance,
    SubmissionStatus,
)
from bot.notifications.kinds import (
    REVIEW_RETURNED,
    BroadcastMessage,
    CampaignLaunch,
    CommemorationPrompt,
    DeadlineReminder,
    Nudge,
    ReviewResult,
)
from bot.notifications.outbox import dedupe_key, enqueue
from bot.settings import Settings
from scheduler.clock import FakeClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher, outbox_status
from tests.scheduler.conftest import delivery_texts, fill_outbox, make_contacts, plan_and_expand
from tests.scheduler.factories import Board, add_enterprises, add_staff, make_board, submit
from tests.scheduler.fakes import FakeSender
from tests.values import present


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
    """The day's plan with its fan-outs expanded at once (as a dispatcher of that day would
    have), so that the per-contact rows' expiry and cancelling are what is tested here; an
    unexpanded fan-out's are in test_fanout.py."""
    with Session(engine) as session:
        plan_and_expand(session, on, settings)


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
    due_texts = set(delivery_texts(engine).values())
    assert len(due_day) == 2 and all("15/04/2025" in text for text in due_texts)
    assert {d.planned_on for d in due_day} == {date(2025, 4, 15)}

    clock.set(local("2025-04-16T08:00:00"))
    _plan(engine, date(2025, 4, 16), settings)  # the +1 overdue reminder
    await _drain(dispatcher)

    assert len(sender.sent) == 2
    assert all("16/04" not in text for text in due_texts)  # what must not go out...
    assert not {text for _chat, text in sender.sent} & due_texts  # ...did not
    rows = {d.id: d for d in _rows(engine)}
    for d in due_day:
        assert rows[d.id].status == DeliveryStatus.EXPIRED
        assert rows[d.id].attempts == 0 and rows[d.id].sent_at is None
        assert "planned" in (rows[d.id].last_error or "")
    sent = [d for d in rows.values() if d.status == DeliveryStatus.SENT]
    assert len(sent) == 2 and all(d.planned_on == date(2025, 4, 16) for d in sent)
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
    campaign_id = board.campaign.id or 0
    with Session(engine) as session:
        broadcast = Broadcast(organization_id=board.org.id or 0, text="thông báo")
        session.add(broadcast)
        returned = submit(
            session,
            board,
            board.enterprises[0],
            DeadlineKind.LAUNCH_DOCUMENT,
            SubmissionStatus.RETURNED,
            note="thiếu chữ ký",
        )
        session.flush()
        people = [
            (BroadcastMessage(broadcast.id or 0), officers[0]),
            (CampaignLaunch(campaign_id), officers[0]),
            (
                ReviewResult(
                    campaign_id,
                    DeadlineKind.LAUNCH_DOCUMENT,
                    returned.id or 0,
                    REVIEW_RETURNED,
                ),
                officers[0],
            ),
            (Nudge(campaign_id, DeadlineKind.TITLE_REGISTRATION, date(2025, 4, 14)), officers[1]),
        ]
        for notification, officer in people:
            assert enqueue(session, notification, [officer], not_before=old) == 1
        session.commit()
    before = {d.id: d for d in _rows(engine)}
    kinds = {d.kind for d in before.values()}
    assert {DeliveryKind.REMINDER, DeliveryKind.DIGEST} <= kinds  # Monday 14/04: the digest

    clock = FakeClock(local("2025-04-17T08:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))

    after = {d.id: d for d in _rows(engine)}
    for row in after.values():
        assert row.planned_on is not None or row.kind in (
            DeliveryKind.BROADCAST,
            DeliveryKind.LAUNCH,
            DeliveryKind.REVIEW_RESULT,
        )
        planned_before_today = row.planned_on is not None and row.planned_on < date(2025, 4, 17)
        day_bound = row.kind in (
            DeliveryKind.REMINDER,
            DeliveryKind.OBSERVANCE,
            DeliveryKind.PHASE_NOTICE,
            DeliveryKind.DIGEST,
        )
        if day_bound and planned_before_today:
            assert row.status == DeliveryStatus.EXPIRED, row.dedupe_key
        else:
            assert row.status == DeliveryStatus.SENT, row.dedupe_key
    sent_texts = [text for _chat, text in sender.sent]
    assert "thông báo" in sent_texts
    assert any("thiếu chữ ký" in text for text in sent_texts)  # the review result
    assert any("Văn phòng Ban nhắc" in text for text in sent_texts)  # the nudge
    assert len(sender.sent) == len(set(sent_texts))  # nothing twice
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
    officers = {c.enterprise_id: present(c.id) for c in board.officers}
    _plan(engine, date(2025, 4, 15), settings)  # title registration due today: 4 reminders
    campaign_id = board.campaign.id or 0
    first = officers[ents[0].id]
    assert first is not None
    nudge = Nudge(campaign_id, DeadlineKind.TITLE_REGISTRATION, date(2025, 4, 15))
    other_kind = DeadlineReminder(campaign_id, DeadlineKind.LAUNCH_DOCUMENT, date(2025, 4, 15))
    nudge_key, other_kind_key = dedupe_key(nudge, first), dedupe_key(other_kind, first)
    with Session(engine) as session:
        enqueue(session, nudge, [first], not_before=MORNING)
        enqueue(session, other_kind, [first], not_before=MORNING)
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
    for (contact_id, key), state in status.items():
        by_contact.setdefault(contact_id, {})[key] = state
    planned = {
        cid: next(s for key, s in keys.items() if key.startswith("reminder:") and "title" in key)
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
    with Session(engine) as session:
        broadcast = Broadcast(organization_id=board.org.id or 0, text="a")
        session.add(broadcast)
        observance = session.exec(
            select(Observance).where(Observance.campaign_id == board.campaign.id)
        ).first()
        assert observance is not None and observance.id is not None
        session.flush()
        prompt = CommemorationPrompt(board.campaign.id or 0, observance.id, date(2025, 4, 15))
        enqueue(session, BroadcastMessage(broadcast.id or 0), [officer], not_before=MORNING)
        enqueue(session, prompt, [officer], not_before=MORNING)
        session.commit()
    clock = FakeClock(local("2025-04-15T10:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))
    texts = sorted(text for _chat, text in sender.sent)
    assert len(texts) == 2 and texts[0] == "a" and "🇻🇳" in texts[1]


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
    assert slow.sent == list(delivery_texts(engine).values())


async def test_expiry_and_cancelling_read_columns_not_the_dedupe_key(
    engine: Engine, settings: Settings
) -> None:
    """The keys are made opaque after planning: expiry still goes by `planned_on` and
    cancelling by `campaign_id` / `item_kind` (no parsing of the key)."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session)
        ents = add_enterprises(session, board, 2)
        session.commit()
    _plan(engine, date(2025, 4, 14), settings)  # one day before the registration: 2 reminders
    _plan(engine, date(2025, 4, 15), settings)  # the due day: 2 more
    with Session(engine) as session:
        for row in session.exec(select(Delivery)).all():
            row.dedupe_key = f"opaque-{row.id}"
            session.add(row)
        submit(session, board, ents[0], DeadlineKind.TITLE_REGISTRATION)
        session.commit()
    clock = FakeClock(local("2025-04-15T09:00:00"))
    sender = FakeSender()
    await _drain(_dispatcher(engine, {Channel.TELEGRAM: sender}, clock, settings, "d1"))
    by_day: dict[date | None, list[DeliveryStatus]] = {}
    for row in _rows(engine):
        by_day.setdefault(row.planned_on, []).append(row.status)
    assert sorted(by_day[date(2025, 4, 14)]) == [DeliveryStatus.EXPIRED] * 2
    assert sorted(by_day[date(2025, 4, 15)]) == sorted(
        [DeliveryStatus.CANCELLED, DeliveryStatus.SENT]
    )
    assert len(sender.sent) == 1
