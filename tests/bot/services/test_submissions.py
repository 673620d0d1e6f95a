"""Submissions on both databases: editing, locking at local midnight, receipts, review, status."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.i18n import Translator
from bot.models import (
    Attachment,
    AuditEntry,
    Campaign,
    Channel,
    Cluster,
    Contact,
    Deadline,
    DeadlineKind,
    Enterprise,
    Nominee,
    Organization,
    Receipt,
    RegistrationEntry,
    Role,
    Submission,
    SubmissionStatus,
)
from bot.services import drafts
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import (
    InvalidFile,
    InvalidInput,
    InvalidNumber,
    InvalidState,
    NotFound,
    NotReviewable,
    SubmissionIncomplete,
    SubmissionLocked,
    WrongKind,
)
from bot.services.items import kind_label
from bot.services.numbers import report_figures
from bot.services.submissions import finding

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller

REG = DeadlineKind.TITLE_REGISTRATION
REPORT = DeadlineKind.YEAR_END_REPORT
LAUNCH = DeadlineKind.LAUNCH_DOCUMENT
SIX = DeadlineKind.SIX_MONTH_REPORT

# 10:00 local (UTC+7) on 10/04/2024, before the registration deadline of 15/04
APRIL = datetime(2024, 4, 10, 3, 0, tzinfo=UTC)
# 23:59:59 local on the due date, and 00:00:00 local the day after
LAST_SECOND = datetime(2024, 4, 15, 16, 59, 59, tzinfo=UTC)
MIDNIGHT = datetime(2024, 4, 15, 17, 0, 0, tzinfo=UTC)
NOVEMBER = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)
JANUARY = datetime(2024, 1, 20, 2, 0, tzinfo=UTC)
SHA = "ab" * 32


@dataclass
class World:
    session: Session
    organization: Organization
    campaign: Campaign
    enterprise: Enterprise
    neighbour: Enterprise
    stranger: Enterprise
    officer: Contact
    staff: Contact
    cluster_a: Cluster
    cluster_b: Cluster

    def item(self, kind: DeadlineKind, enterprise: Enterprise | None = None) -> Submission:
        ent = enterprise or self.enterprise
        assert self.campaign.id is not None and ent.id is not None
        return subs.get_or_create_submission(
            self.session, self.campaign.id, ent.id, kind, Act(APRIL, TZ)
        )


def make_world(session: Session) -> World:
    """A board with a 2024 campaign (four deadlines), three enterprises and two contacts."""
    org = Organization(slug="bac-giang", name="BQL các KCN Bắc Giang", province="Bắc Giang")
    other = Organization(slug="soc-trang", name="BQL Sóc Trăng", province="Sóc Trăng")
    session.add_all([org, other])
    session.flush()
    assert org.id is not None and other.id is not None
    cluster_a = Cluster(organization_id=org.id, name="Cụm 1")
    cluster_b = Cluster(organization_id=org.id, name="Cụm 2")
    session.add_all([cluster_a, cluster_b])
    session.flush()
    campaign = Campaign(
        organization_id=org.id,
        template="bac-giang-kcn",
        year=2024,
        title="Phong trào thi đua năm 2024",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    for kind, due in (
        (LAUNCH, date(2024, 1, 31)),
        (REG, date(2024, 4, 15)),
        (SIX, date(2024, 7, 10)),
        (REPORT, date(2024, 12, 5)),
    ):
        session.add(Deadline(campaign_id=campaign.id, kind=kind, due_on=due))
    enterprise = Enterprise(
        organization_id=org.id, tax_code="2400123456", name="Công ty A", cluster_id=cluster_a.id
    )
    neighbour = Enterprise(
        organization_id=org.id, tax_code="2400654321", name="Công ty B", cluster_id=cluster_b.id
    )
    stranger = Enterprise(organization_id=other.id, tax_code="2200111111", name="Công ty C")
    session.add_all([enterprise, neighbour, stranger])
    session.flush()
    officer = Contact(
        channel=Channel.TELEGRAM, user_id="1", chat_id="1", enterprise_id=enterprise.id
    )
    staff = Contact(
        channel=Channel.TELEGRAM, user_id="2", chat_id="2", role=Role.STAFF, organization_id=org.id
    )
    session.add_all([officer, staff])
    session.flush()
    return World(
        session,
        org,
        campaign,
        enterprise,
        neighbour,
        stranger,
        officer,
        staff,
        cluster_a,
        cluster_b,
    )


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    with Session(engine, expire_on_commit=False) as session:
        yield make_world(session)
        session.commit()


def fill_registration(w: World, item: Submission, now: datetime = APRIL) -> None:
    for i in range(7):
        subs.add_entry(
            w.session, item, Nominee.INDIVIDUAL, "LDTT", f"Công nhân {i}", act=Act(now, TZ)
        )
    subs.add_entry(
        w.session,
        item,
        "individual",
        "CSTD_CS",
        "Công nhân 0",
        "Tổ trưởng",
        "",
        True,
        act=Act(now, TZ),
    )
    subs.add_entry(
        w.session, item, Nominee.COLLECTIVE, "TT_LDXS", act=Act(now, TZ), unit_name="Phân xưởng May"
    )


def audit_actions(session: Session) -> list[str]:
    return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()]


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# --- creating and finding ---------------------------------------------------------------


def test_get_or_create_is_idempotent_and_checks_the_board(world: World) -> None:
    first = world.item(REG)
    again = world.item(REG)
    assert first.id == again.id and first.status == SubmissionStatus.DRAFT and first.version == 0
    assert world.item(REPORT).id != first.id
    assert audit_actions(world.session) == ["submission.create", "submission.create"]
    with pytest.raises(NotFound):
        world.item(REG, world.stranger)
    with pytest.raises(InvalidInput):
        assert world.campaign.id and world.enterprise.id
        subs.get_or_create_submission(
            world.session, world.campaign.id, world.enterprise.id, "x", Act(APRIL, TZ)
        )


def test_two_instances_creating_the_same_item_get_one_row(
    world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Instance B looked before instance A created the row: B's insert yields to A's."""
    world.session.commit()
    assert world.campaign.id is not None and world.enterprise.id is not None
    created = world.item(REPORT)
    world.session.commit()
    real_find = finding._find
    calls = []

    def find_late(*args: object) -> Submission | None:
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(finding, "_find", find_late)
    with Session(engine) as other:
        found = subs.get_or_create_submission(
            other, world.campaign.id, world.enterprise.id, REPORT, Act(APRIL, TZ)
        )
        assert found.id == created.id
        other.commit()
    assert len(calls) == 2
    rows = world.session.exec(select(Submission).where(Submission.kind == REPORT)).all()
    assert len(rows) == 1
    assert audit_actions(world.session).count("submission.create") == 1


