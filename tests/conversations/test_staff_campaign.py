"""/campaign end to end through the Engine: create from a template with a preview, launch
through the outbox once per officer, refusals for officers and cluster leaders."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import Campaign, Deadline, DeliveryKind, Observance
from conversations.flows import campaign as flow
from tests.conversations.staff_world import (
    ADMIN,
    LEADER,
    OFFICER,
    STAFF,
    StaffWorld,
    build_staff_world,
)


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


async def test_create_preview_and_launch_in_vietnamese(world: StaffWorld) -> None:
    chat = await world.chat(STAFF)
    out = await chat.say("/campaign")
    assert "Phong trào thi đua năm 2026" in out and "chưa phát động" in out
    await chat.press(flow.NEW)
    await chat.press(f"{flow.TEMPLATE}bac-giang-kcn")
    assert f"{flow.YEAR}2027" in chat.choice_keys()
    out = await chat.say("2026")  # this year's campaign of this template exists
    assert "Ban đã có phong trào này cho năm 2026 (số 1)" in out
    assert world.count(Campaign) == 1
    out = await chat.say("20x7")
    assert "2026" in out  # the example year
    out = await chat.press(f"{flow.YEAR}2027")
    # Preview: phases, deadlines with remind_by, observances with anniversaries.
    assert "Đợt thi đua thứ nhất: 01/01/2027 – 30/06/2027" in out
    assert "31/01/2027" in out and "15/04/2027" in out and "05/12/2027" in out
    assert "97 năm" in out and "★" in out  # 1930 -> 2027; 70 years of Điện Biên Phủ... in 2024
    assert world.count(Campaign) == 1  # nothing written before Create
    out = await chat.press(flow.CREATE)
    assert "Đã tạo phong trào số 2" in out and "Sẽ gửi tới 3 cán bộ" in out
    with world.session() as s:
        created = s.exec(select(Campaign).where(Campaign.year == 2027)).one()
        assert s.exec(select(Deadline).where(Deadline.campaign_id == created.id)).all()
        assert s.exec(select(Observance).where(Observance.campaign_id == created.id)).all()
    assert world.audit("campaign.create")
    # Launch now: three reachable officers, one unreachable.
    out = await chat.press(flow.SEND)
    assert "3 tin đã xếp hàng" in out and "1 cán bộ không liên lạc được" in out
    launches = [d for d in world.deliveries() if d.kind == DeliveryKind.LAUNCH]
    assert len(launches) == 3
    english = [d for d in launches if d.contact_id == world.officer_ids[1]]
    assert english and "launches" in english[0].text and "/register" in english[0].text
    with world.session() as s:
        assert (
            s.exec(select(Campaign).where(Campaign.year == 2027)).one().launched_at
            == world.clock.now
        )
    assert len(world.audit("campaign.launch")) == 1
    # Launching again sends nothing twice.
    await chat.say("/campaign")
    await chat.press(f"{flow.LAUNCH}{created.id}")
    out = await chat.press(flow.SEND)
    assert len([d for d in world.deliveries() if d.kind == DeliveryKind.LAUNCH]) == 3
    assert "0 tin đã xếp hàng" in out and "3 cán bộ đã nhận trước đó" in out
    assert len(world.audit("campaign.relaunch")) == 1


async def test_launch_existing_campaign_in_english(world: StaffWorld) -> None:
    chat = await world.chat(ADMIN, "en")
    out = await chat.say("/campaign")
    assert "2026 emulation campaign (not launched yet)" in out
    out = await chat.press(f"{flow.LAUNCH}{world.campaign_id}")
    assert "The launch message" in out and "3 linked officers" in out and "1 cannot" in out
    out = await chat.press(flow.LATER)
    assert "Not launched" in out
    assert world.deliveries() == []
    await chat.say("/campaign")
    await chat.press(f"{flow.LAUNCH}{world.campaign_id}")
    out = await chat.press(flow.SEND)
    assert "Launched 2026 emulation campaign: 3 messages queued" in out
    keys = sorted(d.dedupe_key for d in world.deliveries())
    assert keys == sorted(f"launch:{world.campaign_id}:{i}" for i in world.officer_ids[:3])


async def test_officer_and_cluster_leader_cannot_run_campaigns(world: StaffWorld) -> None:
    officer = world.officer_chat(0)
    out = await officer.say("/campaign")
    assert "chỉ dành cho cán bộ" in out.lower() or "only for the board" in out
    assert world.audit("command.refused")
    leader = await world.chat(LEADER, "en")
    out = await leader.say("/campaign")
    assert "cluster leader cannot" in out
    assert world.count(Campaign) == 1 and world.deliveries() == []
    assert OFFICER  # the world's officer id constant is used by other tests
