"""`serve()` in a process of its own, configured by the environment (THIDUA_*, TELEGRAM_*),
for the tests that kill it: SIGKILL after acknowledged webhooks, SIGTERM draining.

TEST_HANDLER_DELAY (seconds) makes the conversation engine that slow per update (as a large
file download would), so that updates are still waiting when the process is killed.
The database's tables must exist (the tests create them); nothing is migrated here.
"""

from __future__ import annotations

import asyncio
import logging
import os

from bot.db import get_engine
from bot.messaging import FileFetcher, Incoming, Reply
from bot.server import serve
from bot.settings import Settings, load_settings
from conversations.engine import Engine


class SlowEngine(Engine):
    def __init__(self, settings: Settings, delay: float) -> None:
        super().__init__(get_engine(settings.database_url), settings)
        self.delay = delay

    async def handle(self, incoming: Incoming, files: FileFetcher | None = None) -> list[Reply]:
        await asyncio.sleep(self.delay)
        return await super().handle(incoming, files)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = load_settings()
    delay = float(os.environ.get("TEST_HANDLER_DELAY") or 0)
    asyncio.run(serve(settings, handler=SlowEngine(settings, delay) if delay else None))
