"""The web pages against a real database (SQLite and PostgreSQL): the conversation world of
tests/conversations with THIDUA_PUBLIC_URL set, and the pages mounted on a Starlette app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine as SAEngine
from starlette.applications import Starlette

from bot.settings import load_settings
from bot.webapp import routes
from tests.conversations.conftest import World, build_world

PUBLIC = "https://thidua.example.vn"


def web_world(db: SAEngine, files_dir: Path, public: str = PUBLIC) -> World:
    world = build_world(db, files_dir)
    world.settings = load_settings(
        database_url="sqlite:///unused.db", files_dir=files_dir, public_url=public
    )
    return world


def app_for(world: World) -> Starlette:
    return Starlette(
        routes=routes(world.settings, db=world.db, engine=world.engine(), clock=world.clock)
    )


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> World:
    return web_world(engine, tmp_path / "files")


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_for(world), client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client
