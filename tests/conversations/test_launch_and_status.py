"""/launch, /status, one submission per redelivered update, and each enterprise's own data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from bot.models import LaunchDocument, Receipt, RegistrationEntry, Submission, SubmissionStatus
from bot.services import submissions as subs
from bot.services.acts import Act
from conversations.flows import launch
from conversations.flows import register as reg
from tests import files as real
from tests.conversations.conftest import JANUARY, World, linked_chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller


def _doc(tmp_path: Path) -> Path:
    path = tmp_path / "KH-phat-dong.docx"
    real.docx(path)
    return path


async def test_launch_document_in_english(world: World, tmp_path: Path) -> None:
    world.clock.now = JANUARY
    chat = await linked_chat(world, language="en")
    out = await chat.say("/launch")
    assert "Launch document for 2026, due 31/01/2026" in out and "as a file" in out
    out = await chat.send_file(_doc(tmp_path), mime="")
    assert "Received KH-phat-dong.docx" in out and "number of the document" in out
    out = await chat.say("no number")
    assert "as written on it" in out
    await chat.say("12/KH-CĐ")
    for bad, why in (
        ("32/01/2026", "32/01/2026 does not exist: month 1 of 2026 has 31 days"),
        ("31/02/2026", "31/02/2026 does not exist: month 2 of 2026 has 28 days"),
        ("15/13/2026", "there is no month 13"),
        ("tomorrow", "dd/mm/yyyy, for example 15/01/2026"),
        ("15/01/2027", "future"),
    ):
        out = await chat.say(bad)
        assert why in out, out
    with world.session() as s:
        assert s.exec(select(LaunchDocument)).first() is None
    out = await chat.say("5.1.2026")
    assert "Noted: document 12/KH-CĐ of 05/01/2026" in out and "Submit it" in out
    out = await chat.press(launch.SUBMIT)
    assert "Receipt number PD-2026-" in out
    with world.session() as s:
        document = s.exec(select(LaunchDocument)).one()
    assert document.document_number == "12/KH-CĐ" and document.document_date == date(2026, 1, 5)


async def test_a_date_that_does_not_exist_is_named_so(world: World, tmp_path: Path) -> None:
    world.clock.now = JANUARY
    chat = await linked_chat(world)
    await chat.say("/launch")
    await chat.send_file(_doc(tmp_path), mime="")
    await chat.say("12/KH-CĐ")
    out = await chat.say("31/02/2026")
    assert "Ngày 31/02/2026 không tồn tại: tháng 2 năm 2026 chỉ có 28 ngày." in out
    assert "sai" not in out
    out = await chat.say("29/02/2025")
    assert "tháng 2 năm 2025 chỉ có 28 ngày" in out
    out = await chat.say("05/01/2026")
    assert "Đã ghi nhận" in out


async def test_launch_in_vietnamese_reopen_and_keep(world: World, tmp_path: Path) -> None:
    world.clock.now = JANUARY
    chat = await linked_chat(world)
    await chat.say("/launch")
    await chat.send_file(_doc(tmp_path))
    await chat.say("08/KH-CĐ")
    out = await chat.say("10/01/2026")
    assert "Đã ghi nhận: văn bản số 08/KH-CĐ ngày 10/01/2026" in out
    out = await chat.press(launch.SUBMIT)
    assert "Đã nộp" in out
    await chat.say("/launch")
    out = await chat.press("item:reopen")
    assert "Đã mở lại" in out and "Đã nhận (1):\n- KH-phat-dong.docx" in out
    out = await chat.press("file:done")
    assert "Hiện tại: 08/KH-CĐ" in out
    await chat.say("=")
    out = await chat.say("=")
    assert "10/01/2026" in out
    out = await chat.press(launch.SUBMIT)
    assert "Đã nộp" in out
    with world.session() as s:
        assert s.exec(select(func.count()).select_from(Receipt)).one() == 2


async def test_status_lists_items_overdue_first(world: World, tmp_path: Path) -> None:
    chat = await linked_chat(world, language="en")
    out = await chat.say("/status")
    lines = [line for line in out.splitlines() if line.startswith(("-", "⚠"))]
    assert lines[0].startswith("⚠ Launch document: not started, due 31/01/2026 — OVERDUE")
    assert "Title registration: not started, due 15/04/2026" in lines[1]
    assert "Year-end report: not started, due 05/12/2026" in lines[2]
    out = await chat.say("/launch")
    assert "due on 31/01/2026" in out and "closed" in out
    # a returned item stays open after the deadline and shows the reason
    with world.session() as s:
        sub = subs.get_or_create_submission(
            s,
            world.campaign_id,
            world.enterprise_id,
            "title_registration",
            Act(world.clock.now, TZ),
        )
        subs.add_entry(
            s,
            sub,
            "individual",
            "LDTT",
            act=Act(world.clock.now, TZ),
            full_name="Ngô Văn Hải",
            position="Thợ hàn",
        )
        subs.submit(s, sub, Act(world.clock.now, TZ))
        subs.return_submission(s, sub, "Thiếu chức vụ đầy đủ", Act(world.clock.now, TZ))
        s.commit()
    world.clock.now = datetime(2026, 5, 2, 3, 0, tzinfo=UTC)
    out = await chat.say("/status")
    assert "returned by the board office: Thiếu chức vụ đầy đủ" in out
    out = await chat.say("/register")
    assert "returned it with this note: Thiếu chức vụ đầy đủ" in out


async def test_an_update_delivered_twice_gives_one_submission(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    await chat.say("Hoàng Văn Ích")
    await chat.say("Welder")
    await chat.say("1", update_key="tg-1001")
    assert "Added" in chat.text()
    assert await chat.say("1", update_key="tg-1001") == ""
    await chat.press(reg.SUBMIT)
    first = await chat.say("1", update_key="tg-1002")
    assert "Receipt number" in first
    assert await chat.say("1", update_key="tg-1002") == ""
    with world.session() as s:
        assert s.exec(select(func.count()).select_from(RegistrationEntry)).one() == 1
        assert s.exec(select(func.count()).select_from(Receipt)).one() == 1
        assert s.exec(select(Submission)).one().version == 1


async def test_an_officer_never_sees_or_changes_another_enterprise(world: World) -> None:
    mine = await linked_chat(world, language="en")
    await mine.say("/register")
    await mine.press(reg.ADD_PERSON)
    await mine.say("Secret Person")
    await mine.say("Director")
    await mine.press("reg:t:LDTT")
    with world.session() as s:
        secret = s.exec(select(RegistrationEntry)).one()
    from tests.conversations.conftest import Chat

    other = Chat(world.engine(), "u2")
    await other.say("/language en")
    out = await other.say(world.other_code)
    assert "Hòa Phát" in out
    out = await other.say("/status")
    assert "Hòa Phát" in out and "Sao Mai" not in out and "Title registration: not started" in out
    await other.say("/register")
    assert "Registered so far: 0 entries" in other.text()
    # forged buttons for the other enterprise's entry are refused and change nothing
    out = await other.press(f"reg:e:{secret.id}")
    assert "earlier question" in out
    await other.press(reg.LIST)
    out = await other.press(f"reg:e:{secret.id}")
    assert "earlier question" in out and "Secret Person" not in out
    with world.session() as s:
        entry = s.get(RegistrationEntry, secret.id)
        assert entry is not None and entry.full_name == "Secret Person"
        sub = s.get(Submission, entry.submission_id)
        assert sub is not None and sub.enterprise_id == world.enterprise_id
        assert sub.status == SubmissionStatus.DRAFT
    # and a second code of the other enterprise does not re-link an officer already linked
    out = await mine.say(f"/link {world.other_code}")
    assert "already linked to Công ty Sao Mai" in out


async def test_two_instances_receiving_the_same_update_apply_it_once(world: World) -> None:
    import asyncio

    from tests.conversations.conftest import Chat

    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    await chat.say("Lý Thị Kim")
    await chat.say("Accountant")
    first, second = world.engine(), world.engine()
    incoming = chat._incoming(choice="reg:t:LDTT", update_key="tg-race")
    results = await asyncio.gather(first.handle(incoming), second.handle(incoming))
    assert sorted(bool(r) for r in results) == [False, True]
    with world.session() as s:
        assert s.exec(select(func.count()).select_from(RegistrationEntry)).one() == 1
    # two different messages of one person at once are both applied, one after the other
    other = Chat(second, chat.user_id)
    a, b = await asyncio.gather(chat.say("/status"), other.say("/help"))
    assert "Title registration" in a and "/register" in b
