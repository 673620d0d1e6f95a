"""Every officer flow end to end on every channel, from the scripts in `scenarios`.

One journey (link with an invite code, /register, /report, /launch, /status after each, and
each submit delivered twice) is played through:

- Telegram over long polling and over the webhook, through python-telegram-bot's real HTTP
  stack against the fake Bot API: choices are inline buttons pressed as callback queries,
  files are documents the bot downloads through the fake's file route;
- Zalo over getUpdates polling and over the webhook, against the fake Zalo server: choices
  are typed numbers, the signed files arrive as photos of their pages;
- the console channel, with `/file path` for the files.

Each transport runs twice: in Vietnamese on PostgreSQL and in English on SQLite (the full
language x database matrix doubles the time for little more coverage; both languages and both
databases are covered on every transport). The conversation clock is 10:00 on 12/01/2026 in Hà
Nội, before all three due dates, so the receipt times are known.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from bot import models
from bot.channels.common import split_text
from bot.channels.console import ConsoleChannel
from bot.channels.console import render as console_render
from bot.channels.telegram import TEXT_LIMIT as TELEGRAM_TEXT_LIMIT
from bot.channels.telegram import build_application, start_application, stop_application
from bot.channels.telegram import fits_one_message as telegram_fits
from bot.channels.zalo import ZaloChannel, ZaloClient
from bot.channels.zalo import fits_one_message as zalo_fits
from bot.channels.zalo import render as zalo_render
from bot.messaging import FileFetcher, Incoming, Reply, coalesced
from bot.services.numbers import parse_number
from bot.settings import load_settings
from bot.web import (
    TELEGRAM_SECRET_HEADER,
    ZALO_SECRET_HEADER,
    create_app,
    telegram_secret,
    zalo_secret,
)
from conversations.engine import Engine
from tests import files as real
from tests.channels.conftest import make_inbox
from tests.channels.scenarios import (
    FIGURE_ANSWERS,
    RECEIPT,
    Transcript,
    Upload,
    journey,
    play,
)
from tests.conversations.conftest import JANUARY, World, build_world
from tests.fakes._server import Call
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer

TELEGRAM_CHAT = 7301
ZALO_CHAT = "5c1e0a9b7d"
WAIT = 15.0  # seconds for one answer; the whole journey takes a few


@dataclass
class Recorder:
    """The engine as the channels see it, remembering what each update key got back: a
    driver knows from it when the bot has answered and how many messages to wait for."""

    engine: Engine
    results: list[tuple[str, list[Reply]]] = field(default_factory=list)

    async def handle(self, incoming: Incoming, files: FileFetcher | None) -> list[Reply]:
        replies = await self.engine.handle(incoming, files)
        self.results.append((incoming.update_key, replies))
        return replies

    def answers(self, key: str) -> list[list[Reply]]:
        return [replies for done, replies in self.results if done == key]


def effective(recorder: Recorder, key: str, times: int) -> list[Reply]:
    """The one answer to an update delivered `times` times: a redelivery must get none."""
    answers = recorder.answers(key)
    assert len(answers) == times, answers
    given = [replies for replies in answers if replies]
    assert len(given) == 1, f"update {key} delivered {times}x had {len(given)} effects"
    return given[0]


def number_for(label: str, last: list[str]) -> int:
    """The number printed before `label` among the choices ending the last message."""
    assert last, "no message to choose from"
    choices = last[-1].rsplit("\n\n", 1)[-1]
    for match in re.finditer(r"^(\d+)\. (.+)$", choices, re.MULTILINE):
        if match.group(2) == label:
            return int(match.group(1))
    raise AssertionError(f"no choice {label!r} in:\n{last[-1]}")


# ------------------------------------------------------------------------ Telegram


def _as_seen(call: Call) -> str:
    """A sent message as the officer sees it: its text, then a line per button."""
    text = str(call.params.get("text") or call.params.get("caption") or "")
    markup = call.params.get("reply_markup")
    if isinstance(markup, dict):
        text += "".join(f"\n[{b['text']}]" for row in markup["inline_keyboard"] for b in row)
    return text


class TelegramDriver:
    """The officer in a private Telegram chat; `post` set means webhook, else polling."""

    takes_documents = True
    language_from_platform = True  # the contact's language comes from Telegram's language_code

    def __init__(
        self,
        fake: FakeTelegramServer,
        recorder: Recorder,
        language: str,
        post: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.fake = fake
        self.recorder = recorder
        self.language = language
        self.post = post

    async def _deliver(self, update: dict[str, Any], times: int = 1) -> list[str]:
        key = str(update["update_id"])
        before = len(self.fake.sent(TELEGRAM_CHAT))
        if self.post is None:
            # Both copies in one getUpdates answer, as after a poll that was retried before
            # its offset was confirmed (the fake's lock keeps the poller out meanwhile).
            with self.fake._lock:
                for _ in range(times):
                    self.fake.push_update(dict(update))
        else:
            for _ in range(times):  # the platform redelivers until it gets a 2xx
                await self.post(update)
        await self.fake.until(lambda s: len(self.recorder.answers(key)) >= times, WAIT)
        replies = effective(self.recorder, key, times)
        # A text and the question after it go as one message (`coalesced`).
        sent = coalesced(replies, telegram_fits)
        expected = sum(len(split_text(r.text, TELEGRAM_TEXT_LIMIT)) for r in sent)
        await self.fake.until(lambda s: len(s.sent(TELEGRAM_CHAT)) >= before + expected, WAIT)
        texts = [_as_seen(call) for call in self.fake.sent(TELEGRAM_CHAT)[before:]]
        assert len(texts) == expected, texts
        return texts

    async def send_text(self, text: str, times: int = 1) -> list[str]:
        update = self.fake.make_text_update(TELEGRAM_CHAT, text, language_code=self.language)
        return await self._deliver(update, times)

    async def choose(self, key: str, label: str, last: list[str], times: int = 1) -> list[str]:
        question = self.fake.sent(TELEGRAM_CHAT)[-1]
        markup = question.params.get("reply_markup")
        assert isinstance(markup, dict), f"no buttons under {question.params.get('text')!r}"
        buttons = {b["callback_data"]: b["text"] for row in markup["inline_keyboard"] for b in row}
        assert buttons.get(key) == label, (key, label, buttons)
        acknowledged = len(self.fake.calls_to("answerCallbackQuery"))
        texts = await self._deliver(self.fake.make_callback_update(TELEGRAM_CHAT, key), times)
        assert len(self.fake.calls_to("answerCallbackQuery")) == acknowledged + times
        return texts

    async def send_document(self, name: str, content: bytes, mime: str) -> list[str]:
        update = self.fake.make_text_update(TELEGRAM_CHAT, name, language_code=self.language)
        message = update["message"]
        del message["text"]
        file_id = self.fake.add_file(content, f"documents/{name}")
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": mime,
            "file_size": len(content),
        }
        downloads = len(self.fake.calls_to("getFile"))
        texts = await self._deliver(update)
        assert self.fake.calls_to("getFile")[downloads:] == [{"file_id": file_id}]
        return texts

    async def send_photo(self, name: str, content: bytes) -> list[str]:
        raise AssertionError("Telegram takes the signed file as a document")


@contextlib.asynccontextmanager
async def telegram(
    fake: FakeTelegramServer, recorder: Recorder, language: str, webhook: bool, tmp_path: Path
) -> AsyncIterator[TelegramDriver]:
    extra = {"telegram_webhook_url": "https://bot.example.vn"} if webhook else {}
    settings = load_settings(
        database_url="sqlite:///unused.db",
        files_dir=tmp_path / "files",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        **extra,
    )
    app = build_application(settings, recorder)
    if not webhook:
        await start_application(app, settings)
        try:
            yield TelegramDriver(fake, recorder, language)
        finally:
            await stop_application(app)
        return
    secret = telegram_secret(settings)
    await start_application(app, settings, "https://bot.example.vn/telegram/webhook", secret)
    transport = httpx.ASGITransport(app=create_app(settings, app, None, make_inbox(tmp_path)))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:

            async def post(update: dict[str, Any]) -> None:
                headers = {TELEGRAM_SECRET_HEADER: secret}
                response = await http.post("/telegram/webhook", json=update, headers=headers)
                assert response.status_code == 200, response.text

            yield TelegramDriver(fake, recorder, language, post)
    finally:
        await stop_application(app)


# ---------------------------------------------------------------------------- Zalo


class ZaloDriver:
    """The officer in a Zalo chat: numbers for choices, photos for files."""

    takes_documents = False  # Zalo users can send images only
    language_from_platform = False

    def __init__(
        self,
        fake: FakeZaloServer,
        recorder: Recorder,
        post: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.fake = fake
        self.recorder = recorder
        self.post = post

    async def _deliver(self, event: dict[str, Any], times: int = 1) -> list[str]:
        key = str(event["message"]["message_id"])
        before = len(self.fake.sent(ZALO_CHAT))
        for _ in range(times):  # no offset on Zalo: a retried poll gives the event again
            if self.post is None:
                self.fake.push_event(event)
            else:
                await self.post({"ok": True, "result": event})
        await self.fake.until(lambda s: len(self.recorder.answers(key)) >= times, WAIT)
        replies = effective(self.recorder, key, times)
        expected = sum(len(zalo_render(r, "vi")) for r in coalesced(replies, zalo_fits))
        await self.fake.until(lambda s: len(s.sent(ZALO_CHAT)) >= before + expected, WAIT)
        texts = self.fake.texts(ZALO_CHAT)[before:]
        assert len(texts) == expected, texts
        return texts

    async def send_text(self, text: str, times: int = 1) -> list[str]:
        return await self._deliver(self.fake.make_text_event(ZALO_CHAT, text), times)

    async def choose(self, key: str, label: str, last: list[str], times: int = 1) -> list[str]:
        return await self.send_text(str(number_for(label, last)), times)

    async def send_document(self, name: str, content: bytes, mime: str) -> list[str]:
        raise AssertionError("Zalo users cannot send documents")

    async def send_photo(self, name: str, content: bytes) -> list[str]:
        url = self.fake.add_file(content, name)
        return await self._deliver(self.fake.make_image_event(ZALO_CHAT, url))


@contextlib.asynccontextmanager
async def zalo(
    fake: FakeZaloServer, recorder: Recorder, webhook: bool, tmp_path: Path
) -> AsyncIterator[ZaloDriver]:
    client = ZaloClient(fake.token, fake.base_url)
    channel = ZaloChannel(client, recorder, "vi")
    try:
        if not webhook:
            stop = asyncio.Event()
            task = asyncio.create_task(channel.poll(stop, timeout=1))
            try:
                yield ZaloDriver(fake, recorder)
            finally:
                stop.set()
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            return
        settings = load_settings(
            database_url="sqlite:///unused.db",
            zalo_bot_token=fake.token,
            zalo_webhook_url="https://bot.example.vn",
        )
        headers = {ZALO_SECRET_HEADER: zalo_secret(settings)}
        transport = httpx.ASGITransport(
            app=create_app(settings, None, channel, make_inbox(tmp_path))
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:

            async def post(body: dict[str, Any]) -> None:
                response = await http.post("/zalo/webhook", json=body, headers=headers)
                assert response.status_code == 200, response.text

            yield ZaloDriver(fake, recorder, post)
    finally:
        await client.aclose()


# ------------------------------------------------------------------------- console


class ConsoleDriver:
    """The officer at the terminal: numbers for choices, `/file path` for files."""

    takes_documents = True
    language_from_platform = False

    def __init__(self, channel: ConsoleChannel, folder: Path) -> None:
        self.channel = channel
        self.folder = folder

    async def send_text(self, text: str, times: int = 1) -> list[str]:
        if times == 1:
            replies = await self.channel.handle_line(text)
        else:
            # A terminal line cannot arrive twice; a second instance handed the same
            # update can, which is what the engine must absorb.
            incoming = self.channel.incoming(text)
            assert isinstance(incoming, Incoming)
            handled = await self.channel.engine.handle(incoming, self.channel.fetcher)
            replies = coalesced(handled, lambda _: True)  # as `handle_line` prints them
            assert await self.channel.engine.handle(incoming, self.channel.fetcher) == []
        return [console_render(r) for r in replies]

    async def choose(self, key: str, label: str, last: list[str], times: int = 1) -> list[str]:
        return await self.send_text(str(number_for(label, last)), times)

    async def send_document(self, name: str, content: bytes, mime: str) -> list[str]:
        path = self.folder / name
        path.write_bytes(content)
        return await self.send_text(f"/file {path}")

    async def send_photo(self, name: str, content: bytes) -> list[str]:
        raise AssertionError("the console sends the signed file as a document")


# --------------------------------------------------------------------------- tests


REPORT = Upload(
    "bao-cao-tong-ket-2026.pdf",
    real.pdf_bytes(2),
    "application/pdf",
    pages=(real.image_bytes("JPEG", 10), real.image_bytes("JPEG", 200)),
)
LAUNCH = Upload(
    "KH-phat-dong-thi-dua.docx",
    real.docx_bytes("Kế hoạch phát động thi đua 2026"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    pages=(real.image_bytes("JPEG", 60),),
)

TRANSPORTS = ["telegram-polling", "telegram-webhook", "zalo-polling", "zalo-webhook", "console"]
CASES = [
    pytest.param("vi", "postgresql", id="vi-postgresql"),
    pytest.param("en", "sqlite", id="en-sqlite"),
]


@contextlib.asynccontextmanager
async def driver_for(
    transport: str,
    request: pytest.FixtureRequest,
    recorder: Recorder,
    language: str,
    tmp_path: Path,
) -> AsyncIterator[TelegramDriver | ZaloDriver | ConsoleDriver]:
    platform, _, mode = transport.partition("-")
    if platform == "telegram":
        fake_tg: FakeTelegramServer = request.getfixturevalue("fake_telegram")
        async with telegram(fake_tg, recorder, language, mode == "webhook", tmp_path) as tg:
            yield tg
    elif platform == "zalo":
        fake_zl: FakeZaloServer = request.getfixturevalue("fake_zalo")
        async with zalo(fake_zl, recorder, mode == "webhook", tmp_path) as zl:
            yield zl
    else:
        channel = ConsoleChannel(
            recorder.engine, user_id="console-officer", stdin=io.StringIO(""), stdout=io.StringIO()
        )
        yield ConsoleDriver(channel, tmp_path)


@pytest.mark.parametrize(("language", "engine"), CASES, indirect=["engine"])
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_officer_journey(
    transport: str, language: str, engine: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    world = build_world(engine, tmp_path / "files")
    world.clock.now = JANUARY
    recorder = Recorder(world.engine())
    flows = journey(world.codes[0], language, REPORT, LAUNCH)
    async with driver_for(transport, request, recorder, language, tmp_path) as driver:
        transcript = await play(driver, flows, language)
    _check_database(world, transcript, photos=transport.startswith("zalo"))


def _check_database(world: World, transcript: Transcript, photos: bool) -> None:
    """What the chat said was saved is what the database holds, once."""
    with world.session() as s:
        submissions = {str(sub.kind): sub for sub in s.exec(select(models.Submission))}
        receipts = list(s.exec(select(models.Receipt).order_by(col(models.Receipt.id))))
        entries = list(
            s.exec(select(models.RegistrationEntry).order_by(col(models.RegistrationEntry.id)))
        )
        report = s.exec(select(models.YearEndReport)).one()
        document = s.exec(select(models.LaunchDocument)).one()
        attachments = list(s.exec(select(models.Attachment).order_by(col(models.Attachment.id))))
    # Each first submit was delivered twice: one version, one receipt each, as the chat
    # said; the launch document was then reopened and submitted again (a second receipt).
    assert sorted(submissions) == ["launch_document", "title_registration", "year_end_report"]
    assert all(sub.status == models.SubmissionStatus.SUBMITTED for sub in submissions.values())
    versions = {kind: sub.version for kind, sub in submissions.items()}
    assert versions == {"launch_document": 2, "title_registration": 1, "year_end_report": 1}
    assert [r.number[:2] for r in receipts] == ["DK", "BC", "PD", "PD"]
    assert set(RECEIPT.findall(transcript.text())) == {r.number for r in receipts}
    first, second = receipts[2:]
    assert (first.version, second.version) == (1, 2)
    assert "03/KH-CĐ" in str(first.snapshot) and "05/KH-CĐ" in str(second.snapshot)
    assert submissions["launch_document"].receipt_number == second.number
    assert [(e.nominee, e.full_name, e.position, e.unit_name, e.title_code) for e in entries] == [
        (models.Nominee.INDIVIDUAL, "Nguyễn Văn An", "Trưởng phòng Nhân sự", "", "LDTT"),
        (models.Nominee.COLLECTIVE, "", "", "Phòng Kỹ thuật", "TT_LDTT"),
    ]
    expected = {
        code: Decimal(1) if code == "iso9001" else parse_number(plain)
        for code, (_vi, plain, _echo) in FIGURE_ANSWERS.items()
    }
    assert {code: Decimal(str(v)) for code, v in report.figures.items()} == expected
    assert "12 sáng kiến" in report.narrative
    assert document.document_number == "05/KH-CĐ"
    assert document.document_date == date(2026, 1, 8)
    stored = [Path(a.path).read_bytes() for a in attachments]
    if photos:
        assert stored == [*REPORT.pages, *LAUNCH.pages]
        assert all(a.mime_type == "image/jpeg" for a in attachments)
    else:
        assert stored == [REPORT.content, LAUNCH.content]
        assert [a.file_name for a in attachments] == [REPORT.name, LAUNCH.name]
