"""The daily planner: which messages go out on a given local date, written to the outbox.

Planning writes identities, not texts: a row says "the title-registration reminder of
campaign 7 for 15/04/2025, to contact 42" (`bot.notifications`), and the dispatcher words it
when it sends it, in the reader's language then and from the plan as it is then.

Planning is set-based. The campaigns, their deadlines, phases and observances are read once
(a handful of rows); the dates are worked out in Python with the working-day calendar; the
database then does the fan-out: one INSERT ... SELECT ... ON CONFLICT (dedupe_key) DO
NOTHING each for the reminders, the board notices (commemoration prompts, phase notices)
and the staff digests (and one for the reminders of the few enterprises the board extended
an item for, counting down to their own date) joins the recipients to the day's few
notifications and writes narrow identity rows (`bot.notifications.outbox.row_sql`, the same
row shape and key as `enqueue()`), so no Python object exists per message. The number of
statements does not depend on how many enterprises or contacts there are. `preview_day`
(the CLI's dry run) lists the same messages row by row and renders them as the dispatcher
would now.

Every message carries a unique dedupe key (`bot.notifications.outbox.dedupe_key`):
re-running the planner, or two instances planning the same day at once, never plans a
message twice. A message is due (`not_before`) at the start of that day's sending hours,
local time, stored in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select
from sqlmodel import Session, col

from bot.i18n import normalize_language
from bot.models import (
    Campaign,
    Contact,
    Deadline,
    DeadlineExtension,
    Delivery,
    DeliveryKind,
    Enterprise,
    Observance,
    Phase,
    Role,
    Submission,
)
from bot.notifications.facts import Gone, Recipient
from bot.notifications.kinds import (
    PHASE_END,
    PHASE_START,
    CommemorationPrompt,
    DeadlineReminder,
    Notification,
    PhaseNotice,
    StaffDigest,
)
from bot.notifications.outbox import dedupe_key, enqueue_select, key_prefix, row_sql
from bot.notifications.render import render
from bot.services.calendar import (
    is_working_day,
    last_working_day_on_or_before,
    next_working_day_on_or_after,
    working_days_after,
    working_days_before,
)
from bot.services.deadlines import accepts_late
from bot.services.reach import receives_now
from bot.services.submissions import not_submitted_condition
from bot.settings import Settings
from scheduler.config import SchedulerConfig

ANALYZE_AFTER_ROWS = 200  # a planning run inserting this many rows refreshes the statistics
STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.CLUSTER_LEADER)


@dataclass(frozen=True)
class PlannedMessage:
    """One message the planner wants in the outbox, as the dry run lists it."""

    dedupe_key: str
    kind: DeliveryKind
    campaign_id: int
    contact_id: int
    contact_name: str
    channel: str
    language: str
    enterprise_name: str | None
    tax_code: str | None
    subject: str  # the deadline kind, the observance's name, the phase, or "digest"
    text: str
    not_before: datetime

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["not_before"] = self.not_before.isoformat()
        return data


@dataclass
class PlanResult:
    """What a planning run found and what it newly wrote."""

    on: date
    candidates: int = 0
    inserted: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def reminder_date(due_on: date, offset: int) -> date:
    """The working day a reminder at `offset` goes out on.

    Positive: that many calendar days before the due date, moved back to a working day.
    Zero: the last working day on or before the due date.
    Negative: that many working days after the due date.
    """
    if offset < 0:
        return working_days_after(due_on, -offset)
    return last_working_day_on_or_before(due_on - timedelta(days=offset))


def reminder_offset_on(due_on: date, offsets: Iterable[int], on: date) -> int | None:
    """The offset whose reminder falls on `on`, or None.

    Several offsets can land on the same working day (31/01/2025 is inside Tết, so the 3-day,
    1-day and due-day reminders all fall on 24/01/2025); only the most urgent one is sent.
    """
    matching = [o for o in offsets if reminder_date(due_on, o) == on]
    if not matching:
        return None
    return min(matching, key=lambda o: (o < 0, o))


def observance_prompt_date(observance_on: date, working_days: int) -> date:
    return working_days_before(observance_on, working_days)


def phase_start_notice_date(phase: Phase) -> date:
    return next_working_day_on_or_after(phase.starts_on)


def phase_end_notice_date(phase: Phase) -> date:
    """A week before the phase ends (the six-month or year-end review follows)."""
    return last_working_day_on_or_before(phase.ends_on - timedelta(days=7))


def is_digest_day(on: date) -> bool:
    """The first working day of the week (Monday, or the next one when Monday is off)."""
    if not is_working_day(on):
        return False
    monday = on - timedelta(days=on.weekday())
    return not any(is_working_day(monday + timedelta(days=i)) for i in range(on.weekday()))


def sending_start_utc(on: date, settings: Settings) -> datetime:
    local = datetime.combine(on, settings.sending_start, tzinfo=settings.tz)
    return local.astimezone(UTC)


@dataclass
class _Campaigns:
    campaigns: dict[int, Campaign]
    deadlines: list[Deadline]
    phases: dict[int, Phase]
    observances: list[Observance]
    # the boards' extensions of locked items for one enterprise each (a handful)
    extensions: list[DeadlineExtension] = field(default_factory=list)


def _load_campaigns(session: Session) -> _Campaigns:
    campaigns = {
        c.id: c for c in session.scalars(select(Campaign).where(col(Campaign.active))) if c.id
    }
    ids = list(campaigns)
    if not ids:
        return _Campaigns({}, [], {}, [])
    deadlines = list(session.scalars(select(Deadline).where(col(Deadline.campaign_id).in_(ids))))
    phases = {
        p.id: p
        for p in session.scalars(select(Phase).where(col(Phase.campaign_id).in_(ids)))
        if p.id
    }
    observances = list(
        session.scalars(select(Observance).where(col(Observance.campaign_id).in_(ids)))
    )
    extensions = list(
        session.scalars(
            select(DeadlineExtension).where(
                col(DeadlineExtension.deadline_id).in_([d.id for d in deadlines])
            )
        )
    )
    return _Campaigns(campaigns, deadlines, phases, observances, extensions)


def _officers_query(org_ids: list[int]) -> Any:
    """Reachable officers linked to an active enterprise of one of the boards."""
    return (
        select(
            col(Contact.id),
            col(Contact.display_name),
            col(Contact.channel),
            col(Contact.language),
            col(Enterprise.id).label("enterprise_id"),
            col(Enterprise.name),
            col(Enterprise.tax_code),
            col(Enterprise.organization_id),
        )
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable),
            receives_now(),
            col(Enterprise.active),
            col(Enterprise.organization_id).in_(org_ids),
        )
        .order_by(col(Enterprise.name), col(Contact.id))
    )


# ----------------------------------------------------------------- the day's notifications


def _due_reminders(data: _Campaigns, on: date) -> dict[int, DeadlineReminder]:
    """The deadlines with a reminder on `on` (by deadline id), as notifications."""
    due: dict[int, DeadlineReminder] = {}
    for deadline in data.deadlines:
        offset = reminder_offset_on(deadline.due_on, deadline.reminder_offsets, on)
        if offset is not None and deadline.id is not None:
            due[deadline.id] = DeadlineReminder(deadline.campaign_id, deadline.kind, on)
    return due


def _due_extension_reminders(data: _Campaigns, on: date) -> dict[int, DeadlineReminder]:
    """The extensions (by id) with a reminder on `on`, counting down to their own date.

    The same notification as the deadline's reminder of the day (the same dedupe key), so
    an enterprise never gets two reminders of one item on one day; at dispatch it is worded
    from the extension's date (`Facts.extended_until`). An item accepted late needs none.
    """
    by_id = {d.id: d for d in data.deadlines if d.id is not None}
    due: dict[int, DeadlineReminder] = {}
    for ext in data.extensions:
        deadline = by_id.get(ext.deadline_id)
        if deadline is None or ext.id is None or accepts_late(deadline):
            continue
        if (
            ext.until > deadline.due_on
            and reminder_offset_on(ext.until, deadline.reminder_offsets, on) is not None
        ):
            due[ext.id] = DeadlineReminder(deadline.campaign_id, deadline.kind, on)
    return due


@dataclass(frozen=True)
class _BoardNotice:
    """A notification for every officer of a campaign's board, and what the dry run names."""

    notification: CommemorationPrompt | PhaseNotice
    organization_id: int
    subject: str


