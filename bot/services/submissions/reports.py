"""The year-end and six-month reports: their figures and narrative."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from bot.i18n import N_
from bot.models import Campaign
from bot.models.submission import (
    Attachment,
    Submission,
    YearEndReport,
)
from bot.services import audience
from bot.services.acts import Act
from bot.services.errors import (
    InvalidInput,
)
from bot.services.lookups import remembered
from bot.services.numbers import get_figure, parse_figure, report_figures
from bot.services.submissions.files import list_attachments
from bot.services.submissions.limits import NARRATIVE_MAX
from bot.services.submissions.locking import (
    _audit_item,
    _begin_change,
    _check_editable,
    _expect_kind,
)
from bot.services.submissions.states import REPORT_KINDS
from bot.services.submissions.text import _CONTROL, _too_long


@dataclass(frozen=True)
class ReportDetails:
    """A report's content as the flows and the review show it."""

    figures: dict[str, Decimal]
    narrative: str
    attachments: list[Attachment]
    missing_figures: list[str] = field(default_factory=list)


def _report(session: Session, submission: Submission, create: bool) -> YearEndReport | None:
    report = remembered(
        session,
        (YearEndReport,),
        ("report", submission.id),
        lambda: session.exec(
            select(YearEndReport).where(YearEndReport.submission_id == submission.id)
        ).first(),
    )
    if report is None and create:
        assert submission.id is not None
        report = YearEndReport(submission_id=submission.id, figures={}, narrative="")
        session.add(report)
        session.flush()
    return report


def _changing_report(session: Session, submission: Submission, act: Act) -> YearEndReport:
    """The report, about to change (created if new): the item goes back to draft first."""
    _begin_change(session, submission, act)
    report = _report(session, submission, create=True)
    assert report is not None
    return report


def _save_report(
    session: Session,
    submission: Submission,
    report: YearEndReport,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    act: Act,
) -> None:
    """Save the changed report and audit the change, in the caller's transaction."""
    session.add(report)
    session.flush()
    _audit_item(session, submission, action, before, after, act)


def set_figure(
    session: Session,
    submission: Submission,
    code: str,
    raw_text: str,
    act: Act,
) -> Decimal:
    """Read a typed figure (any accepted number style), check it, store it; returns the value."""
    _check_editable(session, submission, act, *REPORT_KINDS)
    value = parse_figure(get_figure(code), raw_text)
    report = _changing_report(session, submission, act)
    before = report.figures.get(code)
    report.figures = {**report.figures, code: str(value)}
    after = {"code": code, "value": str(value), "typed": raw_text[:64]}
    _save_report(
        session,
        submission,
        report,
        "report.figure_set",
        {"code": code, "value": before},
        after,
        act,
    )
    return value


def set_narrative(
    session: Session,
    submission: Submission,
    text: str,
    act: Act,
) -> str:
    """Store the short narrative of achievements and initiatives (line breaks kept)."""
    _check_editable(session, submission, act, *REPORT_KINDS)
    lines = [" ".join(_CONTROL.sub(" ", line).split()) for line in (text or "").splitlines()]
    cleaned = unicodedata.normalize("NFC", "\n".join(lines).strip())
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    if not cleaned:
        raise InvalidInput(N_("Please write a few lines about the year's achievements."))
    _too_long(cleaned, NARRATIVE_MAX)
    report = _changing_report(session, submission, act)
    before = report.narrative
    report.narrative = cleaned
    after = {"narrative": cleaned}
    _save_report(
        session, submission, report, "report.narrative_set", {"narrative": before}, after, act
    )
    return cleaned


def figures_of(session: Session, submission: Submission) -> dict[str, Decimal]:
    """The report's figures (as Decimals): what a figure question needs, without the files."""
    _expect_kind(submission, *REPORT_KINDS)
    report = _report(session, submission, create=False)
    stored = report.figures if report is not None else {}
    return {code: Decimal(str(value)) for code, value in stored.items()}


def report_details(session: Session, submission: Submission) -> ReportDetails:
    """The figures (as Decimals), the narrative, the files, and the required figures missing."""
    figures = figures_of(session, submission)
    report = _report(session, submission, create=False)
    campaign = session.get(Campaign, submission.campaign_id)
    asked = report_figures() if campaign is None else audience.figures(campaign)
    missing = [f.code for f in asked if f.required and f.code not in figures]
    return ReportDetails(
        figures=figures,
        narrative=report.narrative if report is not None else "",
        attachments=list_attachments(session, submission),
        missing_figures=missing,
    )
