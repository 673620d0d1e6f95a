"""A returned item awaits the officer: end to end, the board sees it in /missing (with the
reason), in the missing export, in the nudge and in the "not yet submitted" broadcast."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine as SAEngine

from bot.models import DeadlineKind, DeliveryKind, SubmissionStatus
from bot.services.sheets import HEADER_ROW
from conversations.flows import broadcast as bc
from conversations.flows import missing as mis
from conversations.flows import review as rev
from tests.conversations.staff_world import STAFF, StaffWorld, build_staff_world
from tests.sheets import active

REASON = "Thiếu chữ ký và con dấu."


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


async def test_a_returned_item_is_missing_again(world: StaffWorld, tmp_path: Path) -> None:
    launch_id = world.submit(2, DeadlineKind.LAUNCH_DOCUMENT, tmp_path)
    chat = await world.chat(STAFF)
    out = await chat.say("/missing launch")
    assert "3 doanh nghiệp chưa nộp" in out and "Vân Trung" not in out

    await chat.say("/review")
    await chat.press(rev.RETURN)
    await chat.say(REASON)
    assert world.status(launch_id) == SubmissionStatus.RETURNED
    notices = len(world.deliveries())  # the return notice to Vân Trung's officer

    out = await chat.say("/missing launch")
    assert "4 doanh nghiệp chưa nộp" in out
    line = next(x for x in out.splitlines() if "Vân Trung" in x)
    assert line.endswith(f"· liên lạc được · bị trả lại để bổ sung: {REASON}")

    out = await chat.press(mis.NUDGE)
    assert "Đã xếp hàng 3 tin nhắc" in out
    reminders = [d for d in world.deliveries() if d.kind == DeliveryKind.NUDGE]
    assert len(world.deliveries()) == notices + 3
    assert world.officer_ids[2] in {d.contact_id for d in reminders}

    await chat.say("/export missing launch")
    [reply] = chat.last
    assert reply.document is not None
    rows = list(
        active(load_workbook(reply.document)).iter_rows(min_row=HEADER_ROW, values_only=True)
    )
    returned = next(r for r in rows[1:] if r[1] == "Công ty Vân Trung")
    assert returned[5] == f"Bị trả lại: {REASON}"

    await chat.say("/broadcast")
    await chat.say("Đề nghị gửi lại văn bản phát động.")
    await chat.press(bc.NO_FILE)
    out = await chat.press(f"{bc.AUDIENCE}nlaunch_document")
    assert "Số người nhận liên lạc được: 3" in out
    await chat.press(bc.SEND)
    broadcast = [d for d in world.deliveries() if d.kind == DeliveryKind.BROADCAST]
    assert world.officer_ids[2] in {d.contact_id for d in broadcast}
    assert len(broadcast) == 3
