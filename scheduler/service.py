"""The scheduler as a service inside the bot's process: daily planning plus the dispatcher.

`start()` runs on the bot's event loop (call it from async code): an APScheduler 3
`AsyncIOScheduler` in the board's time zone fires the planning job every day at
`settings.planning_time` (08:00 by default), and the outbox dispatcher loop runs beside it.
If the bot was down at planning time, start-up plans today at once: planning is idempotent
(every message has a dedupe key), so running it again can never double a message.

The service depends only on `Sender`s, never on the Telegram Application, so the same code
runs for Telegram, Zalo and the console, in tests and in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db import get_engine
from bot.messaging import Sender
from bot.models import Channel
from bot.services.attachments import prune_orphans
from bot.services.bookkeeping import prune_bookkeeping
from bot.settings import Settings
from scheduler.clock import Clock, SystemClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from scheduler.planner import PlanResult, plan_day

log = logging.getLogger(__name__)

PLANNING_JOB_ID = "daily-planning"
PRUNING_JOB_ID = "prune-bookkeeping"
PRUNING_INTERVAL_MINUTES = 60


def default_instance_id() -> str:
    """host-pid-random: tells the instances sharing one database apart in `claimed_by`."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass
class SchedulerHandle:
    """A running scheduler: the APScheduler, the dispatcher and its task."""

    scheduler: AsyncIOScheduler
    dispatcher: Dispatcher
    engine: Engine
    settings: Settings
    clock: Clock
    config: SchedulerConfig
    stop_event: asyncio.Event
    dispatcher_task: asyncio.Task[None]
    plans: list[PlanResult] = field(default_factory=list)
    _catch_up: asyncio.Task[PlanResult | None] | None = None

    def today(self) -> date:
        return self.clock.now().astimezone(self.settings.tz).date()

    async def plan(self, on: date | None = None) -> PlanResult:
        """Plan `on` (default: today, local) in a worker thread; idempotent."""
        day = on or self.today()

        def work() -> PlanResult:
            with Session(self.engine, expire_on_commit=False) as session:
                return plan_day(session, day, self.settings, self.config, now=self.clock.now())

        result = await asyncio.to_thread(work)
        self.plans.append(result)
        log.info(
            "planned %s: %d outbox rows (%d of them to a whole board, expanded as sent), "
            "%d new (%s)",
            day.isoformat(),
            result.candidates,
            result.fanouts,
            result.inserted,
            result.by_kind,
        )
        return result

    async def _planning_job(self) -> None:
        try:
            await self.plan()
        except Exception:
            log.exception("daily planning failed; it will run again at the next start or day")
        try:
            await asyncio.to_thread(self._prune_files)
        except Exception:
            log.exception("pruning unused files failed; it runs again tomorrow")

    def _prune_files(self) -> None:
        """Delete files no attachment or receipt names, and exports older than a day."""
        with Session(self.engine) as session:
            removed = prune_orphans(session, self.settings.files_dir, self.clock.now())
        if removed:
            log.info("pruned %d unused files under %s", len(removed), self.settings.files_dir)

    async def prune(self) -> int:
        """Forget week-old update keys and expired conversations (bot.services.bookkeeping)."""

        def work() -> int:
            with Session(self.engine) as session:
                gone = prune_bookkeeping(session, self.clock.now(), tz=self.settings.tz)
                session.commit()
                return gone

        gone = await asyncio.to_thread(work)
        if gone:
            log.info("pruned %d processed-update keys and expired conversations", gone)
        return gone

    async def _pruning_job(self) -> None:
        try:
            await self.prune()
        except Exception:
            log.exception("pruning the conversation bookkeeping failed; it runs again in an hour")

    async def wait_catch_up(self) -> PlanResult | None:
        """The start-up catch-up run's result (None when none was needed)."""
        return await self._catch_up if self._catch_up else None

    async def stop(self) -> None:
        """Stop planning and sending; a batch in progress finishes and is recorded."""
        self.stop_event.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._catch_up and not self._catch_up.done():
            await asyncio.wait([self._catch_up])
        await self.dispatcher_task


def start(
    settings: Settings,
    senders: Mapping[Channel, Sender],
    clock: Clock | None = None,
    *,
    engine: Engine | None = None,
    instance_id: str | None = None,
    config: SchedulerConfig | None = None,
    only_chats: Mapping[Channel, Iterable[str]] | None = None,
) -> SchedulerHandle:
    """Start planning and sending on the running event loop; returns a handle to stop it.

    `only_chats` limits a channel to some chats (the console: the person at the terminal)."""
    loop = asyncio.get_running_loop()
    clock = clock or SystemClock()
    engine = engine or get_engine(settings.database_url)
    config = config or SchedulerConfig.from_settings(settings)
    dispatcher = Dispatcher(
        engine,
        senders,
        clock,
        settings,
        instance_id or default_instance_id(),
        config,
        only_chats=only_chats,
    )
    stop_event = asyncio.Event()
    scheduler = AsyncIOScheduler(timezone=settings.tz, event_loop=loop)
    handle = SchedulerHandle(
        scheduler=scheduler,
        dispatcher=dispatcher,
        engine=engine,
        settings=settings,
        clock=clock,
        config=config,
        stop_event=stop_event,
        dispatcher_task=loop.create_task(dispatcher.run(stop_event), name="outbox-dispatcher"),
    )
    scheduler.add_job(
        handle._planning_job,
        CronTrigger(
            hour=settings.planning_time.hour,
            minute=settings.planning_time.minute,
            second=settings.planning_time.second,
            timezone=settings.tz,
        ),
        id=PLANNING_JOB_ID,
        name="plan reminders, prompts, notices and digests",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,  # late is better than never: planning is idempotent
    )
    scheduler.add_job(
        handle._pruning_job,
        IntervalTrigger(
            minutes=PRUNING_INTERVAL_MINUTES,
            start_date=clock.now() + timedelta(minutes=PRUNING_INTERVAL_MINUTES),
            timezone=settings.tz,
        ),
        id=PRUNING_JOB_ID,
        name="forget old update keys and expired conversations",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,  # idempotent: late is fine
    )
    scheduler.start()
    local_now = clock.now().astimezone(settings.tz)
    if local_now.time() >= settings.planning_time:
        # The bot was not running at planning time today (or restarted since): plan now.
        handle._catch_up = loop.create_task(handle.plan(local_now.date()), name="catch-up")
    return handle
