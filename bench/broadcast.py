"""Benchmark 2: a broadcast through the outbox against a Bot API that enforces 30 messages/s.

Ours: one broadcast is put in the outbox for every recipient (`enqueue`, as a staff
broadcast does), then the production dispatcher loop (`Dispatcher.run`) sends it through
`TelegramSender` on the bot of `build_application` — the same wiring as `thidua run` — at the
configured rate (25/s by default). The fake answers 429 with retry_after past 30/s.

Naive: the loop people write with python-telegram-bot's AIORateLimiter (default settings:
30/s overall, no retries): `gather(bot.send_message(...) for each recipient)`, errors caught
and counted.

Both are checked against the fake's own records: lost = recipients without a message,
doubled = messages beyond the first to a recipient. The sustained rate is the number of
successful sends over the time between the first and the last one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bench.common import fresh_database, seed_board
from bench.fake_process import RemoteFakeTelegram
from bot.channels.telegram import TelegramSender, build_application
from bot.db import get_engine
from bot.messaging import Incoming, Reply
from bot.models import Broadcast, Channel, Contact
from bot.notifications.kinds import BroadcastMessage
from bot.notifications.outbox import enqueue
from bot.settings import load_settings
from scheduler.clock import ShiftedClock
from scheduler.outbox import Dispatcher, outbox_status

# 10:00 on Tuesday 10/03/2026 in Hà Nội: inside the sending hours of a working day.
WORKDAY_10AM = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
FAKE_LIMIT = 30


@dataclass
class BroadcastResult:
    recipients: int
    sent: int
    seconds: float
    rate: float
    rate_limited: int
    lost: int
    doubled: int
    failed: int = 0


class _NoHandler:
    """The broadcast bot answers nobody: only its Bot is used, for sending."""

    async def handle(self, incoming: Incoming, files: Any) -> list[Reply]:
        return []


def _tally(fake: RemoteFakeTelegram, expected: dict[str, str], seconds: float) -> BroadcastResult:
    deliveries: dict[tuple[str, str], int] = fake.call("deliveries")
    times = sorted(fake.call("sent_times"))
    got = {chat: n for (chat, text), n in deliveries.items() if expected.get(chat) == text}
    lost = sum(1 for chat in expected if chat not in got)
    doubled = sum(n - 1 for n in got.values() if n > 1)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span > 0 else 0.0
    return BroadcastResult(
        recipients=len(expected),
        sent=len(times),
        seconds=seconds,
        rate=rate,
        rate_limited=int(fake.call("rate_limited_count")),
        lost=lost,
        doubled=doubled,
    )


async def run_outbox(
    fake: RemoteFakeTelegram, recipients: int, rate: float = 25.0, timeout: float = 900.0
) -> BroadcastResult:
    """The outbox sends one message to each of `recipients` officers (SQLite)."""
    fake.call("reset")
    fake.call("configure", {"max_per_second": FAKE_LIMIT, "retry_after": 1})
    with fresh_database("sqlite") as url:
        db = get_engine(url)
        board = seed_board(db, recipients, 1, WORKDAY_10AM.year)
        stamp = time.time_ns()
        due = WORKDAY_10AM - timedelta(minutes=1)  # due on the dispatcher's (shifted) clock
        with Session(db) as session:
            contacts = list(session.exec(select(Contact.id, Contact.chat_id)))
            # One Broadcast row holds the body; each delivery is its identity, rendered when
            # sent. Lost / doubled are counted per chat on the fake's records.
            body = f"Thông báo của Ban #{stamp}"
            expected = {chat: body for _id, chat in contacts}
            broadcast = Broadcast(organization_id=board.organization_id, text=body)
            session.add(broadcast)
            session.flush()
            assert broadcast.id is not None
            ids = [cid for cid, _chat in contacts if cid is not None]
            enqueue(session, BroadcastMessage(broadcast.id), ids, not_before=due, now=due)
            session.commit()
        assert len(board.chat_ids) == recipients
        settings = load_settings(
            database_url=url,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
            telegram_rate_per_second=rate,
        )
        application = build_application(settings, _NoHandler())
        await application.initialize()
        dispatcher = Dispatcher(
            db,
            {Channel.TELEGRAM: TelegramSender(application.bot)},
            ShiftedClock.starting_at(WORKDAY_10AM),
            settings,
            "bench",
        )
        stop = asyncio.Event()
        began = time.perf_counter()
        task = asyncio.create_task(dispatcher.run(stop))
        try:
            deadline = began + timeout
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
                with Session(db) as session:
                    counts = outbox_status(session)
                if counts["pending"] == 0 and counts["sending"] == 0:
                    break
            seconds = time.perf_counter() - began
        finally:
            stop.set()
            await task
            await application.shutdown()
        with Session(db) as session:
            counts = outbox_status(session)
    result = _tally(fake, expected, seconds)
    result.failed = counts["failed"] + counts["unreachable"] + counts["pending"]
    return result


async def run_naive(fake: RemoteFakeTelegram, recipients: int) -> BroadcastResult:
    """The AIORateLimiter loop on the same fake and the same number of recipients."""
    fake.call("reset")
    fake.call("configure", {"max_per_second": FAKE_LIMIT, "retry_after": 1})
    stamp = time.time_ns()
    chats = [str(20_000_000 + i) for i in range(recipients)]
    expected = {chat: f"Thông báo của Ban #{stamp} tới {chat}" for chat in chats}
    failed = 0
    bot = ExtBot(fake.token, base_url=f"{fake.base_url}/bot", rate_limiter=AIORateLimiter())

    async def send(chat: str, text: str) -> None:
        nonlocal failed
        try:
            await bot.send_message(int(chat), text)
        except TelegramError:
            failed += 1

    # Without retries the limiter logs every 429 with a traceback: counted here instead.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    async with bot:
        began = time.perf_counter()
        await asyncio.gather(*(send(chat, text) for chat, text in expected.items()))
        seconds = time.perf_counter() - began
    result = _tally(fake, expected, seconds)
    result.failed = failed
    return result


async def measure(recipients: int, runs: int) -> dict[str, list[BroadcastResult]]:
    results: dict[str, list[BroadcastResult]] = {"outbox": [], "naive": []}
    with RemoteFakeTelegram() as fake:
        for _ in range(runs):
            results["outbox"].append(await run_outbox(fake, recipients))
            results["naive"].append(await run_naive(fake, recipients))
    return results
