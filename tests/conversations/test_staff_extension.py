"""The board extends a locked item for one enterprise from /missing and from /review; the
officer is told at once and a late submission shows as "nộp muộn" in the review."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import (
    AuditEntry,
    DeadlineExtension,
    DeadlineKind,
    DeliveryKind,
    Submission,
)
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.sheets import HEADER_ROW
from conversations.flows import _extension
from tests.conversations.staff_world import (
    LEADER,
    NOW,
    STAFF,
    QueuedMessage,
    StaffWorld,
    build_staff_world,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

FEBRUARY = datetime(2026, 2, 3, 3, 0, tzinfo=UTC)  # after the launch document's 31/01


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


def _notices(world: StaffWorld, kind: DeliveryKind = DeliveryKind.EXTENSION) -> list[QueuedMessage]:
    return [d for d in world.deliveries() if d.kind == kind]


async def test_missing_extends_one_enterprise_and_tells_its_officer(world: StaffWorld) -> None:
    world.clock.now = FEBRUARY
    chat = await world.chat(STAFF)
    out = await chat.say("/missing launch")
    assert "Gia hạn cho một doanh nghiệp" in [c.label for r in chat.last for c in r.choices]
    out = await chat.press(_extension.EXTEND)
    assert "Doanh nghiệp nào" in out
    out = await chat.say("0000000000")
    assert "Không có doanh nghiệp nào" in out
    out = await chat.press(f"{_extension.PICK}{world.enterprise_ids[0]}")
    assert "Công ty Sao Mai" in out and "31/01/2026" in out
    for bad in ("mai", "31/01/2026", "01/02/2026"):
        out = await chat.say(bad)
        assert "dd/mm/yyyy" in out or "sau hạn nộp" in out or "đã qua" in out, (bad, out)
    out = await chat.say("13/02/2026")
    assert "Đã gia hạn" in out and "13/02/2026" in out and "1 cán bộ" in out
    [notice] = _notices(world)
    assert notice.contact_id == world.officer_ids[0]
    assert "13/02/2026" in notice.text and "/launch" in notice.text
    with world.session() as s:
        [extension] = s.exec(select(DeadlineExtension)).all()
        assert extension.until == date(2026, 2, 13)
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "deadline.extend")).all()
        assert entry.after is not None and entry.after["until"] == "2026-02-13"
    # the officer's /status shows it, and the item is open again for that enterprise only
    officer = world.officer_chat(0)
    out = await officer.say("/status")
    assert "gia hạn cho đơn vị đến ngày 13/02/2026" in out, out
    out = await officer.say("/launch")
    assert "13/02/2026" in out and "đã khóa" not in out, out
    other = world.officer_chat(2)
    out = await other.say("/launch")
    assert "đã khóa" in out


async def test_a_cluster_leader_cannot_extend(world: StaffWorld) -> None:
    world.clock.now = FEBRUARY
    chat = await world.chat(LEADER)
    await chat.say("/missing launch")
    assert _extension.EXTEND not in chat.choice_keys()


async def test_review_shows_late_and_can_extend(world: StaffWorld, tmp_path: Path) -> None:
    submission_id = world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    with world.session() as s:
        sub = s.get(Submission, submission_id)
        assert sub is not None
        sub.late = True  # as if accepted after 15/04
        s.add(sub)
        s.commit()
    chat = await world.chat(STAFF)
    out = await chat.say("/review")
    assert "Nộp muộn (hạn nộp 15/04/2026)" in out, out
    assert _extension.EXTEND in chat.choice_keys()
    out = await chat.press(_extension.EXTEND)
    assert "đến ngày nào" in out
    out = await chat.say("30/04/2026")
    assert "Đã gia hạn" in out
    with world.session() as s:
        kept = s.get(Submission, submission_id)
        assert kept is not None and kept.status == "submitted"
        registration = next(
            i
            for i in subs.item_statuses(
                s, world.campaign_id, world.enterprise_ids[0], subs.local_date(NOW, TZ)
            )
            if i.kind == DeadlineKind.TITLE_REGISTRATION
        )
        assert registration.extended_until == date(2026, 4, 30) and registration.late
    [notice] = _notices(world)
    assert "30/04/2026" in notice.text


async def test_a_late_submission_is_marked_in_progress_export_and_digest(
    world: StaffWorld, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from bot.models import Deadline, LatePolicy
    from conversations.flows import export as ex
    from scheduler.planner import preview_day

    with world.session() as s:
        deadline = s.exec(
            select(Deadline).where(Deadline.kind == DeadlineKind.TITLE_REGISTRATION)
        ).one()
        deadline.late_policy = LatePolicy.ACCEPT_LATE
        s.add(deadline)
        s.commit()
    late_at = datetime(2026, 4, 20, 3, 0, tzinfo=UTC)  # Monday after the 15/04 due date
    world.clock.now = late_at
    sid = world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    with world.session() as s:
        sub = s.get(Submission, sid)
        assert sub is not None and not sub.late  # world.submit sends at 10/03: in time
        subs.reopen(s, sub, Act(late_at, TZ))
        subs.submit(s, sub, Act(late_at, TZ))
        assert sub.late
        s.commit()
    chat = await world.chat(STAFF)
    await chat.say("/progress")
    assert "trong đó 1 nộp muộn" in chat.last[0].text, chat.last[0].text
    await chat.say("/export")
    await chat.press(ex.REGISTRATIONS)
    rows = list(load_workbook(chat.last[0].document).active.iter_rows(values_only=True))
    assert all("nộp muộn" in str(row) for row in rows[HEADER_ROW:]), rows
    with world.session() as s:
        digest = [
            m.text
            for m in preview_day(s, date(2026, 4, 20), world.settings)
            if m.kind == DeliveryKind.DIGEST
        ]
    # the board's digest says so (the cluster leader's covers the other cluster)
    assert any("Trong đó 1 nộp muộn" in text for text in digest), digest
