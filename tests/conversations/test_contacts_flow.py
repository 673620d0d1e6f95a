"""/contacts: staff correct one enterprise's e-mail, phone and emulation contact in the chat,
every value checked, nothing saved on a bad one, the e-mail contact kept in step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import AuditEntry, Channel, Contact, Enterprise
from bot.services import audit
from tests.conversations.staff_world import LEADER, STAFF, StaffWorld, build_staff_world
from tests.sheets import active


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
        # a staff member's edit in the chat names him, so the board's audit list shows it
        shown = audit.board_entries(
            s, world.org_id, limit=10, search=audit.LogSearch(action="enterprise.contacts")
        )
        assert len(shown) == 2

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


async def test_invite_all_not_linked_returns_the_sheet_and_the_letters(world: StaffWorld) -> None:
    import zipfile

    from openpyxl import load_workbook

    from bot.models import InviteCode

    world.settings.telegram_bot_username = "ThiDuaBacGiangBot"
    with world.session() as s:
        # Quang Châu's officer blocked the bot: it counts as not linked.
        quang_chau = s.get(Enterprise, world.enterprise_ids[3])
        assert quang_chau is not None
    chat = await world.chat(STAFF)
    out = await chat.say("/invite")
    assert "“tất cả”, “chưa liên kết”" in out
    assert chat.choice_keys()[-1] == "inv:bulk:unlinked"
    assert chat.last[0].choices[-1].label == "Tất cả doanh nghiệp chưa liên kết"
    out = await chat.press("inv:bulk:unlinked")
    assert "Đã cấp 1 mã mời (thu hồi 0 mã cũ chưa dùng); 0 thư mời" in out
    sheet, letters = (r.document for r in chat.last[1:])
    assert sheet is not None and letters is not None
    rows = list(active(load_workbook(sheet)).iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Công ty Quang Châu"]
    assert str(rows[1][11]).startswith("https://t.me/ThiDuaBacGiangBot?start=")
    with zipfile.ZipFile(letters) as z:
        assert len(z.namelist()) == 1 and quang_chau.tax_code in z.namelist()[0]

    out = await chat.say("/invite tất cả")
    assert "Đã cấp 4 mã mời (thu hồi 1 mã cũ chưa dùng)" in out
    assert world.count(InviteCode) == 5
    with world.session() as s:
        shown = audit.board_entries(
            s, world.org_id, limit=20, search=audit.LogSearch(action="invite.")
        )
        assert [e.action for e in shown].count("invite.bulk") == 2


async def test_cluster_leader_invites_his_cluster_only(world: StaffWorld) -> None:
    chat = await world.chat(LEADER)
    out = await chat.say("/invite cụm Cụm thi đua số 1")
    assert "Anh/chị chỉ được xem và thao tác trên cụm thi đua của mình." in out, out
    out = await chat.say("/invite all")
    assert "Đã cấp 2 mã mời" in out, out