def test_deadline_for(world: World) -> None:
    assert world.campaign.id is not None
    deadline = subs.deadline_for(world.session, world.campaign.id, REG)
    assert deadline is not None and deadline.due_on == date(2024, 4, 15)
    assert subs.deadline_for(world.session, world.campaign.id + 1, REG) is None


# --- registration entries ---------------------------------------------------------------


def test_add_entry_trims_and_validates(world: World) -> None:
    item = world.item(REG)
    entry = subs.add_entry(
        world.session,
        item,
        "individual",
        "ldtt",
        "  Nguyễn   Văn An ",
        " Kỹ sư ",
        act=Act(APRIL, TZ),
    )
    assert (entry.full_name, entry.position, entry.title_code) == ("Nguyễn Văn An", "Kỹ sư", "LDTT")
    unit = subs.add_entry(
        world.session,
        item,
        Nominee.COLLECTIVE,
        "TT_LDTT",
        "ignored",
        "x",
        "Phòng HCNS",
        True,
        act=Act(APRIL, TZ),
    )
    assert unit.full_name == "" and unit.unit_name == "Phòng HCNS" and not unit.has_initiative
    assert [e.id for e in subs.list_entries(world.session, item)] == [entry.id, unit.id]

    bad_calls = [
        dict(nominee="individual", title_code="TT_LDXS", full_name="Trần Bình"),
        dict(nominee="collective", title_code="LDTT", unit_name="Tổ 1"),
        dict(nominee="individual", title_code="LDTT", full_name="   "),
        dict(nominee="individual", title_code="LDTT", full_name="12345"),
        dict(nominee="individual", title_code="LDTT", full_name="A" * 256),
        dict(nominee="collective", title_code="TT_LDTT", unit_name=""),
        dict(nominee="robot", title_code="LDTT", full_name="R2"),
        dict(nominee="individual", title_code="LDTT", full_name="nguyễn văn an"),  # duplicate
    ]
    for call in bad_calls:
        with pytest.raises(InvalidInput) as info:
            subs.add_entry(world.session, item, act=Act(APRIL, TZ), **call)  # type: ignore[arg-type]
        assert info.value.message(Translator("vi"))
    with pytest.raises(NotFound):
        subs.add_entry(world.session, item, "individual", "NOPE", "Trần Bình", act=Act(APRIL, TZ))
    assert len(subs.list_entries(world.session, item)) == 2
    assert audit_actions(world.session).count("registration.entry_add") == 2


