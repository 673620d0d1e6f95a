"""A web server process for the hostile-load tests: `bot.server`'s own web start-up (the
guarded protocol, the rate-limited and redacting log filters) with a lowered file limit.

Usage: python -m tests.channels.web_server_process DATABASE_URL LOG_FILE NOFILE HEADER_TIMEOUT
Prints the port it listens on, then serves until killed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import sys
from contextlib import AsyncExitStack
from typing import Any

from bot.server import _bind, _start_web, redacted_logging
from bot.settings import load_settings
from bot.web import create_app


async def main(database_url: str, log_file: str, nofile: int, header_timeout: float) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    logging.basicConfig(
        filename=log_file,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = load_settings(
        database_url=database_url,
        web_host="127.0.0.1",
        web_port=0,
        web_header_timeout=header_timeout,
        web_body_timeout=header_timeout,
    )
    with redacted_logging(settings):
        sock = _bind(settings.web_host, settings.web_port)
        async with AsyncExitStack() as stack:
            stack.callback(sock.close)
            tasks: dict[str, asyncio.Task[Any]] = {}
            await _start_web(stack, settings, create_app(settings), sock, tasks)
            print(sock.getsockname()[1], flush=True)
            await asyncio.Event().wait()


if __name__ == "__main__":
    url, log_path, limit, timeout = sys.argv[1:5]
    asyncio.run(main(url, log_path, int(limit), float(timeout)))
