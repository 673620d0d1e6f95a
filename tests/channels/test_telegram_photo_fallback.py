"""One refused photo does not stop a reply (issue 14): a 600-dpi A4 scan (4961×7016) is
refused by sendPhoto with PHOTO_INVALID_DIMENSIONS; it goes as a document and the review
question (caption and Accept/Return buttons) reaches staff all the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.channels.telegram import TelegramSender, send_reply
from bot.messaging import Choice, Reply, SendError
from tests.fakes.telegram_api import FakeTelegramServer

INVALID = "Bad Request: PHOTO_INVALID_DIMENSIONS"
QUESTION = Reply(
    "Hồ sơ của Công ty Sao Mai: duyệt hay trả lại?",
    (Choice("accept", "Duyệt"), Choice("return", "Trả lại")),
)


@pytest.fixture
async def bot(fake_telegram: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(
        fake_telegram.token,
        base_url=f"{fake_telegram.base_url}/bot",
        base_file_url=f"{fake_telegram.base_url}/file/bot",
    ) as telegram_bot:
        yield telegram_bot


@pytest.fixture
def scan(tmp_path: Path) -> Path:
    path = tmp_path / "ban-scan-a4.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 2000)
    return path


def _buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


async def test_a_refused_photo_goes_as_a_document_with_the_question(
    bot: Bot, fake_telegram: FakeTelegramServer, scan: Path
) -> None:
    fake_telegram.fail_next("sendPhoto", 400, INVALID)
    reply = Reply(QUESTION.text, QUESTION.choices, photo=scan)
    await send_reply(bot, 99, reply)
    [document] = fake_telegram.calls_to("sendDocument")
    assert document["caption"] == QUESTION.text
    assert _buttons(document) == ["accept", "return"]
    assert [u[2] for u in fake_telegram.uploads if u[0] == "sendDocument"] == [scan.name]


async def test_a_refused_document_does_not_stop_the_rest(
    bot: Bot, fake_telegram: FakeTelegramServer, scan: Path, tmp_path: Path
) -> None:
    letter = tmp_path / "cong-van.pdf"
    letter.write_bytes(b"%PDF-1.4 ...")
    fake_telegram.fail_next("sendDocument", 400, "Bad Request: file is too big")
    reply = Reply(QUESTION.text, QUESTION.choices, document=letter, photo=scan)
    with pytest.raises(BadRequest):
        await send_reply(bot, 99, reply)
    # The photo still went out with the buttons, and the caption lost with the document
    # came again as a text with the buttons: the question is there.
    [photo] = fake_telegram.calls_to("sendPhoto")
    assert _buttons(photo) == ["accept", "return"]
    [text] = fake_telegram.calls_to("sendMessage")
    assert text["text"] == QUESTION.text and _buttons(text) == ["accept", "return"]


async def test_when_every_attachment_is_refused_the_question_still_arrives(
    bot: Bot, fake_telegram: FakeTelegramServer, scan: Path
) -> None:
    fake_telegram.fail_next("sendPhoto", 400, INVALID)
    fake_telegram.fail_next("sendDocument", 400, "Bad Request: wrong file")
    reply = Reply(QUESTION.text, QUESTION.choices, photo=scan)
    with pytest.raises(SendError):  # the outbox records it as failed, without repeating
        await TelegramSender(bot).send("99", reply)
    [text] = fake_telegram.calls_to("sendMessage")
    assert text["text"] == QUESTION.text and _buttons(text) == ["accept", "return"]
