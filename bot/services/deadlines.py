"""When an item is due for one enterprise, and what happens after: the late-submission policy.

Each deadline chooses, in the plan, one policy (`LatePolicy`):

- **lock** (the default): the item closes at the end of its due date (local time). The board
  may extend it for one enterprise until a later date (`grant_extension`); that enterprise's
  item is open until the end of the new date and its reminders count down to it.
- **accept late**: the item stays open after the due date; a submission after it is kept and
  marked late ("nộp muộn") wherever the item is shown.

A returned item stays open whatever the policy (the board asked for the fix), and an
accepted one is closed for good: those rules live with the submission states in
`bot.services.submissions`; this module only answers questions about dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    Campaign,
    Deadline,
    DeadlineExtension,
    Enterprise,
    LatePolicy,
    Organization,
)
from bot.services import audit
from bot.services.acts import Act
from bot.services.audience import takes_part
from bot.services.errors import InvalidInput, NotFound
from bot.services.lookups import remembered

LATE_POLICY_LABELS = {
    LatePolicy.LOCK: N_("closed after the due date"),
    LatePolicy.ACCEPT_LATE: N_("accepted late, marked as late"),
}


def late_policy_label(t: Translator, policy: LatePolicy | str) -> str:
    return t(LATE_POLICY_LABELS[LatePolicy(policy)])


def accepts_late(deadline: Deadline) -> bool:
    return policy_accepts_late(deadline.late_policy)


def policy_accepts_late(policy: LatePolicy | str) -> bool:
    """`accepts_late` of a deadline read as plain columns (/status)."""
    return LatePolicy(policy) is LatePolicy.ACCEPT_LATE


_EXTENSION = select(DeadlineExtension).where(
    col(DeadlineExtension.deadline_id) == bindparam("deadline"),
    col(DeadlineExtension.enterprise_id) == bindparam("enterprise"),
)


def extension_for(
    session: Session, deadline: Deadline, enterprise_id: int
) -> DeadlineExtension | None:
    """The board's extension of this deadline for this enterprise, if it granted one
    (remembered for the transaction: a prompt shows the due date after the lock check)."""
    return remembered(
        session,
        (DeadlineExtension,),
        ("extension", deadline.id, enterprise_id),
        lambda: session.exec(
            _EXTENSION, params={"deadline": deadline.id, "enterprise": enterprise_id}
        ).first(),
    )


def effective_due(session: Session, deadline: Deadline, enterprise_id: int) -> date:
    """The last day this enterprise may send the item in time: the due date, or the
    extension's date when the board granted a later one."""
    extension = extension_for(session, deadline, enterprise_id)
    return due_with(deadline.due_on, extension.until if extension is not None else None)


def due_with(due_on: date, extended_until: date | None) -> date:
    """`effective_due` when the due date and the extension (its date, or None) are known."""
    if extended_until is not None and extended_until > due_on:
        return extended_until
    return due_on


def closed_by(late_policy: LatePolicy | str, due: date, today: date) -> bool:
    """`is_closed` when the deadline's policy and effective due date are already known."""
    return not policy_accepts_late(late_policy) and today > due


def is_closed(session: Session, deadline: Deadline, enterprise_id: int, today: date) -> bool:
    """True when, by date alone, the enterprise can no longer send or change the item."""
    if accepts_late(deadline) or today <= deadline.due_on:
        return False  # in time: no need to look for an extension (one query less per answer)
    return today > effective_due(session, deadline, enterprise_id)


def is_late(deadline: Deadline, today: date) -> bool:
    """A submission on local date `today` is late: after the deadline's own due date."""
    return today > deadline.due_on


