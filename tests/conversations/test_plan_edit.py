"""/campaign → "Edit the plan" through the Engine: each kind of change is previewed in words,
applied only on "Có" and audited; "Không" and wrong answers change nothing."""

from __future__ import annotations

import io
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import col, select

from bot.channels.console import ConsoleChannel
from bot.models import (
    AuditEntry,
    Campaign,
    Deadline,
    DeadlineKind,
    DeliveryKind,
    LatePolicy,
    Observance,
    Organization,
    Phase,
)
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.campaigns import create_campaign
from bot.services.contacts import add_staff
from bot.services.targets import carried_over
from bot.services.templates import load_template
from conversations.flows import _plan_days as days
from conversations.flows import _plan_deadlines as dl
from conversations.flows import _plan_edit as pe
from conversations.flows import _plan_phases as phases
from conversations.flows import _plan_spec as spec
from conversations.flows import _plan_targets as targets
from tests.channels.test_year_console import Terminal
from tests.conversations.conftest import Chat
from tests.conversations.staff_world import STAFF, StaffWorld, build_staff_world
from tests.values import set_up


@pytest.fixture
def world(engine: SAEngine, tmp_path: Path) -> StaffWorld:
    return build_staff_world(engine, tmp_path / "files")


def next_year(world: StaffWorld, *, copied_targets: bool = False) -> int:
    """The board's 2027 campaign made from its plan template (phases, days, deadlines; no
    targets: the plan's are 2024's), with last year's targets copied when asked."""
    with world.session() as s:
        organization = s.get(Organization, world.org_id)
        assert organization is not None
        campaign = create_campaign(s, organization, "bac-giang-kcn", 2027)
        if copied_targets:
            plan = load_template("bac-giang-kcn").targets
            campaign.targets = carried_over([{**t.as_dict(), "year": 2026} for t in plan[:2]])
            s.add(campaign)
        s.commit()
        assert campaign.id is not None
        return campaign.id


async def edit(world: StaffWorld, campaign_id: int) -> Chat:
    chat = await world.chat(STAFF)
    await chat.say("/campaign")
    out = await chat.press(f"{pe.EDIT}{campaign_id}")
    assert "Anh/chị muốn sửa gì?" in out, out
    return chat


def campaign(world: StaffWorld, campaign_id: int) -> Campaign:
    with world.session() as s:
        found = s.get(Campaign, campaign_id)
        assert found is not None
        return found


