"""One-time invite codes that link an officer's chat account to an enterprise.

Staff create a code for an enterprise (`thidua invite create`, or /invite in the chat) and hand
it over by phone, letter or e-mail; the officer types it to the bot. The code is short and
typable: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown grouped as
"ABCD-EFGH" and stored without the dash; lower case, spaces and dashes are ignored when typed.

Guessing is capped: at most `MAX_WRONG_TRIES` wrong tries per contact in a rolling
`ATTEMPT_WINDOW`, and at most `GLOBAL_MAX_WRONG_TRIES` across all accounts (a guesser gets 5
more tries on each channel and each new account, so only a limit over all of them holds).
When that limit is reached, linking by code pauses until the window frees a try, and every
board's admins and staff are told at once through the outbox (one notice per hour each).
Each wrong try is a LinkAttempt row that `redeem_invite` adds and flushes
*before* raising, so **the caller must commit the session even when an InviteError
propagates** (catch it inside the unit of work, answer the user, let the commit happen). A
caller that rolls back on InviteError forgets the try and lets a guesser go on.
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import Session, col, delete, select, update

from bot.i18n import N_
from bot.models import (
    Contact,
    Enterprise,
    InviteCode,
    LinkAttempt,
    Role,
)
from bot.notifications.fanouts import deliver_missed
from bot.notifications.kinds import CodeGuessingAlert
from bot.notifications.outbox import enqueue
from bot.services import audit
from bot.services.acts import Act
from bot.services.contacts import STAFF_ROLES
from bot.services.errors import DomainError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
DEFAULT_TTL = timedelta(days=14)
MAX_WRONG_TRIES = 5
# Wrong tries per hour across every account of the deployment (one board in the usual
# deployment): an office links a few dozen officers on a busy day, with a handful of typos.
GLOBAL_MAX_WRONG_TRIES = 30
ATTEMPT_WINDOW = timedelta(hours=1)
ATTEMPT_HISTORY = timedelta(days=1)


class InviteError(DomainError):
    """Redeeming a code failed; the subclass's `msgid` says why (render with `message(t)`)."""

    msgid = N_("This invite code cannot be used.")

    def __init__(self, **params: object) -> None:
        super().__init__(type(self).msgid, **params)


class UnknownCode(InviteError):
    """No invite has this code, or its enterprise is no longer active: a guesser learns no
    more from one than from a typo."""

    msgid = N_(
        "This invite code is not valid. Check it and type it again, e.g. ABCD-EFGH; "
        "the board's office gives a new one if needed."
    )


class ExpiredCode(InviteError):
    """The code outlived its time (`DEFAULT_TTL`; longer for codes sent by letter)."""

    msgid = N_("This invite code has expired. Please ask the board's office for a new one.")


class UsedCode(InviteError):
    """Another account linked with the code first (also the loser of two simultaneous
    redemptions); the account that spent it may type it again without error."""

    msgid = N_(
        "This invite code has already been used. Each code links one account; "
        "please ask the board's office for a new one."
    )


class TooManyAttempts(InviteError):
    """Linking by code is paused, for this account or for all (see the module docstring);
    refusing records no try of its own."""

    msgid = N_("Too many wrong invite codes. Please try again in {minutes} minutes.")

    def __init__(self, retry_after_minutes: int) -> None:
        super().__init__(minutes=retry_after_minutes)
        self.retry_after_minutes = retry_after_minutes


class StaffCannotLink(InviteError):
    """Staff and admins stay the board's: an officer's link would change their role."""

    msgid = N_(
        "You are registered as staff of the board, so this account cannot be linked to an "
        "enterprise. Use another account for the enterprise."
    )


def normalize_code(raw: str) -> str:
    """The stored form of a typed code: upper case, without spaces or dashes."""
    return "".join(ch for ch in raw.upper() if ch not in " -\u2010\u2011\u2013\u2014\t")


def format_code(code: str) -> str:
    """A stored code as people read it: "ABCD-EFGH"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def create_invite(
    session: Session, enterprise: Enterprise, act: Act, ttl: timedelta = DEFAULT_TTL
) -> InviteCode:
    """A fresh one-time code for `enterprise`, valid for `ttl` from the act's moment.

    Older unused codes of the enterprise stay valid: an enterprise may link several officers
    (HR and trade union), each with a code of their own.
    """
    now = act.now
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    if enterprise.id is None:
        session.add(enterprise)
        session.flush()
    assert enterprise.id is not None
    while True:
        code = _new_code()
        taken = session.exec(select(InviteCode.id).where(InviteCode.code == code)).first()
        if taken is None:
            break
    invite = InviteCode(
        code=code, enterprise_id=enterprise.id, expires_at=now + ttl, created_at=now
    )
    session.add(invite)
    session.flush()
    after = {"code_id": invite.id, "expires_at": invite.expires_at}
    _audit(session, "invite.create", act, enterprise, after=after)
    return invite


def _audit(
    session: Session,
    action: str,
    act: Act,
    enterprise: Enterprise,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> None:
    """One audit row about a code: filed under the enterprise it links (the enterprise's
    history shows its codes being made and used)."""
    audit.record(
        session, action, act, subject=f"enterprise:{enterprise.id}", before=before, after=after
    )


def wrong_tries(session: Session, contact: Contact, now: datetime) -> list[datetime]:
    """When the contact typed a wrong code within the last ATTEMPT_WINDOW, oldest first."""
    return list(
        session.exec(
            select(LinkAttempt.at)
            .where(LinkAttempt.contact_id == contact.id, LinkAttempt.at > now - ATTEMPT_WINDOW)
            .order_by(col(LinkAttempt.at))
        )
    )


def _fail(
    session: Session, contact: Contact, now: datetime, tz: tzinfo, error: InviteError
) -> InviteError:
    """Record a wrong try (flushed, for the caller to commit) and hand back the error.

    Tries older than ATTEMPT_HISTORY are dropped meanwhile: they no longer count, and the
    table stays small however long a guesser keeps at it.
    """
    assert contact.id is not None
    session.execute(
        delete(LinkAttempt).where(
            col(LinkAttempt.contact_id) == contact.id,
            col(LinkAttempt.at) < now - ATTEMPT_HISTORY,
        )
    )
    attempt = LinkAttempt(contact_id=contact.id, at=now)
    session.add(attempt)
    session.flush()
    if len(_all_wrong_tries(session, now)) == GLOBAL_MAX_WRONG_TRIES:
        _alert_staff(session, attempt, tz)
    return error


def _all_wrong_tries(session: Session, now: datetime) -> list[datetime]:
    """Every account's wrong tries within the last ATTEMPT_WINDOW, oldest first."""
    return list(
        session.exec(
            select(LinkAttempt.at)
            .where(LinkAttempt.at > now - ATTEMPT_WINDOW)
            .order_by(col(LinkAttempt.at))
        )
    )


