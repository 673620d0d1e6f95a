"""TelegramSender (the outbox's way out) and TelegramFileFetcher, against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.channels.common import FileTooLarge, split_text
from bot.channels.telegram import CLOUD_DOWNLOAD_LIMIT, TelegramFileFetcher, TelegramSender
from bot.messaging import (
    Choice,
    IncomingFile,
    RateLimited,
    Reply,
    SendError,
    TransientError,
    Unreachable,
)
from tests.fakes.telegram_api import FakeTelegramServer


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(
        fake_telegram.token,
        base_url=f"{fake_telegram.base_url}/bot",
        base_file_url=f"{fake_telegram.base_url}/file/bot",
    ) as telegram_bot:
        yield telegram_bot


async def test_sends_text_with_buttons(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    await TelegramSender(bot).send("42", Reply("Nhắc hạn 15/04", (Choice("open", "Mở"),)))
    [params] = fake_telegram.calls_to("sendMessage")
    assert params["chat_id"] == 42 and params["text"] == "Nhắc hạn 15/04"
    assert params["reply_markup"]["inline_keyboard"] == [[{"text": "Mở", "callback_data": "open"}]]


async def test_blocked_user_is_unreachable(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.block(42)
    with pytest.raises(Unreachable, match="blocked"):
        await TelegramSender(bot).send("42", Reply("hi"))


async def test_429_is_rate_limited_with_the_servers_retry_after(
    bot: Bot, fake_telegram: FakeTelegramServer
) -> None:
    fake_telegram.max_per_second = 1
    fake_telegram.retry_after = 3
    sender = TelegramSender(bot)
    await sender.send("1", Reply("a"))
    with pytest.raises(RateLimited) as info:
        await sender.send("2", Reply("b"))
    assert info.value.retry_after == 3.0
    assert fake_telegram.rate_limited_count == 1


async def test_per_chat_limit_is_enforced_too(bot: Bot, fake_telegram: FakeTelegramServer) -> None:
    fake_telegram.max_per_chat_per_second = 1
    sender = TelegramSender(bot)
    await sender.send("1", Reply("a"))
    await sender.send("2", Reply("a"))
    with pytest.raises(RateLimited):
        await sender.send("1", Reply("b"))


@pytest.mark.parametrize(
    ("status", "description", "error"),
    [
        (502, "Bad Gateway", TransientError),
        (500, "Internal Server Error", TransientError),
        (400, "Bad Request: chat not found", Unreachable),
        (400, "Bad Request: can't parse entities", SendError),
    ],
)
async def test_platform_errors_map_to_sender_errors(
    bot: Bot,
    fake_telegram: FakeTelegramServer,
    status: int,
    description: str,
    error: type[SendError],
) -> None:
    fake_telegram.fail_next("sendMessage", status, description)
    with pytest.raises(error) as info:
        await TelegramSender(bot).send("42", Reply("hi"))
    if error is SendError:  # a bad request must not be retried as if transient
        assert not isinstance(info.value, TransientError | Unreachable | RateLimited)


async def test_missing_attachment_is_a_send_error(bot: Bot, tmp_path: Path) -> None:
    with pytest.raises(SendError, match="attachment"):
        await TelegramSender(bot).send("42", Reply("x", document=tmp_path / "gone.pdf"))


async def test_fetcher_refuses_files_over_20_mb_on_the_cloud_api(
    bot: Bot, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    big = CLOUD_DOWNLOAD_LIMIT + 1
    file_id = fake_telegram.add_file(b"small", "documents/big.pdf", file_size=big)
    fetcher = TelegramFileFetcher(bot, self_hosted=False)
    with pytest.raises(FileTooLarge):
        await fetcher.fetch(IncomingFile(file_id, "big.pdf", size=big), tmp_path / "big.pdf")
    assert fake_telegram.calls_to("getFile") == []  # refused before asking
    # When the size is unknown up front, the API's own refusal is mapped the same way.
    with pytest.raises(FileTooLarge):
        await fetcher.fetch(IncomingFile(file_id, "big.pdf"), tmp_path / "big.pdf")
    assert not (tmp_path / "big.pdf").exists()


async def test_self_hosted_api_lifts_the_limit(
    bot: Bot, fake_telegram: FakeTelegramServer, tmp_path: Path
) -> None:
    fake_telegram.max_download = None
    big = CLOUD_DOWNLOAD_LIMIT + 1
    file_id = fake_telegram.add_file(b"pretend-big", "documents/big.pdf", file_size=big)
    fetcher = TelegramFileFetcher(bot, self_hosted=True)
    await fetcher.fetch(IncomingFile(file_id, "big.pdf", size=big), tmp_path / "sub" / "big.pdf")
    assert (tmp_path / "sub" / "big.pdf").read_bytes() == b"pretend-big"


def test_split_text_prefers_boundaries_and_never_loses_text() -> None:
    assert split_text("", 10) == []
    assert split_text("ngắn", 10) == ["ngắn"]
    assert split_text("aaaa bbbb cccc", 9) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    text = "\n\n".join(f"Đoạn {i}: " + "chữ " * 30 for i in range(20))
    pieces = split_text(text, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