def test_entries_only_on_a_registration(world: World) -> None:
    with pytest.raises(WrongKind) as info:
        subs.add_entry(
            world.session, world.item(REPORT), "individual", "LDTT", "An", act=Act(APRIL, TZ)
        )
    assert "Year-end report" in info.value.message(Translator("en"))


def test_update_and_remove_entry(world: World) -> None:
    item = world.item(REG)
    entry = subs.add_entry(
        world.session, item, "individual", "LDTT", "Lê Cường", act=Act(APRIL, TZ)
    )
    assert entry.id is not None
    updated = subs.update_entry(
        world.session, item, entry.id, Act(APRIL, TZ), title_code="CSTD_CS", has_initiative=True
    )
    assert updated.title_code == "CSTD_CS" and updated.full_name == "Lê Cường"
    with pytest.raises(InvalidInput):
        subs.update_entry(world.session, item, entry.id, Act(APRIL, TZ), nominee="collective")
    assert world.session.get(RegistrationEntry, entry.id).nominee == Nominee.INDIVIDUAL  # type: ignore[union-attr]
    other = world.item(REG, world.neighbour)
    with pytest.raises(NotFound):
        subs.remove_entry(world.session, other, entry.id, Act(APRIL, TZ))
    subs.remove_entry(world.session, item, entry.id, Act(APRIL, TZ))
    assert subs.list_entries(world.session, item) == []
    update = next(
        e
        for e in world.session.exec(select(AuditEntry)).all()
        if e.action == "registration.entry_update"
    )
    assert update.before and update.before["title_code"] == "LDTT"
    assert update.after and update.after["title_code"] == "CSTD_CS"
    assert update.subject == f"submission:{item.id}"


# --- submitting, receipts, history -------------------------------------------------------


def test_submit_refuses_an_empty_or_rule_breaking_registration(world: World) -> None:
    item = world.item(REG)
    with pytest.raises(SubmissionIncomplete) as info:
        subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    assert len(info.value.problems) == 1
    subs.add_entry(world.session, item, "individual", "CSTD_CS", "Phạm Dũng", act=Act(APRIL, TZ))
    with pytest.raises(SubmissionIncomplete) as info:
        subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    rules = [p.msgid for p in info.value.problems]
    assert len(rules) == 3  # no LĐTT, no initiative, over the cap (0 of 0 allowed)
    text = info.value.message(Translator("en"))
    assert "Phạm Dũng has no initiative recorded" in text and "allow no" in text
    assert item.status == SubmissionStatus.DRAFT and item.version == 0
    assert count(world.session, Receipt) == 0
    assert len(subs.violations(world.session, item)) == 3


