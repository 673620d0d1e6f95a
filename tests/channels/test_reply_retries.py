"""Direct replies are retried (issue 14): a 502 or a 429 from the platform no longer loses
the answer to what an officer just did (a /status reply whose change was committed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel, ZaloClient
from bot.messaging import Choice, Reply
from tests.channels.conftest import ScriptedHandler
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(fake_telegram.token, base_url=f"{fake_telegram.base_url}/bot") as telegram_bot:
        yield telegram_bot


async def test_a_502_is_retried(
    bot: Bot, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    fake_telegram.fail_next("sendMessage", 502, "Bad Gateway")
    channel = TelegramChannel(handler)
    await channel.deliver(bot, "5", [Reply("Đã ghi nhận. Trạng thái: đã nộp 2/3.")])
    assert fake_telegram.texts(5) == ["Đã ghi nhận. Trạng thái: đã nộp 2/3."]


async def test_flood_control_waits_retry_after(
    bot: Bot, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    """Replies to 6 officers while the bot is at its limit: every one arrives."""
    fake_telegram.max_per_second = 2
    fake_telegram.retry_after = 1
    channel = TelegramChannel(handler)
    await asyncio.gather(*(channel.deliver(bot, str(c), [Reply(f"ok {c}")]) for c in range(6)))
    assert fake_telegram.rate_limited_count > 0
    assert sorted(fake_telegram.texts()) == sorted(f"ok {c}" for c in range(6))


async def test_a_refused_reply_does_not_stop_the_next(
    bot: Bot, fake_telegram: FakeTelegramServer, handler: ScriptedHandler, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.pdf"  # vanished from disk: refused for good, not retried
    channel = TelegramChannel(handler)
    await channel.deliver(bot, "7", [Reply("Biểu mẫu", document=missing), Reply("Câu hỏi?")])
    assert fake_telegram.texts(7) == ["Câu hỏi?"]


async def test_zalo_5xx_is_retried(fake_zalo: FakeZaloServer, handler: ScriptedHandler) -> None:
    fake_zalo.fail_next("sendMessage", 502, "Bad Gateway")
    client = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    try:
        await ZaloChannel(client, handler, "vi").deliver("z1", [Reply("Đã nộp.")])
    finally:
        await client.aclose()
    assert fake_zalo.texts("z1") == ["Đã nộp."]


async def test_a_text_and_the_next_question_are_one_telegram_message(
    bot: Bot, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    channel = TelegramChannel(handler)
    menu = (Choice("add", "Thêm người"),)
    await channel.deliver(bot, "8", [Reply("Đã thêm: An."), Reply("Tiếp theo?", menu)])
    (sent,) = fake_telegram.sent(8)
    assert sent.params["text"] == "Đã thêm: An.\n\nTiếp theo?"
    assert sent.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "Thêm người", "callback_data": "add"}]
    ]


async def test_a_join_over_4096_characters_stays_two_telegram_messages(
    bot: Bot, fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    channel = TelegramChannel(handler)
    await channel.deliver(bot, "9", [Reply("a" * 4000), Reply("b" * 95)])
    assert fake_telegram.texts(9) == ["a" * 4000, "b" * 95]


async def test_a_text_and_the_next_question_are_one_zalo_message(
    fake_zalo: FakeZaloServer, handler: ScriptedHandler
) -> None:
    client = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    menu = (Choice("add", "Thêm người"),)
    long = "x" * (2000 - len("\n\nTiếp theo?\n\n1. Thêm người"))
    try:
        channel = ZaloChannel(client, handler, "vi")
        await channel.deliver("z2", [Reply("Đã thêm: An."), Reply("Tiếp theo?", menu)])
        await channel.deliver("z3", [Reply(long), Reply("Tiếp theo?", menu)])
        await channel.deliver("z4", [Reply(long + "x"), Reply("Tiếp theo?", menu)])
    finally:
        await client.aclose()
    assert fake_zalo.texts("z2") == ["Đã thêm: An.\n\nTiếp theo?\n\n1. Thêm người"]
    assert fake_zalo.texts("z3") == [long + "\n\nTiếp theo?\n\n1. Thêm người"]
    assert fake_zalo.texts("z4") == [long + "x", "Tiếp theo?\n\n1. Thêm người"]
