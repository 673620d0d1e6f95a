"""The board office edits its year's plan through `plan_edits` (the chat's guided edit and the
campaign file both do): unchanged is no change, an edit applies whole and audited, a wrong
spec names each problem and changes nothing, and a moved deadline is re-planned once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import (
    AuditEntry,
    Campaign,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Observance,
    Submission,
)
from bot.notifications.kinds import DeadlineReminder
from bot.notifications.outbox import enqueue
from bot.services import plan_edits
from bot.services.acts import Act
from bot.services.campaign_copy import copy_campaign
from bot.services.campaigns import create_campaign
from bot.services.organizations import create_organization
from bot.services.plan_edits import (
    AwardEntry,
    CampaignSpec,
    DayEntry,
    DeadlineEntry,
    PlanInvalid,
    TargetEntry,
)
from bot.services.templates import Qualifier
from bot.settings import Settings, load_settings
from scheduler.config import SchedulerConfig
from scheduler.planner import observance_prompt_date, preview_day
from tests.scheduler.test_late_reminders import _board

YEAR = 2025
NOW = datetime(YEAR, 3, 2, 3, 0, tzinfo=UTC)
TODAY = NOW.date()  # 10:00 in Hà Nội, the same day
D = date.fromisoformat


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings(database_url=db_url)


def _edited(spec: CampaignSpec) -> CampaignSpec:
    """The edit of the issue: renamed, new theme, two deadlines moved, a day added and one
    removed, a founding year changed, one prompt off, the year's targets and award targets."""
    deadlines = [
        d.model_copy(update={"due": D(f"{YEAR}-04-25")})
        if d.kind is DeadlineKind.TITLE_REGISTRATION
        else d.model_copy(update={"due": D(f"{YEAR}-06-30")})
        if d.kind is DeadlineKind.SIX_MONTH_REPORT
        else d
        for d in spec.deadlines
    ]
    days = []
    for day in spec.days:
        if day.name.startswith("Ngày Quốc tế Lao động"):
            continue  # removed
        if day.name.startswith("Chiến thắng Điện Biên Phủ"):
            day = day.model_copy(update={"prompt": False})
        if day.name.startswith("Ngày thành lập Đoàn"):
            day = day.model_copy(update={"founded": 1930})
        days.append(day)
    days.append(
        DayEntry(
            on=D(f"{YEAR}-10-14"),
            name="Ngày thành lập Hội Nông dân Việt Nam",
            founded=1930,
            phase=2,
        )
    )
    return spec.model_copy(
        update={
            "title": f"Phong trào thi đua năm {YEAR} của Ban Quản lý các KCN tỉnh Bắc Ninh",
            "theme": "Đoàn kết, sáng tạo, về đích sớm",
            "deadlines": tuple(deadlines),
            "days": tuple(sorted(days, key=lambda d: d.on)),
            "targets_year": YEAR,
            "targets_confirmed": True,
            "targets": (
                TargetEntry(
                    key="investment",
                    label="Thu hút vốn đầu tư",
                    value=1.5,
                    unit="tỷ USD",
                    qualifier=Qualifier.ABOUT,
                ),
                TargetEntry(
                    key="land", label="Quỹ đất sạch", value=250, unit="ha", qualifier="at_least"
                ),
                TargetEntry(
                    key="workers", label="Lao động", value=25000, value_max=30000, unit="người"
                ),
                TargetEntry(
                    key="output", label="Giá trị SXCN", value=600000, unit="tỷ đồng", growth=11.1
                ),
            ),
            "awards": (AwardEntry(key="flag_enterprises", value=6),),
        }
    )