def test_submit_gives_a_receipt_and_keeps_history(world: World) -> None:
    item = world.item(REG)
    fill_registration(world, item)
    receipt = subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    assert re.fullmatch(r"DK-2024-\d{6}", receipt.number)
    assert receipt.number == f"DK-2024-{receipt.id:06d}"
    assert item.status == SubmissionStatus.SUBMITTED and item.version == 1
    assert item.receipt_number == receipt.number and item.submitted_at == APRIL
    assert item.submitted_by_contact_id == world.officer.id
    assert len(receipt.snapshot["entries"]) == 9 and receipt.snapshot["version"] == 1

    # resubmitting before the deadline makes a new receipt, the first one stays
    later = APRIL + timedelta(days=1)
    second = subs.submit(world.session, item, Act(later, TZ, world.officer.id))
    assert second.number != receipt.number and second.version == 2 and item.version == 2

    # changing a submitted item makes a draft beside it: still submitted, same receipt
    entry = subs.add_entry(
        world.session, item, "individual", "LDTT", "Người mới", act=Act(later, TZ)
    )
    assert item.status == SubmissionStatus.SUBMITTED and item.draft_open
    assert item.receipt_number == second.number
    third = subs.submit(world.session, item, Act(later, TZ, world.officer.id))
    history = subs.receipts(world.session, item)
    assert [r.version for r in history] == [1, 2, 3]
    assert [len(r.snapshot["entries"]) for r in history] == [9, 9, 10]
    assert third.snapshot["entries"][-1]["full_name"] == entry.full_name
    assert audit_actions(world.session).count("submission.submit") == 3
    assert "submission.draft_open" in audit_actions(world.session)
    assert not item.draft_open
    world.session.commit()
    world.session.expire_all()
    stored = world.session.get(Receipt, receipt.id)
    assert stored is not None and len(stored.snapshot["entries"]) == 9


def test_receipt_numbers_are_unique_across_enterprises(world: World) -> None:
    numbers = set()
    for enterprise in (world.enterprise, world.neighbour):
        item = world.item(REG, enterprise)
        fill_registration(world, item)
        numbers.add(subs.submit(world.session, item, Act(APRIL, TZ)).number)
    assert len(numbers) == 2


def subs_entry_key(entry: RegistrationEntry) -> tuple[str, str, str, str]:
    return (entry.nominee, entry.full_name, entry.unit_name, entry.title_code)


def test_reopen_before_the_deadline(world: World) -> None:
    item = world.item(REG)
    with pytest.raises(InvalidState):
        subs.reopen(world.session, item, Act(APRIL, TZ))
    fill_registration(world, item)
    receipt = subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    subs.reopen(world.session, item, Act(APRIL, TZ, world.officer.id))
    # the submitted version stays in force beside the draft
    assert item.status == SubmissionStatus.SUBMITTED and item.receipt_number == receipt.number
    assert item.draft_open and item.draft_contact_id == world.officer.id
    assert subs.receipts(world.session, item) == [receipt]
    entries = subs.list_entries(world.session, item)
    subs.remove_entry(world.session, item, entries[0].id, Act(APRIL, TZ))  # type: ignore[arg-type]
    subs.add_entry(world.session, item, "individual", "LDTT", "Người mới", act=Act(APRIL, TZ))
    # abandoning the draft puts back exactly what the receipt shows
    assert drafts.discard_draft(world.session, item, Act(APRIL, TZ))
    assert not item.draft_open and item.version == 1
    assert [subs_entry_key(e) for e in subs.list_entries(world.session, item)] == [
        subs_entry_key(e) for e in entries
    ]
    assert not drafts.discard_draft(world.session, item, Act(APRIL, TZ))
    subs.reopen(world.session, item, Act(APRIL, TZ, world.officer.id))
    subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    assert not item.draft_open and item.version == 2
    with pytest.raises(SubmissionLocked):
        subs.reopen(world.session, item, Act(MIDNIGHT, TZ))
    assert item.status == SubmissionStatus.SUBMITTED


# --- the deadline, at local midnight ----------------------------------------------------


def test_the_lock_follows_the_time_zone_the_caller_hands_in(world: World) -> None:
    """The instant that is midnight after the due date in Hồ Chí Minh City is still the due
    date in a board configured for UTC: the rule uses the zone given, not a global one."""
    item = world.item(REG)
    assert subs.is_locked(world.session, item, MIDNIGHT, tz=TZ)
    assert not subs.is_locked(world.session, item, MIDNIGHT, tz=UTC)
    subs.add_entry(world.session, item, "individual", "LDTT", "Giờ UTC", act=Act(MIDNIGHT, UTC))
    with pytest.raises(SubmissionLocked):
        subs.add_entry(world.session, item, "individual", "LDTT", "Giờ VN", act=Act(MIDNIGHT, TZ))


