"""`thidua reminders plan` on a board running the real `bac-giang-kcn` template, and
`thidua outbox status`, through click on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from alembic import command
from bot.cli import cli
from bot.migrations import alembic_config
from bot.models import (
    Channel,
    Contact,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    Enterprise,
    Role,
    Submission,
    SubmissionStatus,
)
from bot.notifications.kinds import Nudge
from bot.notifications.outbox import enqueue
from bot.services.campaigns import create_campaign
from bot.services.organizations import create_organization
from bot.settings import Settings, get_settings
from scheduler.planner import expand, plan_day, preview_day, sending_start_utc

Invoke = Callable[..., Result]


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    command.stamp(alembic_config(db_url), "head")
    monkeypatch.setenv("THIDUA_DATABASE_URL", db_url)
    monkeypatch.setenv("THIDUA_LOCALE", "vi")
    get_settings.cache_clear()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args))

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def board(engine: Engine) -> dict[str, Any]:
    """Bắc Giang's board on the bac-giang-kcn template for 2025: three enterprises, one has
    already sent its launch document, one officer chose English, one staff member."""
    with Session(engine, expire_on_commit=False) as session:
        org = create_organization(
            session, "bqlbg", "Ban Quản lý các KCN tỉnh Bắc Giang", "Bắc Giang"
        )
        campaign = create_campaign(session, org, "bac-giang-kcn", 2025)
        ents = [
            Enterprise(organization_id=org.id or 0, tax_code=f"010000000{i}", name=name)
            for i, name in enumerate(["Công ty May Đình Vũ", "Công ty Luxshare", "Công ty Fuhong"])
        ]
        session.add_all(ents)
        session.flush()
        officers = []
        for i, ent in enumerate(ents):
            officer = Contact(
                channel=Channel.TELEGRAM,
                user_id=f"o{i}",
                chat_id=f"o{i}",
                display_name=f"Chị Hoa {i}",
                language="en" if i == 2 else "vi",
                role=Role.OFFICER,
                organization_id=org.id,
                enterprise_id=ent.id,
            )
            officers.append(officer)
        staff = Contact(
            channel=Channel.ZALO,
            user_id="s1",
            chat_id="s1",
            display_name="Văn phòng Ban",
            role=Role.STAFF,
            organization_id=org.id,
        )
        session.add_all([*officers, staff])
        session.flush()
        session.add(
            Submission(
                campaign_id=campaign.id or 0,
                enterprise_id=ents[0].id or 0,
                kind=DeadlineKind.LAUNCH_DOCUMENT,
                status=SubmissionStatus.ACCEPTED,
            )
        )
        session.commit()
    return {"campaign": campaign, "enterprises": ents, "officers": officers, "staff": staff}


def _plan(run: Invoke, day: str) -> dict[str, Any]:
    result = run("reminders", "plan", "--on", day, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def _reminders(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in data["messages"] if m["kind"] == DeliveryKind.REMINDER.value]


# (day, deadline kind, enterprises reminded, a phrase of the Vietnamese text)
CASES = [
    # 31/01/2025 falls in Tết: the due-day reminder goes on Friday 24/01.
    ("2025-01-17", "launch_document", [1, 2], "còn 14 ngày"),
    ("2025-01-24", "launch_document", [1, 2], "trùng ngày nghỉ"),
    ("2025-02-03", "launch_document", [1, 2], "nay đã khóa"),
    ("2025-02-05", "launch_document", [1, 2], "nay đã khóa"),
    # 15/04/2025 is a Tuesday.
    ("2025-04-01", "title_registration", [0, 1, 2], "còn 14 ngày"),
    ("2025-04-11", "title_registration", [0, 1, 2], "còn 4 ngày"),  # 12/04 is a Saturday
    ("2025-04-14", "title_registration", [0, 1, 2], "còn 1 ngày"),
    ("2025-04-15", "title_registration", [0, 1, 2], "Hôm nay, ngày 15/04/2025"),
    ("2025-04-16", "title_registration", [0, 1, 2], "nay đã khóa"),
    # 05/12/2025 is a Friday.
    ("2025-11-28", "year_end_report", [0, 1, 2], "còn 7 ngày"),
    ("2025-12-05", "year_end_report", [0, 1, 2], "Hôm nay, ngày 05/12/2025"),
    ("2025-12-10", "year_end_report", [0, 1, 2], "nay đã khóa"),
    # The commendation proposal is due 20/12/2025, a Saturday: the last reminder is on Friday.
    ("2025-12-19", "commendation_proposal", [0, 1, 2], "ngày làm việc cuối cùng trước hạn"),
]
# Days when another item is reminded too: 14 days before 20/12 is Saturday 06/12, so the
# proposal's first reminder moves to Friday 05/12, the year-end report's due date.
ALSO = {"2025-12-05": {"commendation_proposal"}}


COMMAND = {
    "launch_document": "/launch",
    "title_registration": "/register",
    "year_end_report": "/report",
    "commendation_proposal": "/propose",
}
DUE = {
    "launch_document": "31/01/2025",
    "title_registration": "15/04/2025",
    "year_end_report": "05/12/2025",
    "commendation_proposal": "20/12/2025",
}


def test_right_people_right_reminder_right_day(run: Invoke, board: dict[str, Any]) -> None:
    ents = board["enterprises"]
    for day, kind, reminded, phrase in CASES:
        data = _plan(run, day)
        assert data["date"] == day
        everything = _reminders(data)
        assert {m["deadline"] for m in everything} == {kind} | ALSO.get(day, set()), day
        reminders = [m for m in everything if m["deadline"] == kind]
        assert sorted(m["tax_code"] for m in reminders) == sorted(
            ents[i].tax_code for i in reminded
        ), day
        for m in reminders:
            assert m["not_before"].endswith("00:30:00+00:00")  # 07:30 local
            assert DUE[kind] in m["text"]
            if m["language"] == "vi":
                assert phrase in m["text"], m["text"]
            else:
                assert "deadline" in m["text"] or "due" in m["text"], m["text"]
            if "khóa" in phrase:  # locked after the due date: whom to contact, no command
                assert COMMAND[kind] not in m["text"] and "Ban Quản lý" in m["text"]
            else:
                assert COMMAND[kind] in m["text"]


def test_no_reminder_on_days_between(run: Invoke, board: dict[str, Any]) -> None:
    for day in ("2025-01-25", "2025-01-29", "2025-01-31", "2025-04-12", "2025-12-06"):
        assert _reminders(_plan(run, day)) == [], day
    # 23/01/2025 is a working day, but no offset lands on it.
    assert _reminders(_plan(run, "2025-01-23")) == []


def test_plain_output_and_nothing_written(
    run: Invoke, board: dict[str, Any], engine: Engine
) -> None:
    result = run("reminders", "plan", "--on", "2025-01-24")
    assert result.exit_code == 0, result.output
    assert "24/01/2025" in result.output
    assert "Công ty Luxshare (0100000001)" in result.output
    assert "[nhắc hạn: Văn bản phát động]" in result.output
    assert "Công ty May Đình Vũ" not in result.output  # already accepted
    assert "Third Day of Lunar New Year" in result.output  # the English officer's text
    with Session(engine) as session:
        assert session.exec(select(Delivery)).all() == []


def test_commemoration_prompt_in_the_plan(run: Invoke, board: dict[str, Any]) -> None:
    # 02/09/2025, 80 years of National Day: prompted 3 working days before (27/08).
    data = _plan(run, "2025-08-27")
    prompts = [m for m in data["messages"] if m["kind"] == "observance"]
    assert len(prompts) == 3
    vi = next(m for m in prompts if m["language"] == "vi")
    assert "kỷ niệm 80 năm" in vi["text"] and "năm chẵn" in vi["text"]


def test_bad_date_is_one_clear_line(run: Invoke, board: dict[str, Any]) -> None:
    for bad, why in (
        ("2025-02-30", "2025-02-30 không tồn tại: tháng 2 năm 2025 chỉ có 28 ngày"),
        ("hôm nay", "theo dạng YYYY-MM-DD hoặc dd/mm/yyyy"),
        ("24.01.25", "theo dạng YYYY-MM-DD hoặc dd/mm/yyyy"),
    ):
        result = run("reminders", "plan", "--on", bad)
        assert result.exit_code == 1
        assert why in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert run("reminders", "plan", "--on", "24/01/2025").exit_code == 0


def test_outbox_status(run: Invoke, board: dict[str, Any], engine: Engine) -> None:
    officer = board["officers"][1]
    campaign = board["campaign"]
    with Session(engine) as session:
        for day in (date(2025, 1, 6), date(2025, 1, 7)):
            nudge = Nudge(campaign.id, DeadlineKind.LAUNCH_DOCUMENT, day)
            enqueue(
                session, nudge, [officer.id], not_before=datetime.now(UTC), now=datetime.now(UTC)
            )
        session.commit()
    result = run("outbox", "status", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "pending": 2,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "unreachable": 0,
        "expired": 0,
        "cancelled": 0,
        "planned": 0,
    }
    text = run("outbox", "status").output
    assert "đang chờ" in text and "2" in text
    assert "hết hạn" in text and "đã hủy" in text


def test_outbox_status_counts_what_a_plan_still_has_to_queue(
    run: Invoke, board: dict[str, Any], engine: Engine, settings: Settings
) -> None:
    """A plan's reminders to a whole board are one row until the dispatcher writes them out
    per officer: the status says how many are still to come."""
    with Session(engine) as session:
        plan_day(
            session, date(2025, 1, 24), settings, now=sending_start_utc(date(2025, 1, 24), settings)
        )
        owed = len(preview_day(session, date(2025, 1, 24), settings))
    counts = json.loads(run("outbox", "status", "--json").output)
    assert owed > 0 and counts["planned"] == owed and counts["pending"] == 0
    with Session(engine) as session:
        expand(session, sending_start_utc(date(2025, 1, 24), settings), 1, email=False)
        session.commit()
    counts = json.loads(run("outbox", "status", "--json").output)
    assert counts["planned"] + counts["pending"] == owed and counts["pending"] > 0


def test_date_helper() -> None:
    from bot.cli.reminders import parse_day
    from bot.i18n import Translator

    assert parse_day(Translator("vi"), "2025-01-24") == date(2025, 1, 24)
    assert parse_day(Translator("vi"), "5/12/2025") == date(2025, 12, 5)
