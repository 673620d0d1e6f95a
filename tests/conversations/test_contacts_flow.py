"""/contacts: staff correct one enterprise's e-mail, phone and emulation contact in the chat,
every value checked, nothing saved on a bad one, the e-mail contact kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import AuditEntry, Channel, Contact, Enterprise
from tests.conversations.staff_world import LEADER, STAFF, StaffWorld, build_staff_world


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


async def test_staff_edit_contacts_in_vietnamese(world: StaffWorld) -> None:
    chat = await world.chat(STAFF)
    with world.session() as s:
        enterprise = s.get(Enterprise, world.enterprise_ids[0])
        assert enterprise is not None
        code = enterprise.tax_code
    out = await chat.say(f"/contacts {code}")
    assert "Công ty Sao Mai" in out and "e-mail cán bộ phụ trách thi đua: -" in out
    assert "Anh/chị muốn sửa mục nào?" in out

    await chat.press("ctc:f:contact_phone")
    out = await chat.say("0912 34")
    assert "không phải số điện thoại Việt Nam hợp lệ" in out
    out = await chat.say("0912.345.678")
    assert "điện thoại cán bộ phụ trách thi đua: 0912 345 678" in out

    await chat.press("ctc:f:contact_email")
    out = await chat.say("hoa@saomai")
    assert "không phải địa chỉ e-mail hợp lệ" in out
    out = await chat.say("Hoa@SaoMai.vn")
    assert "e-mail cán bộ phụ trách thi đua: Hoa@saomai.vn" in out
    out = await chat.press("ctc:done")
    assert "Đã lưu thông tin liên hệ của Công ty Sao Mai" in out

    with world.session() as s:
        enterprise = s.get(Enterprise, world.enterprise_ids[0])
        assert enterprise is not None
        assert (enterprise.contact_phone, enterprise.contact_email) == (
            "+84912345678",
            "Hoa@saomai.vn",
        )
        mail = s.exec(select(Contact).where(Contact.channel == Channel.EMAIL)).one()
        assert (mail.chat_id, mail.enterprise_id) == ("Hoa@saomai.vn", world.enterprise_ids[0])
        audits = s.exec(select(AuditEntry).where(AuditEntry.action == "enterprise.contacts")).all()
        assert [a.actor for a in audits] == [f"telegram:{STAFF}"] * 2

    # Clearing with "-".
    await chat.say(f"/contacts {code}")
    await chat.press("ctc:f:contact_phone")
    out = await chat.say("-")
    assert "điện thoại cán bộ phụ trách thi đua: -" in out


async def test_cluster_leader_cannot_edit_another_cluster(world: StaffWorld) -> None:
    chat = await world.chat(LEADER)
    with world.session() as s:
        other = s.get(Enterprise, world.enterprise_ids[0])  # cluster 1; he leads cluster 2
        assert other is not None
    out = await chat.say(f"/contacts {other.tax_code}")
    assert "Không doanh nghiệp nào trong phạm vi" in out and other.tax_code in out, out
    assert world.count(AuditEntry, AuditEntry.action == "enterprise.contacts") == 0
