"""What each submission status is called, and which statuses count as reported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col

from bot.i18n import N_, Translator
from bot.models import (
    Enterprise,
    RegistrationEntry,
    Submission,
    SubmissionStatus,
    YearEndReport,
)
from bot.services.access import Scope

STATUS_LABELS: dict[str, str] = {
    SubmissionStatus.DRAFT: N_("Draft"),
    SubmissionStatus.SUBMITTED: N_("Submitted"),
    SubmissionStatus.RETURNED: N_("Returned"),
    SubmissionStatus.ACCEPTED: N_("Accepted"),
}

NOT_STARTED_LABEL = N_("Not started")

# The statuses whose content counts as reported: returned items await corrections.
COUNTED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)


def sent_parts(
    query: Any,
    part: type[RegistrationEntry] | type[YearEndReport],
    campaign_id: int,
    kind: str,
    statuses: Sequence[str],
    scope: Scope,
) -> Any:
    """`query` over the rows of `part` (registration entries, report details) of the
    campaign's `kind` items in `statuses`, from the enterprises of `scope`: one definition of
    what the exports, the shortlist and the targets read."""
    return (
        query.select_from(part)
        .join(Submission, col(Submission.id) == col(part.submission_id))
        .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
        .where(
            col(Submission.campaign_id) == campaign_id,
            col(Submission.kind) == kind,
            col(Submission.status).in_(statuses),
            *scope.enterprise_conditions(),
        )
    )


def status_label(t: Translator, status: str | None, late: bool = False) -> str:
    """A submission status (None: nothing started) in the user's language; `late` adds
    "submitted late" to an item sent after its due date."""
    if status is None:
        return t(NOT_STARTED_LABEL)
    label = t(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    if late and status != SubmissionStatus.DRAFT:
        return t("{status} (submitted late)", status=label)
    return label
