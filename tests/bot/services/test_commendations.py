"""Closing the year on both databases: proposals checked against the registration and the
report, review entry by entry, scoring and ranking, decisions, results, year over year."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.i18n import Translator
from bot.models import (
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
    ProposalEntry,
    RegistrationEntry,
    Role,
    Submission,
    SubmissionStatus,
)
from bot.services import commendations as com
from bot.services import proposals as prop
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import InvalidInput, SubmissionIncomplete, SubmissionLocked
from bot.services.numbers import report_figures
from tests.values import present

REG = DeadlineKind.TITLE_REGISTRATION
REPORT = DeadlineKind.YEAR_END_REPORT
PROPOSAL = DeadlineKind.COMMENDATION_PROPOSAL
APRIL = datetime(2026, 4, 10, 3, 0, tzinfo=UTC)
LATE_APRIL = datetime(2026, 4, 20, 3, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
PROPOSING = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
REVIEWING = datetime(2026, 12, 22, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller
SHA = "cd" * 32
VI = Translator("vi")


@dataclass
class World:
    session: Session
    campaign: Campaign
    alpha: Enterprise
    beta: Enterprise
    officer: Contact
    staff: Contact

    def item(
        self, kind: DeadlineKind, enterprise: Enterprise | None = None, now: datetime = APRIL
    ) -> Submission:
        ent = enterprise or self.alpha
        assert self.campaign.id is not None and ent.id is not None
        return subs.get_or_create_submission(
            self.session, self.campaign.id, ent.id, kind, Act(now, TZ)
        )


def build(session: Session) -> World:
    """A board, one cluster, two enterprises, a 2026 campaign with registration, report and
    proposal deadlines, an officer and a staff member (flushed, not committed)."""
    org = Organization(slug="bac-giang", name="BQL các KCN Bắc Giang", province="Bắc Giang")
    session.add(org)
    session.flush()
    assert org.id is not None
    cluster = Cluster(organization_id=org.id, name="Cụm 1")
    session.add(cluster)
    session.flush()
    campaign = Campaign(
        organization_id=org.id,
        template="bac-giang-kcn",
        year=2026,
        title="Phong trào thi đua năm 2026",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    for kind, due in (
        (REG, date(2026, 4, 15)),
        (REPORT, date(2026, 12, 5)),
        (PROPOSAL, date(2026, 12, 20)),
    ):
        session.add(Deadline(campaign_id=campaign.id, kind=kind, due_on=due))
    alpha = Enterprise(
        organization_id=org.id, tax_code="2400123456", name="Công ty Alpha", cluster_id=cluster.id
    )
    beta = Enterprise(
        organization_id=org.id, tax_code="2400654321", name="Công ty Beta", cluster_id=cluster.id
    )
    session.add_all([alpha, beta])
    session.flush()
    officer = Contact(channel=Channel.TELEGRAM, user_id="1", chat_id="1", enterprise_id=alpha.id)
    staff = Contact(
        channel=Channel.TELEGRAM, user_id="2", chat_id="2", role=Role.STAFF, organization_id=org.id
    )
    session.add_all([officer, staff])
    session.flush()
    return World(session, campaign, alpha, beta, officer, staff)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    with Session(engine, expire_on_commit=False) as session:
        yield build(session)
        session.commit()


def register(w: World, enterprise: Enterprise | None = None) -> None:
    item = w.item(REG, enterprise)
    for i in range(10):
        subs.add_entry(
            w.session, item, Nominee.INDIVIDUAL, "LDTT", f"Công nhân {i}", act=Act(APRIL, TZ)
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
        act=Act(APRIL, TZ),
    )
    subs.add_entry(
        w.session, item, "collective", "TT_LDXS", act=Act(APRIL, TZ), unit_name="Phân xưởng May"
    )
    subs.add_entry(
        w.session, item, "collective", "CO_TINH", act=Act(APRIL, TZ), unit_name="Công ty Alpha"
    )
    subs.submit(w.session, item, Act(APRIL, TZ, w.officer.id))


def report(w: World, enterprise: Enterprise | None = None, growth: str = "12") -> None:
    item = w.item(REPORT, enterprise)
    for figure in report_figures():
        if figure.required:
            value = {"workers": "10", "initiatives": "1", "growth": growth}.get(figure.code, "5")
            if figure.code == "iso9001":
                value = "có"
            subs.set_figure(w.session, item, figure.code, value, Act(DECEMBER, TZ))
    subs.set_narrative(w.session, item, "Hoàn thành vượt mức kế hoạch.", Act(DECEMBER, TZ))
    subs.attach_file(
        w.session, item, "bc.pdf", "application/pdf", 10, "/x/bc.pdf", SHA, Act(DECEMBER, TZ)
    )
    subs.submit(w.session, item, Act(DECEMBER, TZ, w.officer.id))


def named(
    nominee: str, title_code: str, full_name: str = "", position: str = "", unit_name: str = ""
) -> RegistrationEntry:
    """Who is proposed for which title, as a registration entry names them."""
    return RegistrationEntry(
        submission_id=0,
        nominee=Nominee(nominee),
        title_code=title_code,
        full_name=full_name,
        position=position,
        unit_name=unit_name,
    )


def propose_all(w: World, item: Submission) -> None:
    for i in range(10):
        prop.add_proposal(
            w.session,
            item,
            named("individual", "LDTT", full_name=f"Công nhân {i}"),
            summary="Hoàn thành tốt nhiệm vụ.",
            act=Act(PROPOSING, TZ),
        )
    prop.add_proposal(
        w.session,
        item,
        named("individual", "CSTD_CS", full_name="Công nhân 0", position="Tổ trưởng"),
        summary="Dẫn đầu tổ.",
        initiative="Cải tiến dây chuyền may",
        act=Act(PROPOSING, TZ),
    )
    prop.add_proposal(
        w.session,
        item,
        named("collective", "TT_LDXS", unit_name="Phân xưởng May"),
        summary="Vượt kế hoạch 15%.",
        act=Act(PROPOSING, TZ),
    )
    prop.add_proposal(
        w.session,
        item,
        named("collective", "CO_TINH", unit_name="Công ty Alpha"),
        summary="Dẫn đầu cụm thi đua.",
        act=Act(PROPOSING, TZ),
    )
    subs.attach_file(
        w.session,
        item,
        "thanh-tich.pdf",
        "application/pdf",
        10,
        "/x/tt.pdf",
        SHA,
        Act(PROPOSING, TZ),
    )


def messages(error: SubmissionIncomplete) -> list[str]:
    return [p.message(VI) for p in error.problems]


def test_a_proposal_outside_the_registration_is_refused_with_the_rule(world: World) -> None:
    register(world)
    item = world.item(PROPOSAL)
    with pytest.raises(InvalidInput) as refused:
        prop.add_proposal(
            world.session,
            item,
            named("individual", "LDTT", full_name="Người Lạ"),
            summary="Tốt.",
            act=Act(PROPOSING, TZ),
        )
    text = refused.value.message(VI)
    assert "Người Lạ" in text and "15/04/2026" in text and "Lao động tiên tiến" in text
    # Registered for LĐTT, proposed for Giấy khen: also refused.
    with pytest.raises(InvalidInput):
        prop.add_proposal(
            world.session,
            item,
            named("individual", "GIAY_KHEN", full_name="Công nhân 1"),
            summary="Tốt.",
            act=Act(PROPOSING, TZ),
        )
    # CSTĐ cơ sở without naming the initiative, and an empty summary: refused.
    with pytest.raises(InvalidInput):
        prop.add_proposal(
            world.session,
            item,
            named("individual", "CSTD_CS", full_name="Công nhân 0"),
            summary="Tốt.",
            act=Act(PROPOSING, TZ),
        )
    with pytest.raises(InvalidInput):
        prop.add_proposal(
            world.session,
            item,
            named("individual", "LDTT", full_name="Công nhân 1"),
            summary=" ",
            act=Act(PROPOSING, TZ),
        )
    assert prop.list_proposals(world.session, item) == []


def test_rules_are_checked_again_against_what_was_reported(world: World) -> None:
    register(world)
    item = world.item(PROPOSAL)
    prop.add_proposal(
        world.session,
        item,
        named("collective", "TT_LDXS", unit_name="Phân xưởng May"),
        summary="Vượt kế hoạch.",
        act=Act(PROPOSING, TZ),
    )
    with pytest.raises(SubmissionIncomplete) as blocked:
        subs.submit(world.session, item, Act(PROPOSING, TZ, world.officer.id))
    found = messages(blocked.value)
    assert any("báo cáo tổng kết" in m.casefold() for m in found)  # the report comes first
    assert any("Chiến sĩ thi đua cơ sở" in m and "Phân xưởng May" in m for m in found)
    assert any("báo cáo thành tích" in m.casefold() for m in found)  # the signed report

    report(world)
    # The report counts 10 workers and 1 initiative; a CSTĐ cơ sở needs LĐTT for the same
    # person, and 1 CSTĐ cơ sở for 1 LĐTT breaks the 15% cap.
    prop.add_proposal(
        world.session,
        item,
        named("individual", "CSTD_CS", full_name="Công nhân 0"),
        summary="Dẫn đầu.",
        initiative="Sáng kiến A",
        act=Act(PROPOSING, TZ),
    )
    prop.add_proposal(
        world.session,
        item,
        named("individual", "LDTT", full_name="Công nhân 0"),
        summary="Tốt.",
        act=Act(PROPOSING, TZ),
    )
    with pytest.raises(SubmissionIncomplete) as blocked:
        subs.submit(world.session, item, Act(PROPOSING, TZ, world.officer.id))
    found = messages(blocked.value)
    assert any("15%" in m for m in found)
    assert not any("Phân xưởng May" in m for m in found)


def test_the_whole_closing_receipt_review_scoring_decision_results(world: World) -> None:
    w = world
    register(w)
    register(w, w.beta)
    report(w)
    report(w, w.beta, growth="5")
    item = w.item(PROPOSAL)
    propose_all(w, item)
    receipt = subs.submit(w.session, item, Act(PROPOSING, TZ, w.officer.id))
    assert receipt.number.startswith("DN-2026-")
    assert receipt.snapshot["proposals"][0]["summary"] == "Hoàn thành tốt nhiệm vụ."
    statuses = {
        s.kind: s
        for s in subs.item_statuses(
            w.session, present(w.campaign.id), present(w.alpha.id), subs.local_date(PROPOSING, TZ)
        )
    }
    assert statuses[PROPOSAL].state == "submitted"

    entries = prop.list_proposals(w.session, item)
    by_code = {e.title_code: e for e in entries if e.title_code != "LDTT"}
    flag = by_code["CO_TINH"]
    flag_id, fixed_id = present(flag.id), present(by_code["TT_LDXS"].id)
    assert com.lower_forms(flag)[0] == "BK_TINH" and "GIAY_KHEN" in com.lower_forms(flag)
    with pytest.raises(InvalidInput):
        com.review_entry(
            w.session, flag_id, "lower", Act(REVIEWING, TZ, w.staff.id), lower_to="CO_CP"
        )
    with pytest.raises(InvalidInput):
        com.review_entry(w.session, flag_id, "return", Act(REVIEWING, TZ, w.staff.id), note=" ")
    com.review_entry(
        w.session, flag_id, "lower", Act(REVIEWING, TZ, w.staff.id), lower_to="BK_TINH"
    )
    com.review_entry(
        w.session,
        fixed_id,
        "return",
        Act(REVIEWING, TZ, w.staff.id),
        note="Bổ sung tỷ lệ lao động tiên tiến",
    )
    for entry in entries:
        if entry.review == "pending":
            com.review_entry(w.session, present(entry.id), "accept", Act(REVIEWING, TZ, w.staff.id))
    # One entry returned: the proposal goes back to the officer, with the reason.
    assert item.status == SubmissionStatus.RETURNED
    assert "Phân xưởng May: Bổ sung tỷ lệ" in (item.review_note or "")
    # A returned proposal stays editable after its deadline; the fixed entry is reviewed again.
    after_deadline = datetime(2026, 12, 23, 3, 0, tzinfo=UTC)
    prop.update_proposal(
        w.session,
        item,
        fixed_id,
        act=Act(after_deadline, TZ),
        summary="Vượt kế hoạch 15%; 80% LĐTT.",
    )
    subs.submit(w.session, item, Act(after_deadline, TZ, w.officer.id))
    assert [e.id for e in com.pending_entries(w.session, item)] == [fixed_id]
    com.review_entry(w.session, fixed_id, "accept", Act(after_deadline, TZ, w.staff.id))
    # mypy keeps the narrowing of the assert above across the calls that change the status.
    assert item.status == SubmissionStatus.ACCEPTED  # type: ignore[comparison-overlap]
    with pytest.raises(SubmissionLocked):
        prop.remove_proposal(w.session, item, flag.id, Act(after_deadline, TZ))

    # Scoring: the bot fills on-time and growth; the office types the rest.
    filled = com.fill_known_scores(w.session, w.campaign, after_deadline, TZ)
    assert filled == 4  # two criteria the bot knows x two enterprises
    com.set_staff_score(
        w.session, w.campaign, w.alpha.id, "movement", "25,5", Act(after_deadline, TZ)
    )
    with pytest.raises(InvalidInput):
        com.set_staff_score(
            w.session, w.campaign, w.alpha.id, "movement", "31", Act(after_deadline, TZ)
        )
    ranked = com.ranking(w.session, w.campaign)
    first, second = ranked
    assert first.enterprise_name == "Công ty Alpha" and first.rank == 1 and first.shortlisted
    # Alpha: all three items on time (20), growth 12 >= 10 (30), movement 25.5.
    assert first.points["on_time"] == Decimal("20.00")
    assert first.points["growth"] == Decimal("30.00")
    assert first.total == Decimal("75.50")
    assert second.points["growth"] == Decimal("15.00") and not second.shortlisted

    # Decisions: the board's head for the base titles, the province for the Bằng khen.
    _, awarded = com.record_decision(
        w.session,
        w.campaign,
        "125/QĐ-BQL",
        date(2026, 12, 25),
        "board",
        Act(datetime(2026, 12, 26, 3, 0, tzinfo=UTC), TZ),
        signer_name="Nguyễn Văn Bình",
    )
    assert {r.code for r in awarded} == {"LDTT", "CSTD_CS", "TT_LDXS"}
    assert len(awarded) == 12
    with pytest.raises(InvalidInput):  # the same number twice
        com.record_decision(
            w.session,
            w.campaign,
            "125/QĐ-BQL",
            date(2026, 12, 25),
            "province",
            Act(datetime(2026, 12, 26, 3, 0, tzinfo=UTC), TZ),
        )
    with pytest.raises(InvalidInput):  # nothing left at the board's level
        com.record_decision(
            w.session,
            w.campaign,
            "126/QĐ-BQL",
            date(2026, 12, 25),
            "board",
            Act(datetime(2026, 12, 26, 3, 0, tzinfo=UTC), TZ),
        )
    _, province = com.record_decision(
        w.session,
        w.campaign,
        "45/QĐ-UBND",
        date(2027, 1, 10),
        "Chủ tịch UBND tỉnh",
        Act(datetime(2027, 1, 12, 3, 0, tzinfo=UTC), TZ),
    )
    assert [(r.name, r.code) for r in province] == [("Công ty Alpha", "BK_TINH")]

    results = com.results_for(w.session, w.campaign.id, w.alpha.id)
    flag_result = next(r for r in results if r.proposed == "CO_TINH")
    assert flag_result.awarded == "BK_TINH" and flag_result.decision_number == "45/QĐ-UBND"
    assert flag_result.authority == "province"
    assert all(r.decision_number for r in results)

    campaigns, table = com.year_over_year(w.session, w.campaign.organization_id)
    assert [c.year for c in campaigns] == [2026]
    counts = dict((e.name, per[w.campaign.id]) for e, per in table)
    assert counts["Công ty Alpha"] == com.YearCounts(registered=13, proposed=13, awarded=13)
    assert counts["Công ty Beta"] == com.YearCounts(registered=13, proposed=0, awarded=0)

    actions = list(
        w.session.exec(select(col(AuditEntry.action)).order_by(col(AuditEntry.id))).all()
    )
    for expected in (
        "proposal.entry_add",
        "proposal.review_lower",
        "proposal.review_return",
        "proposal.review_accept",
        "submission.return",
        "submission.accept",
        "scoring.set",
        "decision.record",
    ):
        assert expected in actions
    assert (
        w.session.exec(select(ProposalEntry).where(col(ProposalEntry.decision_id).is_(None))).all()
        == []
    )
