"""A dispatcher process for the crash test: sends the outbox to a file until it is empty.

    python -m tests.scheduler.dispatch_worker DB_URL LOG_FILE SHIFT_SECONDS CLAIM_TIMEOUT

Each accepted message's text is appended to LOG_FILE with one write(2) on an O_APPEND
descriptor, so what was "sent" survives a SIGKILL of this process.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from sqlmodel import Session

from bot.db import get_engine
from bot.messaging import Reply
from bot.models import Channel
from bot.settings import load_settings
from scheduler.clock import ShiftedClock
from scheduler.config import SchedulerConfig
from scheduler.outbox import Dispatcher, outbox_status


class FileSender:
    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, chat_id: str, reply: Reply) -> None:
        await asyncio.sleep(0.002)
        os.write(self.fd, f"{reply.text}\n".encode())


async def main(url: str, log: str, shift: float, claim_timeout: float) -> None:
    settings = load_settings(database_url=url, telegram_rate_per_second=500)
    engine = get_engine(url)
    config = SchedulerConfig.from_settings(
        settings, claim_timeout_seconds=claim_timeout, poll_interval_seconds=0.1
    )
    dispatcher = Dispatcher(
        engine,
        {Channel.TELEGRAM: FileSender(log)},
        ShiftedClock(timedelta(seconds=shift)),
        settings,
        f"worker-{os.getpid()}",
        config,
        max_batch=50,
    )
    while True:
        handled = await dispatcher.run_once()
        if handled == 0:
            with Session(engine) as session:
                counts = outbox_status(session)
            if counts["pending"] == 0 and counts["sending"] == 0:
                return
            await asyncio.sleep(0.1)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
