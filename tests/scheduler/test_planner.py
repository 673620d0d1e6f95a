"""The planner: who gets what on which working day, written once, with a flat statement count."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import (
    Campaign,
    Contact,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    Role,
    SubmissionStatus,
)
from bot.settings import Settings
from scheduler.planner import (
    is_digest_day,
    observance_prompt_date,
    phase_end_notice_date,
    phase_start_notice_date,
    plan_day,
    preview_day,
    reminder_date,
    reminder_offset_on,
    sending_start_utc,
)
from scheduler.planner.expand import expand_all
from tests.scheduler.conftest import plan_and_expand
from tests.scheduler.factories import add_enterprises, add_staff, make_board, submit
from tests.values import present

D = date.fromisoformat
OFFSETS = [14, 7, 3, 1, 0, -1, -3]


# ------------------------------------------------------------------ working days 2024–2027


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # 31/01: launch document
        ("2024-01-31", {14: "2024-01-17", 1: "2024-01-30", 0: "2024-01-31", -3: "2024-02-05"}),
        # inside Tết 2025: the 7-, 3-, 1-day and due-day reminders all fall on 24/01
        ("2025-01-31", {7: "2025-01-24", 3: "2025-01-24", 1: "2025-01-24", 0: "2025-01-24"}),
        ("2025-01-31", {-1: "2025-02-03", -3: "2025-02-05"}),
        # a Saturday, a Sunday
        ("2026-01-31", {3: "2026-01-28", 1: "2026-01-30", 0: "2026-01-30", -1: "2026-02-02"}),
        ("2027-01-31", {1: "2027-01-29", 0: "2027-01-29", -1: "2027-02-01"}),
        # 15/04: title registration; 2026 counts over the Hùng Kings substitute day 27/04? no:
        # the -3 reminder of 15/04/2026 crosses a weekend only.
        ("2024-04-15", {3: "2024-04-12", 1: "2024-04-12", 0: "2024-04-15"}),
        ("2026-04-15", {-3: "2026-04-20"}),
        ("2027-04-15", {-1: "2027-04-19", -3: "2027-04-21"}),
        # 05/12: year-end report on a Saturday (2026) and a Sunday (2027)
        ("2026-12-05", {1: "2026-12-04", 0: "2026-12-04", -1: "2026-12-07"}),
        ("2027-12-05", {0: "2027-12-03", -3: "2027-12-08"}),
    ],
)
def test_reminder_days(due: str, expected: dict[int, str]) -> None:
    for offset, day in expected.items():
        assert reminder_date(D(due), offset) == D(day), (due, offset)


def test_colliding_reminders_send_only_the_most_urgent() -> None:
    assert reminder_offset_on(D("2025-01-31"), OFFSETS, D("2025-01-24")) == 0
    assert reminder_offset_on(D("2026-01-31"), OFFSETS, D("2026-01-30")) == 0
    assert reminder_offset_on(D("2024-04-15"), OFFSETS, D("2024-04-12")) == 1
    assert reminder_offset_on(D("2025-01-31"), OFFSETS, D("2025-01-25")) is None  # Saturday


@pytest.mark.parametrize(
    ("observance", "prompt"),
    [
        ("2024-05-07", "2024-05-03"),  # over Saturday 04/05/2024, a compensatory working day
        ("2025-04-30", "2025-04-26"),  # Saturday 26/04/2025 is worked (02/05 is off instead)
        ("2025-05-01", "2025-04-26"),
        ("2025-09-02", "2025-08-27"),  # 01/09 and 02/09/2025 off
        ("2026-09-02", "2026-08-26"),
        ("2027-02-03", "2027-01-29"),
    ],
)
def test_observance_prompt_days(observance: str, prompt: str) -> None:
    assert observance_prompt_date(D(observance), 3) == D(prompt)


def test_phase_notice_and_digest_days() -> None:
    from bot.models import Phase

    for year, first in ((2024, "2024-01-02"), (2025, "2025-01-02"), (2027, "2027-01-04")):
        phase = Phase(
            campaign_id=1,
            number=1,
            name="Đợt 1",
            starts_on=date(year, 1, 1),
            ends_on=date(year, 6, 30),
        )
        assert phase_start_notice_date(phase) == D(first)
    assert phase_end_notice_date(
        Phase(campaign_id=1, number=1, name="", starts_on=D("2024-01-01"), ends_on=D("2024-06-30"))
    ) == D("2024-06-21")  # 23/06/2024 is a Sunday
    assert is_digest_day(D("2025-02-03"))  # Monday
    assert not is_digest_day(D("2025-09-01")) and is_digest_day(D("2025-09-03"))  # 01-02/09 off
    assert not is_digest_day(D("2024-04-30")) and is_digest_day(D("2024-05-02"))
    assert not is_digest_day(D("2026-02-16")) and is_digest_day(D("2026-02-23"))  # Tết week
    assert not is_digest_day(D("2025-02-04"))


# ---------------------------------------------------------------------------- recipients


def _by_contact(messages: list[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for m in messages:
        out.setdefault(m.contact_id, []).append(m)
    return out


def test_tet_eve_reminder_goes_to_the_right_people(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        e = add_enterprises(session, board, 6)
        add_enterprises(session, board, 1, language="en")
        submit(session, board, e[0], DeadlineKind.LAUNCH_DOCUMENT, SubmissionStatus.SUBMITTED)
        submit(session, board, e[1], DeadlineKind.LAUNCH_DOCUMENT, SubmissionStatus.ACCEPTED)
        submit(session, board, e[2], DeadlineKind.LAUNCH_DOCUMENT, SubmissionStatus.DRAFT)
        submit(
            session,
            board,
            e[3],
            DeadlineKind.LAUNCH_DOCUMENT,
            SubmissionStatus.RETURNED,
            note="thiếu chữ ký của Giám đốc",
        )
        e[4].active = False
        unreachable = board.officers[5]
        unreachable.reachable = False
        add_staff(session, board)
        other = make_board(session, 2025, slug="soctrang")
        add_enterprises(session, other, 2)
        session.commit()
        officers = {c.id: c for c in board.officers}
        messages = preview_day(session, D("2025-01-24"), settings)
    # Everyone of this board who has not submitted (draft and returned count), plus the
    # other board's officers for their own campaign.
    mine = [m for m in messages if m.contact_id in officers]
    expected = {e[2].id, e[3].id, board.enterprises[6].id}
    assert {officers[m.contact_id].enterprise_id for m in mine} == expected
    assert all(m.kind is DeliveryKind.REMINDER for m in messages)
    assert len(messages) == 3 + 2
    text = {officers[m.contact_id].enterprise_id: m.text for m in mine}
    assert "31/01/2025" in text[e[2].id] and "Tết" in text[e[2].id]
    assert "ngày làm việc cuối cùng trước hạn" in text[e[2].id]
    assert "bản nháp chưa được gửi" in text[e[2].id]
    assert "thiếu chữ ký của Giám đốc" in text[e[3].id]
    assert "/launch" in text[e[3].id]
    english = text[board.enterprises[6].id]
    assert "last working day before the deadline" in english and "Lunar New Year" in english
    # Due at the start of sending hours, 07:30 local = 00:30 UTC.
    assert {m.not_before for m in messages} == {datetime.fromisoformat("2025-01-24T00:30:00+00:00")}


def test_each_deadline_has_its_command_and_overdue_wording(
    engine: Engine, settings: Settings
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 2)
        session.commit()
        before = preview_day(session, D("2025-04-14"), settings)  # 1 day before 15/04
        due_day = preview_day(session, D("2025-04-15"), settings)
        overdue = preview_day(session, D("2025-12-10"), settings)  # 3 working days after 05/12
        nothing = preview_day(session, D("2025-04-13"), settings)  # Sunday
    assert len(before) == 2 and "/register" in before[0].text and "còn 1 ngày" in before[0].text
    assert "Hôm nay, ngày 15/04/2025" in due_day[0].text
    # after the due date a locked item is closed: whom to contact, never the command
    assert "/report" not in overdue[0].text and "đã khóa" in overdue[0].text
    assert "Ban Quản lý các KCN tỉnh Bắc Giang" in overdue[0].text
    assert nothing == []


def test_commemoration_prompt_with_round_anniversary(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 2)
        add_enterprises(session, board, 1, language="en")
        add_staff(session, board)
        session.commit()
        messages = preview_day(session, D("2025-08-27"), settings)
    assert {m.kind for m in messages} == {DeliveryKind.OBSERVANCE}
    assert len(messages) == 3  # officers only
    vi = next(m for m in messages if m.language == "vi").text
    assert "kỷ niệm 80 năm Quốc khánh" in vi
    assert "02/09/2025" in vi and "năm chẵn" in vi
    assert "Thi đua hoàn thành thắng lợi các chỉ tiêu năm." in vi  # the phase's call
    en = next(m for m in messages if m.language == "en").text
    assert "80 years of" in en and "round anniversary" in en


def test_phase_notices(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 1)
        session.commit()
        start = preview_day(session, D("2025-07-01"), settings)
        end = preview_day(session, D("2025-06-23"), settings)
    assert [m.kind for m in start] == [DeliveryKind.PHASE_NOTICE]
    assert "01/07/2025" in start[0].text and "31/12/2025" in start[0].text
    phase_end = [m for m in end if m.kind is DeliveryKind.PHASE_NOTICE]
    assert len(phase_end) == 1 and "30/06/2025" in phase_end[0].text
    assert "sơ kết 6 tháng" in phase_end[0].text


def test_monday_digest_for_staff_and_cluster_leaders(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        e = add_enterprises(session, board, 6)  # clusters alternate: 0,2,4 in Cụm 1
        submit(session, board, e[0], DeadlineKind.LAUNCH_DOCUMENT, SubmissionStatus.ACCEPTED)
        submit(session, board, e[1], DeadlineKind.LAUNCH_DOCUMENT, SubmissionStatus.RETURNED)
        staff = add_staff(session, board)
        leader = add_staff(session, board, Role.CLUSTER_LEADER, cluster=board.clusters[0])
        session.commit()
        messages = preview_day(session, D("2025-02-10"), settings)
        assert preview_day(session, D("2025-02-11"), settings) == []
    digests = {m.contact_id: m for m in messages if m.kind is DeliveryKind.DIGEST}
    assert set(digests) == {staff.id, leader.id}
    whole = digests[present(staff.id)].text
    assert "1 đã duyệt, 1 bị trả lại, 0 đang soạn, 4 chưa nộp (chưa bắt đầu); tổng 6" in whole
    assert "Quá hạn (5):" in whole
    cluster = digests[present(leader.id)].text
    assert "Cụm 1" in cluster
    assert (
        "1 đã duyệt, 0 bị trả lại, 0 đang soạn, 2 chưa nộp (chưa bắt đầu); tổng 3 doanh nghiệp"
        in cluster
    )
    assert "Quá hạn (2):" in cluster
    assert "Công ty 0001" not in cluster and "Công ty 0002" in cluster


# ------------------------------------------------------------------------ writing, twice


def test_planning_twice_plans_nothing_new(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 5, contacts_each=2)
        add_staff(session, board)
        session.commit()
        first = plan_and_expand(session, D("2025-02-03"), settings)
        second = plan_and_expand(session, D("2025-02-03"), settings)
        rows = session.exec(select(Delivery)).all()
    # one fan-out for the board's 10 officers, one digest
    assert first.inserted == first.candidates == 1 + 1 and first.fanouts == 1
    assert first.by_kind == {"reminder": 1, "digest": 1}
    assert second.candidates == 2 and second.inserted == 0
    assert len(rows) == 11
    assert len({r.dedupe_key for r in rows}) == 11


def test_two_planners_at_once_never_double(engine: Engine, settings: Settings) -> None:
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 40)
        session.commit()
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def plan() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                barrier.wait()
                results.append(plan_day(session, D("2025-01-24"), settings).inserted)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(results) == 1  # the reminder's one fan-out, once
    with Session(engine, expire_on_commit=False) as session:
        expand_all(session, sending_start_utc(D("2025-01-24"), settings))
        assert len(session.exec(select(Delivery)).all()) == 40


@contextmanager
def _count_statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_statement_count_does_not_grow_with_enterprises(engine: Engine, settings: Settings) -> None:
    """Plan a busy day (reminders, a digest) for 5 and then 60 enterprises."""
    counts = []
    for n, slug in ((5, "small"), (60, "large")):
        with Session(engine, expire_on_commit=False) as session:
            for c in session.exec(select(Campaign)).all():
                c.active = False  # only this round's board is planned
            board = make_board(session, 2025, slug=slug)
            add_enterprises(session, board, n, contacts_each=2)
            add_staff(session, board)
            add_staff(session, board, Role.CLUSTER_LEADER, cluster=board.clusters[1])
            for ent in board.enterprises[::3]:
                submit(session, board, ent, DeadlineKind.LAUNCH_DOCUMENT)
            session.commit()
        with Session(engine, expire_on_commit=False) as session, _count_statements(engine) as seen:
            result = plan_day(session, D("2025-02-03"), settings)
        # a fan-out for the officers, the digest to the two staff: rows do not grow either
        assert result.fanouts == 1 and result.inserted == 1 + 2
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12


def test_contacts_are_real_rows(engine: Engine) -> None:
    """Guard for the factories: officers are linked and staff are not."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        add_enterprises(session, board, 2)
        staff = add_staff(session, board)
        session.commit()
        officers = session.exec(select(Contact).where(Contact.role == Role.OFFICER)).all()
    assert len(officers) == 2 and all(o.enterprise_id for o in officers)
    assert staff.enterprise_id is None


def test_long_digest_is_capped_for_zalo(engine: Engine, settings: Settings) -> None:
    """80 items overdue: the digest lists what fits (15 at most) and points to the export,
    under 2,000 characters (Zalo's limit for one message)."""
    with Session(engine, expire_on_commit=False) as session:
        board = make_board(session, 2025)
        for ent in add_enterprises(session, board, 40, contacts_each=0):
            ent.name = "Công ty TNHH Một thành viên Khu công nghiệp Quang Châu số " + ent.name
        add_staff(session, board)
        session.commit()
        [digest] = [
            m for m in preview_day(session, D("2025-06-23"), settings) if m.kind == "digest"
        ]
    assert "Quá hạn (80):" in digest.text  # 40 launch documents + 40 registrations
    listed = digest.text.count("\n• Công ty")
    assert 5 <= listed <= 15
    assert f"…và {80 - listed} mục khác" in digest.text
    assert len(digest.text) < 2000
