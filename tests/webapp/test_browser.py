"""The upload page and the dashboard in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium) against uvicorn on 127.0.0.1, the outbox dispatching to the fake Bot API.

Under CI (CI=true) a missing Chromium is a failure, not a skip: `.ci/run` installs it.
With THIDUA_SCREENSHOTS=<dir> every page is also saved at phone (390 px) and desktop widths.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, select
from starlette.applications import Starlette
from telegram import Bot

from bot.channels.telegram import TelegramSender
from bot.models import Channel, Contact, DeadlineKind, Delivery, DeliveryKind
from bot.settings import load_settings
from bot.webapp import routes
from scheduler.clock import ShiftedClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher
from tests.conversations.conftest import JANUARY, World, build_world, linked_chat
from tests.conversations.staff_world import LEADER, STAFF, StaffWorld, build_staff_world
from tests.fakes.telegram_api import FakeTelegramServer

CHROMIUM = os.environ.get("THIDUA_CHROMIUM", "/usr/bin/chromium")
SHOTS = os.environ.get("THIDUA_SCREENSHOTS")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _need_chromium() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """uvicorn on a free loopback port for the duration; yields the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    _need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as server:
        yield server


async def shoot(page: Any, name: str) -> None:
    """Save the page at phone and desktop widths when THIDUA_SCREENSHOTS is set."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(PHONE)


async def dispatch(db: SAEngine, settings: Any, fake: FakeTelegramServer, now: Any) -> None:
    """Send what the outbox holds, once, through the real Telegram sender."""
    async with Bot(fake.token, base_url=f"{fake.base_url}/bot") as bot:
        dispatcher = Dispatcher(
            db,
            {Channel.TELEGRAM: TelegramSender(bot)},
            ShiftedClock.starting_at(now),
            settings,
            "browser-test",
            SchedulerConfig.from_settings(settings),
        )
        for _ in range(20):
            if await dispatcher.run_once() == 0:
                break


def public_settings(files: Path, public: str) -> Any:
    return load_settings(
        database_url="sqlite:///unused.db",
        files_dir=files,
        public_url=public,
        web_secret="a-browser-test-secret-123",
    )


async def test_officer_uploads_a_pdf_and_the_chat_gets_the_receipt(
    sqlite_engine: SAEngine, tmp_path: Path, browser: Any, fake_telegram: FakeTelegramServer
) -> None:
    world: World = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    app = Starlette()
    async with serving(app) as base:
        world.settings = public_settings(tmp_path / "files", base)
        app.router.routes.extend(
            routes(world.settings, db=world.db, engine=world.engine(), clock=world.clock)
        )
        chat = await linked_chat(world, user_id="5001")
        text = await chat.say("/launch")
        link = re.findall(re.escape(base) + r"/u/[A-Za-z0-9_-]+", text)[-1]
        signed = tmp_path / "Ke-hoach-phat-dong-2026.pdf"
        signed.write_bytes(PDF)

        page = await browser.new_page(viewport=PHONE, locale="vi-VN")
        await page.goto(link)
        assert "Công ty Sao Mai" in await page.inner_text("main")
        await shoot(page, "upload")
        await page.set_input_files("#file", str(signed))
        await page.click("#send")
        await page.wait_for_selector("#done")
        assert "Ke-hoach-phat-dong-2026.pdf" in await page.inner_text("#done")
        await shoot(page, "upload-done")

        # The chat gets the same confirmation as for a file sent there, through the outbox.
        await dispatch(world.db, world.settings, fake_telegram, world.clock.now)
        sent = [c.params["text"] for c in fake_telegram.sent()]
        assert len(sent) == 1 and "Ke-hoach-phat-dong-2026.pdf" in sent[0], sent
        await dispatch(world.db, world.settings, fake_telegram, world.clock.now)
        assert len(fake_telegram.sent()) == 1  # never twice

        # The same link again, and an expired one: a clear page, nothing changed.
        await page.goto(link)
        await page.wait_for_selector("#gone")
        await shoot(page, "upload-used")
        await chat.say("/cancel")
        text = await chat.say("/launch")  # the draft goes on: a new link is offered
        fresh = re.findall(re.escape(base) + r"/u/[A-Za-z0-9_-]+", text)[-1]
        world.clock.now += timedelta(hours=25)
        await page.goto(fresh)
        assert "hết hạn" in await page.inner_text("#gone")
        await page.close()


async def test_office_filters_returns_and_the_officer_is_told(
    sqlite_engine: SAEngine, tmp_path: Path, browser: Any, fake_telegram: FakeTelegramServer
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    board: StaffWorld = build_staff_world(sqlite_engine, files)
    returned = board.submit(0, DeadlineKind.LAUNCH_DOCUMENT, files)
    board.submit(2, DeadlineKind.LAUNCH_DOCUMENT, files)
    board.submit(1, DeadlineKind.TITLE_REGISTRATION, files)
    with Session(board.db) as session:  # Telegram chat ids are numbers
        officer = session.get(Contact, board.officer_ids[0])
        assert officer is not None
        officer.chat_id = "7001"
        session.add(officer)
        session.commit()
    app = Starlette()
    async with serving(app) as base:
        board.settings = public_settings(files, base)
        app.router.routes.extend(
            routes(board.settings, db=board.db, engine=board.engine(), clock=board.clock)
        )
        chat = await board.chat(STAFF)
        link = re.findall(re.escape(base) + r"/d/[^\s]+/", await chat.say("/dashboard"))[-1]

        page = await browser.new_page(viewport=DESKTOP, locale="vi-VN")
        await page.goto(link)
        await page.wait_for_selector("#overall")
        await shoot(page, "dashboard-progress")
        await page.click("text=Chưa nộp")
        await page.wait_for_selector("#missing")
        await shoot(page, "dashboard-missing")
        await page.click("text=Hồ sơ")
        await page.select_option("#status", "submitted")
        await page.fill("#q", "Sao Mai")
        await page.click("#filters button")
        rows = await page.inner_text("#submissions tbody")
        assert "Sao Mai" in rows and "Vân Trung" not in rows
        await shoot(page, "dashboard-submissions")
        await page.click("#submissions a")
        await page.wait_for_selector("#review")
        await shoot(page, "dashboard-submission")
        await page.fill("#reason", "Văn bản chưa có chữ ký và đóng dấu")
        await page.click("#return")
        await page.wait_for_selector("#done")
        assert board.status(returned) == "returned"
        await page.goto(link + "audit")
        await page.select_option("#action", "submission.return")
        await page.click("#filters button")
        assert "submission.return" in await page.inner_text("#audit tbody")
        await shoot(page, "dashboard-audit")
        await page.goto(link + "exports")
        await shoot(page, "dashboard-exports")
        await page.close()

    await dispatch(board.db, board.settings, fake_telegram, board.clock.now)
    told = [c for c in fake_telegram.sent() if c.params.get("chat_id") in (7001, "7001")]
    assert len(told) == 1 and "chưa có chữ ký" in told[0].params["text"]
    with Session(board.db) as session:
        notices = session.exec(
            select(Delivery).where(Delivery.kind == DeliveryKind.REVIEW_RESULT)
        ).all()
        assert [d.contact_id for d in notices] == [board.officer_ids[0]]


async def test_cluster_leader_cannot_open_another_cluster(
    sqlite_engine: SAEngine, tmp_path: Path, browser: Any
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    board: StaffWorld = build_staff_world(sqlite_engine, files)
    theirs = board.submit(0, DeadlineKind.LAUNCH_DOCUMENT, files)  # cluster 1
    app = Starlette()
    async with serving(app) as base:
        board.settings = public_settings(files, base)
        app.router.routes.extend(
            routes(board.settings, db=board.db, engine=board.engine(), clock=board.clock)
        )
        chat = await board.chat(LEADER)
        link = re.findall(re.escape(base) + r"/d/[^\s]+/", await chat.say("/dashboard"))[-1]
        page = await browser.new_page(viewport=PHONE, locale="vi-VN")
        await page.goto(link)
        assert "Cụm thi đua số 1" not in await page.inner_text("main")
        await shoot(page, "dashboard-leader")
        answer = await page.goto(link + f"?cluster={board.cluster_ids[0]}")
        assert answer is not None and answer.status == 403
        await page.wait_for_selector("#refused")
        answer = await page.goto(link + f"s/{theirs}")
        assert answer is not None and answer.status == 403
        await shoot(page, "dashboard-refused")
        await page.close()