def _board_notices(data: _Campaigns, on: date, config: SchedulerConfig) -> list[_BoardNotice]:
    """The commemoration prompts and phase notices that go out on `on`."""
    notices: list[_BoardNotice] = []
    for obs in data.observances:
        if obs.id is None or not obs.prompt:
            continue
        if observance_prompt_date(obs.on, config.observance_prompt_working_days) != on:
            continue
        campaign = data.campaigns[obs.campaign_id]
        notices.append(
            _BoardNotice(
                CommemorationPrompt(obs.campaign_id, obs.id, on),
                campaign.organization_id,
                obs.name,
            )
        )
    for phase in data.phases.values():
        if phase.id is None:
            continue
        campaign = data.campaigns[phase.campaign_id]
        for notice_on, variant in (
            (phase_start_notice_date(phase), PHASE_START),
            (phase_end_notice_date(phase), PHASE_END),
        ):
            if notice_on == on:
                notices.append(
                    _BoardNotice(
                        PhaseNotice(phase.campaign_id, phase.id, variant, on),
                        campaign.organization_id,
                        phase.name,
                    )
                )
    return notices


def _digests(data: _Campaigns, on: date) -> list[tuple[StaffDigest, int]]:
    """On the week's first working day, one digest per running campaign with deadlines,
    with its board."""
    if not is_digest_day(on):
        return []
    with_deadlines = {d.campaign_id for d in data.deadlines}
    return [
        (StaffDigest(cid, on), c.organization_id)
        for cid, c in sorted(data.campaigns.items())
        if c.starts_on <= on <= c.ends_on and cid in with_deadlines
    ]


