"""No anniversary number or year is written by hand in a plan: every template, rendered for
every year 2024–2030 it can run, says only numbers that agree with the founding years."""

from __future__ import annotations

import re

import pytest

from bot.i18n import Translator
from bot.notifications import texts as notification_texts
from bot.services.campaigns import anniversary_label, localized, plan_campaign
from bot.services.templates import list_templates

YEARS = range(2024, 2031)
# Events a plan's text may name without a commemoration day of its own, with the year they
# happened (history, not data the office edits).
EVENTS = {"chiến thắng điện biên phủ": 1954}
VI = re.compile(r"(\d{1,3}) năm ([^(,;.\n]+)")
EN = re.compile(r"(\d{1,3}) years of ([^(,;.\n]+)")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _cases() -> list[tuple[str, int]]:
    return [
        (template.slug, year)
        for template in list_templates()
        for year in YEARS
        if template.covers(year)
    ]


def test_the_cases_cover_the_running_templates() -> None:
    slugs = {slug for slug, _ in _cases()}
    assert {"bac-giang-kcn", "bac-giang-ubnd", "soc-trang-bql-2021-2025"} <= slugs


@pytest.mark.parametrize(("slug", "year"), _cases())
def test_every_number_in_every_text_agrees(slug: str, year: int) -> None:
    plan = plan_campaign(slug, year)
    founded = {o.name.casefold(): o.founded for o in plan.observances if o.founded}
    founded |= {o.name_en.casefold(): o.founded for o in plan.observances if o.founded}
    founded |= EVENTS
    allowed_years = {year, *(f for f in founded.values() if f)}
    if plan.template.first_year is not None and plan.template.last_year is not None:
        allowed_years |= set(range(plan.template.first_year, plan.template.last_year + 1))
    texts: list[str] = []
    for language in ("vi", "en"):
        t = Translator(language)
        title = localized(t, plan.title, plan.title_en)
        texts += [title, localized(t, plan.theme, plan.theme_en)]
        for phase in plan.phases:
            call = localized(t, phase.call, phase.call_en)
            texts += [localized(t, phase.name, phase.name_en), call]
            texts.append(
                notification_texts.phase_start_text(
                    t,
                    campaign_title=title,
                    number=phase.number,
                    name=localized(t, phase.name, phase.name_en),
                    starts_on=phase.starts_on,
                    ends_on=phase.ends_on,
                    call=call,
                )
            )
        for obs in plan.observances:
            phase = plan.phases[obs.phase - 1]
            texts.append(
                notification_texts.observance_text(
                    t,
                    campaign_title=title,
                    anniversary=anniversary_label(t, obs),
                    on=obs.on,
                    years=obs.years,
                    call=localized(t, phase.call, phase.call_en),
                )
            )
    checked = 0
    for text in texts:
        for pattern in (VI, EN):
            for match in pattern.finditer(text):
                number, what = int(match.group(1)), match.group(2).strip().casefold()
                since = next(
                    (
                        f
                        for name, f in founded.items()
                        if what.startswith(name) or name.startswith(what)
                    ),
                    None,
                )
                assert since is not None, f"{slug} {year}: an anniversary of what? {text!r}"
                assert number == year - since, f"{slug} {year}: {match.group(0)!r} in {text!r}"
                checked += 1
        for match in YEAR.finditer(text):
            assert int(match.group(1)) in allowed_years, f"{slug} {year}: {text!r}"
    assert checked > 0  # the texts do name anniversaries: the check ran


def test_the_dien_bien_phu_anniversary_follows_the_year() -> None:
    assert (
        "kỷ niệm 70 năm Chiến thắng Điện Biên Phủ"
        in plan_campaign("bac-giang-ubnd", 2024).phases[0].call
    )
    assert (
        "kỷ niệm 72 năm Chiến thắng Điện Biên Phủ"
        in plan_campaign("bac-giang-ubnd", 2026).phases[0].call
    )


@pytest.mark.parametrize("slug", ["bac-giang-kcn", "bac-giang-ubnd"])
@pytest.mark.parametrize("year", [2026, 2027, 2030])
def test_texts_after_the_merger_name_the_boards_province(slug: str, year: int) -> None:
    """Bắc Giang is part of Bắc Ninh from 01/07/2025 (Nghị quyết 202/2025/QH15): a board whose
    record says Bắc Ninh gets no "Bắc Giang" in any text of its campaigns, and no founding day
    of a province that no longer exists."""
    plan = plan_campaign(slug, year, "Bắc Ninh")
    texts = [plan.title, plan.title_en, plan.theme, plan.theme_en]
    texts += [text for p in plan.phases for text in (p.name, p.call, p.call_en, p.review_name)]
    texts += [text for o in plan.observances for text in (o.name, o.name_en)]
    assert not [text for text in texts if "Bắc Giang" in text]
    assert "Bắc Ninh" in plan.title
    assert any("Bắc Giang" in o.name for o in plan_campaign(slug, 2025, "Bắc Giang").observances)
