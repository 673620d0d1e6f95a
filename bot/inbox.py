"""The webhook inbox: nothing the platforms were told we received is lost.

Telegram does not deliver an update again once it got a 200, so a process that answered 200
and was killed before handling the update lost it (300 updates acknowledged, then SIGKILL:
198 never processed). Now a webhook writes the body as an `InboundUpdate` row and commits it
*before* answering 200, then processes it from there and deletes the row:

- the row is inserted already claimed by this instance and handled at once by a task;
- a sweeper takes rows whose claim is older than `lease` seconds (left by a crashed or
  killed instance, or by this one when the database blinked during the delete) and
  processes them again; the engine's ProcessedUpdate keys make a second pass do nothing
  when the first one had committed its effect;
- a row claimed more than `max_attempts` times (an update that kills the process each time)
  is logged and dropped, so one poison update cannot stop the inbox;
- `drain()` on SIGTERM waits for the updates in hand; what does not finish in time stays
  in the table for the next start.

If the row cannot be written (the database is down), the webhook answers 503 and the
platform delivers the update again later: nothing is acknowledged that is not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.models import InboundUpdate, utcnow

log = logging.getLogger(__name__)

Processor = Callable[[dict[str, Any]], Awaitable[None]]


def _host() -> str:
    return socket.gethostname()[:40]


def _instance_id() -> str:
    return f"{_host()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_local_instance(claimed_by: str | None, me: str) -> bool:
    """A claim by an earlier process on this host (killed, or restarted with the same pid,
    as PID 1 in a container is): no need to wait for its lease."""
    if not claimed_by or claimed_by == me:
        return False
    parts = claimed_by.rsplit("-", 2)
    if len(parts) != 3 or parts[0] != _host() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    return pid == os.getpid() or not _pid_alive(pid)


class Inbox:
    """Durable webhook updates for the channels registered with `register`."""

    def __init__(
        self,
        db: Engine,
        *,
        instance_id: str | None = None,
        lease: float = 120.0,
        sweep_interval: float = 5.0,
        concurrency: int = 32,
        max_attempts: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.instance_id = (instance_id or _instance_id())[:64]
        self.lease = lease
        self.sweep_interval = sweep_interval
        self.max_attempts = max_attempts
        self.clock = clock
        self.processors: dict[str, Processor] = {}
        self._gate = asyncio.Semaphore(concurrency)
        self._tasks: dict[asyncio.Task[None], int] = {}  # in hand → its row
        self._postgres = db.dialect.name == "postgresql"

    def register(self, channel: str, processor: Processor) -> None:
        self.processors[channel] = processor

    # -- receiving

    async def accept(self, channel: str, body: str) -> int:
        """Store `body` durably (committed) and start processing it; returns the row id.

        Raises whatever the database raises: the caller must then not answer 200.
        """
        row_id = await asyncio.to_thread(self._insert, channel, body)
        self._spawn(row_id, channel, body)
        return row_id

    def _insert(self, channel: str, body: str) -> int:
        now = self.clock()
        with Session(self.db) as session:
            row = InboundUpdate(
                channel=channel, body=body, claimed_by=self.instance_id, claimed_at=now, attempts=1
            )
            session.add(row)
            session.commit()
            assert row.id is not None
            return row.id

    # -- processing

    def _spawn(self, row_id: int, channel: str, body: str) -> None:
        task = asyncio.get_running_loop().create_task(
            self._process(row_id, channel, body), name=f"inbox-{row_id}"
        )
        self._tasks[task] = row_id
        task.add_done_callback(lambda done: self._tasks.pop(done, None))

    async def _process(self, row_id: int, channel: str, body: str) -> None:
        async with self._gate:
            processor = self.processors.get(channel)
            if processor is None:
                log.warning("inbox: update %s for %s, which is not served here", row_id, channel)
                return  # left for an instance that serves the channel (the lease expires)
            try:
                await processor(json.loads(body))
            except asyncio.CancelledError:
                raise
            except Exception:
                # The channels answer users and log their own failures; reaching here is a
                # bug. Retrying it would only repeat it: the update is dropped, loudly.
                log.exception("inbox: update %s (%s) failed; dropped", row_id, channel)
            try:
                await asyncio.to_thread(self._delete, row_id)
            except Exception as exc:
                # Processed but not deleted: a sweep processes it again after the lease,
                # and the engine recognises the update.
                log.warning("inbox: update %s processed, row not deleted: %s", row_id, exc)

    def _delete(self, row_id: int) -> None:
        with Session(self.db) as session:
            session.execute(delete(InboundUpdate).where(col(InboundUpdate.id) == row_id))
            session.commit()

    # -- the sweeper

    def _claim_stale(self, limit: int = 100) -> list[tuple[int, str, str]]:
        """Rows left behind (claim older than the lease), claimed for this instance."""
        now = self.clock()
        expired = or_(
            col(InboundUpdate.claimed_at).is_(None),
            col(InboundUpdate.claimed_at) < now - timedelta(seconds=self.lease),
        )
        local = and_(
            col(InboundUpdate.claimed_by).like(f"{_host()}-%"),
            col(InboundUpdate.claimed_by) != self.instance_id,
        )
        channels = sorted(self.processors)
        with Session(self.db) as session:
            query = (
                select(
                    col(InboundUpdate.id),
                    col(InboundUpdate.channel),
                    col(InboundUpdate.body),
                    col(InboundUpdate.attempts),
                    expired.label("claimed_at_expired"),
                )
                .where(or_(expired, local), col(InboundUpdate.channel).in_(channels))
                .order_by(col(InboundUpdate.id))
                .limit(limit)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            rows = [
                r
                for r in session.execute(query.add_columns(col(InboundUpdate.claimed_by))).all()
                if r.claimed_at_expired or _dead_local_instance(r.claimed_by, self.instance_id)
            ]
            poison = [r.id for r in rows if r.attempts >= self.max_attempts]
            claimed = [r for r in rows if r.attempts < self.max_attempts]
            if poison:
                log.error(
                    "inbox: %d update(s) dropped after %d attempts each: %s",
                    len(poison),
                    self.max_attempts,
                    poison,
                )
                session.execute(delete(InboundUpdate).where(col(InboundUpdate.id).in_(poison)))
            if claimed:
                session.execute(
                    update(InboundUpdate)
                    .where(col(InboundUpdate.id).in_([r.id for r in claimed]))
                    .values(
                        claimed_by=self.instance_id,
                        claimed_at=now,
                        attempts=col(InboundUpdate.attempts) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            session.commit()
        return [(r.id, r.channel, r.body) for r in claimed]

    async def sweep(self) -> int:
        """Process what crashed instances left; returns how many updates were taken."""
        taken = await asyncio.to_thread(self._claim_stale)
        for row_id, channel, body in taken:
            self._spawn(row_id, channel, body)
        if taken:
            log.info("inbox: %d update(s) left by a stopped instance are processed now", len(taken))
        return len(taken)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep at start, then every `sweep_interval` seconds, until `stop` is set."""
        while not stop.is_set():
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("inbox sweep failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.sweep_interval)

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every update in hand is processed; False if `timeout` ran out."""
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        while self._tasks:
            remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True

    async def drain(self, timeout: float = 30.0) -> None:
        """On the way out: finish the updates in hand; the rest stays for the next start."""
        if not await self.wait_idle(timeout):
            left = list(self._tasks.values())
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self._release, left)
            log.warning("inbox: %d update(s) left for the next start", len(left))

    def _release(self, row_ids: list[int]) -> None:
        """Unclaim rows not finished, so the next instance takes them at once."""
        with Session(self.db) as session:
            session.execute(
                update(InboundUpdate)
                .where(col(InboundUpdate.id).in_(row_ids))
                .values(claimed_by=None, claimed_at=None)
            )
            session.commit()