def test_the_plan_unchanged_is_no_change(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _board(session, YEAR)["campaign"]
        spec = plan_edits.spec_of(session, campaign)
        assert spec.title and len(spec.deadlines) == 5 and spec.days and spec.phases
        assert plan_edits.preview(session, campaign, spec, TODAY) == []
        assert plan_edits.apply(session, campaign, spec, Act(NOW, UTC), email=False) == []
        session.commit()
        assert session.exec(select(AuditEntry)).all() == []
        assert plan_edits.spec_of(session, campaign) == spec


def test_an_edit_applies_whole_audited_and_the_planner_follows(
    engine: Engine, settings: Settings
) -> None:
    t = Translator("vi")
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, YEAR)
        campaign = world["campaign"]
        spec = _edited(plan_edits.spec_of(session, campaign))
        shown = [c.text(t) for c in plan_edits.preview(session, campaign, spec, TODAY)]
        # the preview left nothing behind
        assert session.exec(select(AuditEntry)).all() == []
        assert session.exec(select(Delivery)).all() == []
        assert plan_edits.spec_of(session, campaign) != spec
        done = [
            c.text(t) for c in plan_edits.apply(session, campaign, spec, Act(NOW, UTC), email=False)
        ]
        session.commit()
        assert shown == done
        text = "\n".join(done)
        assert "Bắc Ninh" in text and "Đoàn kết, sáng tạo" in text
        assert f"15/04/{YEAR} → 25/04/{YEAR}" in text and f"30/06/{YEAR}" in text
        assert "Hội Nông dân" in text and "Ngày Quốc tế Lao động" in text
        assert "1931 → 1930" in text
        assert "khoảng 1,5 tỷ USD" in text and "250 ha trở lên" in text
        assert "25.000–30.000 người" in text and "tăng 11,1%" in text
        assert "Cờ thi đua”: 5 → 6" in text  # named as the plan names it
        got, wanted = plan_edits.spec_of(session, campaign).model_dump(), spec.model_dump()
        assert [(k, got[k]) for k in got if got[k] != wanted[k]] == []  # asked is what is
        actions = {e.action for e in session.exec(select(AuditEntry)).all()}
        assert {
            "campaign.rename",
            "deadline.change",
            "observance.add",
            "observance.remove",
            "observance.change",
            "campaign.targets",
            "campaign.award_targets",
        } <= actions
        stored = session.get(Campaign, campaign.id)
        assert stored is not None and all(
            t["confirmed"] and t["year"] == YEAR for t in stored.targets
        )
        # applying the same spec again changes nothing
        assert plan_edits.apply(session, campaign, spec, Act(NOW, UTC), email=False) == []
        # the day without a prompt gets none; the others still do
        config = SchedulerConfig.from_settings(settings)
        days = session.exec(select(Observance).where(Observance.campaign_id == campaign.id)).all()
        for day in days:
            on = observance_prompt_date(day.on, config.observance_prompt_working_days)
            prompts = [
                m
                for m in preview_day(session, on, settings)
                if m.kind == DeliveryKind.OBSERVANCE and m.subject == day.name
            ]
            assert len(prompts) == (2 if day.prompt else 0), day.name
        assert any(not d.prompt for d in days)