# ------------------------------------------------------------------------ who gets them


def _reminder_recipients(stmt: Any, deadline_ids: list[int]) -> Any:
    """Officers × due deadlines still owed: the FROM and WHERE shared by preview, count and
    insert (one definition of who is reminded)."""
    return (
        stmt.select_from(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .join(Campaign, col(Campaign.organization_id) == col(Enterprise.organization_id))
        .join(Deadline, col(Deadline.campaign_id) == col(Campaign.id))
        .outerjoin(
            Submission,
            and_(
                col(Submission.campaign_id) == col(Deadline.campaign_id),
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.kind) == col(Deadline.kind),
            ),
        )
        .where(
            col(Deadline.id).in_(deadline_ids),
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable),
            receives_now(),
            col(Enterprise.active),
            not_submitted_condition(),
            # an enterprise the board extended is reminded of its own date (below)
            ~exists().where(
                col(DeadlineExtension.deadline_id) == col(Deadline.id),
                col(DeadlineExtension.enterprise_id) == col(Enterprise.id),
            ),
        )
    )


def _extension_recipients(stmt: Any, extension_ids: list[int]) -> Any:
    """Officers of the extended enterprises whose item is still owed, one row per (due
    extension, officer): the same shape as `_reminder_recipients`, from the extensions."""
    return (
        stmt.select_from(DeadlineExtension)
        .join(Deadline, col(Deadline.id) == col(DeadlineExtension.deadline_id))
        .join(Enterprise, col(Enterprise.id) == col(DeadlineExtension.enterprise_id))
        .join(Contact, col(Contact.enterprise_id) == col(Enterprise.id))
        .outerjoin(
            Submission,
            and_(
                col(Submission.campaign_id) == col(Deadline.campaign_id),
                col(Submission.enterprise_id) == col(Enterprise.id),
                col(Submission.kind) == col(Deadline.kind),
            ),
        )
        .where(
            col(DeadlineExtension.id).in_(extension_ids),
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable),
            receives_now(),
            col(Enterprise.active),
            not_submitted_condition(),
        )
    )


REMINDER_ORDER = (col(Enterprise.name), col(Contact.id), col(Deadline.id))


def _rows_table(rows: list[dict[str, Any]], types: dict[str, Any], name: str) -> FromClause:
    """A small constant table (UNION ALL of one-row SELECTs with bound values) to join on.

    Both SQLite and PostgreSQL accept it; explicit CASTs give PostgreSQL the column types.
    """
    selects = [
        select(*(cast(literal(row[c], t), t).label(c) for c, t in types.items())) for row in rows
    ]
    compound = selects[0] if len(selects) == 1 else union_all(*selects)
    return compound.subquery(name)


