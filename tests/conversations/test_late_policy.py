"""One late-submission policy, through the chat: a reopened item stays submitted until a new
version is submitted; lock (closed, extensions) or accept late (marked "nộp muộn")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.models import (
    Deadline,
    DeadlineKind,
    LatePolicy,
    Receipt,
    RegistrationEntry,
    Submission,
    SubmissionStatus,
)
from bot.services import deadlines
from bot.services.acts import Act
from bot.services.bookkeeping import prune_bookkeeping
from bot.services.errors import InvalidInput
from conversations.flows import register as reg
from tests.conversations.conftest import Chat, World, linked_chat

# 10:00 in Hà Nội on 16/04/2026, the day after the registration's due date.
APRIL_16 = datetime(2026, 4, 16, 3, 0, tzinfo=UTC)


async def _add_person(chat: Chat, name: str, position: str, title: str) -> None:
    await chat.press(reg.ADD_PERSON)
    await chat.say(name)
    await chat.say(position)
    await chat.press(f"reg:t:{title}")


async def _submitted_registration(chat: Chat) -> str:
    await chat.say("/register")
    await _add_person(chat, "Lê Văn Cường", "Công nhân", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "Đã nộp. Số biên nhận DK-2026-" in out, out
    return out


def _item(world: World) -> Submission:
    with world.session() as s:
        return s.exec(select(Submission)).one()


def _names(world: World) -> list[str]:
    with world.session() as s:
        return sorted(e.full_name for e in s.exec(select(RegistrationEntry)))


@pytest.mark.parametrize("leave", ["/cancel", "/language en", "/status", "later", "expiry"])
async def test_abandoning_a_reopened_item_keeps_the_submitted_version(
    world: World, leave: str
) -> None:
    chat = await linked_chat(world)
    await _submitted_registration(chat)
    submitted = _item(world)
    await chat.say("/register")
    out = await chat.press("item:reopen")
    assert "bản đã nộp vẫn có hiệu lực" in out, out
    await _add_person(chat, "Phạm Thị Dung", "Kế toán", "LDTT")
    assert "đã nộp, có thay đổi trong bản nháp, chưa nộp" in chat.text(), chat.text()
    # while the draft is open the item is still submitted, with its receipt
    during = _item(world)
    assert during.status == SubmissionStatus.SUBMITTED and during.draft_open
    assert during.receipt_number == submitted.receipt_number
    if leave == "later":
        out = await chat.press(reg.LATER)
        assert "vẫn có hiệu lực" in out, out
    elif leave == "expiry":
        with world.session() as s:
            prune_bookkeeping(s, datetime(2026, 3, 20, tzinfo=UTC), tz=world.settings.tz)
            s.commit()
    else:
        out = await chat.say(leave)
        if leave == "/cancel":
            assert "vẫn có hiệu lực" in out, out
    after = _item(world)
    assert after.status == SubmissionStatus.SUBMITTED and not after.draft_open
    assert after.receipt_number == submitted.receipt_number and after.version == 1
    assert _names(world) == ["Lê Văn Cường"]  # the draft's addition is gone
    out = await chat.say("/status")
    assert submitted.receipt_number and submitted.receipt_number in out
    assert "Đăng ký danh hiệu thi đua: đã nộp" in out or "Title registration: submitted" in out


async def test_a_reopened_item_submitted_again_is_the_new_version(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/language vi")
    await _submitted_registration(chat)
    await chat.say("/register")
    await chat.press("item:reopen")
    await _add_person(chat, "Phạm Thị Dung", "Kế toán", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "Đã nộp" in out
    item = _item(world)
    assert item.version == 2 and not item.draft_open and not item.late
    assert _names(world) == ["Lê Văn Cường", "Phạm Thị Dung"]
    with world.session() as s:
        assert len(s.exec(select(Receipt)).all()) == 2


async def test_the_board_decides_on_the_submitted_version_not_the_draft(world: World) -> None:
    from bot.services import submissions as subs

    chat = await linked_chat(world)
    await _submitted_registration(chat)
    await chat.say("/register")
    await chat.press("item:reopen")
    await _add_person(chat, "Phạm Thị Dung", "Kế toán", "LDTT")
    with world.session() as s:
        item = s.exec(select(Submission)).one()
        subs.accept(s, item, Act(world.clock.now, UTC))
        s.commit()
    assert _names(world) == ["Lê Văn Cường"]
    assert _item(world).status == SubmissionStatus.ACCEPTED


def _set_policy(world: World, kind: DeadlineKind, policy: LatePolicy) -> None:
    with world.session() as s:
        deadline = s.exec(select(Deadline).where(Deadline.kind == kind)).one()
        deadline.late_policy = policy
        s.add(deadline)
        s.commit()


async def test_accept_late_gives_a_receipt_marked_late(world: World) -> None:
    _set_policy(world, DeadlineKind.TITLE_REGISTRATION, LatePolicy.ACCEPT_LATE)
    world.clock.now = APRIL_16
    chat = await linked_chat(world)
    out = await chat.say("/status")
    assert "vẫn được nhận sau hạn" in out, out
    await chat.say("/register")
    await _add_person(chat, "Lê Văn Cường", "Công nhân", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "Số biên nhận DK-2026-" in out and "nộp muộn" in out, out
    assert _item(world).late
    out = await chat.say("/status")
    assert "nộp muộn" in out and "DK-2026-" in out, out


async def test_lock_closes_and_an_extension_reopens_for_one_enterprise(world: World) -> None:
    world.clock.now = APRIL_16
    chat = await linked_chat(world)
    out = await chat.say("/register")
    assert "đã khóa" in out and "15/04/2026" in out, out
    with world.session() as s:
        deadline = s.exec(
            select(Deadline).where(Deadline.kind == DeadlineKind.TITLE_REGISTRATION)
        ).one()
        for bad in (date(2026, 4, 15), date(2026, 4, 10)):
            with pytest.raises(InvalidInput):
                deadlines.grant_extension(s, deadline, world.enterprise_id, bad, Act(APRIL_16, UTC))
        deadlines.grant_extension(
            s, deadline, world.enterprise_id, date(2026, 4, 24), Act(APRIL_16, UTC)
        )
        s.commit()
    out = await chat.say("/status")
    assert "gia hạn" in out and "24/04/2026" in out, out
    out = await chat.say("/register")
    assert "24/04/2026" in out, out
    await _add_person(chat, "Lê Văn Cường", "Công nhân", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "nộp muộn" in out, out
    # the other enterprise has no extension: still closed
    other = Chat(world.engine(), "u9")
    await other.say("/start")
    await other.say(world.other_code)
    out = await other.say("/register")
    assert "đã khóa" in out, out
    # after the extension's date, closed for this enterprise too
    world.clock.now = datetime(2026, 4, 25, 3, 0, tzinfo=UTC)
    out = await chat.say("/register")
    assert "đã khóa" in out and "24/04/2026" in out, out
