"""Telegram long polling through python-telegram-bot's real HTTP stack against the fake API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.channels.telegram import (
    TEXT_LIMIT,
    build_application,
    start_application,
    stop_application,
)
from bot.messaging import Choice, FileFetcher, Incoming, Reply
from bot.settings import Settings, load_settings
from tests.channels.conftest import ScriptedHandler
from tests.fakes.telegram_api import FakeTelegramServer

# What `build_application` returns; PTB's Application is generic in six context types.
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def telegram_settings(fake: FakeTelegramServer, **extra: object) -> Settings:
    return load_settings(
        telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url, **extra
    )


@pytest.fixture
async def polling(
    fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> AsyncIterator[TelegramApp]:
    settings = telegram_settings(fake_telegram)
    app = build_application(settings, handler)
    await start_application(app, settings)
    try:
        yield app
    finally:
        await stop_application(app)


async def test_text_reaches_handler_and_reply_comes_back(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    update_id = fake_telegram.push_text(42, "/start@thidua_test_bot ABC123", language_code="en")
    await fake_telegram.until_calls("sendMessage")
    [incoming] = handler.received
    assert incoming.update_key == str(update_id)
    assert incoming.text == "/start ABC123"
    assert (incoming.chat_id, incoming.user_id, incoming.language_hint) == ("42", "42", "en")
    assert incoming.display_name == "User 42"
    assert fake_telegram.texts(42) == ["echo: /start ABC123"]


async def test_start_publishes_the_menu_in_vietnamese_and_english(
    polling: TelegramApp, fake_telegram: FakeTelegramServer
) -> None:
    assert set(fake_telegram.commands) == {"vi", "en", ""}
    names = [c["command"] for c in fake_telegram.commands["vi"]]
    assert names[:2] == ["start", "status"] and "register" in names and "cancel" in names
    english = {c["command"]: c["description"] for c in fake_telegram.commands["en"]}
    assert english["register"] == "Register emulation titles"
    vietnamese = {c["command"]: c["description"] for c in fake_telegram.commands["vi"]}
    assert vietnamese["register"] != english["register"]
    # The default menu (users whose language is neither) is in the board's language.
    assert fake_telegram.commands[""] == fake_telegram.commands["vi"]
    assert fake_telegram.webhook["url"] == ""  # polling deleted any webhook


async def test_choices_become_one_button_per_row(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    handler.script = lambda incoming: [
        Reply("Chọn danh hiệu:", (Choice("t:ldtt", "Lao động tiên tiến"), Choice("t:csct", "CSTĐ")))
    ]
    fake_telegram.push_text(7, "/register")
    [params] = await fake_telegram.until_calls("sendMessage")
    assert params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Lao động tiên tiến", "callback_data": "t:ldtt"}],
            [{"text": "CSTĐ", "callback_data": "t:csct"}],
        ]
    }


async def test_button_press_is_answered_and_its_keyboard_removed(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    update_id = fake_telegram.push_callback(7, "t:ldtt", message_id=55)
    await fake_telegram.until_calls("sendMessage")
    [incoming] = handler.received
    assert (incoming.choice, incoming.text, incoming.update_key) == ("t:ldtt", None, str(update_id))
    assert [c["callback_query_id"] for c in fake_telegram.calls_to("answerCallbackQuery")] == [
        f"cb{update_id}"
    ]
    [edit] = fake_telegram.calls_to("editMessageReplyMarkup")
    assert (edit["chat_id"], edit["message_id"]) == (7, 55)
    assert fake_telegram.texts(7) == ["echo: t:ldtt"]


async def test_long_text_is_split_under_the_limit_keeping_lines_whole(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    lines = [f"{i}. Nguyễn Văn A{i} — Lao động tiên tiến" for i in range(400)]
    handler.script = lambda incoming: [Reply("\n".join(lines), (Choice("ok", "Gửi"),))]
    fake_telegram.push_text(9, "/review")
    await fake_telegram.until(lambda s: len(s.sent(9)) >= 5)
    sent = fake_telegram.calls_to("sendMessage")
    assert len(sent) > 1
    assert all(len(p["text"]) <= TEXT_LIMIT for p in sent)
    assert "\n".join(p["text"] for p in sent).splitlines() == lines
    # The keyboard stays with the last piece, next to the question.
    assert [("reply_markup" in p) for p in sent] == [False] * (len(sent) - 1) + [True]


async def test_document_and_photo_replies_are_uploaded(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
    tmp_path: Path,
) -> None:
    export = tmp_path / "danh-sach.xlsx"
    export.write_bytes(b"PK\x03\x04 xlsx bytes")
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG chart")
    handler.script = lambda incoming: [
        Reply("Danh sách đăng ký", document=export),
        Reply("x" * 1500, photo=chart),
    ]
    fake_telegram.push_text(5, "/export")
    await fake_telegram.until(lambda s: len(s.sent(5)) == 3)
    assert [c.method for c in fake_telegram.sent(5)] == ["sendDocument", "sendMessage", "sendPhoto"]
    document = fake_telegram.calls_to("sendDocument")[0]
    assert document["caption"] == "Danh sách đăng ký"
    assert (
        "sendDocument",
        "document",
        "danh-sach.xlsx",
        export.read_bytes(),
    ) in fake_telegram.uploads
    assert ("sendPhoto", "photo", "chart.png", chart.read_bytes()) in fake_telegram.uploads
    # A text too long for a caption goes first, as its own message.
    assert fake_telegram.calls_to("sendMessage")[-1]["text"] == "x" * 1500


async def test_document_is_downloaded_through_the_file_route(
    fake_telegram: FakeTelegramServer, handler: ScriptedHandler, tmp_path: Path
) -> None:
    handler.fetch_dir = tmp_path
    settings = telegram_settings(fake_telegram)
    app = build_application(settings, handler)
    await start_application(app, settings)
    try:
        content = b"%PDF-1.7 signed report" * 100
        fake_telegram.push_document(3, content, "bao-cao-tong-ket.pdf", caption="Báo cáo")
        await fake_telegram.until_calls("sendMessage")
    finally:
        await stop_application(app)
    [incoming] = handler.received
    assert incoming.file is not None
    assert (incoming.file.file_name, incoming.file.mime_type, incoming.file.size) == (
        "bao-cao-tong-ket.pdf",
        "application/pdf",
        len(content),
    )
    assert incoming.text == "Báo cáo"
    assert handler.downloaded == [tmp_path / "bao-cao-tong-ket.pdf"]
    assert handler.downloaded[0].read_bytes() == content
    assert fake_telegram.calls_to("getFile")[0]["file_id"] == incoming.file.file_id


async def test_photo_takes_the_largest_size(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
    tmp_path: Path,
) -> None:
    handler.fetch_dir = tmp_path
    fake_telegram.push_photo(3, b"\xff\xd8 page one" * 50)
    await fake_telegram.until_calls("sendMessage")
    [incoming] = handler.received
    assert incoming.file is not None and incoming.file.is_photo
    assert incoming.file.mime_type == "image/jpeg"
    assert handler.downloaded[0].read_bytes() == b"\xff\xd8 page one" * 50


async def test_sticker_is_passed_on_and_service_messages_are_not(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    sticker = fake_telegram.make_text_update(4, "ignored")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "S1",
        "file_unique_id": "uS1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    joined = fake_telegram.make_text_update(4, "ignored")
    del joined["message"]["text"]
    joined["message"]["new_chat_members"] = [{"id": 99, "is_bot": False, "first_name": "B"}]
    edited = fake_telegram.make_text_update(4, "sửa")
    edited["edited_message"] = edited.pop("message")
    edited["edited_message"]["edit_date"] = edited["edited_message"]["date"]
    for update in (joined, edited, sticker):
        fake_telegram.push_update(update)
    await fake_telegram.until_calls("sendMessage")
    [incoming] = handler.received
    assert incoming.update_key == str(sticker["update_id"])
    assert (incoming.text, incoming.file, incoming.choice) == (None, None, None)


async def test_engine_failure_gets_an_apology_not_silence(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    def broken(incoming: Incoming) -> list[Reply]:
        raise RuntimeError("database is down")

    handler.script = broken
    fake_telegram.push_text(8, "/status", language_code="en")
    [params] = await fake_telegram.until_calls("sendMessage")
    assert params["text"] == "Sorry, something went wrong on our side. Please try again."


async def test_blocked_chat_does_not_stop_the_bot(
    polling: TelegramApp,
    fake_telegram: FakeTelegramServer,
    handler: ScriptedHandler,
) -> None:
    fake_telegram.block(10)
    fake_telegram.push_text(10, "/start")
    fake_telegram.push_text(11, "/start")
    await fake_telegram.until_calls("sendMessage")
    assert fake_telegram.texts(11) == ["echo: /start"]
    assert [c.status for c in fake_telegram.calls if c.chat_id == "10"] == [403]


async def test_token_never_appears_in_the_logs(
    fake_telegram: FakeTelegramServer, handler: ScriptedHandler, caplog: pytest.LogCaptureFixture
) -> None:
    settings = telegram_settings(fake_telegram)
    with caplog.at_level(logging.DEBUG):
        app = build_application(settings, handler)
        await start_application(app, settings)
        try:
            fake_telegram.push_text(1, "/help")
            await fake_telegram.until_calls("sendMessage")
        finally:
            await stop_application(app)
    assert any("/bot***/sendMessage" in r.getMessage() for r in caplog.records)
    secret = fake_telegram.token.split(":")[1]
    assert not [r.getMessage() for r in caplog.records if secret in r.getMessage()]


async def test_chats_run_concurrently_but_each_chat_in_order(
    fake_telegram: FakeTelegramServer,
) -> None:
    order: list[str] = []

    class Slow:
        async def handle(self, incoming: Incoming, files: FileFetcher | None) -> list[Reply]:
            order.append(f"start {incoming.chat_id}:{incoming.text}")
            await asyncio.sleep(0.2 if incoming.text == "slow" else 0)
            order.append(f"end {incoming.chat_id}:{incoming.text}")
            return [Reply(str(incoming.text))]

    settings = telegram_settings(fake_telegram)
    app = build_application(settings, Slow())
    await start_application(app, settings)
    try:
        fake_telegram.push_text(1, "slow")
        fake_telegram.push_text(1, "next")
        fake_telegram.push_text(2, "other")
        await fake_telegram.until_calls("sendMessage", 3)
    finally:
        await stop_application(app)
    assert fake_telegram.texts(1) == ["slow", "next"]
    # Chat 2 did not wait for chat 1's slow answer; chat 1's second message did.
    assert order.index("end 2:other") < order.index("end 1:slow")
    assert order.index("end 1:slow") < order.index("start 1:next")


async def test_bootstrap_admins_get_the_staff_menu(
    fake_telegram: FakeTelegramServer, handler: ScriptedHandler
) -> None:
    settings = telegram_settings(fake_telegram, admins="telegram:555,zalo:z1,telegram:666")
    fake_telegram.block(666)  # stands for an admin who never started the bot: 400 here
    app = build_application(settings, handler)
    await start_application(app, settings)  # a refused staff menu does not stop the bot
    await stop_application(app)
    assert set(fake_telegram.scoped_commands) == {("chat", "555", "")}
    staff = [c["command"] for c in fake_telegram.scoped_commands[("chat", "555", "")]]
    assert {"broadcast", "invite", "progress", "help", "cancel"} <= set(staff)
    assert "register" not in staff  # an officer's command
    officers = [c["command"] for c in fake_telegram.commands["vi"]]
    assert "broadcast" not in officers
