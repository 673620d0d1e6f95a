"""Benchmark 1: officer updates per second through the whole bot, against a bare echo bot.

The whole bot is `build_application(settings, Engine(db, settings))`, the production wiring:
python-telegram-bot long polling over HTTP against the fake Bot API (in its own process),
the conversation engine, the database. Every officer is linked to an enterprise and sends,
in order: /status, /register, presses "add a person", types a name and a position, presses
the title, and /status again — seven updates, five of them steps of the registration flow.
All officers' updates are queued at once (interleaved, as many people typing together), and
the clock stops when the last one has been fully handled (replies sent).

The echo bot is python-telegram-bot with one handler that echoes each text and answers each
button (answerCallbackQuery + a message), with the same concurrent-update setting, against
the same fake, on the same updates. Both bots count handled updates with a handler in a later
group, which PTB runs only after the bot's own handler has finished.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func
from sqlmodel import Session, select
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bench.common import fresh_database, open_deadlines, seed_board
from bench.fake_process import RemoteFakeTelegram
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    build_application,
    start_application,
    stop_application,
)
from bot.db import get_engine
from bot.models import RegistrationEntry
from bot.settings import Settings, load_settings
from conversations.engine import Engine

STEPS_PER_OFFICER = 7
# Officers whose updates run first, untimed, on the same bot and database (see `_drive`):
# five cover every statement and reply of the script.
WARM_OFFICERS = 5
APOLOGIES = ("Sorry, something went wrong", "Xin lỗi")


def officer_script(chat_ids: list[int]) -> list[tuple[str, int, str]]:
    """The updates of every officer, interleaved step by step."""
    steps: list[Callable[[int], tuple[str, str]]] = [
        lambda i: ("text", "/status"),
        lambda i: ("text", "/register"),
        lambda i: ("callback", "reg:add:ind"),
        lambda i: ("text", f"Nguyễn Văn An {i}"),
        lambda i: ("text", "Trưởng phòng nhân sự"),
        lambda i: ("callback", "reg:t:LDTT"),
        lambda i: ("text", "/status"),
    ]
    script: list[tuple[str, int, str]] = []
    for step in steps:
        for i, chat in enumerate(chat_ids):
            kind, payload = step(i)
            script.append((kind, chat, payload))
    return script


@dataclass
class RunResult:
    updates: int
    seconds: float
    cpu_seconds: float = 0.0  # this process (event loop and worker threads) while timed
    errors: int = 0
    check: str = ""

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / self.updates if self.updates else 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0


class Meter(Protocol):
    """What the timed part of a run is measured with: `begin` as the script is queued, `end`
    when its last update has been handled, returning the CPU seconds between the two."""

    def begin(self) -> None: ...

    def end(self) -> float: ...


class CpuMeter:
    """CPU time of this process (event loop and worker threads): the usual meter."""

    def __init__(self) -> None:
        self._began = 0.0

    def begin(self) -> None:
        self._began = time.process_time()

    def end(self) -> float:
        return time.process_time() - self._began


class _Counter:
    """Counts fully handled updates and wakes the waiter at the target."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.handled = 0
        self.done = asyncio.Event()

    def expect(self, more: int) -> None:
        """Wait for `more` updates after those already handled."""
        self.target = self.handled + more
        self.done = asyncio.Event()
        if more <= 0:
            self.done.set()

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.handled += 1
        if self.handled >= self.target:
            self.done.set()


async def _echo(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        return
    query = update.callback_query
    if query is not None:
        await query.answer()
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        await context.bot.send_message(chat, query.data or "…")
    elif update.message is not None and update.message.text:
        await update.message.reply_text(update.message.text)


def _echo_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    base = settings.telegram_api_base_url.rstrip("/")
    assert settings.telegram_bot_token
    application = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{base}/bot")
        .concurrent_updates(True)
        .connection_pool_size(16)
        .build()
    )
    application.add_handler(TypeHandler(Update, _echo))
    return application


async def _drive(
    application: Application[Any, Any, Any, Any, Any, Any],
    fake: RemoteFakeTelegram,
    warm: list[tuple[str, int, str]],
    script: list[tuple[str, int, str]],
    start: Callable[[], Any],
    timeout: float,
    meter: Meter,
) -> tuple[float, float]:
    """Queue the script, wait until every update is handled: (wall seconds, CPU seconds).

    The `warm` updates go first, untimed, through the same running bot: a bot in service
    has long since filled its per-connection and per-engine caches (SQLAlchemy compiles
    each statement once per engine, httpx keeps its connections), and each run here starts
    a new application on a new database, so without this the figure would include that
    one-off cost of a cold start."""
    counter = _Counter(len(warm))
    application.add_handler(TypeHandler(Update, counter), group=1)
    await start()
    try:
        if warm:
            await asyncio.to_thread(fake.call, "push_script", warm)
            await asyncio.wait_for(counter.done.wait(), timeout)
        counter.expect(len(script))
        # A full collection now rather than by chance inside the timed part: whichever bot
        # happened to cross the oldest generation's threshold paid ~10 % more.
        gc.collect()
        began = time.perf_counter()
        meter.begin()
        await asyncio.to_thread(fake.call, "push_script", script)
        await asyncio.wait_for(counter.done.wait(), timeout)
        cpu = meter.end()
        return time.perf_counter() - began, cpu
    finally:
        await stop_application(application)