def test_lock_starts_at_local_midnight_after_the_due_date(world: World) -> None:
    item = world.item(REG)
    fill_registration(world, item)
    assert not subs.is_locked(world.session, item, LAST_SECOND, tz=TZ)
    subs.add_entry(
        world.session, item, "individual", "GIAY_KHEN", "Vũ Giang", act=Act(LAST_SECOND, TZ)
    )
    subs.submit(world.session, item, Act(LAST_SECOND, TZ, world.officer.id))
    assert subs.is_locked(world.session, item, MIDNIGHT, tz=TZ)
    before = len(subs.list_entries(world.session, item))
    with pytest.raises(SubmissionLocked) as info:
        subs.add_entry(world.session, item, "individual", "LDTT", "Quá Hạn", act=Act(MIDNIGHT, TZ))
    assert info.value.params["date"] == date(2024, 4, 15)
    vi = info.value.message(Translator("vi"))
    en = info.value.message(Translator("en"))
    assert "15/04/2024" in vi and "15/04/2024" in en and "board office" in en
    with pytest.raises(SubmissionLocked):
        subs.submit(world.session, item, Act(MIDNIGHT, TZ, world.officer.id))
    entry_id = subs.list_entries(world.session, item)[0].id
    assert entry_id is not None
    with pytest.raises(SubmissionLocked):
        subs.remove_entry(world.session, item, entry_id, Act(MIDNIGHT, TZ))
    with pytest.raises(SubmissionLocked):
        subs.update_entry(world.session, item, entry_id, Act(MIDNIGHT, TZ), full_name="X Y")
    with pytest.raises(SubmissionLocked):
        subs.attach_file(world.session, item, "a.pdf", "", 10, "/f/a", SHA, Act(MIDNIGHT, TZ))
    assert len(subs.list_entries(world.session, item)) == before
    assert item.version == 1 and item.status == SubmissionStatus.SUBMITTED


def test_the_lock_ignores_the_utc_date(world: World) -> None:
    """07:00 local on 16/04 is still 15/04 in UTC: locked all the same."""
    item = world.item(REG)
    assert subs.is_locked(world.session, item, datetime(2024, 4, 16, 0, 0, tzinfo=UTC), tz=TZ)
    # 06:30 local on 15/04 is 14/04 in UTC: open
    assert not subs.is_locked(world.session, item, datetime(2024, 4, 14, 23, 30, tzinfo=UTC), tz=TZ)


def test_naive_now_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="naive"):
        subs.is_locked(world.session, world.item(REG), datetime(2024, 4, 10), tz=TZ)


# --- review -----------------------------------------------------------------------------


def test_accept_locks_for_good(world: World) -> None:
    item = world.item(REG)
    with pytest.raises(NotReviewable):
        subs.accept(world.session, item, Act(APRIL, TZ, world.staff.id))
    fill_registration(world, item)
    subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    subs.accept(world.session, item, Act(APRIL, TZ, world.staff.id))
    assert (
        item.status == SubmissionStatus.ACCEPTED and item.reviewed_by_contact_id == world.staff.id
    )
    assert subs.is_locked(world.session, item, APRIL, tz=TZ)
    with pytest.raises(SubmissionLocked) as info:
        subs.add_entry(world.session, item, "individual", "LDTT", "Muộn", act=Act(APRIL, TZ))
    assert "accepted" in info.value.message(Translator("en"))
    with pytest.raises(NotReviewable):
        subs.return_submission(world.session, item, "late", Act(APRIL, TZ, world.staff.id))


