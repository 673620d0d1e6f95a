"""The dry run (`preview_day`): every message a day's plan sends, listed row by row.

For one day's inspection (the CLI's `reminders preview`): the fan-outs are listed per
recipient as the dispatcher would expand them now, and each text rendered as it would be
sent now (`bot.notifications.render`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from bot.i18n import normalize_language
from bot.models import (
    Campaign,
    Contact,
    Deadline,
    DeadlineExtension,
    DeliveryKind,
    Enterprise,
    Role,
)
from bot.notifications.facts import Gone, Recipient
from bot.notifications.kinds import DeadlineReminder, Notification, StaffDigest
from bot.notifications.outbox import dedupe_key
from bot.notifications.render import render
from bot.services.calendar import is_working_day
from bot.settings import Settings
from scheduler.config import SchedulerConfig
from scheduler.planner.audience import (
    OFFICER_SHOWN,
    board_officers,
    digest_recipients,
    digests_table,
    extension_recipients,
    reminder_recipients,
)
from scheduler.planner.dates import sending_start_utc
from scheduler.planner.day import (
    BoardNotice,
    board_notices,
    digests,
    due_extension_reminders,
    due_reminders,
    load_campaigns,
)

REMINDER_ORDER = (col(Enterprise.name), col(Contact.id), col(Deadline.id))
# What the dry run's JSON calls a message's subject: the deadline, observance or phase it is
# about (a digest is about none of them).
SUBJECT_KEYS = {
    DeliveryKind.REMINDER: "deadline",
    DeliveryKind.OBSERVANCE: "observance",
    DeliveryKind.PHASE_NOTICE: "phase",
}


@dataclass(frozen=True)
class PlannedMessage:
    """One message the planner wants in the outbox, as the dry run lists it."""

    contact_id: int
    contact_name: str
    channel: str
    language: str
    enterprise_name: str | None
    tax_code: str | None
    kind: DeliveryKind
    campaign_id: int
    subject: str  # the deadline kind, the observance's name, the phase, or "digest"
    text: str
    not_before: datetime
    dedupe_key: str

    def as_json(self) -> dict[str, Any]:
        """What `thidua reminders plan --json` prints, in the fields' order: a name without its
        `_name`, the subject under `SUBJECT_KEYS` (None under the two it is not)."""
        data: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "subject":
                data |= {
                    name: value if self.kind is k else None for k, name in SUBJECT_KEYS.items()
                }
            else:
                data[key.removesuffix("_name")] = value
        data["kind"] = self.kind.value
        data["not_before"] = self.not_before.isoformat()
        return data


@dataclass(frozen=True)
class _Listed:
    notification: Notification
    recipient: Recipient
    contact_name: str
    channel: str
    enterprise_name: str | None
    tax_code: str | None
    subject: str


def _officer_listed(notification: Notification, row: Any, subject: str) -> _Listed:
    """One officer's line of the dry run, from a row that selected `OFFICER_SHOWN`."""
    return _Listed(
        notification,
        Recipient(row.id, row.language, row.enterprise_id),
        row.display_name,
        str(row.channel),
        row.name,
        row.tax_code,
        subject,
    )


def _listed_reminders(
    session: Session, due: dict[int, DeadlineReminder], email: bool
) -> list[_Listed]:
    if not due:
        return []
    shown = select(*OFFICER_SHOWN, col(Deadline.id).label("due_id"))
    query = reminder_recipients(shown, list(due), email=email).order_by(*REMINDER_ORDER)
    rows = session.execute(query).all()
    return [_officer_listed(due[r.due_id], r, str(due[r.due_id].item_kind)) for r in rows]


def _listed_extension_reminders(
    session: Session, due: dict[int, DeadlineReminder], email: bool
) -> list[_Listed]:
    if not due:
        return []
    shown = select(*OFFICER_SHOWN, col(DeadlineExtension.id).label("due_id"))
    order = (col(Enterprise.name), col(Contact.id), col(DeadlineExtension.id))
    rows = session.execute(
        extension_recipients(shown, list(due), email=email).order_by(*order)
    ).all()
    return [_officer_listed(due[r.due_id], r, str(due[r.due_id].item_kind)) for r in rows]


def _listed_notices(session: Session, notices: list[BoardNotice], email: bool) -> list[_Listed]:
    if not notices:
        return []
    org_ids = sorted({n.organization_id for n in notices})
    officers = session.execute(board_officers(org_ids, email=email)).all()
    campaign_ids = {n.notification.campaign_id for n in notices}
    audiences = dict(
        session.execute(
            select(col(Campaign.id), col(Campaign.audience)).where(
                col(Campaign.id).in_(campaign_ids)
            )
        ).all()
    )
    return [
        _officer_listed(notice.notification, row, notice.subject)
        for notice in notices
        for row in officers
        if row.organization_id == notice.organization_id
        and row.audience == audiences.get(notice.notification.campaign_id)
    ]


def _listed_digests(session: Session, due: list[tuple[StaffDigest, int]]) -> list[_Listed]:
    if not due:
        return []
    table = digests_table(due)
    rows = session.execute(
        digest_recipients(
            select(
                col(Contact.id),
                col(Contact.display_name),
                col(Contact.channel),
                col(Contact.language),
                col(Contact.role),
                col(Contact.cluster_id),
                table.c.campaign_id,
            ),
            table,
        ).order_by(col(Contact.id), table.c.campaign_id)
    ).all()
    by_campaign = {digest.campaign_id: digest for digest, _ in due}
    return [
        _Listed(
            by_campaign[campaign_id],
            Recipient(contact_id, language, None, Role(role), cluster_id),
            name,
            str(channel),
            None,
            None,
            "digest",
        )
        for contact_id, name, channel, language, role, cluster_id, campaign_id in rows
    ]


def preview_day(
    session: Session, on: date, settings: Settings, config: SchedulerConfig | None = None
) -> list[PlannedMessage]:
    """Everything the planner would put in the outbox for local date `on`; writes nothing.

    Row by row, for one day's inspection (the CLI's dry run), with each text rendered as
    the dispatcher would render it now (`bot.notifications.render`).
    """
    config = config or SchedulerConfig.from_settings(settings)
    if not is_working_day(on):
        return []  # nothing is ever sent on a day off
    data = load_campaigns(session)
    if not data.campaigns:
        return []
    listed = (
        _listed_reminders(session, due_reminders(data, on), settings.sends_email)
        + _listed_extension_reminders(
            session, due_extension_reminders(data, on), settings.sends_email
        )
        + _listed_notices(session, board_notices(data, on, config), settings.sends_email)
        + _listed_digests(session, digests(data, on))
    )
    texts = render(session, [(m.notification, m.recipient) for m in listed])
    not_before = sending_start_utc(on, settings)
    out = []
    for m, text in zip(listed, texts, strict=True):
        if isinstance(text, Gone):
            continue
        campaign_id = m.notification.identity()["campaign_id"]
        out.append(
            PlannedMessage(
                dedupe_key=dedupe_key(m.notification, m.recipient.contact_id),
                kind=m.notification.kind,
                campaign_id=campaign_id,
                contact_id=m.recipient.contact_id,
                contact_name=m.contact_name,
                channel=m.channel,
                language=normalize_language(m.recipient.language),
                enterprise_name=m.enterprise_name,
                tax_code=m.tax_code,
                subject=m.subject,
                text=text.text,
                not_before=not_before,
            )
        )
    return out
