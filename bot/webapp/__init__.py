"""The pages of the web app the bot serves: the officers' upload page and the office's
dashboard. `routes(settings)` gives the routes that `bot.web.create_app` mounts.

Server-rendered HTML (Jinja2), no cookies and no login: an upload link's token, or a staff
member's signed dashboard link, is the authority, and it travels in the path. Nothing here
serves a received file to the public; only the dashboard hands files out, to staff in scope.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine as SAEngine
from starlette.routing import BaseRoute

from bot.db import get_engine
from bot.models import utcnow
from bot.settings import Settings
from bot.webapp import dashboard, upload
from bot.webapp.render import static_route
from conversations.engine import Engine


def routes(
    settings: Settings,
    *,
    db: SAEngine | None = None,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[BaseRoute]:
    """The upload page, the dashboard and their static files (`db`, `engine` and `clock`
    default to the settings' database, a conversation engine on it and the wall clock)."""
    db = db or get_engine(settings.database_url)
    engine = engine or Engine(db, settings, clock=clock)
    return [
        static_route(),
        *upload.routes(settings, db, engine, clock),
        *dashboard.routes(settings, db, clock),
    ]
