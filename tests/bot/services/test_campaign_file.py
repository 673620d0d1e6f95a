"""The campaign file's own rules: ISO dates are read too, what a file leaves out is kept, an
empty list empties, and unknown keys or wrong types are named by line and field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.i18n import Translator
from bot.models import Campaign
from bot.services import campaign_file, plan_edits
from tests.scheduler.test_late_reminders import _board

YEAR = 2025
TODAY = date(YEAR, 3, 2)  # before the plan's deadlines


def _campaign(session: Session) -> Campaign:
    campaign: Campaign = _board(session, YEAR)["campaign"]
    return campaign


def test_a_partial_file_changes_only_what_it_says(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _campaign(session)
        before = plan_edits.spec_of(session, campaign)
        spec = campaign_file.read(
            session,
            campaign,
            'days = []\n\n[[awards]]\nkey = "flag_enterprises"\nvalue = 7\nlabel = "Cờ thi đua"\n',
            TODAY,
        )
        assert spec.days == () and spec.phases == before.phases
        assert spec.deadlines == before.deadlines and spec.title == before.title
        assert [(a.key, a.value, a.label) for a in spec.awards] == [
            ("flag_enterprises", 7, "Cờ thi đua")
        ]


def test_iso_dates_are_read_too(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _campaign(session)
        text = campaign_file.export_text(session, campaign, Translator("vi"))
        iso = text.replace(f'due = "15/04/{YEAR}"', f"due = {YEAR}-04-20").replace(
            f'due = "15/06/{YEAR}"', f'due = "{YEAR}-06-30"'
        )
        spec = campaign_file.read(session, campaign, iso, TODAY)
        dues = {d.kind.value: d.due.isoformat() for d in spec.deadlines}
        assert dues["title_registration"] == f"{YEAR}-04-20"
        assert dues["six_month_report"] == f"{YEAR}-06-30"


def test_unknown_keys_and_wrong_types_are_named_by_line(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        campaign = _campaign(session)
        text = (
            'colour = "đỏ"\n'  # line 1: no such field
            'targets_confirmed = "có"\n'  # line 2: true or false
            "\n"
            "[[days]]\n"  # line 4
            f'on = "01/05/{YEAR}"\n'  # line 5: the file says date
            'name = "Ngày mới"\n'
            "founded = 1990\n"
            "\n"
            "[[deadlines]]\n"  # line 9
            'kind = "tet_gift"\n'  # line 10
            "due = 20250420\n"  # line 11: not a date
        )
        with pytest.raises(campaign_file.CampaignFileInvalid) as caught:
            campaign_file.read(session, campaign, text, TODAY)
        found = {(e.line, e.field) for e in caught.value.errors}
        assert {
            (1, "colour"),
            (2, "targets_confirmed"),
            (5, "on"),
            (10, "kind"),
            (11, "due"),
        } <= found, caught.value.errors
        vi = Translator("vi")
        lines = [e.message(vi) for e in caught.value.errors]
        assert any(line.startswith("dòng 10, kind: một trong: launch_document") for line in lines)