def _delivery_type(name: str) -> Any:
    return Delivery.__table__.c[name].type  # type: ignore[attr-defined]


def _notices_table(notices: list[_BoardNotice]) -> FromClause:
    """The board notices as a constant table: board, kind, key prefix and identity."""
    rows = [
        {
            "position": index,
            "organization_id": notice.organization_id,
            "kind": notice.notification.kind.value,
            "key_prefix": key_prefix(notice.notification),
            "campaign_id": notice.notification.campaign_id,
            "subject_id": notice.notification.subject_id,
            "variant": getattr(notice.notification, "variant", None),
        }
        for index, notice in enumerate(notices)
    ]
    types = {
        "position": Integer(),
        "organization_id": Integer(),
        "kind": _delivery_type("kind"),  # stored as the outbox stores it
        "key_prefix": String(),
        "campaign_id": Integer(),
        "subject_id": Integer(),
        "variant": String(),
    }
    return _rows_table(rows, types, "notices")


def _notice_recipients(stmt: Select[Any], notices: FromClause) -> Select[Any]:
    """Reachable officers of active enterprises of each notice's board."""
    return (
        stmt.select_from(Contact)
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .join(notices, notices.c.organization_id == col(Enterprise.organization_id))
        .where(
            col(Contact.role) == Role.OFFICER,
            col(Contact.reachable),
            receives_now(),
            col(Enterprise.active),
        )
    )


def _digests_table(digests: list[tuple[StaffDigest, int]]) -> FromClause:
    rows = [
        {
            "organization_id": org_id,
            "key_prefix": key_prefix(digest),
            "campaign_id": digest.campaign_id,
        }
        for digest, org_id in digests
    ]
    types = {"organization_id": Integer(), "key_prefix": String(), "campaign_id": Integer()}
    return _rows_table(rows, types, "digests")


def _digest_recipients(stmt: Select[Any], digests: FromClause) -> Select[Any]:
    """Reachable staff and admins of each digest's board, admins without a board (every
    board), and cluster leaders who have a cluster."""
    return (
        stmt.select_from(Contact)
        .join(
            digests,
            or_(
                col(Contact.organization_id) == digests.c.organization_id,
                and_(col(Contact.role) == Role.ADMIN, col(Contact.organization_id).is_(None)),
            ),
        )
        .where(
            col(Contact.role).in_(STAFF_ROLES),
            col(Contact.reachable),
            not_(and_(col(Contact.role) == Role.CLUSTER_LEADER, col(Contact.cluster_id).is_(None))),
        )
    )


# ------------------------------------------------------------------------------ writing


def _prefix_by_deadline(due: dict[int, DeadlineReminder]) -> ColumnElement[str]:
    return case(
        {deadline_id: literal(key_prefix(n)) for deadline_id, n in due.items()},
        value=col(Deadline.id),
    )


def _write_reminders(
    session: Session, due: dict[int, DeadlineReminder], on: date, not_before: datetime
) -> tuple[int, int]:
    """Count the day's reminders, then write them with one INSERT ... SELECT; (found, new).

    Each row is the reminder's identity (campaign, item kind, day) and the contact; the key
    prefix is picked per deadline with a CASE. No ORDER BY: the rows go in in the join's
    order (deadline by deadline with both databases' plans today), which also spreads one
    officer's reminders apart for the dispatcher's one message a second per chat.
    """
    if not due:
        return 0, 0
    ids = list(due)
    found = session.execute(_reminder_recipients(select(func.count()), ids)).scalar_one()
    if not found:
        return 0, 0
    source = _reminder_recipients(
        select(
            *row_sql(
                DeliveryKind.REMINDER,
                _prefix_by_deadline(due),
                col(Contact.id),
                not_before,
                campaign_id=col(Deadline.campaign_id),
                item_kind=col(Deadline.kind),
                planned_on=on,
            )
        ),
        ids,
    )
    return int(found), enqueue_select(session, source)


