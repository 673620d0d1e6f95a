"""The dispatcher over real HTTP: TelegramSender (python-telegram-bot) against the fake Bot API
server, which answers 429 with retry_after above 30 messages/s and 403 for blocked chats."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from telegram import Bot

from bot.channels.telegram import TelegramSender
from bot.models import Channel, Contact, Delivery, DeliveryStatus
from bot.settings import load_settings
from scheduler.clock import ShiftedClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher, outbox_status
from tests.fakes.telegram_api import FakeTelegramServer
from tests.scheduler.conftest import WORKDAY_10AM, fill_outbox, make_contacts


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as server:
        yield server


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(fake_telegram.token, base_url=f"{fake_telegram.base_url}/bot") as bot:
        yield bot


async def _drain(engine: Engine, dispatcher: Dispatcher, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await dispatcher.run_once() == 0:
            with Session(engine) as session:
                counts = outbox_status(session)
            if counts["pending"] == 0 and counts["sending"] == 0:
                return
            await asyncio.sleep(0.05)
        assert loop.time() < deadline, "the outbox did not drain"


async def test_429_storm_over_http_loses_and_doubles_nothing(
    sqlite_engine: Engine, sqlite_url: str, fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    """Configured at 60/s against a server allowing 30/s: the 429s' retry_after is honoured
    and every message arrives exactly once; a blocked chat is marked unreachable."""
    engine = sqlite_engine
    fake_telegram.max_per_second = 30
    fake_telegram.retry_after = 1
    ids = make_contacts(engine, 180, prefix="")  # chat ids are numbers on Telegram
    texts = fill_outbox(engine, ids)
    with Session(engine) as session:
        blocked = session.exec(select(Contact).where(Contact.id == ids[7])).one()
    fake_telegram.block(blocked.chat_id)

    settings = load_settings(database_url=sqlite_url, telegram_rate_per_second=60)
    config = SchedulerConfig.from_settings(settings, concurrency=8)
    dispatcher = Dispatcher(
        engine,
        {Channel.TELEGRAM: TelegramSender(bot)},
        ShiftedClock.starting_at(WORKDAY_10AM),
        settings,
        "http-test",
        config,
    )
    await _drain(engine, dispatcher)

    assert fake_telegram.rate_limited_count > 0
    delivered = Counter(call.params["text"] for call in fake_telegram.sent())
    expected = set(texts) - {f"msg-{blocked.id}-0"}
    assert set(delivered) == expected
    assert set(delivered.values()) == {1}
    with Session(engine) as session:
        rows = {d.contact_id: d for d in session.exec(select(Delivery))}
        assert rows[blocked.id or 0].status == DeliveryStatus.UNREACHABLE
        assert session.get(Contact, blocked.id).reachable is False  # type: ignore[union-attr]
        assert outbox_status(session)["sent"] == 179
    # A 429 is the platform's pacing: it uses none of a message's attempts.
    assert {d.attempts for d in rows.values()} == {1}


async def test_default_rate_stays_under_the_limit_over_http(
    sqlite_engine: Engine, sqlite_url: str, fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    engine = sqlite_engine
    fake_telegram.max_per_second = 30
    ids = make_contacts(engine, 100, prefix="")
    fill_outbox(engine, ids)
    settings = load_settings(database_url=sqlite_url)  # 25/s
    dispatcher = Dispatcher(
        engine,
        {Channel.TELEGRAM: TelegramSender(bot)},
        ShiftedClock.starting_at(WORKDAY_10AM),
        settings,
        "http-test",
    )
    await _drain(engine, dispatcher)
    assert fake_telegram.rate_limited_count == 0
    assert len(fake_telegram.sent()) == 100


async def test_each_channel_gets_its_own_messages_and_pace(
    sqlite_engine: Engine, sqlite_url: str, fake_telegram: FakeTelegramServer, bot: Bot
) -> None:
    """Telegram and Zalo contacts in one outbox: each message goes through its contact's
    channel, Zalo at its own configured rate (8/s against a platform allowing 10/s)."""
    from bot.channels.zalo import ZaloClient, ZaloSender
    from tests.fakes.zalo_api import FakeZaloServer

    engine = sqlite_engine
    tg_ids = make_contacts(engine, 10, prefix="")
    zalo_ids = make_contacts(engine, 24, channel=Channel.ZALO, prefix="z")
    fill_outbox(engine, tg_ids + zalo_ids)
    settings = load_settings(database_url=sqlite_url, zalo_rate_per_second=8)
    with FakeZaloServer() as fake_zalo:
        fake_zalo.max_per_second = 10
        zalo = ZaloClient(fake_zalo.token, fake_zalo.base_url)
        try:
            dispatcher = Dispatcher(
                engine,
                {Channel.TELEGRAM: TelegramSender(bot), Channel.ZALO: ZaloSender(zalo)},
                ShiftedClock.starting_at(WORKDAY_10AM),
                settings,
                "two-channels",
            )
            await _drain(engine, dispatcher)
        finally:
            await zalo.aclose()
        zalo_texts = sorted(call.params["text"] for call in fake_zalo.sent())
        assert fake_zalo.rate_limited_count == 0
    assert zalo_texts == sorted(f"msg-{cid}-0" for cid in zalo_ids)
    tg_texts = sorted(call.params["text"] for call in fake_telegram.sent())
    assert tg_texts == sorted(f"msg-{cid}-0" for cid in tg_ids)
