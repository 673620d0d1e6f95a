"""Reminders after the due date follow the plan's late policy, and an extension moves one
enterprise's reminders to its own date; the CLI grants extensions and tells the officers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.models import (
    AuditEntry,
    Channel,
    Contact,
    Deadline,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    Enterprise,
    LatePolicy,
    Role,
)
from bot.notifications.render import Rendered, render_deliveries
from bot.services import deadlines
from bot.services.acts import Act
from bot.services.campaigns import create_campaign
from bot.services.organizations import create_organization
from bot.settings import Settings, get_settings
from scheduler.planner import preview_day, reminder_date
from tests.scheduler.conftest import plan_and_expand

BOARD = "Ban Quản lý các KCN tỉnh Bắc Giang"
D = date.fromisoformat


def _board(session: Session, year: int) -> dict[str, Any]:
    org = create_organization(session, "bqlbg", BOARD, "Bắc Giang")
    campaign = create_campaign(session, org, "bac-giang-kcn", year)
    ents = [
        Enterprise(organization_id=org.id or 0, tax_code=f"010000000{i}", name=name)
        for i, name in enumerate(["Công ty May Đình Vũ", "Công ty Luxshare"])
    ]
    session.add_all(ents)
    session.flush()
    officers = [
        Contact(
            channel=Channel.TELEGRAM,
            user_id=f"o{i}",
            chat_id=f"o{i}",
            display_name=f"Chị Hoa {i}",
            role=Role.OFFICER,
            organization_id=org.id,
            enterprise_id=ent.id,
        )
        for i, ent in enumerate(ents)
    ]
    session.add_all(officers)
    session.commit()
    registration = session.exec(
        select(Deadline).where(
            Deadline.campaign_id == campaign.id, Deadline.kind == DeadlineKind.TITLE_REGISTRATION
        )
    ).one()
    return {"campaign": campaign, "enterprises": ents, "officers": officers, "reg": registration}


def _texts(session: Session, day: str, settings: Settings) -> dict[int, str]:
    return {
        m.contact_id: m.text
        for m in preview_day(session, D(day), settings)
        if m.kind == DeliveryKind.REMINDER and m.subject == "title_registration"
    }


def test_after_the_due_date_a_locked_item_says_closed_and_whom_to_contact(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, 2025)
        texts = _texts(session, "2025-04-16", settings)  # one working day after 15/04
    assert len(texts) == 2
    for text in texts.values():
        assert "đã khóa" in text and BOARD in text and "gia hạn" in text
        assert "/register" not in text and "gửi lệnh" not in text
    assert world["reg"].late_policy == LatePolicy.LOCK


def test_accept_late_reminders_keep_the_command_and_say_late(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, 2025)
        world["reg"].late_policy = LatePolicy.ACCEPT_LATE
        session.add(world["reg"])
        session.commit()
        texts = _texts(session, "2025-04-16", settings)
    for text in texts.values():
        assert "/register" in text and "nộp muộn" in text and "đã khóa" not in text


def test_an_extended_enterprise_is_reminded_of_its_own_date_once(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, 2025)
        extended, other = world["enterprises"]
        deadlines.grant_extension(
            session,
            world["reg"],
            extended.id,
            D("2025-04-25"),
            Act(datetime(2025, 4, 16, 3, tzinfo=UTC), UTC),
        )
        session.commit()
        officer_of = {o.enterprise_id: o.id for o in world["officers"]}
        day_after = _texts(session, "2025-04-16", settings)
        # the other one is told it is closed; the extended one gets nothing that day
        assert officer_of[extended.id] not in day_after
        assert "đã khóa" in day_after[officer_of[other.id]]
        # its own countdown: 7 days before 25/04 is 18/04 (the other's 3rd day after 15/04),
        # the due day itself, then closed
        before = _texts(session, "2025-04-18", settings)
        assert "đã khóa" in before[officer_of[other.id]]
        assert "25/04/2025" in before[officer_of[extended.id]]
        assert "/register" in before[officer_of[extended.id]]
        on_day = _texts(session, "2025-04-25", settings)
        assert "Hôm nay, ngày 25/04/2025" in on_day[officer_of[extended.id]]
        # one working day after 25/04 (a Saturday worked in 2025 for the 02/05 day off)
        after = _texts(session, reminder_date(D("2025-04-25"), -1).isoformat(), settings)
        assert "đã khóa" in after[officer_of[extended.id]]
        # planning twice writes each reminder once
        first = plan_and_expand(session, D("2025-04-18"), settings)
        again = plan_and_expand(session, D("2025-04-18"), settings)
        # the board's fan-out (the other enterprise) and the extended one's own reminder
        assert first.inserted == 2 and again.inserted == 0
        keys = [d.dedupe_key for d in session.exec(select(Delivery)).all()]
        assert len(keys) == len(set(keys)) == 2


def test_cli_extends_one_enterprise_and_tells_its_officers_once(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    year = datetime.now(UTC).year + 1  # every date of the campaign is still ahead
    with Session(engine, expire_on_commit=False) as session:
        world = _board(session, year)
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()
    until = world["reg"].due_on + timedelta(days=10)
    args = [
        "campaign",
        "extend",
        "--campaign",
        str(world["campaign"].id),
        "--item",
        "title_registration",
        "--tax-code",
        "0100000000",
        "--until",
        until.strftime("%d/%m/%Y"),
    ]
    try:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "Đã gia hạn" in result.output and "1 cán bộ" in result.output
        again = CliRunner().invoke(cli, args)
        assert again.exit_code == 0 and "0 cán bộ" in again.output
        bad = CliRunner().invoke(cli, [*args[:-1], world["reg"].due_on.strftime("%d/%m/%Y")])
        assert bad.exit_code != 0 and "phải sau hạn nộp" in bad.output
        unknown = CliRunner().invoke(cli, [*args[:7], "9999999999", *args[8:]])
        assert unknown.exit_code != 0 and "9999999999" in unknown.output
    finally:
        get_settings.cache_clear()
    with Session(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.EXTENSION)).all()
        notices = [n.text for n in render_deliveries(session, rows) if isinstance(n, Rendered)]
        assert len(notices) == 1 == len(rows)
        assert until.strftime("%d/%m/%Y") in notices[0] and "/register" in notices[0]
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.action == "deadline.extend")
        ).all()
        assert len(entries) == 2 and entries[0].actor == "cli"
        extension = deadlines.extension_for(session, world["reg"], world["enterprises"][0].id)
        assert extension is not None and extension.until == until
