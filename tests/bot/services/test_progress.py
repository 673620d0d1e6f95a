"""Progress, figures against targets, missing lists and the award shortlist, on both databases.

`build_world` is shared by the staff-service tests: one board with two zones and two
clusters, a second board that must never show up, and submissions in every state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.i18n import Translator
from bot.models import (
    AwardTargets,
    Campaign,
    Cluster,
    Contact,
    Deadline,
    Enterprise,
    Organization,
    RegistrationEntry,
    Submission,
    YearEndReport,
    Zone,
)
from bot.models.enums import Channel, DeadlineKind, Nominee, Role, SubmissionStatus
from bot.services.access import AccessDenied, NotFound, Scope
from bot.services.numbers import Figure, report_figures
from bot.services.plan_edits import spec_of
from bot.services.progress import (
    MISSING_REASON_LIMIT,
    Counts,
    MissingEnterprise,
    campaign_progress,
    convert,
    default_award_rules,
    figures_vs_targets,
    missing_enterprises,
    missing_state,
    render_missing_text,
    render_progress_text,
    render_shortlist_text,
    render_targets_text,
    shortlist,
)
from bot.services.titles import Title, titles_by_code
from tests.values import present


def FigureDef(
    code: str,
    label: str,
    *,
    unit: str = "",
    kind: str = "decimal",
    target: str = "",
    aggregate: str = "sum",
) -> Figure:
    """A catalogue figure for a test, with the fields these tests do not care about filled in."""
    return Figure(
        code=code,
        label_vi=label,
        label_en=label,
        unit_vi=unit,
        kind=kind,
        min=Decimal(-100),
        max=Decimal(10**12),
        decimals=0 if kind in ("integer", "yes_no") else 2,
        target_key=target,
        aggregate=aggregate,
    )


def TitleDef(code: str, name_vi: str, name_en: str, nominee: str, kind: str = "title") -> Title:
    return Title(code=code, name_vi=name_vi, name_en=name_en, nominee=nominee, kind=kind)


FLAG = "CO_TINH"
MERIT = "BK_TINH"
TITLES = {
    FLAG: TitleDef(FLAG, "Cờ thi đua của UBND tỉnh", "Provincial Emulation Flag", "collective"),
    MERIT: TitleDef(
        MERIT, "Bằng khen của Chủ tịch UBND tỉnh", "Certificate of Merit", "both", "commendation"
    ),
    "LDTT": TitleDef("LDTT", "Lao động tiên tiến", "Advanced Worker", "individual"),
}
FIGURES = [
    FigureDef("industrial_output", "Giá trị SXCN", unit="tỷ đồng", target="industrial_output"),
    FigureDef("export_value", "Giá trị xuất khẩu", unit="triệu USD", target="exports"),
    FigureDef("growth", "Tăng trưởng", unit="%", kind="percent", target="industrial_output"),
    FigureDef("workers", "Số lao động", unit="người", kind="integer"),
]
SUBMITTED_AT = datetime(2024, 12, 1, 3, 0, tzinfo=UTC)
RETURN_REASON = "Thiếu chữ ký và con dấu"


@dataclass
class World:
    org: int
    other_org: int
    z1: int
    z2: int
    c1: int
    c2: int
    campaign: int
    other_campaign: int
    enterprises: dict[str, int]
    staff: int
    leader: int
    officers: dict[str, int]


def build_world(session: Session) -> World:
    """Board A: E1..E6 active (+E7 inactive), zones Z1/Z2, clusters C1/C2; board B: B1."""
    org = Organization(slug="bg", name="BQL các KCN Bắc Giang", province="Bắc Giang")
    other = Organization(slug="st", name="BQL các KCN Sóc Trăng", province="Sóc Trăng")
    session.add_all([org, other])
    session.flush()
    assert org.id and other.id
    z1 = Zone(organization_id=org.id, name="KCN Quang Châu")
    z2 = Zone(organization_id=org.id, name="KCN Vân Trung")
    zb = Zone(organization_id=other.id, name="KCN An Nghiệp")
    c1 = Cluster(organization_id=org.id, name="Cụm 1")
    c2 = Cluster(organization_id=org.id, name="Cụm 2")
    cb = Cluster(organization_id=other.id, name="Cụm B")
    session.add_all([z1, z2, zb, c1, c2, cb])
    session.flush()
    layout = {
        "E1": (z1.id, c1.id, True),
        "E2": (z1.id, c1.id, True),
        "E3": (z2.id, c1.id, True),
        "E4": (z2.id, c2.id, True),
        "E5": (z1.id, c2.id, True),
        "E6": (None, c2.id, True),
        "E7": (z1.id, c1.id, False),
    }
    enterprises: dict[str, Enterprise] = {}
    for number, (name, (zone_id, cluster_id, active)) in enumerate(layout.items(), start=1):
        enterprises[name] = Enterprise(
            organization_id=org.id,
            tax_code=f"01000000{number:02d}",
            name=name,
            zone_id=zone_id,
            cluster_id=cluster_id,
            active=active,
        )
    enterprises["B1"] = Enterprise(
        organization_id=other.id, tax_code="0200000001", name="B1", zone_id=zb.id, cluster_id=cb.id
    )
    session.add_all(enterprises.values())
    session.flush()
    targets = [
        {"key": "industrial_output", "label": "Giá trị sản xuất công nghiệp",
         "label_en": "Industrial output", "unit": "tỷ đồng", "value": 540000},
        {"key": "exports", "label": "Kim ngạch xuất khẩu", "label_en": "Exports",
         "unit": "tỷ USD", "value": 24.2},
        {"key": "admin_on_time", "label": "Thủ tục đúng hạn", "unit": "%", "value": 100},
    ]  # fmt: skip
    campaign = Campaign(
        organization_id=org.id,
        template="bac-giang-kcn",
        year=2024,
        title="Phong trào thi đua năm 2024",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
        targets=targets,
        award_targets={"flag_enterprises": 5, "merit_collectives": 10, "merit_individuals": 10},
    )
    other_campaign = Campaign(
        organization_id=other.id,
        template="soc-trang",
        year=2024,
        title="Sóc Trăng 2024",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 12, 31),
    )
    session.add_all([campaign, other_campaign])
    session.flush()
    assert campaign.id and other_campaign.id
    for kind, due in [
        (DeadlineKind.LAUNCH_DOCUMENT, date(2024, 1, 31)),
        (DeadlineKind.TITLE_REGISTRATION, date(2024, 4, 15)),
        (DeadlineKind.YEAR_END_REPORT, date(2024, 12, 5)),
    ]:
        session.add(Deadline(campaign_id=campaign.id, kind=kind, due_on=due))
        session.add(Deadline(campaign_id=other_campaign.id, kind=kind, due_on=due))

    def submit(
        name: str, kind: DeadlineKind, status: SubmissionStatus, cid: int = 0, note: str = ""
    ) -> int:
        sub = Submission(
            campaign_id=cid or present(campaign.id),
            enterprise_id=present(enterprises[name].id),
            kind=kind,
            status=status,
            version=0 if status == SubmissionStatus.DRAFT else 1,
            submitted_at=None if status == SubmissionStatus.DRAFT else SUBMITTED_AT,
            review_note=note or None,
        )
        session.add(sub)
        session.flush()
        assert sub.id
        return sub.id

    launch = DeadlineKind.LAUNCH_DOCUMENT
    submit("E1", launch, SubmissionStatus.ACCEPTED)
    submit("E2", launch, SubmissionStatus.SUBMITTED)
    submit("E3", launch, SubmissionStatus.RETURNED, note=RETURN_REASON)
    submit("E4", launch, SubmissionStatus.DRAFT)
    submit("E6", launch, SubmissionStatus.ACCEPTED)
    submit("E7", launch, SubmissionStatus.ACCEPTED)  # inactive: never counted
    submit("B1", launch, SubmissionStatus.ACCEPTED, other_campaign.id)

    reg = DeadlineKind.TITLE_REGISTRATION
    e1 = submit("E1", reg, SubmissionStatus.SUBMITTED)
    e4 = submit("E4", reg, SubmissionStatus.ACCEPTED)
    e2 = submit("E2", reg, SubmissionStatus.DRAFT)
    b1 = submit("B1", reg, SubmissionStatus.ACCEPTED, other_campaign.id)
    collective, individual = Nominee.COLLECTIVE, Nominee.INDIVIDUAL
    columns = ("submission_id", "nominee", "title_code", "full_name", "position", "unit_name")
    for row in [
        (e1, collective, FLAG, "", "", "Công ty E1"),
        (e1, individual, MERIT, "Nguyễn Văn An", "Tổ trưởng", ""),
        (e1, individual, MERIT, "Trần Thị Bình", "Kỹ sư", ""),
        (e1, collective, MERIT, "", "", "Phòng Kỹ thuật"),
        (e1, individual, "LDTT", "Lê Văn Cường", "Công nhân", ""),
        (e4, collective, FLAG, "", "", "Công ty E4"),
        (e4, individual, MERIT, "Phạm Thị Dung", "Giám đốc", ""),
        (e2, collective, FLAG, "", "", "Công ty E2"),
        (b1, collective, FLAG, "", "", "Công ty B1"),
        (b1, individual, MERIT, "Người B", "B", ""),
    ]:
        session.add(RegistrationEntry.model_validate(dict(zip(columns, row, strict=True))))

    year_end = DeadlineKind.YEAR_END_REPORT
    for name, status, figures, cid in [
        ("E1", SubmissionStatus.SUBMITTED,
         {"industrial_output": "1000.5", "export_value": "200", "growth": "12.5", "workers": "350"},
         0),
        ("E4", SubmissionStatus.ACCEPTED,
         {"industrial_output": "2000", "export_value": "300", "workers": "1200"}, 0),
        ("E5", SubmissionStatus.RETURNED, {"industrial_output": "9999"}, 0),
        ("E2", SubmissionStatus.DRAFT, {"industrial_output": "7777"}, 0),
        ("B1", SubmissionStatus.ACCEPTED, {"industrial_output": "5555"}, other_campaign.id),
    ]:  # fmt: skip
        sub_id = submit(name, year_end, status, cid)
        session.add(
            YearEndReport(submission_id=sub_id, figures=figures, narrative=f"Báo cáo {name}")
        )

    staff = Contact(
        channel=Channel.TELEGRAM,
        user_id="100",
        chat_id="100",
        display_name="Văn phòng",
        role=Role.STAFF,
        organization_id=org.id,
    )
    leader = Contact(
        channel=Channel.TELEGRAM,
        user_id="101",
        chat_id="101",
        display_name="Cụm trưởng",
        role=Role.CLUSTER_LEADER,
        organization_id=org.id,
        cluster_id=c1.id,
    )
    session.add_all([staff, leader])
    officers: dict[str, Contact] = {}
    for key, enterprise, channel, reachable in [
        ("E1", "E1", "telegram", True),
        ("E2", "E2", "zalo", True),
        ("E3", "E3", "telegram", True),
        ("E4", "E4", "telegram", False),
        ("E5a", "E5", "telegram", True),
        ("E5b", "E5", "zalo", False),
        ("E7", "E7", "telegram", True),
        ("B1", "B1", "telegram", True),
    ]:
        officers[key] = Contact(
            channel=Channel(channel),
            user_id=f"u-{key}",
            chat_id=f"c-{key}",
            display_name=f"Cán bộ {key}",
            role=Role.OFFICER,
            organization_id=enterprises[enterprise].organization_id,
            enterprise_id=enterprises[enterprise].id,
            reachable=reachable,
        )
    session.add_all(officers.values())
    # An officer who never linked an enterprise: nobody's recipient.
    session.add(
        Contact(channel=Channel.TELEGRAM, user_id="u-x", chat_id="c-x", organization_id=org.id)
    )
    session.commit()
    rows = {
        "org": org,
        "other_org": other,
        "z1": z1,
        "z2": z2,
        "c1": c1,
        "c2": c2,
        "campaign": campaign,
        "other_campaign": other_campaign,
        "staff": staff,
        "leader": leader,
    }
    return World(**_ids(rows), enterprises=_ids(enterprises), officers=_ids(officers))


def _ids(rows: Mapping[str, Any]) -> dict[str, int]:
    """Each committed row's id, by name."""
    ids = {name: row.id for name, row in rows.items()}
    assert all(isinstance(i, int) for i in ids.values()), ids
    return ids


