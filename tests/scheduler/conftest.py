"""Fixtures for the scheduler: settings on the test database and outbox helpers."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import Channel, Contact, DeliveryKind, Role
from bot.settings import Settings, load_settings
from scheduler.clock import FakeClock
from scheduler.outbox import OutboxItem, enqueue_many

TZ_OFFSET = "+07:00"
# Monday 06/01/2025, 10:00 local: a working day inside sending hours.
WORKDAY_10AM = datetime.fromisoformat(f"2025-01-06T10:00:00{TZ_OFFSET}")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings(database_url=db_url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WORKDAY_10AM)


def make_contacts(
    engine: Engine, n: int, channel: Channel = Channel.TELEGRAM, prefix: str = "c"
) -> list[int]:
    """`n` officers without an enterprise, inserted in one statement; returns their ids."""
    rows = [
        {
            "channel": channel.value,
            "user_id": f"{prefix}{i}",
            "chat_id": f"{prefix}{i}",
            "display_name": f"Người {i}",
            "language": "vi",
            "role": Role.OFFICER.value,
            "reachable": True,
            "created_at": WORKDAY_10AM,
        }
        for i in range(n)
    ]
    with Session(engine) as session:
        session.execute(insert(Contact), rows)
        session.commit()
        ids = [
            c.id
            for c in session.exec(select(Contact).where(col(Contact.user_id).startswith(prefix)))
            if c.id is not None
        ]
    return sorted(ids)


def fill_outbox(
    engine: Engine,
    contact_ids: list[int],
    per_contact: int = 1,
    not_before: datetime | None = None,
    tag: str = "msg",
) -> list[str]:
    """One message per (contact, k); the text is unique and returned."""
    items = [
        OutboxItem(
            kind=DeliveryKind.BROADCAST,
            contact_id=cid,
            text=f"{tag}-{cid}-{k}",
            dedupe_key=f"test:{tag}:{cid}:{k}",
            not_before=not_before or WORKDAY_10AM,
        )
        for k in range(per_contact)
        for cid in contact_ids
    ]
    with Session(engine) as session:
        enqueue_many(session, items)
        session.commit()
    return [item.text for item in items]
