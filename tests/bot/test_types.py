"""Every timestamp is aware, on SQLite (which has no zone-aware type) and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.models import Organization


def test_timestamps_round_trip_aware(engine: Engine) -> None:
    local = datetime(2024, 12, 5, 17, 30, tzinfo=timezone(timedelta(hours=7)))
    with Session(engine) as session:
        org = Organization(slug="bg", name="BQL", province="Bắc Giang", created_at=local)
        session.add(org)
        session.commit()
        org_id = org.id
    with Session(engine) as session:
        loaded = session.get(Organization, org_id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at == local
        assert loaded.created_at.astimezone(UTC).hour == 10


def test_naive_timestamp_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Organization(slug="x", name="x", province="x", created_at=datetime(2024, 1, 1)))
        with pytest.raises(Exception, match="naive"):
            session.commit()