def audits(world: StaffWorld) -> list[AuditEntry]:
    with world.session() as s:
        return list(s.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def rows(world: StaffWorld, model: Any, campaign_id: int) -> list[Any]:
    with world.session() as s:
        return list(s.exec(select(model).where(model.campaign_id == campaign_id)).all())


async def test_name_and_theme_previewed_then_applied(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await edit(world, cid)
    before = len(audits(world))
    old = campaign(world, cid).title
    out = await chat.press(pe.NAME)
    assert old in out and "tỉnh Bắc Giang" in old
    out = await chat.say("Phong trào thi đua năm 2027 của BQL các KCN tỉnh Bắc Ninh")
    assert "Sẽ thay đổi" in out and "→ Phong trào thi đua năm 2027 của BQL" in out, out
    assert campaign(world, cid).title == old  # not yet
    out = await chat.press(spec.YES)
    assert "Đã thay đổi" in out and "Anh/chị muốn sửa gì?" in out, out
    changed = campaign(world, cid)
    assert changed.title.endswith("tỉnh Bắc Ninh") and changed.title_en == ""
    renamed = audits(world)[before:]
    assert [a.action for a in renamed] == ["campaign.rename"]
    assert renamed[0].actor == f"telegram:{STAFF}" and renamed[0].contact_id is not None
    # The theme, then "Không": nothing changes, nothing is audited.
    await chat.press(pe.THEME)
    out = await chat.say("Đổi mới, sáng tạo")
    assert "Đổi mới, sáng tạo" in out
    out = await chat.press(spec.NO)
    assert "không có gì thay đổi" in out.lower(), out
    assert campaign(world, cid).theme != "Đổi mới, sáng tạo"
    assert len(audits(world)) == before + 1
    # "=" keeps the name; an empty menu answer is refused.
    await chat.press(pe.NAME)
    out = await chat.say("=")
    assert "Anh/chị muốn sửa gì?" in out
    out = await chat.press(pe.CLOSE)
    assert len(audits(world)) == before + 1


async def test_phase_dates_bad_answers_reask_then_applied(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await edit(world, cid)
    await chat.press("pe:phases")
    await chat.press(f"{phases.PHASE}1")
    out = await chat.press(f"{phases.FIELD}end")
    assert "30/06/2027" in out
    out = await chat.say("31/06/2027")
    assert "không tồn tại" in out and "30 ngày" in out, out
    out = await chat.say("05/01/2028")
    assert "01/01/2027 – 31/12/2027" in out, out  # outside the campaign
    assert rows(world, Phase, cid)[0].ends_on == date(2027, 6, 30)
    # Phase 1 ends on 10/06: phase 2, which began the day after, now begins on 11/06, and the
    # day of 11/06 follows its date into phase 2; one preview, one "Có".
    out = await chat.say("10/06/2027")
    assert "Sẽ thay đổi" in out and "10/06/2027" in out and "11/06/2027" in out, out
    await chat.press(spec.YES)
    phase_rows = {p.number: p for p in rows(world, Phase, cid)}
    assert phase_rows[1].ends_on == date(2027, 6, 10)
    assert phase_rows[2].starts_on == date(2027, 6, 11)
    call_day = next(o for o in rows(world, Observance, cid) if o.on == date(2027, 6, 11))
    assert call_day.phase_id == phase_rows[2].id
    assert [a.action for a in audits(world)].count("phase.change") == 2  # both phases
    # The call to action, typed on the console as numbers for the choices.
    await chat.press("pe:phases")
    await chat.say("2")  # phase 2
    await chat.say("4")  # call to action
    out = await chat.say("Thi đua lập thành tích chào mừng 97 năm thành lập Đảng")
    assert "Sẽ thay đổi" in out
    await chat.say("1")  # Có
    phase2 = next(p for p in rows(world, Phase, cid) if p.number == 2)
    assert phase2.call.startswith("Thi đua lập thành tích")


async def test_deadline_date_and_late_policy(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await edit(world, cid)
    # "Không": nothing moves, nobody is told.
    await chat.press("pe:deadlines")
    await chat.press(f"{dl.ITEM}{DeadlineKind.TITLE_REGISTRATION.value}")
    await chat.say("30/04/2027")
    await chat.press(f"{dl.POLICY}{LatePolicy.LOCK.value}")
    await chat.press(spec.NO)
    assert world.deliveries() == [] and "deadline.change" not in {a.action for a in audits(world)}
    await chat.press("pe:deadlines")
    out = await chat.press(f"{dl.ITEM}{DeadlineKind.TITLE_REGISTRATION.value}")
    assert "15/04/2027" in out
    out = await chat.say("05/01/2028")
    assert "01/01/2027 – 31/12/2027" in out, out
    await chat.say("24/04/2027")
    out = await chat.press(f"{dl.POLICY}{LatePolicy.ACCEPT_LATE.value}")
    assert "15/04/2027 → 24/04/2027" in out and "muộn" in out, out
    registration = next(
        d for d in rows(world, Deadline, cid) if d.kind == DeadlineKind.TITLE_REGISTRATION
    )
    assert registration.due_on == date(2027, 4, 15)  # nothing before "Có"
    out = await chat.press(spec.YES)
    assert "Đã thay đổi" in out
    registration = next(
        d for d in rows(world, Deadline, cid) if d.kind == DeadlineKind.TITLE_REGISTRATION
    )
    assert registration.due_on == date(2027, 4, 24)
    assert registration.late_policy == LatePolicy.ACCEPT_LATE
    assert {"deadline.change"} <= {a.action for a in audits(world)}
    moved = [d for d in world.deliveries() if d.kind == DeliveryKind.DEADLINE_MOVED]
    assert len(moved) == 3  # the three reachable officers, once


async def test_commemoration_days_add_founding_prompt_remove(world: StaffWorld) -> None:
    cid = next_year(world)
    count = len(rows(world, Observance, cid))
    chat = await edit(world, cid)
    await chat.press("pe:days")
    await chat.press(days.ADD)
    out = await chat.say("19/8/2027x")
    assert "dd/mm/yyyy" in out or "ngày/tháng/năm" in out, out
    out = await chat.say("05/01/2028")
    assert "01/01/2027 – 31/12/2027" in out, out
    await chat.say("22/10/2027")
    await chat.say("Ngày thành lập Khu công nghiệp Quang Châu")
    out = await chat.say("205")
    assert "1930" in out, out
    out = await chat.say("2005")
    assert "Sẽ thay đổi" in out and "22/10/2027" in out, out
    await chat.press(spec.YES)
    added = [o for o in rows(world, Observance, cid) if o.on == date(2027, 10, 22)]
    assert len(added) == 1 and added[0].founded == 2005 and added[0].prompt
    assert len(rows(world, Observance, cid)) == count + 1
    # Its founding year, then no prompt for it, then removed.
    await chat.press("pe:days")
    await chat.press(chat.key_for("Quang Châu"))
    await chat.press(days.FOUNDED)
    out = await chat.say("2030")
    assert "2027" in out  # must be before the campaign's year
    out = await chat.press(days.NO_YEAR)
    assert "2005 → —" in out, out
    await chat.press(spec.YES)
    await chat.press("pe:days")
    await chat.press(chat.key_for("Quang Châu"))
    out = await chat.press(days.PROMPT)
    assert "Sẽ thay đổi" in out
    await chat.press(spec.YES)
    day = next(o for o in rows(world, Observance, cid) if o.on == date(2027, 10, 22))
    assert day.founded is None and not day.prompt
    await chat.press("pe:days")
    assert any("✕" in c.label for r in chat.last for c in r.choices)
    await chat.press(chat.key_for("Quang Châu"))
    await chat.press(days.REMOVE)
    await chat.press(spec.YES)
    assert len(rows(world, Observance, cid)) == count
    actions = [a.action for a in audits(world)]
    assert actions.count("observance.add") == 1 and actions.count("observance.remove") == 1
    assert actions.count("observance.change") == 2


async def test_targets_added_changed_and_confirmed(world: StaffWorld) -> None:
    cid = next_year(world, copied_targets=True)
    chat = await edit(world, cid)
    out = await chat.press("pe:targets")
    assert "chưa xác nhận" in out and "2026" in out, out
    # Change one as the plan words it; a misread value re-asks.
    await chat.press(chat.key_for("Tổng thu hút vốn"))
    await chat.press(targets.GOAL)
    out = await chat.say("khoảng một tỷ")
    assert "540.000" in out or "ví dụ" in out, out
    out = await chat.say("khoảng 1,5 tỷ USD, tăng 10%")
    assert "Sẽ thay đổi" in out and "1,5" in out and "10%" in out, out
    await chat.press(spec.YES)
    stored = {t["key"]: t for t in campaign(world, cid).targets}
    assert stored["investment"]["value"] == 1.5 and stored["investment"]["growth"] == 10
    assert stored["investment"]["qualifier"] == "about"
    # A range, and "from … or more".
    await chat.press("pe:targets")
    await chat.press(targets.ADD)
    out = await chat.press(f"{targets.PLAN}cleared_land")
    await chat.say("từ 250 ha trở lên")
    await chat.press(spec.YES)
    await chat.press("pe:targets")
    await chat.press(targets.ADD)
    out = await chat.say("Lao động làm việc trong các KCN")
    out = await chat.say("25.000–30.000 người")
    assert "25.000–30.000 người" in out, out
    await chat.press(spec.YES)
    stored = {t["key"]: t for t in campaign(world, cid).targets}
    assert stored["cleared_land"]["qualifier"] == "at_least"
    assert stored["cleared_land"]["value"] == 250
    worker = stored["lao_dong_lam_viec_trong_cac_kcn"]
    assert (worker["value"], worker["value_max"], worker["unit"]) == (25000, 30000, "người")
    # Confirm them as 2027's.
    await chat.press("pe:targets")
    await chat.press(targets.CONFIRM)
    out = await chat.press(spec.YES)
    assert "Đã thay đổi" in out
    stored_all = campaign(world, cid).targets
    assert all(t["confirmed"] and t["year"] == 2027 for t in stored_all)
    assert [a.action for a in audits(world)].count("campaign.targets") == 4
    # Remove one.
    await chat.press("pe:targets")
    await chat.press(chat.key_for("Giải phóng mặt bằng"))
    out = await chat.press(targets.REMOVE)
    assert "Sẽ thay đổi" in out and "Giải phóng mặt bằng" in out, out
    await chat.press(spec.YES)
    assert "cleared_land" not in {t["key"] for t in campaign(world, cid).targets}


async def test_award_target(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await edit(world, cid)
    await chat.press("pe:awards")
    out = await chat.press(chat.key_for("Cờ thi đua"))
    assert "Cờ thi đua" in out and "5" in out
    out = await chat.say("năm")
    assert "số nguyên" in out or "ví dụ 5" in out, out
    out = await chat.say("-2")
    out = await chat.say("7")
    # named as the plan names it, not by its key
    assert "Sẽ thay đổi" in out and "tặng Cờ thi đua”: 5 → 7" in out, out
    assert "flag_enterprises" not in out
    out = await chat.press(spec.NO)
    assert campaign(world, cid).award_targets["flag_enterprises"] == 5
    await chat.press("pe:awards")
    await chat.press(chat.key_for("Cờ thi đua"))
    await chat.say("7")
    await chat.press(spec.YES)
    assert campaign(world, cid).award_targets["flag_enterprises"] == 7
    assert [a.action for a in audits(world)][-1] == "campaign.award_targets"


async def test_plan_changed_meanwhile_applies_nothing(world: StaffWorld) -> None:
    cid = next_year(world)
    old = campaign(world, cid).title
    chat = await edit(world, cid)
    await chat.press(pe.NAME)
    await chat.say("Tên mới")
    with world.session() as s:
        found = s.get(Campaign, cid)
        assert found is not None
        found.theme = "Đổi ở nơi khác"
        s.add(found)
        s.commit()
    out = await chat.press(spec.YES)
    assert "không có gì được áp dụng" in out.lower() or "nothing" in out.lower(), out
    assert campaign(world, cid).title == old and campaign(world, cid).theme == "Đổi ở nơi khác"


async def test_on_the_console_with_numbers(world: StaffWorld) -> None:
    """The console (and Zalo) shows numbers for the choices: a deadline and a target edited
    by typing them; a typed number on a value step is a value, not a choice."""
    cid = next_year(world)
    with world.session() as s:
        organization = s.get(Organization, world.org_id)
        assert organization is not None
        add_staff(
            s,
            "console",
            "console-staff",
            "staff",
            organization,
            set_up(world.clock.now, world.settings.tz),
        )
        s.commit()
    quiet = io.StringIO()
    office = Terminal(
        ConsoleChannel(world.engine(), user_id="console-staff", stdin=quiet, stdout=quiet)
    )
    await office.say("/campaign")
    out = await office.press(f"{pe.EDIT}{cid}")
    assert "Anh/chị muốn sửa gì?" in out and "\n4. Thời hạn và nộp muộn" in out, out
    await office.press("pe:deadlines")
    out = await office.press(f"{dl.ITEM}{DeadlineKind.YEAR_END_REPORT.value}")
    out = await office.say("=")  # keep the date, change the policy only
    out = await office.press(f"{dl.POLICY}{LatePolicy.ACCEPT_LATE.value}")
    assert "Sẽ thay đổi" in out and "nộp muộn" in out, out
    out = await office.say("1")  # Có
    assert "Đã thay đổi" in out, out
    report = next(d for d in rows(world, Deadline, cid) if d.kind == DeadlineKind.YEAR_END_REPORT)
    assert report.late_policy == LatePolicy.ACCEPT_LATE and report.due_on == date(2027, 12, 5)
    await office.press("pe:targets")
    await office.press(targets.ADD)
    await office.press(f"{targets.PLAN}new_zones")
    out = await office.say("2")  # two zones: a value here, not the second choice
    assert "2 KCN" in out, out
    await office.say("1")
    stored = {t["key"]: t for t in campaign(world, cid).targets}
    assert stored["new_zones"]["value"] == 2 and stored["new_zones"]["year"] == 2027


async def test_confirm_asked_again_after_the_plan_changed(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await edit(world, cid)
    await chat.press("pe:awards")
    await chat.press(chat.key_for("Cá nhân được đề nghị"))
    await chat.say("12")
    with world.session() as s:
        found = s.get(Campaign, cid)
        assert found is not None
        found.award_targets = {**found.award_targets, "merit_individuals": 11}
        s.add(found)
        s.commit()
    out = await chat.say("có lẽ")  # neither Có nor Không: asked again, the plan has moved on
    assert "người khác sửa" in out and spec.YES not in chat.choice_keys(), out
    out = await chat.press(spec.BACK)
    assert "Anh/chị muốn sửa gì?" in out
    assert campaign(world, cid).award_targets["merit_individuals"] == 11


async def test_in_english(world: StaffWorld) -> None:
    cid = next_year(world)
    chat = await world.chat("admin-1", "en")
    await chat.say("/campaign")
    out = await chat.press(f"{pe.EDIT}{cid}")
    assert "What do you want to change?" in out and "commemoration days" in out, out
    await chat.press("pe:days")
    out = await chat.press(chat.key_for("Communist Youth Union"))
    assert "96 years of Founding of the Hồ Chí Minh Communist Youth Union" in out, out
    await chat.press(days.FOUNDED)
    out = await chat.say("1932")
    assert "This will change:" in out and "1931 → 1932" in out, out
    out = await chat.press(spec.YES)
    assert "Changed:" in out
    day = next(o for o in rows(world, Observance, cid) if o.on == date(2027, 3, 26))
    assert day.founded == 1932


async def test_a_deadline_the_plan_lacks_is_added(world: StaffWorld) -> None:
    cid = next_year(world)
    with world.session() as s:
        for row in s.exec(select(Deadline).where(Deadline.campaign_id == cid)).all():
            if row.kind == DeadlineKind.SIX_MONTH_REPORT:
                s.delete(row)
        s.commit()
    chat = await edit(world, cid)
    await chat.press("pe:deadlines")
    await chat.press(dl.ADD)
    out = await chat.press(f"{dl.NEW}{DeadlineKind.SIX_MONTH_REPORT.value}")
    assert "01/01/2027 – 31/12/2027" in out, out
    out = await chat.say("15/01/2028")
    assert "01/01/2027 – 31/12/2027" in out, out
    await chat.say("30/06/2027")
    out = await chat.press(f"{dl.POLICY}{LatePolicy.LOCK.value}")
    assert "Sẽ thay đổi" in out and "30/06/2027" in out, out
    assert len(rows(world, Deadline, cid)) == 4  # not before "Có"
    await chat.press(spec.YES)
    added = [d for d in rows(world, Deadline, cid) if d.kind == DeadlineKind.SIX_MONTH_REPORT]
    assert len(added) == 1 and added[0].due_on == date(2027, 6, 30)
    assert "deadline.add" in {a.action for a in audits(world)}
    await chat.press("pe:deadlines")
    assert dl.ADD not in chat.choice_keys()  # every item has its deadline now


async def test_a_deadline_removed_unless_enterprises_sent_it(world: StaffWorld) -> None:
    cid = next_year(world)
    with world.session() as s:
        sub = subs.get_or_create_submission(
            s, cid, world.enterprise_ids[0], DeadlineKind.LAUNCH_DOCUMENT, Act(world.clock.now, UTC)
        )
        assert sub.id is not None
        s.commit()
    chat = await edit(world, cid)
    await chat.press("pe:deadlines")
    await chat.press(dl.DROP)
    out = await chat.press(f"{dl.GONE}{DeadlineKind.LAUNCH_DOCUMENT.value}")
    assert "Văn bản phát động" in out and "Sẽ thay đổi" not in out, out  # already sent
    out = await chat.press(f"{dl.GONE}{DeadlineKind.SIX_MONTH_REPORT.value}")
    assert "Sẽ thay đổi" in out and "Báo cáo sơ kết 6 tháng" in out, out
    assert len(rows(world, Deadline, cid)) == 5
    await chat.press(spec.YES)
    kinds = {d.kind for d in rows(world, Deadline, cid)}
    assert DeadlineKind.SIX_MONTH_REPORT not in kinds and len(kinds) == 4
    assert "deadline.remove" in {a.action for a in audits(world)}