def _write_extension_reminders(
    session: Session, due: dict[int, DeadlineReminder], on: date, not_before: datetime
) -> tuple[int, int]:
    """The extended enterprises' reminders of the day, with one INSERT ... SELECT."""
    if not due:
        return 0, 0
    ids = list(due)
    found = session.execute(_extension_recipients(select(func.count()), ids)).scalar_one()
    if not found:
        return 0, 0
    prefix = case(
        {ext_id: literal(key_prefix(n)) for ext_id, n in due.items()},
        value=col(DeadlineExtension.id),
    )
    source = _extension_recipients(
        select(
            *row_sql(
                DeliveryKind.REMINDER,
                prefix,
                col(Contact.id),
                not_before,
                campaign_id=col(Deadline.campaign_id),
                item_kind=col(Deadline.kind),
                planned_on=on,
            )
        ),
        ids,
    )
    return int(found), enqueue_select(session, source)


def _write_board_notices(
    session: Session, notices: list[_BoardNotice], not_before: datetime, on: date
) -> dict[str, tuple[int, int]]:
    """Every board notice to every officer of its board with one INSERT ... SELECT.

    Returns {kind: (found, new)}; the new rows are counted for all kinds together, under the
    first kind written.
    """
    if not notices:
        return {}
    table = _notices_table(notices)
    found = {
        str(kind): int(n)
        for kind, n in session.execute(
            _notice_recipients(select(table.c.kind, func.count()), table).group_by(table.c.kind)
        ).all()
        if n
    }
    if not found:
        return {}
    source = _notice_recipients(
        select(
            *row_sql(
                table.c.kind,
                table.c.key_prefix,
                col(Contact.id),
                not_before,
                campaign_id=table.c.campaign_id,
                subject_id=table.c.subject_id,
                variant=table.c.variant,
                planned_on=on,
            )
        ),
        table,
    )
    inserted = enqueue_select(session, source)
    return {kind: (n, inserted if i == 0 else 0) for i, (kind, n) in enumerate(found.items())}


def _write_digests(
    session: Session, digests: list[tuple[StaffDigest, int]], not_before: datetime, on: date
) -> tuple[int, int]:
    if not digests:
        return 0, 0
    table = _digests_table(digests)
    found = session.execute(_digest_recipients(select(func.count()), table)).scalar_one()
    if not found:
        return 0, 0
    source = _digest_recipients(
        select(
            *row_sql(
                DeliveryKind.DIGEST,
                table.c.key_prefix,
                col(Contact.id),
                not_before,
                campaign_id=table.c.campaign_id,
                planned_on=on,
            )
        ),
        table,
    ).order_by(col(Contact.id), table.c.campaign_id)  # a few rows: in the dry run's order
    return int(found), enqueue_select(session, source)


def _add(result: PlanResult, kind: str, found: int, inserted: int) -> None:
    if found:
        result.by_kind[kind] = result.by_kind.get(kind, 0) + found
    result.candidates += found
    result.inserted += inserted


def plan_day(
    session: Session, on: date, settings: Settings, config: SchedulerConfig | None = None
) -> PlanResult:
    """Write the day's messages to the outbox (idempotent) and commit.

    Reminders, board notices and digests are each fanned out by the database (a count and
    an INSERT ... SELECT, nothing per message in Python). The statement count does not
    depend on the number of enterprises or contacts.
    """
    config = config or SchedulerConfig.from_settings(settings)
    result = PlanResult(on=on)
    data = _load_campaigns(session) if is_working_day(on) else _Campaigns({}, [], {}, [])
    if data.campaigns:
        not_before = sending_start_utc(on, settings)
        reminders = _write_reminders(session, _due_reminders(data, on), on, not_before)
        _add(result, DeliveryKind.REMINDER.value, *reminders)
        extended = _due_extension_reminders(data, on)
        _add(
            result,
            DeliveryKind.REMINDER.value,
            *_write_extension_reminders(session, extended, on, not_before),
        )
        notices = _board_notices(data, on, config)
        for kind, counts in _write_board_notices(session, notices, not_before, on).items():
            _add(result, kind, *counts)
        digests = _write_digests(session, _digests(data, on), not_before, on)
        _add(result, DeliveryKind.DIGEST.value, *digests)
    session.commit()
    if result.inserted >= ANALYZE_AFTER_ROWS and session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the claim query: right after a bulk insert into a young
        # outbox PostgreSQL still thinks it is nearly empty and picks a nested loop over
        # contacts (measured: 0.5 s per batch claim with 2,000 due rows, 2 ms after ANALYZE)
        # until autovacuum gets to it. ANALYZE samples; it takes milliseconds.
        # Only the columns the claim filters and joins on: the others' statistics cost time
        # and serve no query.
        session.execute(sql_text("ANALYZE delivery (status, not_before, kind, contact_id)"))
        session.commit()
    return result


