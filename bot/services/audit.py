"""The audit log: who changed what, when, with the state before and after.

Every mutator of the submission services and every staff action writes here, in the same
session (and so the same transaction) as the change it records: a change that is rolled
back leaves no audit entry, and a committed change always has one. Values are made
JSON-safe here (dates as ISO strings, decimals as strings, enums as their values) so callers
can pass model dumps as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, or_, select

from bot.i18n import N_, Translator
from bot.models.audit import AuditEntry
from bot.services.acts import Act


def json_safe(value: Any) -> Any:
    """`value` with dates, decimals, enums, tuples and sets turned into JSON types."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


_INSERT = insert(AuditEntry.__table__)  # type: ignore[attr-defined]


def record(
    session: Session,
    action: str,
    act: Act,
    *,
    subject: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> int:
    """Write one audit entry in `session`'s transaction (not committed), made by `act`'s
    contact and actor at its moment; its id.

    The row is inserted at once by a Core statement built once: an entry is never read back
    as an object in the transaction that writes it, and going through the unit of work cost
    more than the rest of a typical audited answer's writes. What the caller has pending is
    flushed first, as before, so the ids it shows after recording exist."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is 1 to 64 characters")
    session.flush()
    result = session.connection().execute(
        _INSERT,
        {
            "at": act.now,
            "contact_id": act.contact_id,
            "actor": act.actor[:128],
            "action": action,
            "subject": subject[:128],
            "before": None if before is None else json_safe(before),
            "after": None if after is None else json_safe(after),
        },
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def entries(
    session: Session,
    since: datetime | None = None,
    limit: int | None = None,
    *,
    action: str | None = None,
    subject: str | None = None,
    contact_id: int | None = None,
) -> list[AuditEntry]:
    """Audit entries in the order they happened, from `since` on (inclusive).

    With `limit`, the latest `limit` entries (still oldest first). `action` matches an exact
    action or, ending in ".", every action under that prefix ("submission.").
    """
    query = select(AuditEntry)
    if since is not None:
        if since.tzinfo is None:
            raise ValueError("naive datetime given to the audit log")
        query = query.where(col(AuditEntry.at) >= since)
    if action:
        query = query.where(_action_is(action))
    if subject:
        query = query.where(AuditEntry.subject == subject)
    if contact_id is not None:
        query = query.where(AuditEntry.contact_id == contact_id)
    if limit is not None:
        if limit < 0:
            raise ValueError("limit must not be negative")
        newest = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        return list(reversed(session.exec(newest).all()))
    return list(session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))).all())


def _action_is(action: str) -> ColumnElement[bool]:
    """The entries of one action, or of a family when it ends in "." ("proposal.")."""
    if action.endswith("."):
        return col(AuditEntry.action).startswith(action)
    return col(AuditEntry.action) == action


@dataclass(frozen=True)
class LogSearch:
    """What the office looks for in its board's log (the dashboard's filter form; None: any).

    `since` is inclusive and `until` exclusive; `action` as in `entries` (a trailing "." is
    a prefix); `text` matches the actor or the subject (case-insensitive, anywhere).
    """

    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    text: str | None = None


def board_entries(
    session: Session, organization_id: int, *, limit: int, search: LogSearch = LogSearch()
) -> list[AuditEntry]:
    """The newest `limit` entries about one board that `search` finds, newest first.

    An entry belongs to the board when the contact who acted is one of its staff or an
    officer of one of its enterprises.
    """
    from bot.models import Contact, Enterprise  # the audit model stays free of the others

    board_enterprises = select(col(Enterprise.id)).where(
        col(Enterprise.organization_id) == organization_id
    )
    board_contacts = select(col(Contact.id)).where(
        or_(
            col(Contact.organization_id) == organization_id,
            col(Contact.enterprise_id).in_(board_enterprises),
        )
    )
    query = select(AuditEntry).where(col(AuditEntry.contact_id).in_(board_contacts))
    if search.since is not None:
        query = query.where(col(AuditEntry.at) >= search.since)
    if search.until is not None:
        query = query.where(col(AuditEntry.at) < search.until)
    if search.action:
        query = query.where(_action_is(search.action))
    if search.text:
        pattern = f"%{search.text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(col(AuditEntry.actor)).like(pattern),
                func.lower(col(AuditEntry.subject)).like(pattern),
            )
        )
    return list(
        session.exec(
            query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        ).all()
    )


# What each audited action is called on the office's screens (/audit, `thidua audit`, the
# dashboard's log and item history); the JSON output keeps the codes.
ACTION_LABELS: dict[str, str] = {
    "broadcast.create": N_("broadcast queued"),
    "broadcast.status": N_("broadcast status viewed"),
    "campaign.create": N_("campaign created"),
    "campaign.launch": N_("campaign launched"),
    "campaign.relaunch": N_("campaign launched again"),
    "command.refused": N_("command refused"),
    "enterprise.import": N_("enterprises imported"),
    "export.missing": N_("list of who has not submitted exported"),
    "export.registrations": N_("registrations exported"),
    "export.reports": N_("year-end reports exported"),
    "file.attach": N_("file received"),
    "file.remove": N_("file removed"),
    "file.download": N_("file downloaded by the office"),
    "upload.web": N_("file sent through the web page"),
    "upload.refused": N_("web upload refused"),
    "invite.create": N_("invite code created"),
    "invite.issue": N_("invite code issued"),
    "invite.redeem": N_("account linked with an invite code"),
    "launch.document_set": N_("launch document number and date"),
    "missing.nudge": N_("reminder to who has not submitted"),
    "missing.view": N_("who has not submitted viewed"),
    "organization.create": N_("board created"),
    "progress.view": N_("progress viewed"),
    "registration.entry_add": N_("registration entry added"),
    "registration.entry_remove": N_("registration entry removed"),
    "registration.entry_update": N_("registration entry changed"),
    "report.figure_set": N_("report figure entered"),
    "report.narrative_set": N_("summary of achievements written"),
    "staff.add": N_("staff member added"),
    "staff.bootstrap_admin": N_("administrator added from THIDUA_ADMINS"),
    "submission.accept": N_("submission accepted"),
    "submission.create": N_("item started as a draft"),
    "submission.reopen": N_("submission reopened"),
    "submission.return": N_("submission returned"),
    "submission.submit": N_("submission"),
    "submission.withdraw": N_("submission withdrawn"),
}


def action_label(t: Translator, action: str) -> str:
    """An audited action in the reader's language; an unknown code is shown as it is."""
    msgid = ACTION_LABELS.get(action)
    return t(msgid) if msgid else action