def grant_extension(
    session: Session,
    deadline: Deadline,
    enterprise_id: int,
    until: date,
    act: Act,
) -> DeadlineExtension:
    """Let one enterprise send a locked item until the end of `until`; audited.

    Granting again moves the date (earlier or later, but never before the due date or
    today). The caller tells the enterprise's officers (`bot.notifications.ExtensionGranted`).
    """
    enterprise = session.get(Enterprise, enterprise_id)
    campaign = session.get(Campaign, deadline.campaign_id)
    if enterprise is None or campaign is None:
        raise NotFound(N_("This campaign or enterprise does not exist."))
    if enterprise.organization_id != campaign.organization_id or not takes_part(
        campaign, enterprise
    ):
        raise NotFound(N_("This enterprise does not take part in this campaign."))
    if accepts_late(deadline):
        raise InvalidInput(
            N_(
                "This item is accepted after its due date anyway (marked as late); it needs "
                "no extension."
            )
        )
    if until <= deadline.due_on:
        raise InvalidInput(
            N_("An extension must end after the due date, {due}."), due=deadline.due_on
        )
    if until < act.today:
        raise InvalidInput(N_("An extension cannot end in the past ({date})."), date=until)
    extension = extension_for(session, deadline, enterprise_id)
    before = {"until": extension.until} if extension is not None else None
    if extension is None:
        assert deadline.id is not None
        extension = DeadlineExtension(
            deadline_id=deadline.id, enterprise_id=enterprise_id, until=until
        )
    extension.until = until
    extension.granted_by_contact_id = act.contact_id
    extension.granted_at = act.now
    session.add(extension)
    session.flush()
    _audit(
        session,
        "deadline.extend",
        act,
        deadline,
        before=before,
        after={
            "enterprise_id": enterprise_id,
            "tax_code": enterprise.tax_code,
            "due_on": deadline.due_on,
            "until": until,
        },
    )
    return extension


def _audit(
    session: Session,
    action: str,
    act: Act,
    deadline: Deadline,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """One audit row about a deadline: filed under its campaign (the campaign's log shows
    every change of its plan), and saying first which deadline it is."""
    audit.record(
        session,
        action,
        act,
        subject=f"campaign:{deadline.campaign_id}",
        before=before,
        after={"kind": str(deadline.kind), **after},
    )


def board_name(session: Session, campaign: Campaign) -> str:
    organization = session.get(Organization, campaign.organization_id)
    return organization.name if organization is not None else ""


@dataclass(frozen=True)
class DeadlineChange:
    """What the board office changes of one deadline: its date, its late policy or both
    (None keeps it). One value from the office's edit to the deadline and its re-planning."""

    due_on: date | None = None
    late_policy: LatePolicy | str | None = None


def change_deadline(
    session: Session, deadline: Deadline, act: Act, change: DeadlineChange
) -> dict[str, Any]:
    """Move a deadline's date or change its late policy (the board office editing its plan);
    audited. Returns what changed ({} when nothing did).

    The new date must lie within the campaign. The caller re-plans: reminders already queued
    for the old date are cancelled and linked officers are told the new date once
    (`bot.services.plan_edits.change_and_replan`).
    """
    campaign = session.get(Campaign, deadline.campaign_id)
    if campaign is None:
        raise NotFound(N_("This campaign or enterprise does not exist."))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if change.due_on is not None and change.due_on != deadline.due_on:
        if not campaign.starts_on <= change.due_on <= campaign.ends_on:
            raise InvalidInput(
                N_("The due date must lie within the campaign, {start} – {end}."),
                start=campaign.starts_on,
                end=campaign.ends_on,
            )
        before["due_on"], after["due_on"] = deadline.due_on, change.due_on
        deadline.due_on = change.due_on
    if change.late_policy is not None:
        try:
            policy = LatePolicy(change.late_policy)
        except ValueError:
            raise InvalidInput(
                N_("Unknown late policy {value}; expected one of: {known}."),
                value=str(change.late_policy),
                known=", ".join(p.value for p in LatePolicy),
            ) from None
        if policy != deadline.late_policy:
            before["late_policy"], after["late_policy"] = deadline.late_policy, policy
            deadline.late_policy = policy
    if not after:
        return {}
    session.add(deadline)
    session.flush()
    _audit(
        session,
        "deadline.change",
        act,
        deadline,
        before={"kind": str(deadline.kind), **before},
        after=after,
    )
    return after
