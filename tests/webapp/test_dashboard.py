"""The office's dashboard through its signed link: scope like the chat, the nudge and the
review act like the chat's (outbox, audit), files and exports only for staff in scope."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine as SAEngine
from starlette.applications import Starlette

from bot.models import DeadlineKind, DeliveryKind
from bot.settings import load_settings
from bot.webapp import routes
from tests.conversations.staff_world import ADMIN, LEADER, STAFF, StaffWorld, build_staff_world
from tests.webapp.conftest import PUBLIC

LINK = re.compile(re.escape(PUBLIC) + r"(/d/[A-Za-z0-9_.\-]+/)")


@pytest.fixture
def board(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    files = tmp_path / "files"
    files.mkdir()
    world = build_staff_world(engine, files)
    world.settings = load_settings(
        database_url="sqlite:///unused.db",
        files_dir=files,
        public_url=PUBLIC,
        web_secret="a-test-secret-of-enough-length",
    )
    return world


@pytest.fixture
async def http(board: StaffWorld) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(
        routes=routes(board.settings, db=board.db, engine=board.engine(), clock=board.clock)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


async def dashboard_of(board: StaffWorld, user: str, command: str = "/dashboard") -> str:
    chat = await board.chat(user)
    text = await chat.say(command)
    found: list[str] = LINK.findall(text)
    assert found, text
    return found[-1]


async def test_progress_page_and_chart(board: StaffWorld, http: httpx.AsyncClient) -> None:
    base = await dashboard_of(board, STAFF, "/progress")  # /progress gives the link too
    page = await http.get(base)
    assert page.status_code == 200, page.text
    assert "Cụm thi đua số 1" in page.text and "Cụm thi đua số 2" in page.text
    assert "set-cookie" not in page.headers
    chart = await http.get(base + f"chart.png?campaign={board.campaign_id}")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")


async def test_missing_list_and_nudge(board: StaffWorld, http: httpx.AsyncClient) -> None:
    base = await dashboard_of(board, STAFF)
    page = await http.get(base + "missing", params={"kind": "year_end_report"})
    assert page.status_code == 200
    for name in ("Sao Mai", "Hà Bắc", "Vân Trung", "Quang Châu"):
        assert name in page.text
    reachable = await http.get(base + "missing", params={"kind": "year_end_report", "reach": "no"})
    assert "Quang Châu" in reachable.text and "Sao Mai" not in reachable.text

    done = await http.post(
        base + f"nudge?campaign={board.campaign_id}", data={"kind": "year_end_report"}
    )
    assert done.status_code == 303
    nudges = [d for d in board.deliveries() if d.kind == DeliveryKind.NUDGE]
    assert len(nudges) == 3  # Quang Châu's officer blocked the bot
    follow = await http.get(done.headers["location"])
    assert 'id="nudged"' in follow.text
    await http.post(base + f"nudge?campaign={board.campaign_id}", data={"kind": "year_end_report"})
    assert len([d for d in board.deliveries() if d.kind == DeliveryKind.NUDGE]) == 3
    assert len(board.audit("missing.nudge")) == 2


async def test_return_a_submission_notifies_the_officer(
    board: StaffWorld, http: httpx.AsyncClient
) -> None:
    sub_id = board.submit(0, DeadlineKind.LAUNCH_DOCUMENT, board.settings.files_dir)
    base = await dashboard_of(board, STAFF)
    listing = await http.get(base + "submissions", params={"status": "submitted"})
    assert f"s/{sub_id}" in listing.text
    page = await http.get(base + f"s/{sub_id}")
    assert page.status_code == 200
    assert "12/KH-CĐ" in page.text and "kh-0.pdf" in page.text
    file_link = re.search(r'href="(/d/[^"]+/file/\d+)"', page.text)
    assert file_link is not None
    got = await http.get(file_link.group(1))
    assert got.status_code == 200 and got.content.startswith(b"%PDF")

    empty = await http.post(base + f"s/{sub_id}/return", data={"reason": "  "})
    assert empty.status_code == 303 and "error=reason" in empty.headers["location"]
    assert board.status(sub_id) == "submitted"

    done = await http.post(base + f"s/{sub_id}/return", data={"reason": "Thiếu chữ ký"})
    assert done.status_code == 303
    assert board.status(sub_id) == "returned"
    notices = [d for d in board.deliveries() if d.kind == DeliveryKind.REVIEW_RESULT]
    assert [d.contact_id for d in notices] == [board.officer_ids[0]]
    assert "Thiếu chữ ký" in notices[0].text
    again = await http.post(base + f"s/{sub_id}/accept")
    assert "error=state" in again.headers["location"]
    assert board.status(sub_id) == "returned"


async def test_cluster_leader_sees_only_his_cluster(
    board: StaffWorld, http: httpx.AsyncClient
) -> None:
    theirs = board.submit(0, DeadlineKind.LAUNCH_DOCUMENT, board.settings.files_dir)  # cluster 1
    mine = board.submit(2, DeadlineKind.LAUNCH_DOCUMENT, board.settings.files_dir)  # cluster 2
    base = await dashboard_of(board, LEADER)
    page = await http.get(base)
    assert page.status_code == 200 and "Cụm thi đua số 2" in page.text
    assert "Cụm thi đua số 1" not in page.text
    other = await http.get(base, params={"cluster": board.cluster_ids[0]})
    assert other.status_code == 403
    assert (await http.get(base + f"s/{theirs}")).status_code == 403
    assert (await http.post(base + f"s/{theirs}/accept")).status_code == 403
    assert board.status(theirs) == "submitted"
    assert (await http.get(base + f"s/{mine}")).status_code == 200
    assert (await http.get(base + "audit")).status_code == 403
    missing = await http.get(base + "missing", params={"kind": "year_end_report"})
    assert "Vân Trung" in missing.text and "Sao Mai" not in missing.text


async def test_forged_and_expired_links(board: StaffWorld, http: httpx.AsyncClient) -> None:
    base = await dashboard_of(board, ADMIN)
    assert (await http.get(base)).status_code == 200
    forged = base[:-3] + ("x" if base[-3] != "x" else "y") + base[-2:]
    assert (await http.get(forged)).status_code == 403
    board.clock.now += timedelta(hours=9)
    assert (await http.get(base)).status_code == 403


async def test_exports_and_audit(board: StaffWorld, http: httpx.AsyncClient) -> None:
    board.submit(1, DeadlineKind.TITLE_REGISTRATION, board.settings.files_dir)
    base = await dashboard_of(board, STAFF)
    sheet = await http.get(base + "export/registrations")
    assert sheet.status_code == 200 and sheet.content.startswith(b"PK")
    assert "attachment" in sheet.headers["content-disposition"]
    missing = await http.get(base + "export/missing", params={"kind": "year_end_report"})
    assert missing.status_code == 200
    log = await http.get(base + "audit", params={"action": "export.registrations"})
    assert log.status_code == 200 and "export.registrations" in log.text
    assert "missing.view" not in log.text


async def test_no_dashboard_without_public_url(board: StaffWorld) -> None:
    board.settings = load_settings(database_url="sqlite:///unused.db")
    chat = await board.chat(STAFF)
    assert "/d/" not in await chat.say("/dashboard")
