"""Fixtures for the channel tests: the fake platform servers and a scripted handler.

The fakes run real HTTP servers on 127.0.0.1; each fixture stops its server, so no thread or
port outlives the test.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.db import get_engine
from bot.inbox import Inbox
from bot.messaging import FileFetcher, Incoming, Reply
from bot.models import InboundUpdate
from tests.fakes.telegram_api import FakeTelegramServer
from tests.fakes.zalo_api import FakeZaloServer


def _assert_stopped(server: FakeTelegramServer | FakeZaloServer, port: int) -> None:
    """No thread of the fake survives the test, and its port is closed."""
    assert server.leaked_threads() == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        yield server
    _assert_stopped(server, port)


@pytest.fixture
def fake_zalo() -> Iterator[FakeZaloServer]:
    with FakeZaloServer() as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        yield server
    _assert_stopped(server, port)


@dataclass
class ScriptedHandler:
    """Stands in for the conversation engine: records what it got, answers with `script`.

    Like the engine, it handles an update key once (a redelivery gets no second effect).
    """

    script: Callable[[Incoming], list[Reply]] = lambda incoming: [
        Reply(f"echo: {incoming.text or incoming.choice or ''}")
    ]
    fetch_dir: Path | None = None
    received: list[Incoming] = field(default_factory=list)
    effects: list[Incoming] = field(default_factory=list)
    fetchers: list[FileFetcher | None] = field(default_factory=list)
    downloaded: list[Path] = field(default_factory=list)

    async def handle(self, incoming: Incoming, files: FileFetcher | None) -> list[Reply]:
        self.received.append(incoming)
        self.fetchers.append(files)
        if any(done.update_key == incoming.update_key for done in self.effects):
            return []
        self.effects.append(incoming)
        if incoming.file is not None and self.fetch_dir is not None and files is not None:
            target = self.fetch_dir / incoming.file.file_name
            await files.fetch(incoming.file, target)
            self.downloaded.append(target)
        return self.script(incoming)


@pytest.fixture
def handler() -> ScriptedHandler:
    return ScriptedHandler()


def make_inbox(where: Path | Engine) -> Inbox:
    """A webhook inbox on a test database: a SQLite file in `where`, or the given engine
    (whose tables exist already)."""
    if isinstance(where, Path):
        engine = get_engine(f"sqlite:///{where / 'inbox.db'}")
        SQLModel.metadata.create_all(engine, tables=[InboundUpdate.__table__])  # type: ignore[attr-defined]
        where = engine
    return Inbox(where)


@pytest.fixture
def inbox(tmp_path: Path) -> Inbox:
    return make_inbox(tmp_path)
