"""/reach and `thidua reach`: linked / e-mail only / unreachable per zone and cluster, whom to
phone, and the re-invite button — on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine

from bot.models import Enterprise, InviteCode
from bot.services.acts import Act
from bot.services.enterprise_contacts import update_details
from bot.settings import get_settings
from tests.conversations.staff_world import LEADER, NOW, STAFF, TZ, StaffWorld, build_staff_world


@pytest.fixture
def world(
    engine: SAEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StaffWorld]:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "td@bql.vn")
    get_settings.cache_clear()
    built = build_staff_world(engine, tmp_path / "files")
    built.settings.smtp_host = "127.0.0.1"
    yield built
    get_settings.cache_clear()


async def test_reach_lists_whom_to_phone_and_reinvites(world: StaffWorld) -> None:
    with world.session() as s:
        quang_chau = s.get(Enterprise, world.enterprise_ids[3])  # its officer blocked the bot
        assert quang_chau is not None
        update_details(s, quang_chau, {"contact_name": "Phạm Thu", "contact_phone": "0912345678",
                                       "email": "qc@quangchau.vn"}, Act(NOW, TZ))  # fmt: skip
        s.commit()
    chat = await world.chat(STAFF)
    out = await chat.say("/reach")
    assert "3 đã liên kết trò chuyện · 1 chỉ liên lạc được qua e-mail · 0 chưa liên lạc được" in out
    assert "Theo khu công nghiệp:" in out and "Theo cụm thi đua:" in out
    assert "• KCN Đình Trám: 1 trò chuyện · 1 chỉ e-mail · 0 chưa liên lạc được" in out
    assert chat.choice_keys() == ["rch:reinvite", "rch:done"]
    assert chat.last[0].choices[0].label == "Mời lại 1 doanh nghiệp chưa liên kết"

    with world.session() as s:
        quang_chau = s.get(Enterprise, world.enterprise_ids[3])
        assert quang_chau is not None
        update_details(s, quang_chau, {"email": ""}, Act(NOW, TZ))
        s.commit()
    out = await chat.say("/reach")
    assert "Cần gọi điện" in out
    assert "1. Công ty Quang Châu (" in out and "Phạm Thu: 0912 345 678" in out
    out = await chat.press("rch:reinvite")
    assert "Đã cấp 1 mã mời" in out and world.count(InviteCode) == 1


async def test_leader_sees_his_cluster(world: StaffWorld) -> None:
    chat = await world.chat(LEADER)
    out = await chat.say("/reach")
    # Cluster 2: Vân Trung (linked) and Quang Châu (blocked, no e-mail).
    assert "Khả năng liên lạc với doanh nghiệp (2):" in out
    assert "1 đã liên kết trò chuyện · 0 chỉ liên lạc được qua e-mail · 1 chưa liên lạc được" in out
    assert "Sao Mai" not in out
    assert await chat.press("rch:done") == "Đã đóng."
