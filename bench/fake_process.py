"""The benchmarks' fake Telegram Bot API (`bench.fake_api`), run in a process of its own.

Why another process: the fake is a Python HTTP server. Inside the benchmarked process it would
compete for the interpreter lock with the bot it serves and make every figure depend on the
fake's own cost; the real Telegram is another machine. Here it answers from a child process
(`python -m bench.fake_process`, which connects back over loopback with a one-time key) and
the benchmark steers it through that connection: queue updates, set the rate limit, and read
back what was sent (counts, send times, 429s) to check the bot against the server's records.
"""

from __future__ import annotations

import contextlib
import multiprocessing.connection
import os
import secrets
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

SEND_OK = 200


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """The child: uvicorn serving FakeBotApi on the main thread, the pipe on another."""
    import asyncio
    import socket
    import threading

    import uvicorn

    from bench.fake_api import FakeBotApi

    api = FakeBotApi()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        api, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=60
    )
    server = uvicorn.Server(config)

    def control() -> None:
        conn.send((f"http://{host}:{port}", api.token))
        try:
            while True:
                op, args = conn.recv()
                if op == "stop":
                    break
                try:
                    conn.send((True, _apply(api, op, args)))
                except Exception as exc:  # reported to the benchmark, which raises it
                    conn.send((False, f"{type(exc).__name__}: {exc}"))
        except (EOFError, OSError):
            pass
        finally:
            server.should_exit = True
            conn.close()

    async def main() -> None:
        api.bind(asyncio.get_running_loop())
        threading.Thread(target=control, daemon=True).start()
        await server.serve(sockets=[sock])

    asyncio.run(main())


def _apply(api: Any, op: str, args: tuple[Any, ...]) -> Any:
    if op == "push_script":
        return api.push(args[0])
    if op == "configure":
        for name, value in args[0].items():
            setattr(api, name, value)
        return None
    if op == "reset":
        api.reset()
        return None
    with api.lock:
        sends = list(api.sends)
        if op == "rate_limited_count":
            return api.rate_limited_count
        if op == "method_counts":
            return dict(api.method_counts)
    if op == "sent_count":
        return len(sends)
    if op == "sent_times":
        return [at for _chat, _text, at in sends]
    if op == "deliveries":
        return dict(Counter((chat, text) for chat, text, _at in sends))
    if op == "texts_containing":
        needles: list[str] = args[0]
        return {n: sum(1 for _c, text, _a in sends if n in text) for n in needles}
    if op == "pending_updates":
        return api.pending_updates()
    raise ValueError(f"unknown operation {op!r}")


def _accept(
    listener: multiprocessing.connection.Listener, process: subprocess.Popen[bytes], timeout: float
) -> multiprocessing.connection.Connection:
    import threading

    result: list[multiprocessing.connection.Connection] = []
    thread = threading.Thread(target=lambda: result.append(listener.accept()), daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        process.kill()
        process.wait(timeout=5)
        raise RuntimeError("the fake Telegram server process did not connect back")
    return result[0]


class RemoteFakeTelegram:
    """A handle on the fake Bot API running in a child process (see the module docstring)."""

    def __init__(self) -> None:
        self.base_url = ""
        self.token = ""
        self._conn: multiprocessing.connection.Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RemoteFakeTelegram:
        """Start the child (`python -m bench.fake_process`), which connects back over
        loopback with a one-time key, then says where the fake listens."""
        authkey = secrets.token_bytes(16)
        with multiprocessing.connection.Listener(("127.0.0.1", 0), authkey=authkey) as listener:
            host, port = listener.address
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
                ),
                "BENCH_FAKE_KEY": authkey.hex(),
            }
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bench.fake_process", host, str(port)], cwd=REPO, env=env
            )
            # accept() has no timeout: the child either connects or dies, and a dead child
            # is noticed by the poll below only after accept returns, so wait on a thread.
            conn = _accept(listener, self._process, timeout=60)
        if not conn.poll(60):
            raise RuntimeError("the fake Telegram server did not start within 60 s")
        self.base_url, self.token = conn.recv()
        self._conn = conn
        return self

    def call(self, op: str, *args: Any) -> Any:
        assert self._conn is not None, "start() the fake first"
        self._conn.send((op, args))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"fake Telegram server: {value}")
        return value

    def stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(("stop", ()))
            self._conn.close()
            self._conn = None
        if self._process is not None:
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None

    def __enter__(self) -> RemoteFakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    authkey = bytes.fromhex(os.environ["BENCH_FAKE_KEY"])
    _serve(multiprocessing.connection.Client((host, port), authkey=authkey))


if __name__ == "__main__":
    main()
