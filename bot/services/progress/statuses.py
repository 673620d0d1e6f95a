"""What each submission status is called, and which statuses count as reported."""

from __future__ import annotations

from bot.i18n import N_, Translator
from bot.models import (
    SubmissionStatus,
)

STATUS_LABELS: dict[str, str] = {
    SubmissionStatus.DRAFT: N_("Draft"),
    SubmissionStatus.SUBMITTED: N_("Submitted"),
    SubmissionStatus.RETURNED: N_("Returned"),
    SubmissionStatus.ACCEPTED: N_("Accepted"),
}

NOT_STARTED_LABEL = N_("Not started")

# The statuses whose content counts as reported: returned items await corrections.
COUNTED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)

# The statuses that still need the officer's action, so the item counts as not submitted
# (an enterprise with no submission row at all is not submitted either).


def status_label(t: Translator, status: str | None, late: bool = False) -> str:
    """A submission status (None: nothing started) in the user's language; `late` adds
    "submitted late" to an item sent after its due date."""
    if status is None:
        return t(NOT_STARTED_LABEL)
    label = t(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    if late and status != SubmissionStatus.DRAFT:
        return t("{status} (submitted late)", status=label)
    return label