def test_a_wrong_spec_names_every_problem_and_changes_nothing(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _board(session, YEAR)["campaign"]
        before = plan_edits.spec_of(session, campaign)
        first = before.deadlines[0]
        spec = before.model_copy(
            update={
                "title": "Tên mới",
                "deadlines": (
                    *before.deadlines,
                    DeadlineEntry(kind=first.kind, due=D(f"{YEAR}-05-05")),
                    DeadlineEntry(kind=DeadlineKind.SIX_MONTH_REPORT, due=D(f"{YEAR + 1}-01-10")),
                ),
                "days": (
                    *before.days,
                    DayEntry(on=D(f"{YEAR}-05-20"), name="Ngày mới", founded=YEAR + 3),
                ),
                "targets": (
                    TargetEntry(key="a", label="A", value=5, value_max=3),
                    TargetEntry(key="a", label="", value=None),
                ),
                "awards": (
                    AwardEntry(key="Flag", value=1),
                    AwardEntry(key="flag", value=5),
                    AwardEntry(key="flag", value=-1),
                ),
            }
        )
        with pytest.raises(PlanInvalid) as caught:
            plan_edits.apply(session, campaign, spec, Act(NOW, UTC), email=False)
        where = {e.loc for e in caught.value.errors}
        n = len(before.deadlines)
        assert {
            ("deadlines", n, "kind"),
            ("deadlines", n + 1, "kind"),
            ("deadlines", n + 1, "due"),
            ("days", len(before.days), "founded"),
            ("targets", 0, "value_max"),
            ("targets", 1, "key"),
            ("targets", 1, "label"),
            ("targets", 1, "value"),
            ("awards", 0, "key"),
            ("awards", 2, "key"),
            ("awards", 2, "value"),
        } <= where
        assert ("awards", 1, "key") not in where
        t = Translator("vi")
        messages = {e.message(t) for e in caught.value.errors}
        assert (
            f"thời hạn {n + 2}, hạn nộp: phải nằm trong thời gian của phong trào, "
            f"01/01/{YEAR} – 31/12/{YEAR}" in messages
        ), messages
        session.rollback()
        assert plan_edits.spec_of(session, campaign) == before
        assert session.exec(select(AuditEntry)).all() == []


def test_a_moved_deadline_is_replanned_once_and_officers_told_once(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, YEAR)
        campaign = world["campaign"]
        queued = DeadlineReminder(campaign.id, DeadlineKind.TITLE_REGISTRATION, D(f"{YEAR}-04-08"))
        enqueue(session, queued, [o.id for o in world["officers"]], not_before=NOW, now=NOW)
        session.commit()
        spec = plan_edits.spec_of(session, campaign)
        moved = spec.model_copy(
            update={
                "deadlines": tuple(
                    d.model_copy(update={"due": D(f"{YEAR}-04-25")})
                    if d.kind is DeadlineKind.TITLE_REGISTRATION
                    else d
                    for d in spec.deadlines
                )
            }
        )
        plan_edits.apply(session, campaign, moved, Act(NOW, UTC), email=False)
        plan_edits.apply(
            session, campaign, moved, Act(NOW, UTC), email=False
        )  # again: nothing more
        session.commit()
        rows = session.exec(select(Delivery).order_by(col(Delivery.id))).all()
        told = [r for r in rows if r.kind == DeliveryKind.DEADLINE_MOVED]
        assert len(told) == 2 == len({r.contact_id for r in told})
        stale = [r for r in rows if r.kind == DeliveryKind.REMINDER]
        assert stale and all(r.status == DeliveryStatus.CANCELLED for r in stale)
        deadline = session.exec(
            select(Deadline).where(
                Deadline.campaign_id == campaign.id,
                Deadline.kind == DeadlineKind.TITLE_REGISTRATION,
            )
        ).one()
        assert deadline.due_on == D(f"{YEAR}-04-25")
        # the planner reminds from the new date: a week before it, not before the old one
        old_week = [
            m
            for m in preview_day(session, D(f"{YEAR}-04-08"), settings)
            if m.kind == DeliveryKind.REMINDER and m.subject == "title_registration"
        ]
        new_week = [
            m
            for m in preview_day(session, D(f"{YEAR}-04-18"), settings)
            if m.kind == DeliveryKind.REMINDER and m.subject == "title_registration"
        ]
        assert old_week == [] and len(new_week) == 2


def test_phases_and_deadlines_are_added_moved_and_removed_within_the_rules(
    engine: Engine,
) -> None:
    t = Translator("vi")
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, YEAR)
        campaign = world["campaign"]
        spec = plan_edits.spec_of(session, campaign)
        one, two = spec.phases
        # the first phase ends a month later; its days stay in it, the second's follow
        days = tuple(
            d.model_copy(update={"phase": 1}) if d.on <= D(f"{YEAR}-07-31") else d
            for d in spec.days
        )
        kept = tuple(d for d in spec.deadlines if d.kind is not DeadlineKind.COMMENDATION_PROPOSAL)
        edited = spec.model_copy(
            update={
                "phases": (
                    one.model_copy(update={"end": D(f"{YEAR}-07-31")}),
                    two.model_copy(update={"start": D(f"{YEAR}-08-01")}),
                ),
                "days": days,
                "deadlines": kept,
            }
        )
        lines = [
            c.text(t)
            for c in plan_edits.apply(session, campaign, edited, Act(NOW, UTC), email=False)
        ]
        assert f"Sửa đợt 1: Đợt thi đua thứ nhất, 01/01/{YEAR} – 31/07/{YEAR}" in lines
        assert "Bỏ thời hạn: Đề nghị khen thưởng" in lines
        session.commit()
        assert plan_edits.spec_of(session, campaign) == edited
        # overlapping phases, a day outside its phase: named, nothing applied
        overlapping = edited.model_copy(
            update={
                "phases": (edited.phases[0], two.model_copy(update={"start": D(f"{YEAR}-07-15")}))
            }
        )
        with pytest.raises(PlanInvalid) as caught:
            plan_edits.apply(session, campaign, overlapping, Act(NOW, UTC), email=False)
        assert ("phases", 1, "start") in {e.loc for e in caught.value.errors}
        # a deadline enterprises already answered cannot be taken away
        session.add(
            Submission(
                campaign_id=campaign.id,
                enterprise_id=world["enterprises"][0].id,
                kind=DeadlineKind.LAUNCH_DOCUMENT,
            )
        )
        session.flush()
        without = edited.model_copy(
            update={
                "deadlines": tuple(
                    d for d in edited.deadlines if d.kind is not DeadlineKind.LAUNCH_DOCUMENT
                )
            }
        )
        with pytest.raises(PlanInvalid) as caught:
            plan_edits.preview(session, campaign, without, TODAY)
        [error] = caught.value.errors
        assert error.loc == ("deadlines",) and "Văn bản phát động" in error.message(t)


