"""A dispatcher killed with SIGKILL mid-run and restarted: nothing is lost, and only the
messages in flight at the moment of the kill (claimed, not yet recorded) can go out twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import Delivery, DeliveryStatus
from tests.scheduler.conftest import WORKDAY_10AM, delivery_texts, fill_outbox, make_contacts

ROOT = Path(__file__).resolve().parents[2]
BATCH = 50  # the worker's max_batch


def _worker(db_url: str, log: Path, shift: float, claim_timeout: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scheduler.dispatch_worker",
            db_url,
            str(log),
            str(shift),
            str(claim_timeout),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_sigkill_mid_run_loses_nothing(engine: Engine, db_url: str, tmp_path: Path) -> None:
    ids = make_contacts(engine, 600)
    texts = fill_outbox(engine, ids)
    log = tmp_path / "sent.log"
    shift = (WORKDAY_10AM - datetime.now(UTC)).total_seconds()

    first = _worker(db_url, log, shift, claim_timeout=1.0)
    deadline = time.monotonic() + 30
    while len(_lines(log)) < 150:
        assert first.poll() is None, "the worker finished before it could be killed"
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert first.returncode == -signal.SIGKILL

    with Session(engine) as session:
        rows = session.exec(select(Delivery)).all()
    text_of = delivery_texts(engine)
    in_flight = {text_of[r.id or 0] for r in rows if r.status == DeliveryStatus.SENDING}
    sent_before = {text_of[r.id or 0] for r in rows if r.status == DeliveryStatus.SENT}
    assert len(in_flight) <= BATCH  # at most one batch was claimed and unrecorded
    assert len(sent_before) < len(texts)

    second = _worker(db_url, log, shift, claim_timeout=1.0)
    assert second.wait(60) == 0

    counts = Counter(_lines(log))
    assert set(counts) == set(texts)  # nothing lost
    doubled = {text for text, n in counts.items() if n > 1}
    assert doubled <= in_flight  # only what was in flight at the kill
    assert all(n <= 2 for n in counts.values())
    with Session(engine) as session:
        statuses = Counter(r.status for r in session.exec(select(Delivery)).all())
    assert statuses == {DeliveryStatus.SENT: 600}
