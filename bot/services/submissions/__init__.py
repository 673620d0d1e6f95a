"""What an enterprise sends during a campaign, and the rules around sending it.

One `Submission` per (campaign, enterprise, kind) tracks the state; the content lives in
RegistrationEntry / YearEndReport / LaunchDocument / Attachment, and every submit leaves a
`Receipt` with a snapshot of what was sent, so resubmissions never lose history.

The life of an item:

    draft --submit--> submitted --accept--> accepted (locked for good)
      ^                 |   |
      +----reopen-------+   +--return (reason)--> returned --submit--> submitted ...

- Until the deadline's due date has ended in local time (Asia/Ho_Chi_Minh, so 23:59:59 on
  the due date is still in time) an officer may edit, submit, reopen and resubmit; each
  submit gives a new receipt number.
- After that day the item is locked: no edit, no resubmit; the officer is told the date and
  to contact the board office. A *returned* item is the exception: the board asked for a
  fix, so it stays editable and can be resubmitted after the deadline until accepted.
- Changing a submitted item (adding an entry, a figure, a file) withdraws it to draft: what
  the board reviews is always what a receipt shows. The earlier receipts stay.

Every mutator takes an `Act` (bot.services.acts: the moment, aware, for the caller owns the
clock; the board's time zone, for "the end of the due date" is a local date; and who acts),
calls `ensure_editable` (or, for reviews, checks the state), validates everything before
changing anything, and writes an audit entry, who and when read from the act, in the same
transaction. Errors are `DomainError`s with English msgids: callers show `error.message(t)`.
"""

from __future__ import annotations

from bot.services.submissions.clock import local_date
from bot.services.submissions.files import (
    attach_file,
    file_type,
    list_attachments,
    remove_attachment,
)
from bot.services.submissions.finding import (
    create_submission,
    deadline_for,
    get_or_create_submission,
    get_submission,
    load_item,
)
from bot.services.submissions.launch_document import launch_document, set_launch_document
from bot.services.submissions.limits import (
    ACCEPTED_TYPES,
    DOCUMENT_NUMBER_MAX,
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    MAX_ATTACHMENTS,
    MAX_ENTRIES,
    MAX_FILE_SIZE,
    NAME_MAX,
    NARRATIVE_MAX,
    REASON_MAX,
)
from bot.services.submissions.locking import ensure_editable, is_locked
from bot.services.submissions.registration import (
    add_entry,
    list_entries,
    remove_entry,
    update_entry,
    violations,
)
from bot.services.submissions.reports import (
    ReportDetails,
    figures_of,
    report_details,
    set_figure,
    set_narrative,
)
from bot.services.submissions.review import accept, next_for_review, return_submission
from bot.services.submissions.states import (
    NOT_SUBMITTED,
    REPORT_KINDS,
    STATE_LABELS,
    item_submission_join,
    not_submitted_condition,
    state_label,
)
from bot.services.submissions.status import ItemStatus, item_state, item_statuses
from bot.services.submissions.submitting import problems, receipts, reopen, snapshot, submit

__all__ = [
    "ACCEPTED_TYPES",
    "DOCUMENT_NUMBER_MAX",
    "DOCUMENT_TYPES",
    "IMAGE_TYPES",
    "MAX_ATTACHMENTS",
    "MAX_ENTRIES",
    "MAX_FILE_SIZE",
    "NAME_MAX",
    "NARRATIVE_MAX",
    "NOT_SUBMITTED",
    "REASON_MAX",
    "REPORT_KINDS",
    "STATE_LABELS",
    "ItemStatus",
    "ReportDetails",
    "accept",
    "add_entry",
    "attach_file",
    "create_submission",
    "deadline_for",
    "ensure_editable",
    "figures_of",
    "file_type",
    "get_or_create_submission",
    "get_submission",
    "is_locked",
    "item_state",
    "item_statuses",
    "item_submission_join",
    "launch_document",
    "list_attachments",
    "list_entries",
    "load_item",
    "local_date",
    "next_for_review",
    "not_submitted_condition",
    "problems",
    "receipts",
    "remove_attachment",
    "remove_entry",
    "reopen",
    "report_details",
    "return_submission",
    "set_figure",
    "set_launch_document",
    "set_narrative",
    "snapshot",
    "state_label",
    "submit",
    "update_entry",
    "violations",
]
