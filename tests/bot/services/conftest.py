"""Fixtures the service tests share: a session on the test database (both engines) and the
board it belongs to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.models import Organization


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def org(session: Session) -> Organization:
    """The Bắc Giang industrial-zone board, committed."""
    org = Organization(slug="bac-giang", name="BQL các KCN Bắc Giang", province="Bắc Giang")
    session.add(org)
    session.commit()
    return org
