"""Finding an enterprise's item of a campaign, creating it on first use."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.models.campaign import Campaign, Deadline, DeadlineExtension
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.models.organization import Enterprise
from bot.models.submission import (
    Submission,
    YearEndReport,
)
from bot.services import audit
from bot.services.acts import Act
from bot.services.campaigns import LATEST_FIRST, running_on
from bot.services.errors import (
    InvalidInput,
    NotFound,
)
from bot.services.lookups import remember, remembered
from bot.services.submissions.states import REPORT_KINDS

LOCKED = "locked"  # lookups key of a submission row re-read under its lock this transaction


def get_or_create_submission(
    session: Session,
    campaign_id: int,
    enterprise_id: int,
    kind: DeadlineKind | str,
    act: Act,
) -> Submission:
    """The enterprise's item of this kind in the campaign, created as a draft if new.

    Safe against two instances creating it at once (the unique constraint decides).
    """
    kind = _kind(kind)
    existing = _find(session, campaign_id, enterprise_id, kind)
    if existing is not None:
        return existing
    return create_submission(session, campaign_id, enterprise_id, kind, act)


def create_submission(
    session: Session, campaign_id: int, enterprise_id: int, kind: DeadlineKind, act: Act
) -> Submission:
    """`get_or_create_submission` when the caller has just looked and found none (the item
    flows, on first opening): it is created, or found if another instance just did."""
    campaign = session.get(Campaign, campaign_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if campaign is None or enterprise is None:
        raise NotFound(N_("This campaign or enterprise does not exist."))
    if enterprise.organization_id != campaign.organization_id:
        raise NotFound(N_("This enterprise does not take part in this campaign."))
    # INSERT ... ON CONFLICT DO NOTHING: when another instance created the row a moment ago,
    # nothing is inserted, no error aborts the caller's transaction, and the row is found.
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Submission)
        .values(
            campaign_id=campaign_id,
            enterprise_id=enterprise_id,
            kind=kind,
            status=SubmissionStatus.DRAFT,
            version=0,
            updated_at=act.now,
        )
        .on_conflict_do_nothing(index_elements=["campaign_id", "enterprise_id", "kind"])
        .returning(col(Submission.id))
    )
    created = session.execute(statement).first() is not None
    submission = _find(session, campaign_id, enterprise_id, kind)
    if submission is None:  # pragma: no cover - inserted or already there
        raise NotFound(N_("This item does not exist."))
    if not created:
        return submission
    audit.record(
        session,
        "submission.create",
        act,
        subject=_subject(submission),
        after={"campaign_id": campaign_id, "enterprise_id": enterprise_id, "kind": kind},
    )
    return submission


# `load_item`'s statement, built once (bound parameters): it runs on every answer.
_LATEST = (
    select(Campaign.id)
    .where(
        col(Campaign.organization_id) == bindparam("organization_id"),
        running_on(bindparam("today")),
    )
    .order_by(*LATEST_FIRST)
    .limit(1)
    .correlate(None)  # the board's latest campaign, not a condition on the joined one
    .scalar_subquery()
)


def _item_statement(with_report: bool) -> Any:
    statement = (
        select(Deadline, Submission, DeadlineExtension, *((YearEndReport,) if with_report else ()))
        .join(
            Submission,
            and_(
                col(Submission.campaign_id) == col(Deadline.campaign_id),
                col(Submission.enterprise_id) == bindparam("enterprise_id"),
                col(Submission.kind) == bindparam("kind"),
            ),
        )
        .outerjoin(
            DeadlineExtension,
            and_(
                col(DeadlineExtension.deadline_id) == col(Deadline.id),
                col(DeadlineExtension.enterprise_id) == bindparam("enterprise_id"),
            ),
        )
        .where(col(Deadline.campaign_id) == _LATEST, col(Deadline.kind) == bindparam("kind"))
        .with_for_update(of=Submission)
    )
    if with_report:
        statement = statement.outerjoin(
            YearEndReport, col(YearEndReport.submission_id) == col(Submission.id)
        )
    return statement


# The campaign itself is not read: an answer rarely needs more of it than its id (the
# caller loads it when it does), and its row is wide (targets, figures: JSON).
_ITEM = _item_statement(with_report=False)
_ITEM_WITH_REPORT = _item_statement(with_report=True)


def load_item(
    session: Session,
    organization_id: int,
    enterprise_id: int,
    kind: DeadlineKind,
    today: date,
) -> tuple[Deadline, Submission] | None:
    """The enterprise's existing item of `kind` in the board's campaign running `today`
    (the latest-starting one), with its deadline, in one statement: what every answer of an
    item flow opens. None when the campaign, its deadline or the item is missing: the caller
    then takes the long way, which says why or creates the item.

    The submission row is locked for the transaction (PostgreSQL; SQLite has one writer) and
    remembered as such, so the change that follows does not re-read it (`_lock_row`); the
    deadline, the board's extension of it for the enterprise (the prompts show the due date)
    and, for a report, the report's row come along and are remembered too.
    """
    report_kind = kind in REPORT_KINDS
    row = session.exec(
        _ITEM_WITH_REPORT if report_kind else _ITEM,
        params={
            "organization_id": organization_id,
            "enterprise_id": enterprise_id,
            "kind": kind,
            "today": today,
        },
    ).first()
    if row is None:
        return None
    deadline, submission, extension = row[0], row[1], row[2]
    remember(session, (Deadline,), ("deadline", deadline.campaign_id, kind), deadline)
    remember(session, (Submission,), (LOCKED, submission.id), True)
    remember(session, (DeadlineExtension,), ("extension", deadline.id, enterprise_id), extension)
    if report_kind:
        remember(session, (YearEndReport,), ("report", submission.id), row[3])
    return deadline, submission


_ITEM_OF = select(Submission).where(
    col(Submission.campaign_id) == bindparam("campaign"),
    col(Submission.enterprise_id) == bindparam("enterprise"),
    col(Submission.kind) == bindparam("kind"),
)
_DEADLINE = select(Deadline).where(
    col(Deadline.campaign_id) == bindparam("campaign"),
    col(Deadline.kind) == bindparam("kind"),
)


def _find(
    session: Session, campaign_id: int, enterprise_id: int, kind: DeadlineKind
) -> Submission | None:
    return session.exec(
        _ITEM_OF, params={"campaign": campaign_id, "enterprise": enterprise_id, "kind": kind}
    ).first()


def _kind(kind: DeadlineKind | str) -> DeadlineKind:
    try:
        return DeadlineKind(kind)
    except ValueError:
        raise InvalidInput(N_("Unknown kind of item: {kind}."), kind=str(kind)) from None


def get_submission(session: Session, submission_id: int) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(N_("This item does not exist."))
    return submission


def deadline_for(session: Session, campaign_id: int, kind: DeadlineKind | str) -> Deadline | None:
    """The campaign's deadline for this kind of item, if the campaign sets one.

    Remembered for the transaction: one answer asks it up to four times (open, lock check,
    re-check under the row lock).
    """
    wanted = _kind(kind)
    return remembered(
        session,
        (Deadline,),
        ("deadline", campaign_id, wanted),
        lambda: session.exec(_DEADLINE, params={"campaign": campaign_id, "kind": wanted}).first(),
    )


def _id(submission: Submission) -> int:
    if submission.id is None:
        raise ValueError("the submission has not been saved")
    return submission.id


def _subject(submission: Submission) -> str:
    return f"submission:{submission.id}"