# ------------------------------------------------------------------------------ dry run


@dataclass(frozen=True)
class _Listed:
    notification: Notification
    recipient: Recipient
    contact_name: str
    channel: str
    enterprise_name: str | None
    tax_code: str | None
    subject: str


def _listed_reminders(session: Session, due: dict[int, DeadlineReminder]) -> list[_Listed]:
    if not due:
        return []
    rows = session.execute(
        _reminder_recipients(
            select(
                col(Contact.id),
                col(Contact.display_name),
                col(Contact.channel),
                col(Contact.language),
                col(Enterprise.id).label("enterprise_id"),
                col(Enterprise.name),
                col(Enterprise.tax_code),
                col(Deadline.id).label("deadline_id"),
            ),
            list(due),
        ).order_by(*REMINDER_ORDER)
    ).all()
    return [
        _Listed(
            due[row.deadline_id],
            Recipient(row.id, row.language, row.enterprise_id),
            row.display_name,
            str(row.channel),
            row.name,
            row.tax_code,
            str(due[row.deadline_id].item_kind),
        )
        for row in rows
    ]


def _listed_extension_reminders(
    session: Session, due: dict[int, DeadlineReminder]
) -> list[_Listed]:
    if not due:
        return []
    rows = session.execute(
        _extension_recipients(
            select(
                col(Contact.id),
                col(Contact.display_name),
                col(Contact.channel),
                col(Contact.language),
                col(Enterprise.id).label("enterprise_id"),
                col(Enterprise.name),
                col(Enterprise.tax_code),
                col(DeadlineExtension.id).label("extension_id"),
            ),
            list(due),
        ).order_by(col(Enterprise.name), col(Contact.id), col(DeadlineExtension.id))
    ).all()
    return [
        _Listed(
            due[row.extension_id],
            Recipient(row.id, row.language, row.enterprise_id),
            row.display_name,
            str(row.channel),
            row.name,
            row.tax_code,
            str(due[row.extension_id].item_kind),
        )
        for row in rows
    ]


def _listed_notices(session: Session, notices: list[_BoardNotice]) -> list[_Listed]:
    if not notices:
        return []
    org_ids = sorted({n.organization_id for n in notices})
    officers = session.execute(_officers_query(org_ids)).all()
    return [
        _Listed(
            notice.notification,
            Recipient(row.id, row.language, row.enterprise_id),
            row.display_name,
            str(row.channel),
            row.name,
            row.tax_code,
            notice.subject,
        )
        for notice in notices
        for row in officers
        if row.organization_id == notice.organization_id
    ]


def _listed_digests(session: Session, digests: list[tuple[StaffDigest, int]]) -> list[_Listed]:
    if not digests:
        return []
    table = _digests_table(digests)
    rows = session.execute(
        _digest_recipients(
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
    by_campaign = {digest.campaign_id: digest for digest, _ in digests}
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
    data = _load_campaigns(session)
    if not data.campaigns:
        return []
    listed = (
        _listed_reminders(session, _due_reminders(data, on))
        + _listed_extension_reminders(session, _due_extension_reminders(data, on))
        + _listed_notices(session, _board_notices(data, on, config))
        + _listed_digests(session, _digests(data, on))
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


__all__ = [
    "PlanResult",
    "PlannedMessage",
    "is_digest_day",
    "observance_prompt_date",
    "phase_end_notice_date",
    "phase_start_notice_date",
    "plan_day",
    "preview_day",
    "reminder_date",
    "reminder_offset_on",
    "sending_start_utc",
]