def test_return_needs_a_reason_and_allows_a_fix_after_the_deadline(world: World) -> None:
    item = world.item(REG)
    fill_registration(world, item)
    subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    for reason in ("", "   \n  "):
        with pytest.raises(InvalidInput):
            subs.return_submission(world.session, item, reason, Act(MIDNIGHT, TZ, world.staff.id))
    assert item.status == SubmissionStatus.SUBMITTED
    after = MIDNIGHT + timedelta(days=3)
    subs.return_submission(
        world.session, item, "Thiếu chức vụ của Công nhân 1", Act(after, TZ, world.staff.id)
    )
    # mypy keeps the narrowing of the assert above across the call that changes the status.
    assert item.status == SubmissionStatus.RETURNED and item.review_note  # type: ignore[comparison-overlap]
    assert not subs.is_locked(world.session, item, after, tz=TZ)
    [status] = [
        s
        for s in subs.item_statuses(
            world.session, world.campaign.id, world.enterprise.id, subs.local_date(after, TZ)
        )
        if s.kind == REG
    ]
    assert status.state == "returned" and status.return_reason == "Thiếu chức vụ của Công nhân 1"
    assert status.overdue and not status.locked
    entry = subs.list_entries(world.session, item)[1]
    assert entry.id is not None
    subs.update_entry(world.session, item, entry.id, Act(after, TZ), position="Thợ may")
    assert item.status == SubmissionStatus.RETURNED  # still returned until resubmitted
    receipt = subs.submit(world.session, item, Act(after, TZ, world.officer.id))
    assert receipt.version == 2 and item.status == SubmissionStatus.SUBMITTED
    assert item.review_note is None
    assert subs.is_locked(world.session, item, after, tz=TZ)  # submitted after the deadline: closed
    actions = audit_actions(world.session)
    assert actions.index("submission.return") < actions.index("registration.entry_update")


def test_next_for_review_is_the_oldest_submitted(world: World) -> None:
    assert world.organization.id is not None
    assert subs.next_for_review(world.session, world.organization.id) is None
    first = world.item(REG, world.neighbour)
    fill_registration(world, first)
    subs.submit(world.session, first, Act(APRIL, TZ))
    second = world.item(REG)
    fill_registration(world, second)
    subs.submit(world.session, second, Act(APRIL + timedelta(hours=1), TZ))
    assert subs.next_for_review(world.session, world.organization.id) == first
    assert subs.next_for_review(world.session, world.organization.id, world.cluster_a.id) == second
    assert subs.next_for_review(world.session, world.organization.id, kind=REPORT) is None
    subs.accept(world.session, first, Act(APRIL, TZ, world.staff.id))
    assert subs.next_for_review(world.session, world.organization.id) == second
    assert world.stranger.organization_id is not None
    assert subs.next_for_review(world.session, world.stranger.organization_id) is None


# --- reports ----------------------------------------------------------------------------


def fill_report(w: World, item: Submission, now: datetime = NOVEMBER) -> None:
    typed = {
        "revenue": "1.250,5 tỷ đồng",
        "growth": "12,5%",
        "industrial_output": "1.100",
        "exports": "45,25",
        "average_income": "9,8",
        "workers": "1.250",
        "taxes": "35",
        "initiatives": "12",
        "iso9001": "có",
        "social_insurance": "100",
        "accidents": "0",
    }
    for code, text in typed.items():
        subs.set_figure(w.session, item, code, text, Act(now, TZ))
    subs.set_narrative(
        w.session, item, "Hoàn thành vượt kế hoạch.\n\n\n\nÁp dụng 12 sáng kiến.", Act(now, TZ)
    )
    subs.attach_file(
        w.session, item, "bao-cao.pdf", "application/pdf", 2048, "/f/r.pdf", SHA, Act(now, TZ)
    )


def test_year_end_report(world: World) -> None:
    item = world.item(REPORT)
    assert (
        subs.set_figure(world.session, item, "revenue", "540.000 tỷ đồng", Act(NOVEMBER, TZ))
        == 540000
    )
    for code, text in (
        ("revenue", "abc"),
        ("revenue", "-1"),
        ("workers", "12,5"),
        ("growth", "1,234"),
    ):
        with pytest.raises(InvalidNumber):
            subs.set_figure(world.session, item, code, text, Act(NOVEMBER, TZ))
    with pytest.raises(NotFound):
        subs.set_figure(world.session, item, "colour", "1", Act(NOVEMBER, TZ))
    details = subs.report_details(world.session, item)
    assert details.figures == {"revenue": Decimal(540000)}
    required = [f.code for f in report_figures() if f.required]
    assert details.missing_figures == [c for c in required if c != "revenue"]
    with pytest.raises(SubmissionIncomplete) as info:
        subs.submit(world.session, item, Act(NOVEMBER, TZ, world.officer.id))
    assert len(info.value.problems) == len(required) - 1 + 2  # + narrative + signed file
    assert "Tốc độ tăng trưởng so với năm trước" in info.value.message(Translator("vi"))
    with pytest.raises(InvalidInput):
        subs.set_narrative(world.session, item, " \n ", Act(NOVEMBER, TZ))

    fill_report(world, item)
    details = subs.report_details(world.session, item)
    assert details.figures["revenue"] == Decimal("1250.5")
    assert details.figures["iso9001"] == 1
    assert details.narrative == "Hoàn thành vượt kế hoạch.\n\nÁp dụng 12 sáng kiến."
    assert details.missing_figures == []
    receipt = subs.submit(world.session, item, Act(NOVEMBER, TZ, world.officer.id))
    assert receipt.number.startswith("BC-2024-")
    assert receipt.snapshot["figures"]["exports"] == "45.25"
    assert receipt.snapshot["attachments"][0]["file_name"] == "bao-cao.pdf"
    with pytest.raises(WrongKind):
        subs.set_figure(world.session, world.item(REG), "revenue", "1", Act(NOVEMBER, TZ))
    assert "report.figure_set" in audit_actions(world.session)


