"""Placeholder replaced below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine as SAEngine
from starlette.routing import BaseRoute

from bot.settings import Settings


def routes(settings: Settings, db: SAEngine, clock: Callable[[], datetime]) -> list[BaseRoute]:
    return []