def _split(chat_ids: list[int]) -> tuple[list[int], list[int]]:
    """The officers who warm the bot up (untimed: the first `WARM_OFFICERS`) and those who
    are timed (the rest)."""
    return chat_ids[:WARM_OFFICERS], chat_ids[WARM_OFFICERS:]


async def run_echo(
    fake: RemoteFakeTelegram, chat_ids: list[int], timeout: float, meter: Meter
) -> RunResult:
    """The bare python-telegram-bot echo bot on the officers' updates (the first
    `WARM_OFFICERS` of `chat_ids` warm it up, untimed)."""
    fake.call("reset")
    settings = load_settings(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url)
    application = _echo_application(settings)

    async def start() -> None:
        await application.initialize()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        await application.start()

    warm, timed = _split(chat_ids)
    script = officer_script(timed)
    seconds, cpu = await _drive(
        application, fake, officer_script(warm), script, start, timeout, meter
    )
    echoes = fake.call("sent_count") - len(warm) * STEPS_PER_OFFICER
    # An update the echo bot did not answer (a send given up) is work it was not timed for.
    unanswered = max(0, len(script) - echoes)
    return RunResult(len(script), seconds, cpu, unanswered, check=f"{echoes} echoes")


async def run_bot(
    fake: RemoteFakeTelegram,
    database: str,
    officers: int,
    files_dir: Path,
    timeout: float,
    meter: Meter,
) -> RunResult:
    """The whole bot on a fresh database (`database`: "sqlite" or "postgresql"): `officers`
    timed, after `WARM_OFFICERS` more untimed."""
    fake.call("reset")
    with fresh_database(database) as url:
        db = get_engine(url)
        today = datetime.now(UTC).astimezone(load_settings().tz).date()
        board = seed_board(db, WARM_OFFICERS + officers, 1, today.year)
        open_deadlines(db, board.campaign_id, today)
        settings = load_settings(
            database_url=url,
            files_dir=files_dir,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
        )
        application = build_application(settings, Engine(db, settings))
        warm, timed = _split(board.chat_ids)
        script = officer_script(timed)
        seconds, cpu = await _drive(
            application,
            fake,
            officer_script(warm),
            script,
            lambda: start_application(application, settings),
            timeout,
            meter,
        )
        with Session(db) as session:
            entries = session.exec(select(func.count()).select_from(RegistrationEntry)).one()
        entries -= len(warm)
        errors = sum(fake.call("texts_containing", list(APOLOGIES)).values())
        sent = fake.call("sent_count") - len(warm) * STEPS_PER_OFFICER
        check = (
            f"{entries}/{officers} registrations saved, {errors} error replies, "
            f"{sent} messages sent for {len(script)} updates"
        )
        if entries != officers:
            errors += abs(officers - int(entries))
        return RunResult(len(script), seconds, cpu, errors, check)


async def measure(
    officers: int,
    runs: int,
    databases: list[str],
    files_dir: Path,
    timeout: float = 300.0,
    meter: Callable[[str], Meter] = lambda bot: CpuMeter(),
) -> dict[str, list[RunResult]]:
    """`runs` rounds of: echo bot, then the whole bot on each database; all on one fake.
    `meter` gives the meter of each measured run by its bot ("echo" or the database)."""
    results: dict[str, list[RunResult]] = {"echo": [], **{db: [] for db in databases}}
    with RemoteFakeTelegram() as fake:
        # One warm-up round of each, not counted: imports, first connections, caches.
        warm = max(2, officers // 10)
        await run_echo(fake, list(range(1, WARM_OFFICERS + warm + 1)), timeout, CpuMeter())
        await run_bot(fake, databases[0], warm, files_dir, timeout, CpuMeter())
        for _ in range(runs):
            chat_ids = [10_000_000 + i for i in range(WARM_OFFICERS + officers)]
            results["echo"].append(await run_echo(fake, chat_ids, timeout, meter("echo")))
            for database in databases:
                results[database].append(
                    await run_bot(fake, database, officers, files_dir, timeout, meter(database))
                )
    return results