def _alert_staff(session: Session, attempt: LinkAttempt, tz: tzinfo) -> None:
    """Tell every board's admins and staff that codes are being guessed: a notice through the
    outbox about the wrong try that reached the limit, worded when it is sent, in each one's
    language then; at most one per person per hour (the key holds the hour)."""
    assert attempt.id is not None
    alert = CodeGuessingAlert(
        subject_id=attempt.id,
        variant=(attempt.at + ATTEMPT_WINDOW).astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        hour=attempt.at.astimezone(UTC).strftime("%Y%m%d%H"),
    )
    staff = session.exec(
        select(Contact.id).where(
            col(Contact.role).in_([Role.ADMIN, Role.STAFF]), col(Contact.reachable)
        )
    ).all()
    enqueue(
        session, alert, [i for i in staff if i is not None], not_before=attempt.at, now=attempt.at
    )
    session.flush()


def redeem_invite(
    session: Session, contact: Contact, raw_code: str, act: Act, *, email: bool
) -> Enterprise:
    """Link `contact` to the enterprise of the code typed, as its officer, and spend the code.

    `act` is the contact's own (he links himself: the audit log names him), at the caller's
    moment in the board's zone: the staff's alert about code guessing says until when
    linking is paused in local time, and it says which day is today. The officer gets the
    day's messages to the whole board that the dispatcher had already written out past his
    enterprise (`bot.notifications.fanouts.deliver_missed`;
    `email`: whether the deployment sends e-mail, as for every recipient query).

    Raises an InviteError subclass; every one except TooManyAttempts and StaffCannotLink
    records a wrong try first (see the module docstring: commit even on error). Typing the
    code one has already redeemed again is harmless and returns the same enterprise.
    """
    now, tz = act.now, act.tz
    if contact.id is None:
        session.add(contact)
        session.flush()
    assert contact.id is not None
    if contact.role in STAFF_ROLES:
        raise StaffCannotLink()
    tries = wrong_tries(session, contact, now)
    if len(tries) >= MAX_WRONG_TRIES:
        # The window frees a try when the oldest counted one is an hour old.
        oldest = tries[len(tries) - MAX_WRONG_TRIES]
        wait = (oldest + ATTEMPT_WINDOW - now).total_seconds()
        raise TooManyAttempts(max(1, math.ceil(wait / 60)))
    everyone = _all_wrong_tries(session, now)
    if len(everyone) >= GLOBAL_MAX_WRONG_TRIES:
        oldest = everyone[len(everyone) - GLOBAL_MAX_WRONG_TRIES]
        wait = (oldest + ATTEMPT_WINDOW - now).total_seconds()
        raise TooManyAttempts(max(1, math.ceil(wait / 60)))

    code = normalize_code(raw_code)
    invite = None
    if len(code) == CODE_LENGTH and set(code) <= set(ALPHABET):
        invite = session.exec(select(InviteCode).where(InviteCode.code == code)).first()
    if invite is None:
        raise _fail(session, contact, now, tz, UnknownCode())
    if invite.used_at is not None:
        if (
            invite.used_by_contact_id == contact.id
            and contact.enterprise_id == invite.enterprise_id
        ):
            enterprise = session.get(Enterprise, invite.enterprise_id)
            assert enterprise is not None
            return enterprise
        raise _fail(session, contact, now, tz, UsedCode())
    if invite.expires_at <= now:
        raise _fail(session, contact, now, tz, ExpiredCode())
    enterprise = session.get(Enterprise, invite.enterprise_id)
    if enterprise is None or not enterprise.active:
        raise _fail(session, contact, now, tz, UnknownCode())

    # Spend the code with a conditional update: of two simultaneous redemptions one wins.
    spent = session.execute(
        update(InviteCode)
        .where(col(InviteCode.id) == invite.id, col(InviteCode.used_at).is_(None))
        .values(used_at=now, used_by_contact_id=contact.id)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise _fail(session, contact, now, tz, UsedCode())
    session.refresh(invite)

    before = {"enterprise_id": contact.enterprise_id, "role": str(contact.role)}
    contact.enterprise_id = enterprise.id
    contact.organization_id = enterprise.organization_id
    contact.cluster_id = None
    contact.role = Role.OFFICER
    session.add(contact)
    after = {"enterprise_id": enterprise.id, "role": str(Role.OFFICER), "code_id": invite.id}
    _audit(session, "invite.redeem", act, enterprise, before=before, after=after)
    deliver_missed(session, contact, act, email=email)
    return enterprise