def test_six_month_report_uses_the_same_figures(world: World) -> None:
    item = world.item(SIX)
    fill_report(world, item, datetime(2024, 7, 1, 2, 0, tzinfo=UTC))
    receipt = subs.submit(world.session, item, Act(datetime(2024, 7, 1, 2, 0, tzinfo=UTC), TZ))
    assert receipt.number.startswith("SK-2024-")


# --- launch document and files ------------------------------------------------------------


def test_launch_document(world: World) -> None:
    item = world.item(LAUNCH)
    for number, when in (
        ("", date(2024, 1, 10)),
        ("12/KH-CĐ", date(2024, 1, 21)),
        ("12/KH-CĐ", date(2021, 12, 1)),
    ):
        with pytest.raises(InvalidInput):
            subs.set_launch_document(world.session, item, number, when, Act(JANUARY, TZ))
    with pytest.raises(SubmissionIncomplete) as info:
        subs.submit(world.session, item, Act(JANUARY, TZ, world.officer.id))
    assert len(info.value.problems) == 3
    document = subs.set_launch_document(
        world.session, item, " 12/KH-CĐ ", date(2024, 1, 15), Act(JANUARY, TZ)
    )
    assert document.document_number == "12/KH-CĐ"
    subs.set_launch_document(world.session, item, "13/KH-CĐ", date(2024, 1, 16), Act(JANUARY, TZ))
    subs.attach_file(
        world.session, item, "trang1.jpg", "image/jpeg", 300_000, "/f/1", "", Act(JANUARY, TZ)
    )
    receipt = subs.submit(world.session, item, Act(JANUARY, TZ, world.officer.id))
    assert receipt.number.startswith("PD-2024-")
    assert receipt.snapshot["document_number"] == "13/KH-CĐ"
    assert receipt.snapshot["document_date"] == "2024-01-16"
    sets = [
        e for e in world.session.exec(select(AuditEntry)).all() if e.action == "launch.document_set"
    ]
    assert sets[1].before == {"number": "12/KH-CĐ", "date": "2024-01-15"}


def test_attach_file_rules(world: World) -> None:
    item = world.item(REPORT)
    bad = [
        ("virus.exe", "application/octet-stream", 10),
        ("bao-cao.doc", "application/msword", 10),
        ("bao-cao.pdf", "application/pdf", 0),
        ("bao-cao.pdf", "application/pdf", 20 * 1024 * 1024 + 1),
    ]
    for name, mime, size in bad:
        with pytest.raises(InvalidFile):
            subs.attach_file(world.session, item, name, mime, size, "/f/x", "", Act(NOVEMBER, TZ))
    with pytest.raises(InvalidFile) as info:
        subs.attach_file(
            world.session, item, "big.pdf", "", 25 * 1024 * 1024, "/f/x", "", Act(NOVEMBER, TZ)
        )
    assert "25 MB" in info.value.message(Translator("en"))
    assert count(world.session, Attachment) == 0

    ok = subs.attach_file(
        world.session,
        item,
        "C:\\Users\\hr\\BC.XLSX",
        "",
        20 * 1024 * 1024,
        "/f/1",
        SHA,
        Act(NOVEMBER, TZ),
    )
    assert ok.file_name == "BC.XLSX" and ok.mime_type.endswith("spreadsheetml.sheet")
    again = subs.attach_file(
        world.session, item, "copy.xlsx", "", 5, "/f/2", SHA.upper(), Act(NOVEMBER, TZ)
    )
    assert again.id == ok.id  # same content: recorded once
    photo = subs.attach_file(
        world.session, item, "photo", "image/jpeg", 5, "/f/3", "", Act(NOVEMBER, TZ)
    )
    assert photo.mime_type == "image/jpeg"
    assert [a.id for a in subs.list_attachments(world.session, item)] == [ok.id, photo.id]
    assert photo.id is not None
    subs.remove_attachment(world.session, item, photo.id, Act(NOVEMBER, TZ))
    with pytest.raises(NotFound):
        subs.remove_attachment(world.session, item, photo.id, Act(NOVEMBER, TZ))
    assert audit_actions(world.session).count("file.attach") == 2


