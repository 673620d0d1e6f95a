"""The states of an item and the one definition of 'not submitted yet'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from bot.i18n import N_, Translator
from bot.models.campaign import Deadline
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.organization import Enterprise
from bot.models.submission import Submission

REPORT_KINDS = (DeadlineKind.YEAR_END_REPORT, DeadlineKind.SIX_MONTH_REPORT)

STATE_LABELS = {
    "not_started": N_("not started"),
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "returned": N_("returned"),
    "accepted": N_("accepted"),
}


@dataclass(frozen=True)
class _Label:
    """A msgid shown as a parameter, translated for the reader."""

    msgid: str

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


# An item the board is still waiting for: nothing, a draft, or one returned for fixes.
# The planner, the progress views and the broadcast audiences all use this one definition.
NOT_SUBMITTED = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def item_submission_join(campaign_id: Any = None, kind: Any = None) -> ColumnElement[bool]:
    """The ON clause that outer-joins Submission to a row of Enterprise: the enterprise's
    submission of the item `kind` in `campaign_id` (values or SQL expressions; by default
    those of the Deadline in the row), when there is one.

    One definition for every query that walks enterprises × items (the digest, the progress
    overview, the planner's reminders and fan-outs), so they agree on what "the item" is.
    """
    return and_(
        col(Submission.campaign_id)
        == (col(Deadline.campaign_id) if campaign_id is None else campaign_id),
        col(Submission.enterprise_id) == col(Enterprise.id),
        col(Submission.kind) == (col(Deadline.kind) if kind is None else kind),
    )


def not_submitted_condition() -> ColumnElement[bool]:
    """True for an enterprise outer-joined to its Submission of one item that it still owes.

    The caller outer-joins Submission on (enterprise, campaign, kind); a missing row or a
    status in `NOT_SUBMITTED` means the board is still waiting for that enterprise.
    """
    return or_(col(Submission.id).is_(None), col(Submission.status).in_(NOT_SUBMITTED))


def state_label(t: Translator, state: str) -> str:
    """An item state (not_started, draft, submitted, returned, accepted) for `t`'s reader."""
    return t(STATE_LABELS.get(state, state))
