"""The transaction memo: repeats are free, and a lookup never returns a stale answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.models import Campaign, Deadline, DeadlineKind, Organization
from bot.services.lookups import remembered


def _campaign(session: Session) -> int:
    org = Organization(slug="bg", name="BQL các KCN tỉnh Bắc Giang", province="Bắc Giang")
    session.add(org)
    session.flush()
    assert org.id is not None
    campaign = Campaign(
        organization_id=org.id,
        template="bac-giang-kcn",
        year=2026,
        title="Phong trào thi đua năm 2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    session.add(campaign)
    session.commit()
    assert campaign.id is not None
    return campaign.id


def _deadlines(session: Session, campaign_id: int) -> list[Deadline]:
    return remembered(
        session,
        (Deadline,),
        ("deadlines", campaign_id),
        lambda: list(session.exec(select(Deadline).where(Deadline.campaign_id == campaign_id))),
    )


@contextmanager
def _count(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_repeats_are_free_and_additions_are_seen(engine: Engine) -> None:
    with Session(engine) as session:
        campaign_id = _campaign(session)
        assert _deadlines(session, campaign_id) == []
        with _count(engine) as seen:
            assert _deadlines(session, campaign_id) == []
        assert seen == []  # remembered
        due = Deadline(
            campaign_id=campaign_id, kind=DeadlineKind.LAUNCH_DOCUMENT, due_on=date(2026, 1, 31)
        )
        session.add(due)  # pending: the lookup must not answer from the memo
        assert [d.kind for d in _deadlines(session, campaign_id)] == [DeadlineKind.LAUNCH_DOCUMENT]
        session.delete(due)
        session.flush()
        assert _deadlines(session, campaign_id) == []


def test_a_savepoint_rollback_and_a_bulk_update_forget(engine: Engine) -> None:
    with Session(engine) as session:
        campaign_id = _campaign(session)
        assert _deadlines(session, campaign_id) == []
        nested = session.begin_nested()
        session.add(
            Deadline(
                campaign_id=campaign_id, kind=DeadlineKind.YEAR_END_REPORT, due_on=date(2026, 12, 5)
            )
        )
        assert len(_deadlines(session, campaign_id)) == 1
        nested.rollback()
        assert _deadlines(session, campaign_id) == []
        session.add(
            Deadline(
                campaign_id=campaign_id, kind=DeadlineKind.YEAR_END_REPORT, due_on=date(2026, 12, 5)
            )
        )
        session.commit()
        assert len(_deadlines(session, campaign_id)) == 1
        session.execute(
            update(Deadline)
            .where(col(Deadline.campaign_id) == campaign_id)
            .values(campaign_id=campaign_id)
        )
        with _count(engine) as seen:
            assert len(_deadlines(session, campaign_id)) == 1
        assert any("FROM deadline" in s for s in seen)  # asked again after the bulk UPDATE


def test_the_memo_does_not_outlive_the_transaction(engine: Engine) -> None:
    with Session(engine) as session:
        campaign_id = _campaign(session)
        assert _deadlines(session, campaign_id) == []
        session.commit()
    with Session(engine) as other:
        other.add(
            Deadline(
                campaign_id=campaign_id, kind=DeadlineKind.LAUNCH_DOCUMENT, due_on=date(2026, 1, 31)
            )
        )
        other.commit()
    with Session(engine) as session:
        assert len(_deadlines(session, campaign_id)) == 1
