"""The transactional outbox: every message the bot sends on its own initiative goes through here.

Producers (the planner, staff broadcasts, launches, nudges, review results) insert
`Delivery` rows, in the same transaction as whatever caused them, with
`bot.notifications.outbox.enqueue()`. A row is a message's identity, not its text. The
`Dispatcher` claims due rows, renders each claimed batch (`bot.notifications.render`: in the
recipient's language as it is then, from the plan as it is then) and sends it.

Fan-outs. The planner writes a message to a whole board's officers as one `Fanout` row; when
fewer than a batch of this dispatcher's due deliveries wait, the claim first expands the due
fan-outs into the next batch of per-contact deliveries (`scheduler.planner.expand`:
resumable from a cursor, each contact once, who still owes the item decided then), so the
day's plan becomes rows at the pace it is sent. Fan-outs are expanded only inside the
sending hours and expire like the deliveries of their day.

Claiming. A dispatcher claims a batch by setting `status=sending, claimed_by, claimed_at` in
one short transaction: on PostgreSQL it first selects the due rows `FOR UPDATE SKIP LOCKED`
(several instances share the work, never the same row), on SQLite a single
`UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING` runs under the database's write lock.
Results are written back at the end of each batch.

Crash bound. If an instance dies (kill -9) its claimed rows stay `sending`; once their claim
is older than `claim_timeout_seconds` any dispatcher puts them back to `pending`. Nothing is
lost. A message can go out twice only if it was in flight in the dead instance: claimed,
possibly sent, its result not yet written — at most one batch (`max_batch` messages) per
crashed instance, and only those. Everything written `sent` is never sent again.

Set aside at claim time. Day-bound automatic messages (`DAY_BOUND_KINDS`: reminders,
commemoration prompts, phase notices, digests) are true only on the local day they were
planned for ("today is the last day"): one still pending after that day becomes `expired`
instead of going out late with wrong wording (`planned_on` before today). A reminder or
staff nudge whose item was meanwhile submitted or accepted becomes `cancelled`
(`campaign_id`, `item_kind` against the submissions). Both are plain column predicates,
marked set-based in the claim's transaction; broadcasts, launches, review results and chat
replies are never set aside. A claimed message whose subject has been deleted since it was
queued (a deadline, a campaign) is `failed` with the reason, not sent.

Results of a slow batch. A batch that outlives `claim_timeout_seconds` may lose its rows to
another dispatcher; its results are written only onto rows still `sending` and claimed by
this instance (plus a `sent` onto a row taken back but not claimed again), never over the
other instance's work.

Multi-part replies. A channel may send one Reply as several platform messages; the outbox
keeps no per-part progress, so a transient failure on a later part repeats the earlier
parts on retry — at most `max_attempts` times each (429s use no attempt; a plain
`SendError` fails at once). See scheduler/README.md, "Multi-part messages".

Pacing. Sends happen only inside sending hours (default 07:30–17:30 local time on working
days); a due message outside them waits, except review results (`PROMPT_KINDS`: e.g. a
returned submission's reason), which answer a person's own business and go out at once. Each channel
draws on its bot's shared pacer (scheduler/pacing.py: Telegram 25/s per bot by default, Zalo
configurable, counted across instances and together with the direct replies) and each chat
gets at most one message per second. A 429 pauses the bot, everywhere, for its
`retry_after`; a transient error is retried with exponential back-off up to `max_attempts`,
then the delivery is `failed`; a 403 makes the delivery
`unreachable` and marks the contact unreachable, and nothing more is sent to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.messaging import RateLimited, Reply, Sender, SendError, TransientError, Unreachable
from bot.models import (
    Channel,
    Contact,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Role,
    Submission,
    SubmissionStatus,
)
from bot.models.types import AwareDateTime
from bot.notifications.facts import Gone, Recipient
from bot.notifications.kinds import (
    CANCELLABLE_KINDS,
    DAY_BOUND_KINDS,
    IDENTITY_COLUMNS,
    KINDS,
    PROMPT_KINDS,
)
from bot.notifications.render import Rendered, render
from bot.services.calendar import is_working_day
from bot.settings import Settings
from scheduler.channel_health import ChannelHealth
from scheduler.clock import Clock
from scheduler.config import SchedulerConfig
from scheduler.db_retry import retry_through_blips
from scheduler.pacing import bot_pacer
from scheduler.planner.expand import due_fanouts, expand, expire_fanouts
from scheduler.ratelimit import ChatSpacing, PausedTooLong

log = logging.getLogger(__name__)

ERROR_LENGTH = 1000
DONE_STATUSES: tuple[SubmissionStatus, ...] = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.ACCEPTED,
)


def outbox_status(session: Session, broadcast_id: int | None = None) -> dict[str, int]:
    """How many deliveries are in each status (every status present, zeros included)."""
    stmt = select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
    if broadcast_id is not None:
        stmt = stmt.where(col(Delivery.broadcast_id) == broadcast_id)
    counts = {status.value: 0 for status in DeliveryStatus}
    for status, n in session.execute(stmt).all():
        counts[str(status)] = int(n)
    return counts


# ------------------------------------------------------------------- expiry and cancelling


def _planned_day_expired(today: date) -> Any:
    """SQL: a day-bound delivery (`Notification.day_bound`) planned for a day before today.

    `planned_on` is the local day the planner made it for; unlike `not_before` it never
    moves with retries or 429 pauses. A staff nudge, also about a deadline, was asked for by
    a person and is not day-bound: it waits like a broadcast.
    """
    return and_(
        col(Delivery.kind).in_(DAY_BOUND_KINDS),
        col(Delivery.planned_on).is_not(None),
        col(Delivery.planned_on) < today,
    )


def _reminded_item_done() -> Any:
    """SQL: a reminder or nudge whose item has meanwhile been submitted or accepted.

    The delivery's `campaign_id` and `item_kind` against the submissions of the contact's
    enterprise, correlated to the delivery row: one EXISTS, set-based, whatever the rows.
    """
    return and_(
        col(Delivery.kind).in_(CANCELLABLE_KINDS),
        exists()
        .where(
            col(Contact.id) == col(Delivery.contact_id),
            col(Submission.enterprise_id) == col(Contact.enterprise_id),
            col(Submission.campaign_id) == col(Delivery.campaign_id),
            col(Submission.kind) == col(Delivery.item_kind),
            col(Submission.status).in_(DONE_STATUSES),
        )
        .correlate(Delivery.__table__),  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class Swept:
    """What one claim set aside instead of sending."""

    expired: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.expired + self.cancelled


# ---------------------------------------------------------------------------- dispatcher


def _recipient(contact: Any) -> Recipient:
    return Recipient(
        contact_id=contact.id,
        language=contact.language,
        enterprise_id=contact.enterprise_id,
        role=Role(contact.role),
        cluster_id=contact.cluster_id,
    )


@dataclass(frozen=True)
class _Job:
    id: int
    contact_id: int
    channel: Channel
    chat_id: str
    attempts: int
    message: Rendered | Gone


@dataclass(frozen=True)
class _Outcome:
    id: int
    status: DeliveryStatus
    attempts: int
    not_before: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    contact_unreachable: int | None = None


class Dispatcher:
    """Sends the outbox through the channels' Senders; several may run on one database."""

    def __init__(
        self,
        db_engine: Engine,
        senders: Mapping[Channel, Sender],
        clock: Clock,
        settings: Settings,
        instance_id: str,
        config: SchedulerConfig | None = None,
        max_batch: int = 100,
        only_chats: Mapping[Channel, Iterable[str]] | None = None,
    ) -> None:
        self.engine = db_engine
        # Channels whose messages this dispatcher sends to some chats only (a console
        # sends only to the person at its terminal; the others' wait for their console).
        self.only_chats = {channel: tuple(ids) for channel, ids in (only_chats or {}).items()}
        self.senders = dict(senders)
        self.clock = clock
        self.settings = settings
        self.instance_id = instance_id[:64]
        self.config = config or SchedulerConfig.from_settings(settings)
        self.max_batch = max_batch
        self._limiters = {
            channel: bot_pacer(db_engine, settings, channel, self.config)
            for channel in self.senders
        }
        self._spacing = ChatSpacing(self.config.per_chat_interval_seconds)
        self.health = ChannelHealth()
        self._postgres = db_engine.dialect.name == "postgresql"

    # -- time

    def in_sending_hours(self, now: datetime | None = None) -> bool:
        """Inside the configured sending hours of a working day, local time."""
        local = (now or self.clock.now()).astimezone(self.settings.tz)
        if not is_working_day(local.date()):
            return False
        return self.settings.sending_start <= local.time() < self.settings.sending_end

    def _backoff(self, attempts: int) -> timedelta:
        seconds = self.config.backoff_base_seconds * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.config.backoff_max_seconds))

    # -- database (synchronous; run in a worker thread so the event loop never blocks)

    def _claim(
        self,
        now: datetime,
        channels: list[str],
        limit: int,
        kinds: tuple[DeliveryKind, ...] | None = None,
    ) -> tuple[list[_Job], Swept]:
        """Take back stale claims, set aside what must not go out, claim a due batch."""
        stale_before = now - timedelta(seconds=self.config.claim_timeout_seconds)
        with Session(self.engine) as session:
            session.execute(
                update(Delivery)
                .where(
                    col(Delivery.status) == DeliveryStatus.SENDING,
                    col(Delivery.claimed_at) < stale_before,
                )
                .values(
                    status=DeliveryStatus.PENDING,
                    claimed_by=None,
                    claimed_at=None,
                    last_error="claim expired: the sending instance stopped",
                )
            )
            unreachable_contacts = select(col(Contact.id)).where(~col(Contact.reachable))
            session.execute(
                update(Delivery)
                .where(
                    col(Delivery.status) == DeliveryStatus.PENDING,
                    col(Delivery.contact_id).in_(unreachable_contacts),
                )
                .values(status=DeliveryStatus.UNREACHABLE, last_error="contact unreachable")
            )
            session.commit()
            swept = self._sweep(session, now)
            if not channels:
                session.commit()
                return [], swept
            due = (
                select(col(Delivery.id))
                .join(Contact, col(Contact.id) == col(Delivery.contact_id))
                .where(
                    col(Delivery.status) == DeliveryStatus.PENDING,
                    col(Delivery.not_before) <= now,
                    col(Contact.channel).in_(channels),
                    *(
                        or_(col(Contact.channel) != channel, col(Contact.chat_id).in_(ids))
                        for channel, ids in self.only_chats.items()
                    ),
                )
                .order_by(col(Delivery.not_before), col(Delivery.id))
                .limit(limit)
            )
            if kinds is not None:
                due = due.where(col(Delivery.kind).in_([k.value for k in kinds]))
            self._expand_if_short(session, now, due, limit, kinds)
            claim = update(Delivery).values(
                status=DeliveryStatus.SENDING, claimed_by=self.instance_id, claimed_at=now
            )
            if self._postgres:
                ids = list(session.scalars(due.with_for_update(skip_locked=True, of=Delivery)))
                if not ids:
                    session.commit()
                    return [], swept
                claim = claim.where(col(Delivery.id).in_(ids))
            else:
                claim = claim.where(col(Delivery.id).in_(due.scalar_subquery()))
            claimed = list(
                session.execute(
                    claim.returning(
                        col(Delivery.id),
                        col(Delivery.kind),
                        col(Delivery.contact_id),
                        *(Delivery.__table__.c[name] for name in IDENTITY_COLUMNS),  # type: ignore[attr-defined]
                        col(Delivery.attempts),
                        col(Delivery.not_before),
                    )
                ).all()
            )
            session.commit()
            if not claimed:
                return [], swept
            # Rendered now, in the recipient's language as it is now, from the plan as it
            # is now (read after the claim's commit: the write lock is not held meanwhile).
            contact_ids = {row.contact_id for row in claimed}
            contacts = {
                row.id: row
                for row in session.execute(
                    select(
                        col(Contact.id),
                        col(Contact.channel),
                        col(Contact.chat_id),
                        col(Contact.language),
                        col(Contact.enterprise_id),
                        col(Contact.role),
                        col(Contact.cluster_id),
                    ).where(col(Contact.id).in_(contact_ids))
                ).all()
            }
            claimed.sort(key=lambda row: (row.not_before, row.id))
            batch = [
                (
                    KINDS[DeliveryKind(row.kind)].from_identity(row),
                    _recipient(contacts[row.contact_id]),
                )
                for row in claimed
            ]
            messages = render(session, batch)
            session.rollback()
        jobs = [
            _Job(
                id=row.id,
                contact_id=row.contact_id,
                channel=Channel(contacts[row.contact_id].channel),
                chat_id=contacts[row.contact_id].chat_id,
                attempts=row.attempts,
                message=message,
            )
            for row, message in zip(claimed, messages, strict=True)
        ]
        return jobs, swept

    def _expand_if_short(
        self,
        session: Session,
        now: datetime,
        due: Any,
        limit: int,
        kinds: tuple[DeliveryKind, ...] | None,
    ) -> None:
        """Write the next deliveries of the due fan-outs when fewer than a batch of this
        dispatcher's due deliveries wait (`scheduler.planner.expand`), and commit them
        with the fan-outs' cursors.

        So the planned day becomes rows at the pace it is sent, a batch ahead; counted on
        the same query as the claim (this dispatcher's channels and chats), so a paused
        channel's waiting rows do not hold the others' fan-outs back.
        """
        if not session.execute(due_fanouts(now).limit(1)).first():
            return  # nothing planned to expand: no count on the hot path
        waiting = session.execute(select(func.count()).select_from(due.subquery())).scalar_one()
        if waiting < limit:
            expand(session, now, limit - int(waiting), kinds, email=self.settings.sends_email)
            session.commit()

    def _sweep(self, session: Session, now: datetime) -> Swept:
        """Mark due pending rows that must not be sent any more, in the claim's transaction.

        Checked when the batch is claimed, so a message goes out at most one batch's sending
        time (seconds) after its item was submitted. On PostgreSQL the rows are picked
        `FOR UPDATE SKIP LOCKED`: instances sweeping at once never wait on or deadlock with
        each other or with a claim in progress.
        """
        today = now.astimezone(self.settings.tz).date()
        due = and_(col(Delivery.status) == DeliveryStatus.PENDING, col(Delivery.not_before) <= now)
        expired = self._set_aside(
            session,
            and_(due, _planned_day_expired(today)),
            DeliveryStatus.EXPIRED,
            "expired: not sent on the day it was planned for",
        )
        cancelled = self._set_aside(
            session,
            and_(due, _reminded_item_done()),
            DeliveryStatus.CANCELLED,
            "cancelled: the item was submitted before the reminder went out",
        )
        # The fan-outs of a past day: the rest of their audience gets nothing.
        expire_fanouts(session, today, now)
        if expired or cancelled:
            log.info(
                "outbox %s: %d expired, %d cancelled instead of sent",
                self.instance_id,
                expired,
                cancelled,
            )
        return Swept(expired, cancelled)

    def _set_aside(self, session: Session, where: Any, status: DeliveryStatus, reason: str) -> int:
        target = select(col(Delivery.id)).where(where)
        if self._postgres:
            target = target.with_for_update(skip_locked=True, of=Delivery)
        result = session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(target.scalar_subquery()))
            .values(status=status, last_error=reason, claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def _record(self, outcomes: list[_Outcome]) -> None:
        """Write a batch's results, only onto rows this instance still holds.

        A batch that outlived `claim_timeout_seconds` may have had rows taken back (and
        perhaps claimed and sent again) by another instance; writing over them would undo
        that instance's work. So each result is written only where the row is still
        `sending` and `claimed_by` this instance. One exception saves a duplicate: a row we
        did send that was taken back but not yet claimed again (`pending`, unclaimed) is
        recorded `sent`. Every condition sits in the UPDATE itself, so a row claimed by
        someone else between the look and the write is left alone.
        """
        if not outcomes:
            return
        ids = [o.id for o in outcomes]
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(Delivery.id), col(Delivery.status), col(Delivery.claimed_by)).where(
                    col(Delivery.id).in_(ids)
                )
            ).all()
            mine = {
                r.id
                for r in rows
                if r.status == DeliveryStatus.SENDING and r.claimed_by == self.instance_id
            }
            back = {
                r.id for r in rows if r.status == DeliveryStatus.PENDING and r.claimed_by is None
            }
            held = [o for o in outcomes if o.id in mine]
            late_sent = [o for o in outcomes if o.id in back and o.status is DeliveryStatus.SENT]
            lost = len(outcomes) - len(held) - len(late_sent)
            if lost:
                log.warning(
                    "outbox %s: %d results not recorded: their claims were taken back by "
                    "another instance after %ss",
                    self.instance_id,
                    lost,
                    self.config.claim_timeout_seconds,
                )
            still_mine = and_(
                col(Delivery.status) == DeliveryStatus.SENDING,
                col(Delivery.claimed_by) == self.instance_id,
            )
            unclaimed = and_(
                col(Delivery.status) == DeliveryStatus.PENDING,
                col(Delivery.claimed_by).is_(None),
            )
            conn = session.connection()
            keep_due = [o for o in held if o.not_before is None]
            new_due = [o for o in held if o.not_before is not None]
            if keep_due:
                conn.execute(self._result_update(still_mine), [self._params(o) for o in keep_due])
            if new_due:
                conn.execute(
                    self._result_update(still_mine).values(
                        not_before=bindparam("o_not_before", type_=AwareDateTime())
                    ),
                    [self._params(o) | {"o_not_before": o.not_before} for o in new_due],
                )
            if late_sent:
                conn.execute(self._result_update(unclaimed), [self._params(o) for o in late_sent])
            gone = sorted({o.contact_unreachable for o in outcomes if o.contact_unreachable})
            if gone:
                session.execute(
                    update(Contact).where(col(Contact.id).in_(gone)).values(reachable=False)
                )
            session.commit()

    @staticmethod
    def _result_update(guard: Any) -> Any:
        return (
            update(Delivery)
            .where(col(Delivery.id) == bindparam("o_id"), guard)
            .values(
                status=bindparam("o_status"),
                attempts=bindparam("o_attempts"),
                last_error=bindparam("o_error"),
                sent_at=bindparam("o_sent_at", type_=AwareDateTime()),
                claimed_by=None,
                claimed_at=None,
            )
        )

    @staticmethod
    def _params(o: _Outcome) -> dict[str, Any]:
        return {
            "o_id": o.id,
            "o_status": o.status.value,
            "o_attempts": o.attempts,
            "o_error": o.last_error[:ERROR_LENGTH] if o.last_error else None,
            "o_sent_at": o.sent_at,
        }

    # -- sending

    async def _send_one(self, job: _Job, gate: asyncio.Semaphore) -> _Outcome:
        message = job.message
        if isinstance(message, Gone):
            # What it was about was deleted since it was queued: nothing true to send.
            error = f"not rendered: {message}"
            return _Outcome(job.id, DeliveryStatus.FAILED, job.attempts, last_error=error)
        sender = self.senders[job.channel]
        limiter = self._limiters[job.channel]
        async with gate, self._spacing.lock(job.chat_id):
            try:
                await self._spacing.wait(job.chat_id)
                await limiter.acquire(self.config.max_inline_pause_seconds)
            except PausedTooLong as exc:
                return _Outcome(
                    job.id,
                    DeliveryStatus.PENDING,
                    job.attempts,
                    not_before=self.clock.now() + timedelta(seconds=exc.remaining),
                    last_error="channel paused after 429",
                )
            attempts = job.attempts + 1
            document = message.document_path
            reply = Reply(text=message.text, document=Path(document) if document else None)
            try:
                await sender.send(job.chat_id, reply)
            except RateLimited as exc:
                await limiter.pause(exc.retry_after)
                # A 429 is the platform's pacing, not the message's fault: no attempt is used.
                return _Outcome(
                    job.id,
                    DeliveryStatus.PENDING,
                    job.attempts,
                    not_before=self.clock.now() + timedelta(seconds=exc.retry_after),
                    last_error=f"429: retry after {exc.retry_after:g}s",
                )
            except Unreachable as exc:
                return _Outcome(
                    job.id,
                    DeliveryStatus.UNREACHABLE,
                    attempts,
                    last_error=f"unreachable: {exc}",
                    contact_unreachable=job.contact_id,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, SendError) and not isinstance(exc, TransientError):
                    # The platform refused for a reason retrying cannot fix (a bad request,
                    # a vanished attachment). A retry would only repeat the parts of a
                    # multi-part message that did go out, so this one is failed now.
                    return _Outcome(job.id, DeliveryStatus.FAILED, attempts, last_error=error)
                if not isinstance(exc, TransientError):
                    log.exception("delivery %s: unexpected error from the sender", job.id)
                self.health.failed(str(job.channel), job.chat_id)
                if attempts >= self.config.max_attempts:
                    return _Outcome(job.id, DeliveryStatus.FAILED, attempts, last_error=error)
                return _Outcome(
                    job.id,
                    DeliveryStatus.PENDING,
                    attempts,
                    not_before=self.clock.now() + self._backoff(attempts),
                    last_error=error,
                )
            finally:
                self._spacing.sent(job.chat_id)
            self.health.ok(str(job.channel))
            return _Outcome(job.id, DeliveryStatus.SENT, attempts, sent_at=self.clock.now())

    def _ready_channels(self) -> list[str]:
        return [
            channel.value
            for channel, limiter in self._limiters.items()
            if limiter.paused_for() <= self.config.max_inline_pause_seconds
            and self.health.claimable(str(channel))
        ]

    async def run_once(self, max_batch: int | None = None) -> int:
        """Claim and send one batch; returns how many deliveries were handled (sent, retried,
        failed, or set aside as expired or cancelled)."""
        now = self.clock.now()
        kinds = None if self.in_sending_hours(now) else PROMPT_KINDS
        limit = max_batch or self.max_batch
        jobs, swept = await asyncio.to_thread(
            self._claim, now, self._ready_channels(), limit, kinds
        )
        if not jobs:
            return swept.total
        gate = asyncio.Semaphore(self.config.concurrency)
        outcomes = await asyncio.gather(*(self._send_one(job, gate) for job in jobs))
        # Retried through a database blip (a failed write here meant the whole batch was
        # claimed again and sent twice); bounded by the claim timeout.
        results = list(outcomes)
        await retry_through_blips(
            lambda: self._record(results),
            what=f"outbox {self.instance_id}: recording {len(results)} results",
            within=self.config.claim_timeout_seconds * 0.9,
        )
        self._spacing.forget_idle()
        return len(jobs) + swept.total

    async def run(self, stop_event: asyncio.Event) -> None:
        """Send until `stop_event` is set; survives database and sender hiccups."""
        while not stop_event.is_set():
            try:
                handled = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox dispatcher %s: batch failed", self.instance_id)
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), self.config.poll_interval_seconds)