# --- status -----------------------------------------------------------------------------


def test_item_statuses_overdue_first_then_by_date(world: World) -> None:
    assert world.campaign.id is not None and world.enterprise.id is not None
    launch = world.item(LAUNCH)
    statuses = subs.item_statuses(
        world.session, world.campaign.id, world.enterprise.id, date(2024, 4, 20)
    )
    # launch (31/01) and registration (15/04) are overdue and not started
    assert [(s.kind, s.state, s.overdue) for s in statuses] == [
        (LAUNCH, "not_started", True),
        (REG, "not_started", True),
        (SIX, "not_started", False),
        (REPORT, "not_started", False),
    ]
    assert statuses[0].submission_id == launch.id and statuses[0].locked

    item = world.item(REG)
    fill_registration(world, item)
    receipt = subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    report = world.item(REPORT)
    subs.set_figure(world.session, report, "revenue", "10", Act(APRIL, TZ))
    statuses = subs.item_statuses(
        world.session, world.campaign.id, world.enterprise.id, date(2024, 4, 20)
    )
    by_kind = {s.kind: s for s in statuses}
    assert by_kind[REG].state == "submitted" and not by_kind[REG].overdue
    assert by_kind[REG].receipt_number == receipt.number
    assert by_kind[REPORT].state == "draft" and not by_kind[REPORT].locked
    assert [s.kind for s in statuses] == [LAUNCH, REG, SIX, REPORT]
    statuses = subs.item_statuses(
        world.session, world.campaign.id, world.enterprise.id, date(2024, 12, 6)
    )
    assert [s.kind for s in statuses] == [LAUNCH, SIX, REPORT, REG]
    assert subs.state_label(Translator("en"), "returned") == "returned"
    assert kind_label(Translator("en"), REPORT) == "Year-end report"


def test_an_edit_waits_for_a_review_in_progress(world: World, engine: Engine) -> None:
    """Officer and reviewer at the same moment: the edit waits for the review's row lock,
    then sees the accepted item and is refused (instead of silently withdrawing it)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers itself")
    item = world.item(REG)
    fill_registration(world, item)
    subs.submit(world.session, item, Act(APRIL, TZ, world.officer.id))
    world.session.commit()
    outcome: list[object] = []

    def officer_edits() -> None:
        with Session(engine) as officer_session:
            stale = officer_session.get(Submission, item.id)
            assert stale is not None and stale.status == SubmissionStatus.SUBMITTED
            try:
                subs.add_entry(
                    officer_session, stale, "individual", "LDTT", "Mới", act=Act(APRIL, TZ)
                )
                officer_session.commit()
                outcome.append("added")
            except SubmissionLocked as exc:
                outcome.append(exc)

    with Session(engine) as reviewer_session:
        under_review = reviewer_session.get(Submission, item.id)
        assert under_review is not None
        subs.accept(reviewer_session, under_review, Act(APRIL, TZ, world.staff.id))
        thread = threading.Thread(target=officer_edits)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waiting for the reviewer's lock
        reviewer_session.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], SubmissionLocked)
    world.session.expire_all()
    assert world.session.get(Submission, item.id).status == SubmissionStatus.ACCEPTED  # type: ignore[union-attr]
