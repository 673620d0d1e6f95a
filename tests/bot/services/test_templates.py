"""The campaign templates: the four plans as data, and the checks that keep typos out."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import Translator
from bot.models.enums import DeadlineKind
from bot.services.templates import (
    DEFAULT_REMINDER_OFFSETS,
    MonthDay,
    Qualifier,
    TemplateDataError,
    TemplateKind,
    UnknownTemplate,
    list_templates,
    load_template,
    load_template_file,
    parse_template,
)
from bot.templates import TEMPLATES_DIR

SLUGS = ["bac-giang-kcn", "bac-giang-kcn-covid-2021", "bac-giang-ubnd", "soc-trang-bql-2021-2025"]


def _raw(slug: str) -> dict[str, Any]:
    with (TEMPLATES_DIR / f"{slug}.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_the_four_plans_are_shipped() -> None:
    assert sorted(t.slug for t in list_templates()) == SLUGS


def test_unknown_slug_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTemplate) as info:
        load_template("bac-giang")
    message = info.value.message(Translator("vi"))
    assert "bac-giang" in message
    for slug in SLUGS:
        assert slug in message
    assert "Không có mẫu kế hoạch" in message


def test_slug_lookup_tolerates_case_and_spaces() -> None:
    assert load_template("  BAC-GIANG-KCN ").slug == "bac-giang-kcn"


def test_bac_giang_kcn_is_the_boards_annual_plan() -> None:
    t = load_template("bac-giang-kcn")
    assert t.kind is TemplateKind.ANNUAL and t.first_year is None and t.covers(1999)
    assert t.province == "Bắc Giang"
    assert t.document_number_for(15) == "15/KH-KCN"
    assert "đầu tàu cho phát triển kinh tế xã hội" in t.theme
    assert [(p.number, str(p.start), str(p.end)) for p in t.phases] == [
        (1, "01-01", "06-30"),
        (2, "07-01", "12-31"),
    ]
    assert [p.review for p in t.phases] == ["Sơ kết 6 tháng", "Tổng kết năm"]
    assert all(p.call and p.call_en and p.name_en for p in t.phases)
    assert [(d.kind, str(d.due)) for d in t.deadlines] == [
        (DeadlineKind.LAUNCH_DOCUMENT, "01-31"),
        (DeadlineKind.TITLE_REGISTRATION, "04-15"),
        (DeadlineKind.SIX_MONTH_REPORT, "06-15"),
        (DeadlineKind.YEAR_END_REPORT, "12-05"),
        (DeadlineKind.COMMENDATION_PROPOSAL, "12-20"),
    ]
    assert all(d.reminder_offsets == DEFAULT_REMINDER_OFFSETS for d in t.deadlines)
    # Thirteen commemoration days; 10/10 and 22/12 each mark two events.
    days = {str(o.on) for o in t.observances}
    assert len(days) == 13
    assert len(t.observances) == 15
    founded = {(str(o.on), o.founded, o.phase) for o in t.observances}
    assert {
        ("02-03", 1930, 1),
        ("03-26", 1931, 1),
        ("04-30", 1975, 1),
        ("05-01", 1886, 1),
        ("05-07", 1954, 1),
        ("05-19", 1890, 1),
        ("06-11", 1948, 1),
        ("08-19", 1945, 2),
        ("09-02", 1945, 2),
        ("10-10", 1954, 2),
        ("10-10", 1895, 2),
        ("10-13", 2004, 2),
        ("11-20", 1982, 2),
        ("12-22", 1944, 2),
        ("12-22", 1989, 2),
    } == founded
    assert all(o.name_en for o in t.observances)


def test_bac_giang_kcn_targets_of_2024() -> None:
    t = load_template("bac-giang-kcn")
    assert t.targets_year == 2024
    targets = {x.key: x for x in t.targets}
    assert (targets["investment"].value, targets["investment"].unit) == (1.2, "tỷ USD")
    assert targets["investment"].qualifier is Qualifier.ABOUT
    output = targets["industrial_output"]
    assert (output.value, output.unit, output.growth) == (540000, "tỷ đồng", 19.3)
    exports = targets["exports"]
    assert (exports.value, exports.unit, exports.growth) == (24.2, "tỷ USD", 10)
    assert targets["admin_procedures_on_time"].value == 100
    assert targets["new_zones"].value == 2
    assert (targets["cleared_land"].value, targets["cleared_land"].qualifier) == (
        200,
        Qualifier.AT_LEAST,
    )
    awards = {a.key: a.value for a in t.award_targets}
    assert awards == {"flag_enterprises": 5, "merit_collectives": 10, "merit_individuals": 10}
    # Formatted the Vietnamese way, the figures read as in the plan.
    vi = Translator("vi")
    assert vi.number(output.value or 0) == "540.000"
    assert vi.number(output.growth or 0) == "19,3"


def test_bac_giang_ubnd_is_the_provinces_plan() -> None:
    t = load_template("bac-giang-ubnd")
    assert t.kind is TemplateKind.ANNUAL
    assert t.document_number_for(15) == "15/KH-UBND"
    assert "quê hương {province} ngày càng phát triển giàu đẹp, văn minh" in t.theme
    assert len(t.targets) == 20
    assert [x.label.split(")")[0] for x in t.targets] == [f"({i}" for i in range(1, 21)]
    grdp = t.targets[0]
    assert (grdp.key, grdp.value, grdp.unit) == ("grdp_growth", 14.5, "%")
    farm = next(x for x in t.targets if x.key == "farm_output_per_ha")
    assert (farm.value, farm.value_max) == (138, 140)
    assert [(d.kind, str(d.due)) for d in t.deadlines] == [
        (DeadlineKind.LAUNCH_DOCUMENT, "01-31"),
        (DeadlineKind.SIX_MONTH_REPORT, "06-15"),
    ]
    assert len(t.phases) == 2
    assert {o.founded for o in t.observances if str(o.on) == "12-22"} == {1944, 1989}


def test_covid_2021_is_a_special_campaign() -> None:
    t = load_template("bac-giang-kcn-covid-2021")
    assert t.kind is TemplateKind.SPECIAL
    assert (t.first_year, t.last_year) == (2021, 2021)
    assert t.covers(2021) and not t.covers(2022)
    assert [(str(p.start), str(p.end)) for p in t.phases] == [("08-03", "12-31")]
    assert [(str(o.on), o.founded) for o in t.observances] == [
        ("08-19", 1945),
        ("09-02", 1945),
        ("10-10", 1895),
    ]
    targets = {x.key: x for x in t.targets}
    assert (targets["industrial_output"].value, targets["industrial_output"].unit) == (
        220000,
        "tỷ đồng",
    )
    assert (targets["exports"].value, targets["exports"].growth) == (9.6, 1.6)
    assert targets["new_jobs"].value == 20000
    assert "mục tiêu kép" in t.theme


def test_soc_trang_is_a_five_year_plan() -> None:
    t = load_template("soc-trang-bql-2021-2025")
    assert t.kind is TemplateKind.MULTI_YEAR
    assert (t.first_year, t.last_year) == (2021, 2025)
    assert t.province == "Sóc Trăng"
    assert t.document_number_for(7) == "7/KH-BQL"
    assert [(str(p.start), str(p.end)) for p in t.phases] == [("01-01", "12-31")]
    output = next(x for x in t.targets if x.key == "industrial_output")
    assert (output.value, output.value_max, output.unit) == (25000, 30000, "tỷ đồng")
    assert "tỉnh {province} giai đoạn 2021 – 2025" in t.theme
    # A Sóc Trăng plan marks no Bắc Giang founding day.
    assert all("Bắc Giang" not in o.name for o in t.observances)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_is_complete_in_both_languages(slug: str) -> None:
    t = load_template(slug)
    assert t.name and t.name_en and t.theme and t.theme_en and t.issuer and t.issuer_en
    for o in t.observances:
        owner = t.phase(o.phase)
        assert owner.start <= o.on <= owner.end
        assert o.name and o.name_en
    for target in t.targets:
        assert target.label and target.label_en


def test_month_day() -> None:
    assert MonthDay.parse("05-07").in_year(2024).isoformat() == "2024-05-07"
    for bad in ["5/7", "13-01", "04-31", "02-29", "aa-bb", ""]:
        with pytest.raises(ValueError):
            MonthDay.parse(bad)


def _broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(_raw("bac-giang-kcn"))
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.update(kind="yearly"), "test.toml: kind: Input should be 'annual'"),
        (lambda d: d.update(years=[2021, 2025]), "no fixed years"),
        (lambda d: d["phases"][0].update(end="31-06"), "phases[1].end: Value error, month"),
        (lambda d: d["phases"][1].update(start="06-01"), "overlaps"),
        (lambda d: d["phases"][1].update(number=3), "numbered"),
        (lambda d: d["deadlines"][0].update(kind="party"), "deadlines[1].kind: Input should be"),
        (lambda d: d["deadlines"].append(dict(d["deadlines"][0])), "a second"),
        (lambda d: d["deadlines"][0].update(reminders=[7, "x"]), "reminders"),
        (lambda d: d["deadlines"][0].update(late="maybe"), "deadlines[1].late: Input should be"),
        (lambda d: d["observances"][0].update(phase=2), "outside phase 2"),
        (lambda d: d["observances"][0].update(phase=3), "phase must be"),
        (lambda d: d["observances"][0].update(founded="1930"), "observances[1].founded: Input"),
        (lambda d: d["targets"][0].update(qualifier="roughly"), "qualifier"),
        (lambda d: d["targets"][0].update(value="1,2"), "targets[1].value: Input should be"),
        (lambda d: d["targets"][0].update(value_max=0.5), "value_max"),
        (lambda d: d["targets"].append(dict(d["targets"][0])), "second target"),
        (lambda d: d.update(document_number="KH-KCN"), "{number}"),
        (lambda d: d.pop("theme_en"), "test.toml: theme_en: Field required"),
        (lambda d: d.update(phases=[]), "phases: Tuple should have at least 1 item"),
        (lambda d: d.update(theme="  "), "theme: String should have at least 1 character"),
        (
            lambda d: d["phases"][1].update(end="06-30"),
            "phases[2]: Value error, end 06-30 is before",
        ),
        (lambda d: d["deadlines"][1].update(reminder=[3]), "deadlines[2].reminder: Extra inputs"),
        (lambda d: d["award_targets"][0].update(value=-1), "award_targets[1].value: Input"),
        (
            lambda d: d["scoring"]["criteria"][1].update(source="board"),
            "scoring.criteria[2] (growth).source: Input should be",
        ),
    ],
)
def test_malformed_templates_are_refused(mutate: Any, fragment: str) -> None:
    with pytest.raises(TemplateDataError) as info:
        parse_template(_broken(mutate), "test.toml")
    assert fragment in str(info.value)
    assert str(info.value).startswith("test.toml")


def test_a_deadline_chooses_its_late_policy() -> None:
    data = copy.deepcopy(_raw("bac-giang-kcn"))
    data["deadlines"][-1]["late"] = "accept_late"
    template = parse_template(data, "bac-giang-kcn.toml")
    policies = {str(d.kind): str(d.late_policy) for d in template.deadlines}
    assert policies == {
        "launch_document": "lock",
        "title_registration": "lock",
        "six_month_report": "lock",
        "year_end_report": "lock",
        "commendation_proposal": "accept_late",
    }


def test_special_plan_needs_one_year() -> None:
    data = copy.deepcopy(_raw("bac-giang-kcn-covid-2021"))
    data["years"] = [2021, 2022]
    with pytest.raises(TemplateDataError, match="within one year"):
        parse_template(data, "x.toml")
    data.pop("years")
    with pytest.raises(TemplateDataError, match="years must be"):
        parse_template(data, "x.toml")


def test_file_name_must_match_slug(tmp_path: Path) -> None:
    source = (TEMPLATES_DIR / "bac-giang-kcn.toml").read_text(encoding="utf-8")
    path = tmp_path / "other.toml"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateDataError, match="must match the file name"):
        load_template_file(path)
    path.write_text("slug = ", encoding="utf-8")
    with pytest.raises(TemplateDataError, match=r"other\.toml"):
        load_template_file(path)


def test_a_bad_plan_file_is_refused_naming_file_record_and_field(tmp_path: Path) -> None:
    """A typo in a shipped plan stops the load with one line a maintainer can act on: the
    file, the record (its position, by its code where it has one) and the field."""
    source = (TEMPLATES_DIR / "bac-giang-kcn.toml").read_text(encoding="utf-8")
    path = tmp_path / "bac-giang-kcn.toml"
    path.write_text(source.replace('due = "04-15"', 'due = "04-31"'), encoding="utf-8")
    with pytest.raises(TemplateDataError) as info:
        load_template_file(path)
    assert str(info.value) == (
        "bac-giang-kcn.toml: deadlines[2].due: Value error, day is out of range for month"
    )
    path.write_text(source.replace("max = 30\nsource", "max = 0\nsource", 1), encoding="utf-8")
    with pytest.raises(TemplateDataError) as info:
        load_template_file(path)
    assert str(info.value).startswith(
        "bac-giang-kcn.toml: scoring.criteria[2] (growth).max: Input should be greater than 0"
    )


def test_the_plan_file_holds_its_scoring() -> None:
    """The scoring criteria come from the same loader as the rest of the plan."""
    scoring = load_template("bac-giang-kcn").scoring
    assert scoring.shortlist_per_cluster == 1
    assert [(c.code, c.source, c.max_points) for c in scoring.criteria] == [
        ("on_time", "on_time", Decimal(20)),
        ("growth", "targets", Decimal(30)),
        ("movement", "staff", Decimal(30)),
        ("compliance", "staff", Decimal(20)),
    ]
    assert (scoring.criteria[1].figure, scoring.criteria[1].target) == ("growth", Decimal(10))
    assert load_template("bac-giang-ubnd").scoring.criteria == ()