def leader_scope(w: World) -> Scope:
    return Scope(
        organization_id=w.org, cluster_id=w.c1, contact_id=w.leader, role=Role.CLUSTER_LEADER
    )


def _counts(c: Counts) -> tuple[int, int, int, int, int, int]:
    return (c.total, c.accepted, c.submitted, c.returned, c.missing, c.draft)


class _QueryCounter:
    def __init__(self, engine: Engine) -> None:
        self.n = 0
        self.engine = engine

    def __enter__(self) -> _QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.n += 1


def test_progress_counts_every_state_per_deadline(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
    assert progress.enterprises == 6
    assert [item.kind for item in progress.items] == [
        DeadlineKind.LAUNCH_DOCUMENT,
        DeadlineKind.TITLE_REGISTRATION,
        DeadlineKind.YEAR_END_REPORT,
    ]
    launch = progress.item(DeadlineKind.LAUNCH_DOCUMENT)
    assert launch is not None and launch.due_on == date(2024, 1, 31)
    # total, accepted, submitted, returned, missing (incl. drafts), drafts
    assert _counts(launch.overall) == (6, 2, 1, 1, 2, 1)
    zones = {g.name: _counts(g.counts) for g in launch.by_zone}
    assert zones == {
        "KCN Quang Châu": (3, 1, 1, 0, 1, 0),  # E1 accepted, E2 submitted, E5 nothing
        "KCN Vân Trung": (2, 0, 0, 1, 1, 1),  # E3 returned, E4 draft
        "": (1, 1, 0, 0, 0, 0),  # E6 has no zone
    }
    assert launch.by_zone[-1].id is None  # "no zone" comes last
    clusters = {g.name: _counts(g.counts) for g in launch.by_cluster}
    assert clusters == {"Cụm 1": (3, 1, 1, 1, 0, 0), "Cụm 2": (3, 1, 0, 0, 2, 1)}
    registration = progress.item(DeadlineKind.TITLE_REGISTRATION)
    assert registration is not None
    assert _counts(registration.overall) == (6, 1, 1, 0, 4, 1)
    report = progress.item(DeadlineKind.YEAR_END_REPORT)
    assert report is not None
    assert _counts(report.overall) == (6, 1, 1, 1, 3, 1)


def test_a_cluster_leader_counts_only_his_cluster(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, leader_scope(w))
    assert progress.enterprises == 3
    assert progress.cluster_name == "Cụm 1"
    launch = progress.item(DeadlineKind.LAUNCH_DOCUMENT)
    assert launch is not None
    assert _counts(launch.overall) == (3, 1, 1, 1, 0, 0)
    assert [g.name for g in launch.by_cluster] == ["Cụm 1"]
    assert {g.name for g in launch.by_zone} == {"KCN Quang Châu", "KCN Vân Trung"}


def test_progress_uses_a_fixed_number_of_queries(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        scope = Scope.board(w.org)
        campaign_progress(session, w.campaign, scope)  # warm up
        with _QueryCounter(engine) as small:
            campaign_progress(session, w.campaign, scope)
        for n in range(40):
            session.add(Enterprise(organization_id=w.org, tax_code=f"03{n:08d}", name=f"X{n}"))
        session.commit()
        with _QueryCounter(engine) as large:
            progress = campaign_progress(session, w.campaign, scope)
        assert progress.enterprises == 46
        assert large.n == small.n <= 8


def test_another_boards_campaign_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        for call in (
            lambda: campaign_progress(session, w.other_campaign, Scope.board(w.org)),
            lambda: campaign_progress(session, w.other_campaign, leader_scope(w)),
            lambda: figures_vs_targets(session, w.other_campaign, Scope.board(w.org), FIGURES),
            lambda: missing_enterprises(
                session, w.other_campaign, "launch_document", Scope.board(w.org)
            ),
            lambda: shortlist(session, w.other_campaign, Scope.board(w.org)),
        ):
            with pytest.raises(AccessDenied):
                call()


def test_figures_are_summed_against_targets_in_the_targets_unit(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        board = figures_vs_targets(session, w.campaign, Scope.board(w.org), FIGURES)
        cluster = figures_vs_targets(session, w.campaign, leader_scope(w), FIGURES)
    by_key = {t.key: t for t in board}
    output = by_key["industrial_output"]
    # E1 (submitted) + E4 (accepted); the returned E5, the draft E2 and board B are left out;
    # the growth percentage is never summed.
    assert output.reported == Decimal("3000.5")
    assert output.enterprises == 2
    assert output.target == Decimal(540000)
    assert output.percent is not None
    assert round(output.percent, 4) == round(Decimal("3000.5") * 100 / 540000, 4)
    assert output.figure_codes == ("industrial_output",)
    exports = by_key["exports"]
    assert exports.reported == Decimal("0.5")  # 200 + 300 triệu USD = 0,5 tỷ USD
    assert exports.label_in("en") == "Exports"
    assert by_key["admin_on_time"].reported is None
    assert by_key["admin_on_time"].percent is None
    assert {t.key: t.reported for t in cluster}["industrial_output"] == Decimal("1000.5")


def test_unit_conversion() -> None:
    assert convert(Decimal(1500), "triệu USD", "tỷ USD") == Decimal("1.5")
    assert convert(Decimal(2), "tỷ đồng", "triệu đồng") == Decimal(2000)
    assert convert(Decimal(2), "Tỉ  đồng", "tỷ đồng") == Decimal(2)
    assert convert(Decimal(2), "tỷ đồng", "tỷ USD") is None
    assert convert(Decimal(2), "người", "người") == Decimal(2)
    assert convert(Decimal(2), "người", "tỷ đồng") is None


def test_missing_enterprises_with_their_officers(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        missing = missing_enterprises(session, w.campaign, "launch_document", Scope.board(w.org))
        leader_missing = missing_enterprises(
            session, w.campaign, DeadlineKind.YEAR_END_REPORT, leader_scope(w)
        )
        board_year_end = missing_enterprises(
            session, w.campaign, "year_end_report", Scope.board(w.org)
        )
        with pytest.raises(NotFound):
            missing_enterprises(session, w.campaign, "six_month_report", Scope.board(w.org))
        with pytest.raises(NotFound):
            missing_enterprises(session, w.campaign, "nonsense", Scope.board(w.org))
    # Returned counts as not submitted (it awaits the officer's fixes): E3 is listed with
    # the reason; before this change only "nothing" and drafts were listed.
    assert [(m.name, m.status) for m in missing] == [
        ("E3", SubmissionStatus.RETURNED),
        ("E4", SubmissionStatus.DRAFT),
        ("E5", None),
    ]
    e3, e4, e5 = missing
    assert e3.review_note == RETURN_REASON
    assert e4.review_note == "" and e5.review_note == ""
    assert e4.zone == "KCN Vân Trung" and e4.cluster == "Cụm 2" and e4.tax_code == "0100000004"
    assert [(c.display_name, c.reachable) for c in e4.contacts] == [("Cán bộ E4", False)]
    assert not e4.reachable
    assert [(c.channel, c.reachable) for c in e5.contacts] == [("telegram", True), ("zalo", False)]
    assert e5.reachable
    # Cluster 1 on the year-end report: E2 has a draft, E3 nothing; E1 submitted.
    assert [m.name for m in leader_missing] == ["E2", "E3"]
    # The board's year-end list has the returned E5 too (cluster 2, outside the leader's).
    assert [(m.name, m.status) for m in board_year_end] == [
        ("E2", SubmissionStatus.DRAFT),
        ("E3", None),
        ("E5", SubmissionStatus.RETURNED),
        ("E6", None),
    ]
    assert board_year_end[2].review_note == ""


def test_shortlist_against_award_targets(engine: Engine) -> None:
    rules = default_award_rules(TITLES)
    with Session(engine) as session:
        w = build_world(session)
        lines = {line.key: line for line in shortlist(session, w.campaign, rules=rules)}
        cluster = {
            line.key: line for line in shortlist(session, w.campaign, leader_scope(w), rules)
        }
    # E1 (submitted) and E4 (accepted) propose the flag; E2's draft and board B do not count.
    assert (lines["flag_enterprises"].proposed, lines["flag_enterprises"].accepted) == (2, 1)
    assert lines["flag_enterprises"].target == 5
    assert not lines["flag_enterprises"].reached
    assert (lines["merit_collectives"].proposed, lines["merit_collectives"].accepted) == (1, 0)
    assert (lines["merit_individuals"].proposed, lines["merit_individuals"].accepted) == (3, 1)
    assert cluster["flag_enterprises"].proposed == 1
    assert cluster["merit_individuals"].proposed == 2


def test_default_award_rules_find_titles_by_name() -> None:
    rules = {rule.key: rule for rule in default_award_rules(TITLES)}
    assert rules["flag_enterprises"].title_codes == (FLAG,)
    assert rules["merit_individuals"].title_codes == (MERIT,)
    assert rules["merit_individuals"].nominee == Nominee.INDIVIDUAL


def test_the_shipped_catalogues_are_understood() -> None:
    """report_figures.toml and titles.toml, when present, feed the defaults."""
    figures = {f.code: f for f in report_figures()}
    titles = titles_by_code()
    if not figures or not titles:
        pytest.skip("catalogues not shipped")
    assert figures["industrial_output"].target_key == "industrial_output"
    assert figures["industrial_output"].unit("vi") == "tỷ đồng"
    rules = {rule.key: rule for rule in default_award_rules()}
    assert rules["flag_enterprises"].title_codes == ("CO_TINH",)
    assert rules["merit_collectives"].title_codes == ("BK_TINH",)


def test_means_and_yes_counts(engine: Engine) -> None:
    figures = [
        FigureDef("income", "Thu nhập", unit="triệu đồng/người/tháng", target="income",
                  aggregate="mean"),
        FigureDef("iso9001", "ISO", kind="yes_no", target="iso", aggregate="count_yes"),
        FigureDef("growth", "Tăng trưởng", unit="%", kind="percent", target="growth",
                  aggregate="sum"),
    ]  # fmt: skip
    with Session(engine) as session:
        w = build_world(session)
        campaign = session.get(Campaign, w.campaign)
        assert campaign is not None
        campaign.targets = [
            {"key": "income", "label": "Thu nhập", "unit": "triệu đồng/người/tháng", "value": 10},
            {"key": "iso", "label": "ISO 9001", "unit": "doanh nghiệp", "value": 4},
            {"key": "growth", "label": "Tăng trưởng", "unit": "%", "value": 10},
        ]
        for report in session.exec(select(YearEndReport)).all():
            if report.figures.get("industrial_output") == "1000.5":
                report.figures = {"income": "9", "iso9001": "1", "growth": "12"}
            elif report.figures.get("industrial_output") == "2000":
                report.figures = {"income": "12", "iso9001": "0", "growth": "30"}
        session.commit()
        result = {t.key: t for t in figures_vs_targets(session, w.campaign, Scope.board(w.org),
                                                       figures)}  # fmt: skip
    assert result["income"].reported == Decimal("10.5")
    assert result["income"].aggregate == "mean"
    assert result["iso"].reported == Decimal(1) and result["iso"].enterprises == 2
    assert result["growth"].reported is None  # a percentage is never summed


@pytest.mark.parametrize(
    "award_targets",
    [
        {"flag_enterprises": 2},
        {"flag_enterprises": {"value": 2, "label": "Cờ", "label_en": "Flag"}},
    ],
)
def test_award_targets_in_both_stored_shapes(engine: Engine, award_targets: AwardTargets) -> None:
    """A bare minimum or one with the office's labels: the shapes `Campaign.award_targets`
    declares, and the only ones the shortlist and the plan's editing read."""
    with Session(engine) as session:
        w = build_world(session)
        campaign = session.get(Campaign, w.campaign)
        assert campaign is not None
        campaign.award_targets = award_targets
        session.commit()
        session.refresh(campaign)
        assert campaign.award_targets == award_targets  # as stored and read back
        (line,) = shortlist(session, w.campaign, rules=default_award_rules(TITLES))
        (entry,) = spec_of(session, campaign).awards
    assert (line.key, line.target, line.proposed, line.reached) == ("flag_enterprises", 2, 2, True)
    assert (entry.key, entry.value) == ("flag_enterprises", 2)
    labelled = isinstance(award_targets["flag_enterprises"], dict)
    assert line.label(Translator("en")) == (
        "Flag" if labelled else "Enterprises proposed for the provincial Emulation Flag"
    )
    assert (entry.label, entry.label_en) == (("Cờ", "Flag") if labelled else ("", ""))


def test_texts_for_the_chat(engine: Engine) -> None:
    vi, en = Translator("vi"), Translator("en")
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
        targets = figures_vs_targets(session, w.campaign, Scope.board(w.org), FIGURES)
        lines = shortlist(session, w.campaign, rules=default_award_rules(TITLES))
        missing = missing_enterprises(session, w.campaign, "launch_document", Scope.board(w.org))
    text = render_progress_text(en, progress)
    assert "Launch document (due 31/01/2024)" in text
    assert "2 accepted · 1 submitted · 1 returned · 2 missing of 6" in text
    assert "• KCN Quang Châu: 2/3 received (1 accepted), 1 missing" in text
    assert "• No zone: 1/1 received (1 accepted), 0 missing" in text
    assert "Cụm 2" in text
    assert "31/01/2024" in render_progress_text(vi, progress)
    target_text = render_targets_text(vi, targets)
    assert "3.000,5 tỷ đồng từ 2 doanh nghiệp; chỉ tiêu 540.000 tỷ đồng (0,56%)" in target_text
    # 0,5 tỷ USD is shown as 500 triệu USD, never rounded to 0
    assert "500 triệu USD từ 2 doanh nghiệp; chỉ tiêu 24,2 tỷ USD (2,1%)" in target_text
    assert "3.000,5 tỷ đồng từ 2 doanh nghiệp; chỉ tiêu 540.000 tỷ đồng" in target_text
    assert "chỉ tiêu 100%" in target_text  # a percentage keeps its sign close
    assert "Industrial output" in render_targets_text(en, targets)
    short = render_shortlist_text(en, lines)
    assert "2 proposed (1 accepted), target 5" in short
    missing_text = render_missing_text(en, "launch_document", missing)
    assert "3 enterprises have not submitted" in missing_text
    assert f"E3 (0100000003) · reachable · returned for fixes: {RETURN_REASON}" in missing_text
    assert "E4 (0100000004) · unreachable · draft started" in missing_text
    assert missing_text.splitlines()[-1] == "3. E5 (0100000005) · reachable"
    vi_text = render_missing_text(vi, "launch_document", missing)
    assert RETURN_REASON in vi_text and "returned for fixes" not in vi_text


def test_missing_state_names_the_return_reason_and_cuts_a_long_one() -> None:
    en = Translator("en")

    def missing(status: SubmissionStatus | None, note: str = "") -> MissingEnterprise:
        return MissingEnterprise(1, "E", "0100000001", "", "", status, (), note)

    assert missing_state(en, missing(None)) == "not started"
    assert missing_state(en, missing(SubmissionStatus.DRAFT)) == "draft started"
    assert missing_state(en, missing(SubmissionStatus.RETURNED)) == "returned for fixes"
    assert (
        missing_state(en, missing(SubmissionStatus.RETURNED, "Thiếu\n  dấu"))
        == "returned for fixes: Thiếu dấu"
    )
    long = missing(SubmissionStatus.RETURNED, "x" * 500)
    assert missing_state(en, long).endswith("x" * 500)
    line = render_missing_text(en, "launch_document", [long]).splitlines()[1]
    assert line.endswith("x" * (MISSING_REASON_LIMIT - 1) + "…")
    assert len(line) < 150


def test_progress_of_a_large_board_number_formatting(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        session.add_all(
            Enterprise(organization_id=w.org, tax_code=f"04{n:08d}", name=f"Y{n}", zone_id=w.z1)
            for n in range(1200)
        )
        session.commit()
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
    assert progress.enterprises == 1206
    assert "1.206" in render_progress_text(Translator("vi"), progress)


def test_the_real_plan_with_the_shipped_catalogues(engine: Engine) -> None:
    """bac-giang-kcn 2024 as the campaign service creates it, figures from report_figures.toml."""
    from bot.services.campaigns import create_campaign

    if not report_figures() or not titles_by_code():
        pytest.skip("catalogues not shipped")
    with Session(engine) as session:
        w = build_world(session)
        org = session.get(Organization, w.org)
        assert org is not None
        campaign = create_campaign(session, org, "bac-giang-kcn", 2025)
        # A campaign for another year than the plan's (2024) starts without targets; here the
        # office has confirmed the plan's figures for 2025.
        assert campaign.targets == []
        from bot.services.templates import load_template

        campaign.targets = [
            {**t.as_dict(), "year": 2025} for t in load_template("bac-giang-kcn").targets
        ]
        session.add(campaign)
        session.flush()
        assert campaign.id is not None
        reports = {"E1": ("20000", "1500"), "E4": ("30000", "2500")}
        for name, (output, exports) in reports.items():
            sub = Submission(
                campaign_id=campaign.id,
                enterprise_id=w.enterprises[name],
                kind=DeadlineKind.YEAR_END_REPORT,
                status=SubmissionStatus.SUBMITTED,
            )
            session.add(sub)
            session.flush()
            assert sub.id
            figures = {"industrial_output": output, "exports": exports, "iso9001": "1"}
            session.add(YearEndReport(submission_id=sub.id, figures=figures))
            registration = Submission(
                campaign_id=campaign.id,
                enterprise_id=w.enterprises[name],
                kind=DeadlineKind.TITLE_REGISTRATION,
                status=SubmissionStatus.ACCEPTED,
            )
            session.add(registration)
            session.flush()
            assert registration.id
            session.add(
                RegistrationEntry(
                    submission_id=registration.id,
                    nominee=Nominee.COLLECTIVE,
                    title_code="CO_TINH",
                    unit_name=name,
                )
            )
        session.commit()
        targets = {t.key: t for t in figures_vs_targets(session, campaign.id, Scope.board(w.org))}
        lines = {line.key: line for line in shortlist(session, campaign.id)}
        progress = campaign_progress(session, campaign.id, Scope.board(w.org))
    assert targets["industrial_output"].reported == Decimal(50000)
    assert targets["industrial_output"].target == Decimal(540000)
    assert targets["exports"].reported == Decimal(4)  # 4.000 triệu USD = 4 tỷ USD
    assert targets["exports"].unit_in("en") == "bn USD"
    assert round(targets["exports"].percent or 0, 2) == Decimal("16.53")
    assert (lines["flag_enterprises"].proposed, lines["flag_enterprises"].target) == (2, 5)
    assert lines["merit_individuals"].proposed == 0
    assert "Enterprises proposed for the provincial Emulation Flag" in render_shortlist_text(
        Translator("en"), list(lines.values())
    )
    report = progress.item(DeadlineKind.YEAR_END_REPORT)
    assert report is not None and report.overall.submitted == 2
    text = render_targets_text(Translator("en"), list(targets.values()))
    assert "4 bn USD from 2 enterprises; target 24,2 bn USD, up 10% (16,5%)" in text
