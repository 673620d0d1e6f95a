"""Fixtures for the scheduler: settings on the test database and outbox helpers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import Broadcast, Channel, Contact, Delivery, Organization, Role
from bot.notifications.facts import Gone
from bot.notifications.kinds import BroadcastMessage
from bot.notifications.outbox import enqueue
from bot.notifications.render import render_deliveries
from bot.settings import Settings, load_settings
from scheduler.clock import FakeClock
from scheduler.planner import PlanResult, expand_all, plan_day, sending_start_utc

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


def _test_board(session: Session) -> int:
    found = session.exec(select(Organization).where(Organization.slug == "outbox-tests")).first()
    if found is None:
        found = Organization(slug="outbox-tests", name="Ban quản lý thử", province="Bắc Giang")
        session.add(found)
        session.flush()
    assert found.id is not None
    return found.id


def fill_outbox(
    engine: Engine,
    contact_ids: list[int],
    per_contact: int = 1,
    not_before: datetime | None = None,
    tag: str = "msg",
) -> list[str]:
    """One broadcast per (contact, k), enqueued to that contact; the text is unique and
    returned (texts live on the Broadcast row and are rendered when sent)."""
    wanted = [(cid, k) for k in range(per_contact) for cid in contact_ids]
    with Session(engine) as session:
        board = _test_board(session)
        made = WORKDAY_10AM
        if not wanted:
            session.commit()
            return []
        session.execute(
            insert(Broadcast),
            [
                {
                    "organization_id": board,
                    "text": f"{tag}-{cid}-{k}",
                    "audience": {"kind": "all"},
                    "created_at": made,
                }
                for cid, k in wanted
            ],
        )
        by_text = dict(
            session.execute(
                select(col(Broadcast.text), col(Broadcast.id)).where(
                    col(Broadcast.text).startswith(f"{tag}-")
                )
            ).all()
        )
        for cid, k in wanted:
            enqueue(
                session,
                BroadcastMessage(by_text[f"{tag}-{cid}-{k}"]),
                [cid],
                not_before=not_before or WORKDAY_10AM,
                now=WORKDAY_10AM,
            )
        session.commit()
    return [f"{tag}-{cid}-{k}" for cid, k in wanted]


def delivery_texts(engine: Engine) -> dict[int, str]:
    """Each delivery's text as it would be sent now (rendered like the dispatcher does)."""
    with Session(engine) as session:
        rows = list(session.exec(select(Delivery).order_by(col(Delivery.id))))
        rendered = render_deliveries(session, rows)
    return {
        row.id: r.text
        for row, r in zip(rows, rendered, strict=True)
        if row.id and not isinstance(r, Gone)
    }


def plan_and_expand(session: Session, on: date, settings: Settings) -> PlanResult:
    """`plan_day`, then every fan-out of the day expanded into its deliveries at once, as the
    dispatcher would over the day: for tests about the per-contact rows a plan leads to."""
    result = plan_day(session, on, settings, now=sending_start_utc(on, settings))
    expand_all(session, sending_start_utc(on, settings), email=settings.sends_email)
    return result
