"""The one-time upload page: offered in the chat, used once, the chat goes on through the
outbox; used, expired and moved-on links change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import (
    Attachment,
    AuditEntry,
    Channel,
    Contact,
    ConversationState,
    Delivery,
    DeliveryKind,
    UploadLink,
)
from tests import files as real
from tests.conversations.conftest import JANUARY, Chat, World, linked_chat
from tests.webapp.conftest import PUBLIC

PDF = real.pdf_bytes()  # a PDF that parses: files are checked by content
LINK = re.compile(re.escape(PUBLIC) + r"/u/([A-Za-z0-9_-]+)")


def token_in(text: str) -> str:
    found: list[str] = LINK.findall(text)
    assert found, text
    return found[-1]


async def launch_chat(world: World, channel: Channel = Channel.ZALO) -> tuple[Chat, str]:
    world.clock.now = JANUARY  # the launch document is due 31/01
    chat = await linked_chat(world, channel=channel)
    text = await chat.say("/launch")
    return chat, token_in(text)


def deliveries(world: World) -> list[Delivery]:
    with Session(world.db) as session:
        return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())


async def post_file(
    http: httpx.AsyncClient, token: str, name: str, body: bytes, mime: str
) -> httpx.Response:
    return await http.post(f"/u/{token}", files={"file": (name, body, mime)})


async def test_upload_page_continues_the_chat_once(world: World, http: httpx.AsyncClient) -> None:
    chat, token = await launch_chat(world)
    assert "Zalo" in chat.text() or "web" in chat.text()

    page = await http.get(f"/u/{token}")
    assert page.status_code == 200
    assert "Công ty Sao Mai" in page.text and 'type="file"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in page.headers

    done = await post_file(http, token, "Ke-hoach-phat-dong.pdf", PDF, "application/pdf")
    assert done.status_code == 200, done.text
    assert 'id="done"' in done.text and "Ke-hoach-phat-dong.pdf" in done.text

    with Session(world.db) as session:
        contact = session.exec(select(Contact).where(Contact.user_id == "u1")).one()
        state = session.get(ConversationState, contact.id)
        assert state is not None and (state.flow, state.step) == ("launch", "number")
        files = session.exec(select(Attachment)).all()
        assert [a.file_name for a in files] == ["Ke-hoach-phat-dong.pdf"]
        assert Path(files[0].path).read_bytes() == PDF
        link = session.exec(select(UploadLink)).one()
        assert link.used_at is not None and link.attachment_id == files[0].id
        assert token not in link.token_hash
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "upload.web")).one()
        assert audit.after is not None and audit.after["peer"] == "203.0.113.7"
    sent = deliveries(world)
    assert len(sent) == 1 and sent[0].kind == DeliveryKind.CHAT_REPLY
    assert sent[0].contact_id == contact.id
    assert "Ke-hoach-phat-dong.pdf" in (sent[0].body or "")  # the chat's own "Received {name}."

    # Posted again (a reload, a double tap): nothing more.
    again = await post_file(http, token, "Ke-hoach-phat-dong.pdf", PDF, "application/pdf")
    assert again.status_code == 410 and 'id="gone"' in again.text
    assert len(deliveries(world)) == 1
    with Session(world.db) as session:
        assert len(session.exec(select(Attachment)).all()) == 1

    # The conversation goes on in the chat where the page left it.
    out = await chat.say("15/KH-CĐ")
    assert "dd/mm/yyyy" in out  # the next question: the date


async def test_expired_link_changes_nothing(world: World, http: httpx.AsyncClient) -> None:
    _chat, token = await launch_chat(world)
    world.clock.now += timedelta(hours=25)
    page = await http.get(f"/u/{token}")
    assert page.status_code == 410 and 'id="gone"' in page.text
    posted = await post_file(http, token, "a.pdf", PDF, "application/pdf")
    assert posted.status_code == 410
    with Session(world.db) as session:
        assert session.exec(select(Attachment)).all() == []
        refused = session.exec(
            select(AuditEntry).where(AuditEntry.action == "upload.refused")
        ).all()
        assert [e.after["state"] for e in refused if e.after] == ["expired"]
    assert deliveries(world) == []


async def test_unknown_link(http: httpx.AsyncClient) -> None:
    page = await http.get("/u/not-a-real-token-at-all-123456")
    assert page.status_code == 404 and 'id="gone"' in page.text


async def test_wrong_content_is_refused_and_the_link_stays(
    world: World, http: httpx.AsyncClient
) -> None:
    _chat, token = await launch_chat(world)
    fake = await post_file(http, token, "bao-cao.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert fake.status_code == 422 and 'id="error"' in fake.text
    exe = await post_file(http, token, "virus.exe", b"MZ\x90\x00", "application/octet-stream")
    assert exe.status_code == 422
    with Session(world.db) as session:
        assert session.exec(select(Attachment)).all() == []
        assert session.exec(select(UploadLink)).one().used_at is None
    ok = await post_file(http, token, "bao-cao.pdf", PDF, "application/pdf")
    assert ok.status_code == 200


async def test_link_of_a_question_no_longer_asked(world: World, http: httpx.AsyncClient) -> None:
    chat, token = await launch_chat(world)
    await chat.say("/cancel")
    page = await http.get(f"/u/{token}")
    assert page.status_code == 409 and 'id="moved"' in page.text
    posted = await post_file(http, token, "a.pdf", PDF, "application/pdf")
    assert posted.status_code == 409
    with Session(world.db) as session:
        assert session.exec(select(Attachment)).all() == []
    assert deliveries(world) == []


async def test_no_public_url_no_link(engine: Engine, tmp_path: Path) -> None:
    from tests.conversations.conftest import build_world

    plain = build_world(engine, tmp_path / "files")
    plain.clock.now = JANUARY
    chat = await linked_chat(plain)
    text = await chat.say("/launch")
    assert "/u/" not in text


async def test_pages_in_the_contacts_language(world: World, http: httpx.AsyncClient) -> None:
    world.clock.now = JANUARY
    chat = await linked_chat(world, language="en", channel=Channel.TELEGRAM)
    token = token_in(await chat.say("/launch"))
    page = await http.get(f"/u/{token}")
    assert 'lang="en"' in page.text and "Send the file" in page.text
    await post_file(http, token, "plan.pdf", PDF, "application/pdf")
    gone = await http.get(f"/u/{token}")
    assert 'lang="en"' in gone.text and "each link works once" in gone.text


async def test_create_app_mounts_the_pages_only_when_public(db_url: str, tmp_path: Path) -> None:
    from bot.settings import load_settings
    from bot.web import create_app

    for public, expected in ((None, 404), (PUBLIC, 200)):
        settings = load_settings(database_url=db_url, files_dir=tmp_path, public_url=public)
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
            assert (await client.get("/static/app.css")).status_code == expected
            gone = await client.get("/u/some-token-that-does-not-exist")
            assert gone.status_code == 404
            assert (await client.get("/healthz")).status_code == 200