def test_next_years_campaign_keeps_the_office_s_edits(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _board(session, YEAR)["campaign"]
        spec = plan_edits.spec_of(session, campaign)
        quiet = spec.model_copy(
            update={
                "days": tuple(
                    d.model_copy(update={"prompt": False}) if d.founded == 1954 else d
                    for d in spec.days
                )
            }
        )
        plan_edits.apply(session, campaign, quiet, Act(NOW, UTC), email=False)
        session.commit()
        following = copy_campaign(session, campaign, YEAR + 1, Act(NOW, UTC))
        session.commit()
        days = plan_edits.spec_of(session, following).days
        assert (
            {d.name for d in days if not d.prompt}
            == {d.name for d in quiet.days if not d.prompt}
            != set()
        )


def test_confirming_last_year_s_targets_is_one_line(engine: Engine) -> None:
    t = Translator("vi")
    with Session(engine, expire_on_commit=False) as session:
        org = create_organization(
            session, "bqlbg", "Ban Quản lý các KCN tỉnh Bắc Giang", "Bắc Giang"
        )
        plan_year = create_campaign(session, org, "bac-giang-kcn", 2024)
        assert plan_year.targets  # the 2024 plan's own figures
        following = copy_campaign(session, plan_year, 2025, Act(NOW, UTC))
        spec = plan_edits.spec_of(session, following)
        assert spec.targets and not spec.targets_confirmed and spec.targets_year == 2024
        confirmed = spec.model_copy(update={"targets_year": 2025, "targets_confirmed": True})
        lines = [
            c.text(t)
            for c in plan_edits.apply(session, following, confirmed, Act(NOW, UTC), email=False)
        ]
        assert lines == ["Chỉ tiêu năm 2025, đã được Ban xác nhận"]
        stored = session.get(Campaign, following.id)
        assert stored is not None
        assert all(x["confirmed"] and x["year"] == 2025 for x in stored.targets)


def test_a_deadline_is_not_moved_into_the_past(engine: Engine) -> None:
    """Moving a deadline to a day already past would close the item for every enterprise at
    once: refused, named at the deadline's date. A deadline already past and left as it is
    does not stand in the way of other edits."""
    with Session(engine, expire_on_commit=False) as session:
        campaign = _board(session, YEAR)["campaign"]
        spec = plan_edits.spec_of(session, campaign)
        first = spec.deadlines[0]
        late_in_year = first.due + timedelta(days=30)  # the first deadline is then past
        moved = spec.model_copy(
            update={"deadlines": (first.model_copy(update={"due": TODAY}), *spec.deadlines[1:])}
        )
        with pytest.raises(PlanInvalid) as caught:
            plan_edits.apply(
                session, campaign, moved, Act(NOW + timedelta(days=1), UTC), email=False
            )
        assert [e.loc for e in caught.value.errors] == [("deadlines", 0, "due")]
        assert "already past" in caught.value.errors[0].problem(Translator("en"))
        assert plan_edits.spec_of(session, campaign) == spec
        renamed = spec.model_copy(update={"title": spec.title + " (sửa)"})
        in_late_year = Act(NOW + (late_in_year - TODAY), UTC)
        assert plan_edits.apply(session, campaign, renamed, in_late_year, email=False)
