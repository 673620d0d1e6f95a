"""The Zalo Bot Platform channel: the tolerant parser, rendering, the client's envelope and
error mapping, polling and the file fetcher, against the fake Zalo server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from bot.channels.common import FileTooLarge
from bot.channels.zalo import (
    TEXT_LIMIT,
    ZaloApiError,
    ZaloChannel,
    ZaloClient,
    ZaloFileFetcher,
    ZaloSender,
    parse_update,
    render,
)
from bot.messaging import (
    Choice,
    FileFetcher,
    Incoming,
    IncomingFile,
    RateLimited,
    Reply,
    SendError,
    TransientError,
    Unreachable,
)
from bot.models.enums import Channel
from tests.channels.conftest import ScriptedHandler
from tests.fakes.zalo_api import FakeZaloServer


@pytest.fixture
async def client(fake_zalo: FakeZaloServer) -> AsyncIterator[ZaloClient]:
    zalo = ZaloClient(fake_zalo.token, fake_zalo.base_url)
    try:
        yield zalo
    finally:
        await zalo.aclose()


# -- parse_update -------------------------------------------------------------------------


def test_text_event_in_the_webhook_envelope(fake_zalo: FakeZaloServer) -> None:
    event = fake_zalo.make_text_event("chat-1", "/start ABC", user_id="user-1")
    incoming = parse_update({"ok": True, "result": event})
    assert incoming is not None
    assert incoming.channel is Channel.ZALO
    assert (incoming.chat_id, incoming.user_id, incoming.text) == ("chat-1", "user-1", "/start ABC")
    assert incoming.update_key == event["message"]["message_id"]
    assert incoming.display_name == "Nguyễn Văn A"
    assert incoming.file is None and incoming.choice is None


def test_image_event_becomes_a_photo_file(fake_zalo: FakeZaloServer) -> None:
    event = fake_zalo.make_image_event(
        "c", "https://photo.zdn.vn/abc/page-1.jpg", caption="Trang 1"
    )
    incoming = parse_update(event)
    assert incoming is not None and incoming.file is not None
    assert incoming.file == IncomingFile(
        file_id="https://photo.zdn.vn/abc/page-1.jpg",
        file_name="page-1.jpg",
        mime_type="image/jpeg",
        is_photo=True,
    )
    assert incoming.text == "Trang 1"


def test_image_url_without_a_usable_name_gets_one(fake_zalo: FakeZaloServer) -> None:
    event = fake_zalo.make_image_event("c", "https://photo.zdn.vn/x/../?id=1")
    incoming = parse_update(event)
    assert incoming is not None and incoming.file is not None
    assert incoming.file.file_name.startswith("zalo_") and incoming.file.file_name.endswith(".jpg")


@pytest.mark.parametrize(
    "event_name",
    ["message.unsupported.received", "message.sticker.received", "message.voice.received"],
)
def test_content_the_bot_cannot_read_still_reaches_the_engine(
    fake_zalo: FakeZaloServer, event_name: str
) -> None:
    event = fake_zalo.make_unsupported_event("c")
    event["event_name"] = event_name
    event["message"]["sticker"] = "0e078a2fb66a5f34067b"
    incoming = parse_update(event)
    assert incoming is not None
    assert (incoming.text, incoming.file) == (None, None)


def test_event_without_event_name_is_read_by_its_content(fake_zalo: FakeZaloServer) -> None:
    # The platform's own getUpdates sample has no event_name and `first_name` for the sender.
    payload = {
        "ok": True,
        "result": {
            "message": {
                "chat": {"id": "e4ea", "chat_type": "PRIVATE"},
                "text": "Xin chào",
                "message_id": "16f6",
                "date": 1766619597466,
                "from": {"id": "e4ea", "first_name": "Nguyen Van A"},
            }
        },
    }
    incoming = parse_update(payload)
    assert incoming is not None
    assert (incoming.text, incoming.display_name, incoming.update_key) == (
        "Xin chào",
        "Nguyen Van A",
        "16f6",
    )


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "text",
        [1, 2],
        {},
        {"ok": True, "result": None},
        {"event_name": "message.text.received"},
        {"event_name": "message.text.received", "message": "hi"},
        {"event_name": "message.text.received", "message": {"text": "no ids"}},
        {"event_name": "message.text.received", "message": {"message_id": "m", "chat": {}}},
        {"event_name": "bot.added", "message": {"message_id": "m", "chat": {"id": "c"}}},
    ],
)
def test_unreadable_payloads_are_skipped_not_raised(
    payload: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.channels.zalo"):
        assert parse_update(payload) is None
    assert caplog.records  # each skip is logged


# -- rendering ----------------------------------------------------------------------------


def test_choices_are_numbered_and_text_split_at_2000() -> None:
    lines = [f"{i}. Trần Thị B{i} — Chiến sĩ thi đua cơ sở" for i in range(150)]
    reply = Reply("\n".join(lines), (Choice("send", "Gửi danh sách"), Choice("edit", "Sửa")))
    pieces = render(reply)
    assert len(pieces) > 1 and all(1 <= len(p) <= TEXT_LIMIT for p in pieces)
    joined = "\n".join(pieces)
    assert joined.splitlines()[:150] == lines
    assert joined.endswith("1. Gửi danh sách\n2. Sửa")


def test_a_document_becomes_a_note_in_the_users_language(tmp_path: Path) -> None:
    [vi] = render(Reply("Danh sách", document=tmp_path / "ds.xlsx"), "vi")
    [en] = render(Reply("List", document=tmp_path / "ds.xlsx"), "en")
    assert en == (
        "List\n\nThe file ds.xlsx cannot be sent on Zalo. Please ask the board's office for it, "
        "or open this bot on Telegram."
    )
    assert vi.startswith("Danh sách\n\n") and "ds.xlsx" in vi and vi != en


# -- the client ---------------------------------------------------------------------------


async def test_client_unwraps_the_envelope(client: ZaloClient, fake_zalo: FakeZaloServer) -> None:
    me = await client.get_me()
    assert me["account_name"] == "bot.ThiDuaTest"
    result = await client.send_message("c", "Xin chào")
    assert set(result) == {"message_id", "date"}
    assert fake_zalo.calls_to("sendMessage") == [{"chat_id": "c", "text": "Xin chào"}]


async def test_ok_false_inside_http_200_is_an_error(
    client: ZaloClient, fake_zalo: FakeZaloServer
) -> None:
    with pytest.raises(ZaloApiError) as info:
        await client.send_message("c", "x" * (TEXT_LIMIT + 1))
    assert info.value.error_code == 400


async def test_error_codes_map_to_sender_errors(
    client: ZaloClient, fake_zalo: FakeZaloServer
) -> None:
    fake_zalo.block("blocked")
    with pytest.raises(Unreachable):
        await client.send_message("blocked", "hi")
    fake_zalo.fail_next("sendMessage", 429, "Too many requests, retry after 3 seconds")
    with pytest.raises(RateLimited) as limited:
        await client.send_message("c", "hi")
    assert limited.value.retry_after == 3.0
    fake_zalo.fail_next("sendMessage", 500, "Internal error")
    with pytest.raises(TransientError):
        await client.send_message("c", "hi")


async def test_wrong_token_is_an_api_error_and_never_logged(
    fake_zalo: FakeZaloServer, caplog: pytest.LogCaptureFixture
) -> None:
    bad = ZaloClient("999:secret-token-value", fake_zalo.base_url)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(ZaloApiError) as info:
            await bad.get_me()
    finally:
        await bad.aclose()
    assert info.value.error_code == 401
    assert "secret-token-value" not in str(info.value)
    assert "secret-token-value" not in repr(bad)
    assert all("secret-token-value" not in r.getMessage() for r in caplog.records)


async def test_network_failure_is_transient_and_hides_the_url() -> None:
    zalo = ZaloClient("1:hidden-token", "http://127.0.0.1:9")  # discard port: refused
    try:
        with pytest.raises(TransientError) as info:
            await zalo.send_message("c", "hi")
    finally:
        await zalo.aclose()
    assert "hidden-token" not in str(info.value)


async def test_rate_limit_of_the_fake_is_reported_as_rate_limited(
    client: ZaloClient, fake_zalo: FakeZaloServer
) -> None:
    fake_zalo.max_per_second = 2
    sender = ZaloSender(client)
    await sender.send("c", Reply("1"))
    await sender.send("c", Reply("2"))
    with pytest.raises(RateLimited):
        await sender.send("c", Reply("3"))
    assert fake_zalo.rate_limited_count == 1


async def test_sender_splits_long_replies(client: ZaloClient, fake_zalo: FakeZaloServer) -> None:
    await ZaloSender(client).send("c", Reply("word " * 1000))
    texts = fake_zalo.texts("c")
    assert len(texts) == 3 and all(len(t) <= TEXT_LIMIT for t in texts)
    assert " ".join(texts).split() == ["word"] * 1000


# -- the file fetcher ---------------------------------------------------------------------


async def test_photo_is_downloaded_from_its_url(fake_zalo: FakeZaloServer, tmp_path: Path) -> None:
    url = fake_zalo.add_file(b"\xff\xd8 jpeg" * 100, "page-1.jpg")
    async with httpx.AsyncClient() as http:
        await ZaloFileFetcher(http, base_url=fake_zalo.base_url).fetch(
            IncomingFile(url, "page-1.jpg"), tmp_path / "a.jpg"
        )
    assert (tmp_path / "a.jpg").read_bytes() == b"\xff\xd8 jpeg" * 100


async def test_too_large_photo_is_refused_and_nothing_left_behind(
    fake_zalo: FakeZaloServer, tmp_path: Path
) -> None:
    url = fake_zalo.add_file(b"x" * 5000, "big.jpg")
    async with httpx.AsyncClient() as http:
        with pytest.raises(FileTooLarge):
            await ZaloFileFetcher(http, max_bytes=1000, base_url=fake_zalo.base_url).fetch(
                IncomingFile(url, "big.jpg"), tmp_path / "big.jpg"
            )
        with pytest.raises(SendError):
            await ZaloFileFetcher(http, base_url=fake_zalo.base_url).fetch(
                IncomingFile(f"{fake_zalo.base_url}/files/missing.jpg", "m.jpg"), tmp_path / "m.jpg"
            )
        with pytest.raises(ValueError):
            await ZaloFileFetcher(http, base_url=fake_zalo.base_url).fetch(
                IncomingFile("file:///etc/passwd", "p"), tmp_path / "p"
            )
    assert list(tmp_path.iterdir()) == []


async def test_photo_redirects_are_followed_only_to_the_platform(
    fake_zalo: FakeZaloServer, tmp_path: Path
) -> None:
    """A redirect within the platform is followed; one to any other host (an intranet
    address, another server) is refused before a byte is fetched from it."""
    target = fake_zalo.add_file(b"\xff\xd8 jpeg", "real.jpg")
    hop = fake_zalo.add_redirect("hop.jpg", target)
    outside = fake_zalo.add_redirect("evil.jpg", "http://169.254.169.254/latest/meta-data/")
    https_elsewhere = fake_zalo.add_redirect("evil2.jpg", "https://example.com/x.jpg")
    looping = fake_zalo.add_redirect("loop.jpg", f"{fake_zalo.base_url}/files/loop.jpg")
    async with httpx.AsyncClient() as http:
        fetcher = ZaloFileFetcher(http, base_url=fake_zalo.base_url)
        await fetcher.fetch(IncomingFile(hop, "hop.jpg"), tmp_path / "ok.jpg")
        assert (tmp_path / "ok.jpg").read_bytes() == b"\xff\xd8 jpeg"
        for url in (outside, https_elsewhere, looping, "https://10.0.0.1/a.jpg"):
            with pytest.raises(SendError):
                await fetcher.fetch(IncomingFile(url, "x.jpg"), tmp_path / "x.jpg")
    assert not (tmp_path / "x.jpg").exists()


def test_media_hosts() -> None:
    from bot.channels.zalo import media_host_allowed

    assert media_host_allowed("https://photo-stal-9.zdn.vn/abc.jpg")
    assert media_host_allowed("https://s120-ava-talk.zadn.vn/a.jpg")
    assert not media_host_allowed("http://photo.zdn.vn/a.jpg")  # https only
    assert not media_host_allowed("https://zdn.vn.evil.example/a.jpg")
    assert not media_host_allowed("https://evilzdn.vn/a.jpg")
    assert media_host_allowed("http://127.0.0.1:9/files/a", "http://127.0.0.1:9")
    assert not media_host_allowed("http://127.0.0.1:10/files/a", "http://127.0.0.1:9")


# -- polling ------------------------------------------------------------------------------


@pytest.fixture
async def polling(client: ZaloClient, handler: ScriptedHandler) -> AsyncIterator[ZaloChannel]:
    fake_webhook_cleanup = asyncio.Event()
    channel = ZaloChannel(client, handler, "vi")
    task = asyncio.create_task(channel.poll(fake_webhook_cleanup, timeout=1))
    try:
        yield channel
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_polling_deletes_the_webhook_then_answers(
    fake_zalo: FakeZaloServer, polling: ZaloChannel, handler: ScriptedHandler
) -> None:
    await fake_zalo.until_calls("deleteWebhook")
    event = fake_zalo.push_text("chat-9", "/status")
    await fake_zalo.until_calls("sendMessage")
    methods = [c.method for c in fake_zalo.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert fake_zalo.texts("chat-9") == ["echo: /status"]
    assert handler.received[0].update_key == event["message"]["message_id"]
    assert fake_zalo.calls_to("sendChatAction") == [{"chat_id": "chat-9", "action": "typing"}]


async def test_polling_downloads_photos_and_answers_unsupported(
    fake_zalo: FakeZaloServer, polling: ZaloChannel, handler: ScriptedHandler, tmp_path: Path
) -> None:
    handler.fetch_dir = tmp_path
    handler.script = lambda incoming: [
        Reply("Đã nhận ảnh." if incoming.file else "Xin lỗi, bot chưa đọc được tin nhắn này.")
    ]
    url = fake_zalo.add_file(b"\xff\xd8 page", "trang-1.jpg")
    fake_zalo.push_event(fake_zalo.make_image_event("c1", url))
    fake_zalo.push_event(fake_zalo.make_unsupported_event("c1"))
    await fake_zalo.until_calls("sendMessage", 2)
    assert fake_zalo.texts("c1") == ["Đã nhận ảnh.", "Xin lỗi, bot chưa đọc được tin nhắn này."]
    assert (tmp_path / "trang-1.jpg").read_bytes() == b"\xff\xd8 page"


async def test_polling_survives_timeouts_and_errors(
    fake_zalo: FakeZaloServer, polling: ZaloChannel, handler: ScriptedHandler
) -> None:
    await fake_zalo.until_calls("deleteWebhook")
    fake_zalo.fail_next("getUpdates", 500, "Internal error")
    fake_zalo.push_text("c", "một")
    await fake_zalo.until_calls("sendMessage", timeout=8)
    assert fake_zalo.texts("c") == ["echo: một"]


async def test_engine_failure_on_zalo_gets_an_apology(
    fake_zalo: FakeZaloServer, client: ZaloClient, handler: ScriptedHandler
) -> None:
    def broken(incoming: Incoming) -> NoReturn:
        raise RuntimeError("boom")

    handler.script = broken
    await ZaloChannel(client, handler, "vi").process(fake_zalo.make_text_event("c", "hi"))
    assert fake_zalo.texts("c") == ["Xin lỗi, hệ thống đang gặp lỗi. Anh/chị vui lòng thử lại."]


async def test_one_chats_messages_are_answered_in_order(
    fake_zalo: FakeZaloServer, client: ZaloClient
) -> None:
    order: list[str] = []

    class Slow:
        async def handle(self, incoming: Incoming, files: FileFetcher | None) -> list[Reply]:
            order.append(f"start {incoming.text}")
            await asyncio.sleep(0.05 if incoming.text == "1" else 0)
            order.append(f"end {incoming.text}")
            return [Reply(str(incoming.text))]

    channel = ZaloChannel(client, Slow())
    await asyncio.gather(
        channel.process(fake_zalo.make_text_event("c", "1")),
        channel.process(fake_zalo.make_text_event("c", "2")),
    )
    assert order == ["start 1", "end 1", "start 2", "end 2"]
    assert fake_zalo.texts("c") == ["1", "2"]
    assert channel._locks._locks == {}  # idle locks are dropped


async def test_blocked_user_drops_the_rest_of_the_replies(
    fake_zalo: FakeZaloServer, client: ZaloClient, handler: ScriptedHandler
) -> None:
    fake_zalo.block("c")
    handler.script = lambda incoming: [Reply("a"), Reply("b")]
    await ZaloChannel(client, handler).process(fake_zalo.make_text_event("c", "hi"))
    assert [c.status for c in fake_zalo.calls if c.method == "sendMessage"] == [403]
