"""/broadcast, /progress, /missing, /review, /export and /invite end to end through the
Engine (SQLite and PostgreSQL, Vietnamese and English); officers are refused every staff
command and change nothing; a cluster leader never sees another cluster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import (
    AuditEntry,
    Broadcast,
    ConversationState,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    InviteCode,
    SubmissionStatus,
)
from bot.services.sheets import HEADER_ROW
from conversations.flows import broadcast as bc
from conversations.flows import export as ex
from conversations.flows import missing as mis
from conversations.flows import review as rev
from tests import files as real
from tests.conversations.staff_world import (
    ADMIN,
    LEADER,
    STAFF,
    StaffWorld,
    build_staff_world,
)
from tests.sheets import active
from tests.values import present

PNG = b"\x89PNG\r\n\x1a\n"
STAFF_COMMANDS = (
    "campaign",
    "broadcast",
    "progress",
    "missing",
    "review",
    "export",
    "invite",
    "contacts",
    "audit",
)


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


# ------------------------------------------------------------------------- broadcast


async def test_broadcast_with_a_document_to_a_zone_then_status(
    world: StaffWorld, tmp_path: Path
) -> None:
    chat = await world.chat(STAFF)
    out = await chat.say("/broadcast")
    assert "Nhập nội dung thông báo" in out
    await chat.say("Kính gửi các doanh nghiệp: hội nghị sơ kết ngày 20/06.")
    plan = tmp_path / "ke-hoach-2026.pdf"
    real.pdf(plan)
    out = await chat.send_file(plan)
    assert "ke-hoach-2026.pdf" in out and "Gửi cho ai?" in out
    keys = chat.choice_keys()
    assert f"{bc.AUDIENCE}all" in keys and f"{bc.AUDIENCE}z{world.zone_ids[0]}" in keys
    assert f"{bc.AUDIENCE}ntitle_registration" in keys
    out = await chat.press(f"{bc.AUDIENCE}z{world.zone_ids[0]}")
    # KCN Đình Trám: Sao Mai (reachable) and Quang Châu (blocked the bot).
    assert "KCN Đình Trám" in out and "Số người nhận liên lạc được: 1" in out
    assert world.count(Broadcast) == 0
    out = await chat.press(bc.SEND)
    assert "Thông báo số 1" in out and "1 cán bộ" in out
    [delivery] = world.deliveries()
    assert delivery.kind == DeliveryKind.BROADCAST and delivery.contact_id == world.officer_ids[0]
    assert delivery.document_path
    assert Path(delivery.document_path).read_bytes() == plan.read_bytes()
    assert world.audit("broadcast.create")
    out = await chat.say("/broadcast status")
    assert "0 đã gửi · 1 đang chờ · 0 lỗi · 0 không liên lạc được" in out
    assert "hội nghị sơ kết" in out


async def test_broadcast_to_those_missing_an_item_in_english(world: StaffWorld) -> None:
    chat = await world.chat(ADMIN, "en")
    await chat.say("/broadcast")
    out = await chat.say("x" * 4097)
    assert "too long: 4.097 characters, at most 4.096" in out
    await chat.say("Please register your titles before 15/04.")
    await chat.press(bc.NO_FILE)
    out = await chat.press(f"{bc.AUDIENCE}ntitle_registration")
    assert "Recipients who can be reached: 3" in out
    out = await chat.press(bc.CHANGE)
    assert "Who should receive it?" in out
    await chat.press(f"{bc.AUDIENCE}c{world.cluster_ids[1]}")
    out = await chat.press(bc.SEND)
    assert "queued for 1 officers" in out
    assert [d.contact_id for d in world.deliveries()] == [world.officer_ids[2]]


# -------------------------------------------------------------------------- progress


async def test_progress_text_chart_and_targets(world: StaffWorld, tmp_path: Path) -> None:
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    stale = world.settings.files_dir / "charts" / "progress-1-board-old.png"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(PNG)
    os.utime(stale, (world.clock.now.timestamp() - 2 * 86400,) * 2)
    chat = await world.chat(STAFF, "en")
    await chat.say("/progress")
    assert not stale.exists()  # yesterday's charts are dropped
    text, chart, targets, reach = chat.last
    assert "3 linked by chat · 0 by e-mail only · 1 unreachable" in reach.text
    assert "1. Công ty Quang Châu (" in reach.text and "no phone number" in reach.text
    assert "Send /reach" in reach.text
    assert "Title registration (due 15/04/2026)" in text.text
    assert "0 accepted · 1 submitted · 0 returned · 3 missing of 4" in text.text
    assert "By cluster:" in text.text and "By zone:" in text.text
    assert chart.photo is not None and chart.photo.read_bytes().startswith(PNG)
    assert chart.photo.is_relative_to(world.settings.files_dir)
    with Image.open(chart.photo) as image:
        assert image.format == "PNG" and image.width >= 600
        image.verify()
    assert "Reported figures against the plan" in targets.text
    assert "Award shortlist" in targets.text
    assert world.audit("progress.view")


async def test_cluster_leader_sees_his_cluster_only(world: StaffWorld, tmp_path: Path) -> None:
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)  # cluster 1
    leader = await world.chat(LEADER, "en")
    await leader.say("/progress")
    text = leader.last[0].text
    assert "Cluster: Cụm thi đua số 2" in text and "Enterprises: 2" in text
    assert "0 submitted" in text and "Sao Mai" not in text
    out = await leader.say("/missing register")
    assert "Vân Trung" in out and "Quang Châu" in out and "Sao Mai" not in out
    assert "Hà Bắc" not in out
    out = await leader.say("/review")
    assert "No submitted item is waiting" in out  # Sao Mai's is another cluster's
    await leader.say("/export missing register")
    [reply] = leader.last
    assert reply.document is not None
    rows = list(
        active(load_workbook(reply.document)).iter_rows(min_row=HEADER_ROW, values_only=True)
    )
    assert {r[1] for r in rows[1:]} == {"Công ty Vân Trung", "Công ty Quang Châu"}
    await leader.say("/broadcast")
    await leader.say("Xin chào cụm 2")
    await leader.press(bc.NO_FILE)
    keys = leader.choice_keys()
    assert f"{bc.AUDIENCE}c{world.cluster_ids[0]}" not in keys
    await leader.press(f"{bc.AUDIENCE}all")
    await leader.press(bc.SEND)
    assert [d.contact_id for d in world.deliveries()] == [world.officer_ids[2]]
    out = await leader.say("/invite Sao Mai")
    assert "None of your enterprises" in out
    assert world.count(InviteCode) == 0


# --------------------------------------------------------------------------- missing


async def test_missing_list_and_nudge_once_a_day(world: StaffWorld) -> None:
    chat = await world.chat(STAFF)
    out = await chat.say("/missing")
    assert "Hạng mục nào?" in out
    out = await chat.press("kind:launch_document")
    assert "4 doanh nghiệp chưa nộp" in out and "không liên lạc được" in out
    out = await chat.press(mis.NUDGE)
    assert "Đã xếp hàng 3 tin nhắc" in out and "1 cán bộ không liên lạc được" in out
    reminders = world.deliveries()
    assert len(reminders) == 3 and all(d.kind == DeliveryKind.NUDGE for d in reminders)
    english = next(d for d in reminders if d.contact_id == world.officer_ids[1])
    assert "has not yet submitted the launch document" in english.text
    await chat.say("/missing launch")
    out = await chat.press(mis.NUDGE)
    assert "Đã xếp hàng 0 tin nhắc" in out and "3 cán bộ đã được nhắc hôm nay" in out
    assert len(world.deliveries()) == 3
    out = await chat.say("/missing nothing")
    assert "Vui lòng chọn một trong các hạng mục" in out


# ---------------------------------------------------------------------------- review


async def test_review_return_then_accept_with_notices(world: StaffWorld, tmp_path: Path) -> None:
    launch_id = world.submit(2, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    registration_id = world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    chat = await world.chat(STAFF, "en")
    await chat.say("/review")
    summary, document, _question = chat.last
    assert "Launch document of Công ty Vân Trung" in summary.text
    assert "Document 12/KH-CĐ of 10/01/2026" in summary.text
    assert document.document is not None and document.document.name == "kh-2.pdf"
    assert rev.ACCEPT in chat.choice_keys()
    out = await chat.press(rev.RETURN)
    assert "Type the reason" in out
    out = await chat.say("Thiếu chữ ký và con dấu.")
    assert (
        "Returned to Công ty Vân Trung; a message with the reason to 1 officers is in the outbox."
        in out
    )
    assert world.status(launch_id) == SubmissionStatus.RETURNED
    [notice] = world.deliveries()
    assert notice.kind == DeliveryKind.REVIEW_RESULT and notice.contact_id == world.officer_ids[2]
    assert "Thiếu chữ ký và con dấu." in notice.text and "/launch" in notice.text
    assert "trả lại" in notice.text  # the officer reads Vietnamese
    # The next item follows: the registration, with the shortlist against the targets.
    assert "Title registration of Công ty Sao Mai" in out and "Nguyễn Văn An" in out
    assert "Award shortlist" in out and "1 proposed (0 accepted), target 10" in out
    out = await chat.press(rev.ACCEPT)
    assert "Accepted title registration of Công ty Sao Mai" in out
    assert "No submitted item is waiting for review." in out
    assert world.status(registration_id) == SubmissionStatus.ACCEPTED
    assert len(world.audit("submission.return")) == 1
    assert len(world.audit("submission.accept")) == 1
    # The officer of Vân Trung can act on the return at once.
    officer = world.officer_chat(2)
    out = await officer.say("/status")
    assert "Thiếu chữ ký và con dấu." in out


async def test_review_skip_and_stop_in_vietnamese(world: StaffWorld, tmp_path: Path) -> None:
    first = world.submit(0, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    world.submit(1, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    chat = await world.chat(STAFF)
    out = await chat.say("/review")
    assert "Công ty Sao Mai" in out
    out = await chat.press(rev.SKIP)
    assert "Công ty Hà Bắc" in out
    out = await chat.press(rev.STOP)
    assert "Đã dừng" in out
    assert world.status(first) == SubmissionStatus.SUBMITTED and world.deliveries() == []


# ---------------------------------------------------------------------------- export


async def test_export_registrations_and_reports(world: StaffWorld, tmp_path: Path) -> None:
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    chat = await world.chat(STAFF)
    out = await chat.say("/export")
    assert "Danh sách nào?" in out
    out = await chat.press(ex.REGISTRATIONS)
    [reply] = chat.last
    assert "3 dòng" in out and reply.document is not None and reply.document.suffix == ".xlsx"
    rows = list(
        active(load_workbook(reply.document)).iter_rows(min_row=HEADER_ROW, values_only=True)
    )
    assert rows[0][:3] == ("STT", "Doanh nghiệp", "Mã số thuế")
    assert [r[4:6] for r in rows[1:]] == [
        ("Tập thể", "Phòng Kỹ thuật"),
        ("Cá nhân", "Nguyễn Văn An"),
        ("Tập thể", "Phân xưởng May 1"),
    ]
    assert rows[0][7:9] == ("Danh hiệu thi đua", "Hình thức khen thưởng")
    # each entry in the column of its kind: Tập thể lao động tiên tiến a danh hiệu thi đua,
    # Bằng khen a hình thức khen thưởng (the other column blank)
    assert [bool(r[7]) != bool(r[8]) for r in rows[1:]] == [True, True, True]
    assert [r[9] for r in rows[1:]] == [None, "Không", None]  # sáng kiến: individuals only
    assert world.audit("export.registrations")
    english = await world.chat(ADMIN, "en")
    out = await english.say("/export reports")
    assert "Year-end reports: 0 rows." in out


# ---------------------------------------------------------------------------- invite


async def test_invite_by_tax_code_name_and_choice(world: StaffWorld) -> None:
    chat = await world.chat(STAFF, "en")
    with world.session() as s:
        from bot.models import Enterprise

        code = s.get(Enterprise, world.enterprise_ids[1]).tax_code  # type: ignore[union-attr]
    out = await chat.say(f"/invite {code[:4]} {code[4:]}")
    assert "Invite code for Công ty Hà Bắc" in out and "Valid until" in out
    out = await chat.say("/invite")
    assert "Type its tax code" in out
    out = await chat.say("công ty")
    assert "Several enterprises match" in out
    out = await chat.press(f"inv:e:{world.enterprise_ids[3]}")
    assert "Invite code for Công ty Quang Châu" in out
    out = await chat.say("/invite 0100109107")
    assert world.count(InviteCode) == 2
    issued = world.audit("invite.issue")
    assert len(issued) == 2 and issued[0].actor == f"telegram:{STAFF}"


# ------------------------------------------------------------------------ refusals


async def test_officer_is_refused_every_staff_command(world: StaffWorld, tmp_path: Path) -> None:
    world.submit(0, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    officer = world.officer_chat(0)
    with world.session() as s:
        before = len(s.exec(select(AuditEntry)).all())
    for command in STAFF_COMMANDS:
        out = await officer.say(f"/{command}")
        assert f"/{command} chỉ dành cho cán bộ của Ban" in out, out
        for key in (rev.ACCEPT, bc.SEND, mis.NUDGE, ex.REGISTRATIONS):
            await officer.press(key)
    assert world.count(Delivery) == 0 and world.count(Broadcast) == 0
    assert world.count(InviteCode) == 0 and world.count(ConversationState) == 0
    with world.session() as s:
        refused = s.exec(select(AuditEntry).where(AuditEntry.action == "command.refused")).all()
        assert len(s.exec(select(AuditEntry)).all()) == before + len(STAFF_COMMANDS)
    assert len(refused) == len(STAFF_COMMANDS)
    assert world.status(1) == SubmissionStatus.SUBMITTED


async def test_review_a_report_in_vietnamese_shows_figures_and_pages(
    world: StaffWorld, tmp_path: Path
) -> None:
    report_id = world.submit(1, DeadlineKind.YEAR_END_REPORT, tmp_path)
    chat = await world.chat(STAFF)
    await chat.say("/review")
    summary, page, question = chat.last
    assert "Báo cáo tổng kết năm của Công ty Hà Bắc" in summary.text
    assert "1.200" in summary.text and "12,5%" in summary.text
    assert "Năm sáng kiến được công nhận." in summary.text
    assert page.photo is not None and page.photo.name == "bao-cao-1.png"
    assert "Duyệt báo cáo tổng kết năm này của Công ty Hà Bắc" in question.text
    out = await chat.press(rev.ACCEPT)
    assert "Đã duyệt" in out and "tin nhắn báo cho 1 cán bộ đã được xếp vào hàng gửi" in out
    assert world.status(report_id) == SubmissionStatus.ACCEPTED
    [notice] = world.deliveries()
    assert (
        notice.kind == DeliveryKind.REVIEW_RESULT and "accepted your year-end report" in notice.text
    )
    # Accepted reports count towards the plan's targets in /progress.
    await chat.say("/progress")
    assert "Giá trị sản xuất công nghiệp: 850" in chat.last[2].text


async def test_progress_missing_and_invite_in_the_other_language(world: StaffWorld) -> None:
    chat = await world.chat(STAFF)
    await chat.say("/progress")
    assert chat.last[0].text.startswith("Tiến độ") and chat.last[1].photo is not None
    out = await chat.say("/invite 0000")
    assert "10 chữ số" in out and world.count(InviteCode) == 0
    out = await chat.say("/invite Vân Trung")
    assert "Mã mời của Công ty Vân Trung" in out
    english = await world.chat(ADMIN, "en")
    out = await english.say("/missing registration")
    assert "Title registration: 4 enterprises have not submitted" in out
    assert "Nudge them now (3 officers)" in " ".join(
        c.label for r in english.last for c in r.choices
    )
    out = await english.press(mis.CLOSE)
    assert out == "Closed." and world.deliveries() == []
    assert len(world.audit("missing.view")) == 1


async def test_audit_shows_the_boards_latest_entries(world: StaffWorld, tmp_path: Path) -> None:
    world.submit(0, DeadlineKind.TITLE_REGISTRATION, tmp_path)
    chat = await world.chat(STAFF, "en")
    await chat.say("/review")
    await chat.press(rev.ACCEPT)
    out = await chat.say("/audit 3")
    lines = out.splitlines()
    assert lines[0] == "The latest 3 entries of the audit log:"
    assert lines[2] == "10:00 10/03/2026 · Cán bộ 0 · submission · submission:1"
    assert lines[3] == (
        "10:00 10/03/2026 · Nguyễn Văn A (telegram:staff-1) · submission accepted · submission:1"
    )
    out = await chat.say("/language vi")
    out = await chat.say("/audit 3")
    assert "· Cán bộ 0 · nộp hồ sơ · submission:1" in out and "submission.submit" not in out
    assert "· duyệt hồ sơ ·" in out
    out = await chat.say("/audit 500")
    assert "N từ 1 đến 50" in out
    leader = await world.chat(LEADER, "en")
    out = await leader.say("/audit")
    assert "cluster leader cannot" in out


async def test_plain_text_numbers_work_like_buttons(world: StaffWorld) -> None:
    """On Zalo and the console there are no buttons: the numbered choices are typed."""
    chat = await world.chat(STAFF)
    out = await chat.say("/missing")
    assert "2. Đăng ký danh hiệu thi đua (hạn 15/04/2026)" in "\n".join(
        f"{i}. {c.label}" for i, c in enumerate(chat.last[0].choices, start=1)
    )
    out = await chat.say("2")
    assert "Đăng ký danh hiệu thi đua: 4 doanh nghiệp chưa nộp" in out
    out = await chat.say("1")
    assert "Đã xếp hàng 3 tin nhắc" in out
    assert {d.dedupe_key.split(":")[2] for d in world.deliveries()} == {"title_registration"}


async def test_cluster_leader_reviews_his_cluster(world: StaffWorld, tmp_path: Path) -> None:
    other = world.submit(0, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)  # cluster 1, earlier
    mine = world.submit(3, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)  # cluster 2
    leader = await world.chat(LEADER, "en")
    out = await leader.say("/review")
    assert "Công ty Quang Châu" in out and "Sao Mai" not in out
    await leader.press(rev.RETURN)
    out = await leader.say("Số văn bản chưa đúng.")
    # Quang Châu's officer blocked the bot: the leader is told to reach them another way.
    assert "the reason to 0 officers is in the outbox" in out and "another way" in out
    assert "No submitted item is waiting for review." in out
    assert world.status(mine) == SubmissionStatus.RETURNED
    assert world.status(other) == SubmissionStatus.SUBMITTED


async def test_last_years_campaign_by_year_or_number(world: StaffWorld) -> None:
    from datetime import date

    from bot.models import Campaign, Deadline

    with world.session() as s:
        old = Campaign(
            organization_id=world.org_id,
            template="bac-giang-kcn",
            year=2025,
            title="Phong trào thi đua năm 2025",
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
        )
        s.add(old)
        s.flush()
        s.add(
            Deadline(
                campaign_id=present(old.id),
                kind=DeadlineKind.YEAR_END_REPORT,
                due_on=date(2025, 12, 5),
            )
        )
        s.commit()
        old_id = old.id
    chat = await world.chat(STAFF, "en")
    await chat.say("/progress 2025")
    assert chat.last[0].text.startswith("Progress of Phong trào thi đua năm 2025")
    await chat.say(f"/progress #{old_id}")
    assert chat.last[0].text.startswith("Progress of Phong trào thi đua năm 2025")
    out = await chat.say("/progress 2030")
    assert out == "Your board has no campaign for 2030."
    out = await chat.say("/progress everything")
    assert "/progress 2025" in out
    out = await chat.say("/missing report 2025")
    assert "Year-end report: 4 enterprises have not submitted" in out
    out = await chat.say("/missing register 2025")
    assert "Please choose one of the items: Year-end report." in out
    await chat.say("/export missing report 2025")
    assert chat.last[0].document is not None
    with world.session() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "export.missing")).one()
    assert entry.subject == f"campaign:{old_id}"
