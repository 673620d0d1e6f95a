"""The console channel: one line in, the bot's answers out.

It lets a newcomer try every flow without a chat platform, and lets tests drive the bot
through a pipe (`printf '/start\\n...' | thidua run --console`); the loop ends at end of
input. Choices are printed as numbered lines (answer with the number, as on Zalo). A line
`/file path/to/report.pdf` sends a local file, so the flows that need a file work here too.
"""

from __future__ import annotations

import asyncio
import mimetypes
import shutil
import sys
import threading
import uuid
from pathlib import Path
from typing import TextIO

from bot.i18n import Translator
from bot.messaging import Incoming, IncomingFile, Reply, coalesced, numbered
from bot.models import Channel
from conversations.engine import Engine

FILE_COMMAND = "/file"


class LocalFileFetcher:
    """'Downloads' a console file: the file id is a local path, copied to the destination."""

    async def fetch(self, file: IncomingFile, destination: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, file.file_id, destination)


def render(reply: Reply) -> str:
    """A reply as console text: the message, numbered choices, and any attached file."""
    text = numbered(reply.text, reply.choices)
    for attached in (reply.document, reply.photo):
        if attached is not None:
            text += f"\n[{attached}]"
    return text


class ConsoleSender:
    """The Sender of the console: the outbox 'sends' to the person at the terminal, so the
    office's notices, broadcasts and reminders really arrive there (headed as a message
    from the bot, apart from the answers to what was typed)."""

    def __init__(self, out: TextIO | None = None, heading: str = "") -> None:
        self.out = out or sys.stdout
        self.heading = heading

    async def send(self, chat_id: str, reply: Reply) -> None:
        head = f"{self.heading}\n" if self.heading else ""
        self.out.write(head + render(reply) + "\n\n")
        self.out.flush()


class ConsoleChannel:
    """Reads lines from `stdin`, hands each to the engine as `user_id`, prints the replies."""

    def __init__(
        self,
        engine: Engine,
        *,
        user_id: str,
        display_name: str = "",
        language: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.engine = engine
        self.user_id = user_id
        self.display_name = display_name
        self.t = Translator(language or engine.settings.locale)
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.fetcher = LocalFileFetcher()
        self._run_id = uuid.uuid4().hex[:12]
        self._count = 0

    def incoming(self, line: str) -> Incoming | str:
        """The Incoming for a typed line, or (for an unusable /file line) what to print."""
        self._count += 1
        key = f"{self._run_id}:{self._count}"
        head, _, rest = line.partition(" ")
        if head.lower() != FILE_COMMAND:
            return self._make(key, text=line)
        raw = rest.strip().strip("\"'")
        if not raw:
            return self.t("Write the path after /file, for example: /file bao-cao.pdf")
        path = Path(raw).expanduser()
        if not path.is_file():
            return self.t("There is no file at {path}.", path=raw)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        file = IncomingFile(
            file_id=str(path.resolve()),
            file_name=path.name,
            mime_type=mime,
            size=path.stat().st_size,
            is_photo=mime.startswith("image/"),
        )
        return self._make(key, file=file)

    def _make(
        self, key: str, text: str | None = None, file: IncomingFile | None = None
    ) -> Incoming:
        return Incoming(
            channel=Channel.CONSOLE,
            user_id=self.user_id,
            chat_id=self.user_id,
            update_key=key,
            display_name=self.display_name,
            text=text,
            file=file,
        )

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def handle_line(self, line: str) -> list[Reply]:
        """Send one typed line to the bot and print its answers, as the chat channels group
        them (a plain text joined above the question after it); returns what was printed."""
        incoming = self.incoming(line)
        if isinstance(incoming, str):
            self._write(incoming + "\n")
            return []
        replies = coalesced(await self.engine.handle(incoming, self.fetcher), lambda _: True)
        for reply in replies:
            self._write(render(reply) + "\n")
        return replies

    def _reader(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
        """Feed stdin lines to the loop; a daemon thread, so Ctrl-C never waits for a line."""
        try:
            for line in iter(self.stdin.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    async def run(self) -> None:
        """Until end of input: read a line, print the bot's answers."""
        interactive = self.stdin.isatty()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        reader = threading.Thread(
            target=self._reader, args=(asyncio.get_running_loop(), queue), daemon=True
        )
        reader.start()
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await queue.get()
            if line is None:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                self._write(f"> {line}")
            await self.handle_line(line)
