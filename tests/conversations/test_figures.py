"""Figures with units through the engine (SQLite and PostgreSQL): a unit typed with a number
is understood or refused, never dropped; a value far outside what an enterprise reports is
confirmed first; an optional figure skipped with "-" stays optional; /progress keeps small
sums and shares visible in a fitting unit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.models import Campaign, DeadlineKind, YearEndReport
from bot.services.numbers import report_figures
from conversations.flows import review as rev
from tests.conversations import staff_world
from tests.conversations.conftest import World, linked_chat
from tests.conversations.staff_world import STAFF, build_staff_world


def _figures(world: World) -> dict[str, Decimal]:
    with world.session() as s:
        report = s.exec(select(YearEndReport)).first()
        return {k: Decimal(v) for k, v in (report.figures if report else {}).items()}


def _index(code: str) -> int:
    return [f.code for f in report_figures()].index(code)


async def _goto(chat, code: str, start: str = "revenue") -> None:  # type: ignore[no-untyped-def]
    """Answer the figures from `start` to before `code` with plausible values."""
    plain = {"revenue": "100", "growth": "10", "industrial_output": "90", "exports": "5",
             "labour_productivity": "-", "average_income": "9", "workers": "50",
             "equipment_investment": "-", "taxes": "3", "initiatives": "2", "iso9001": "có",
             "social_insurance": "95", "accidents": "0"}  # fmt: skip
    for figure in report_figures()[_index(start) : _index(code)]:
        out = await chat.say(plain[figure.code])
        assert "Đã ghi nhận" in out or figure.code in (
            "labour_productivity",
            "equipment_investment",
        ), out


async def test_money_units_convert_and_are_echoed(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/report")
    out = await chat.say("500 triệu")  # revenue is kept in tỷ đồng
    assert "Đã ghi nhận: Doanh thu: 0,5 tỷ đồng (500 triệu)." in out
    assert _figures(world)["revenue"] == Decimal("0.5")
    # the export value is in triệu USD: "1,5 tỷ USD" is 1.500 triệu USD; "5 tỷ đồng" is refused
    await chat.say("10")
    await chat.say("800 tỉ")
    out = await chat.say("5 tỷ đồng")
    assert 'không dùng đơn vị "tỷ đồng"' in out and "exports" not in _figures(world)
    out = await chat.say("1,5 tỷ USD")
    assert "Giá trị xuất khẩu: 1.500 triệu USD (1,5 tỷ USD)" in out
    assert _figures(world)["exports"] == Decimal(1500)


async def test_a_unit_that_does_not_fit_is_refused_and_nothing_is_stored(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/report")
    await _goto(chat, "initiatives")
    out = await chat.say("45 tỷ")
    assert 'tính bằng sáng kiến, không dùng đơn vị "tỷ"' in out
    assert "initiatives" not in _figures(world)
    out = await chat.say("45 abc")
    assert 'Không rõ đơn vị "abc"' in out and "initiatives" not in _figures(world)
    out = await chat.say("45 sáng kiến")
    assert "Đã ghi nhận: Số sáng kiến, cải tiến kỹ thuật được áp dụng: 45 sáng kiến." in out
    await chat.say("có")
    out = await chat.say("95 người")
    assert 'tính bằng %, không dùng đơn vị "người"' in out
    out = await chat.say("95%")
    assert "95%" in out and _figures(world)["social_insurance"] == 95


async def test_workers_in_thousands_and_too_fine_an_amount(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/report")
    out = await chat.say("500 nghìn đồng")
    assert "chỉ ghi tối đa 3 chữ số thập phân" in out and "revenue" not in _figures(world)
    await chat.say("12 tỷ đồng")
    await chat.say("10")
    await chat.say("9 ty")
    await chat.say("5")
    await chat.say("-")
    out = await chat.say("9.500 nghìn đồng/người/tháng")
    assert "9,5 triệu đồng/người/tháng" in out
    out = await chat.say("1,2 nghìn người")
    assert "Số lao động: 1.200 người" in out and _figures(world)["workers"] == 1200


async def test_far_outside_magnitudes_are_confirmed_first(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/report")
    out = await chat.say("1.234.567")
    assert "lớn hơn nhiều so với mức một doanh nghiệp thường báo cáo" in out
    assert "Có" in [c.label for r in chat.last for c in r.choices]
    assert "revenue" not in _figures(world)
    out = await chat.say("không")
    assert "Doanh thu" in out and "revenue" not in _figures(world)
    await chat.say("1.234.567")
    out = await chat.press(chat.key_for("Có"))
    assert "Đã ghi nhận: Doanh thu: 1.234.567 tỷ đồng." in out
    assert _figures(world)["revenue"] == 1234567
    await _goto(chat, "accidents", start="growth")
    out = await chat.say("60")  # 50 workers
    assert "60 lớn hơn Số lao động (50)" in out and "accidents" not in _figures(world)
    out = await chat.say("có")
    assert _figures(world)["accidents"] == 60


async def test_an_optional_figure_skipped_then_edited_stays_optional(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/report")
    await _goto(chat, "labour_productivity")
    out = await chat.say("-")
    assert "Thu nhập bình quân" in out
    await chat.say("/back")
    out = await chat.say("=")
    assert "bắt buộc" not in out and "Thu nhập bình quân" in out


@pytest.fixture
def staff(engine: SAEngine, tmp_path: Path) -> staff_world.StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


async def test_progress_keeps_a_small_export_visible(
    staff: staff_world.StaffWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with staff.session() as s:
        campaign = s.get(Campaign, staff.campaign_id)
        assert campaign is not None
        campaign.targets = [
            *campaign.targets,
            {"key": "exports", "label": "Kim ngạch xuất khẩu", "unit": "tỷ USD", "value": 24.2},
        ]
        s.add(campaign)
        s.commit()
    monkeypatch.setitem(staff_world.REPORT, "exports", "1,5 triệu USD")
    staff.submit(1, DeadlineKind.YEAR_END_REPORT, tmp_path)
    chat = await staff.chat(STAFF)
    await chat.say("/review")
    await chat.press(rev.ACCEPT)
    await chat.say("/progress")
    targets = chat.last[2].text
    assert (
        "Kim ngạch xuất khẩu: 1,5 triệu USD từ 1 doanh nghiệp; chỉ tiêu 24,2 tỷ USD (0,0062%)"
        in (targets)
    ), targets
