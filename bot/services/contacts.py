"""The people who chat with the bot: officers of enterprises and the board's staff.

A Contact is created the first time someone writes (`get_or_create_contact`), and keeps the
platform's chat id and display name up to date. Officers are linked to an enterprise by an
invite code (bot.services.invites); staff roles come from THIDUA_ADMINS (`ensure_admins`) and
from `thidua staff add` (`add_staff`). Only these functions change a contact's role, so the
rules about roles live here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.i18n import LANGUAGES, N_
from bot.models import Channel, Cluster, Contact, Organization, Role
from bot.services import audit
from bot.services.acts import SYSTEM, Act
from bot.services.errors import InvalidInput
from bot.settings import Settings

STAFF_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.CLUSTER_LEADER})
DISPLAY_NAME_MAX = 255


class ContactError(InvalidInput):
    """A request about a contact that cannot be carried out; `msgid`/`params` say why."""


def parse_channel(value: str | Channel) -> Channel:
    """`value` as a Channel, or ContactError naming the accepted ones."""
    try:
        channel = Channel(str(value).strip().lower())
    except ValueError:
        channel = Channel.EMAIL
    if channel is not Channel.EMAIL:  # an e-mail address is no account a person chats from
        return channel
    raise ContactError(N_("Unknown channel “{value}”: use telegram, zalo or console."), value=value)


def parse_role(value: str | Role) -> Role:
    """`value` as a Role ("cluster-leader" and "cluster_leader" both work)."""
    try:
        return Role(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        raise ContactError(
            N_("Unknown role “{value}”: use admin, staff or cluster-leader."), value=value
        ) from None


def _language_for(hint: str | None) -> str:
    """New contacts speak Vietnamese unless their platform says English."""
    lang = (hint or "").strip().lower().replace("_", "-").split("-")[0]
    return "en" if lang == "en" else "vi"


def find_contact(session: Session, channel: str | Channel, user_id: str) -> Contact | None:
    """The contact for a platform user, if the bot knows them."""
    return session.exec(
        select(Contact).where(
            Contact.channel == parse_channel(channel), Contact.user_id == str(user_id)
        )
    ).first()


def get_or_create_contact(
    session: Session,
    channel: str | Channel,
    user_id: str,
    chat_id: str,
    display_name: str = "",
    language_hint: str | None = None,
) -> Contact:
    """The contact for a platform user, created on first contact and kept up to date.

    A changed chat id or display name is stored; a contact marked unreachable who writes again
    is reachable again (they have (re)started the bot). Two updates from a new user handled at
    once by two workers both end with the same row: the loser of the insert race re-reads it.
    """
    channel = parse_channel(channel)
    user_id, chat_id = str(user_id), str(chat_id)
    display_name = display_name.strip()[:DISPLAY_NAME_MAX]
    contact = find_contact(session, channel, user_id)
    if contact is None:
        contact = Contact(
            channel=channel,
            user_id=user_id,
            chat_id=chat_id,
            display_name=display_name,
            language=_language_for(language_hint),
        )
        try:
            with session.begin_nested():
                session.add(contact)
        except IntegrityError:
            existing = find_contact(session, channel, user_id)
            if existing is None:
                raise
            contact = existing
        else:
            return contact
    keep_current(session, contact, chat_id, display_name)
    return contact


def keep_current(session: Session, contact: Contact, chat_id: str, display_name: str = "") -> None:
    """Store a changed chat id or display name; a contact who writes again is reachable.

    Writes (and flushes) only when something changed, so the usual message costs nothing here.
    """
    chat_id = str(chat_id)
    display_name = display_name.strip()[:DISPLAY_NAME_MAX]
    changed = False
    if contact.chat_id != chat_id:
        contact.chat_id = chat_id
        changed = True
    if display_name and contact.display_name != display_name:
        contact.display_name = display_name
        changed = True
    if not contact.reachable:
        contact.reachable = True
        changed = True
    if changed:
        session.add(contact)
        session.flush()


def set_language(session: Session, contact: Contact, lang: str) -> None:
    """Remember the contact's language (vi or en)."""
    code = lang.strip().lower()
    if code not in LANGUAGES:
        raise ContactError(N_("Unknown language “{value}”: use vi or en."), value=lang)
    contact.language = code
    session.add(contact)
    session.flush()


def mark_unreachable(session: Session, contact_id: int) -> bool:
    """Record that the platform refuses messages to this contact (e.g. Telegram 403).

    Returns whether a contact was found. The flag is cleared when the contact writes again.
    """
    contact = session.get(Contact, contact_id)
    if contact is None:
        return False
    if contact.reachable:
        contact.reachable = False
        session.add(contact)
        session.flush()
    return True


def is_staff(contact: Contact | None) -> bool:
    """Whether the contact belongs to the board's office (admin, staff or cluster leader)."""
    return contact is not None and contact.role in STAFF_ROLES


def is_admin(contact: Contact | None) -> bool:
    return contact is not None and contact.role == Role.ADMIN


def officers_of(session: Session, enterprise_id: int) -> list[Contact]:
    """The officers linked to an enterprise, oldest link first (reachable or not)."""
    return list(
        session.exec(
            select(Contact)
            .where(Contact.enterprise_id == enterprise_id, Contact.role == Role.OFFICER)
            .order_by(col(Contact.id))
        )
    )


def _fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def find_cluster(session: Session, organization: Organization, name: str) -> Cluster | None:
    """The board's cluster called `name` (case and spacing do not matter)."""
    wanted = _fold(name)
    for cluster in session.exec(select(Cluster).where(Cluster.organization_id == organization.id)):
        if _fold(cluster.name) == wanted:
            return cluster
    return None


def _audit(
    session: Session, action: str, contact: Contact, before: dict[str, object] | None, act: Act
) -> None:
    """One audit row about the contact's role: as it was (None for a new contact) and is."""
    audit.record(
        session,
        action,
        act,
        subject=f"contact:{contact.id}",
        before=before,
        after=_snapshot(contact),
    )


def _snapshot(contact: Contact) -> dict[str, object]:
    return {
        "channel": str(contact.channel),
        "user_id": contact.user_id,
        "role": str(contact.role),
        "organization_id": contact.organization_id,
        "enterprise_id": contact.enterprise_id,
        "cluster_id": contact.cluster_id,
    }


def add_staff(
    session: Session,
    channel: str | Channel,
    user_id: str,
    role: str | Role,
    organization: Organization,
    act: Act,
    cluster_name: str | None = None,
) -> Contact:
    """Make a platform user a member of the board's office with `role`, as `act` (the CLI's,
    or the bot itself at the caller's clock for seeding: no wall clock read here).

    The user need not have written to the bot yet: the contact is created with the user id as
    its chat id (true of private chats on Telegram and Zalo) and corrected on first message.
    A cluster leader needs an existing cluster of the board; other roles take none. An officer
    promoted to staff is unlinked from the enterprise (one role per contact). Audited.
    """
    channel = parse_channel(channel)
    role = parse_role(role)
    user_id = str(user_id).strip()
    if not user_id:
        raise ContactError(N_("The user id is empty."))
    if role == Role.OFFICER:
        raise ContactError(
            N_(
                "Officers are linked with an invite code, not added as staff: use admin, staff "
                "or cluster-leader."
            )
        )
    cluster: Cluster | None = None
    if role == Role.CLUSTER_LEADER:
        if not cluster_name or not cluster_name.strip():
            raise ContactError(N_("A cluster leader needs a cluster: give its name."))
        cluster = find_cluster(session, organization, cluster_name)
        if cluster is None:
            known = sorted(
                c.name
                for c in session.exec(
                    select(Cluster).where(Cluster.organization_id == organization.id)
                )
            )
            raise ContactError(
                N_("The board has no cluster called “{name}”. Known clusters: {known}."),
                name=cluster_name.strip(),
                known=", ".join(known) or "-",
            )
    elif cluster_name:
        raise ContactError(N_("Only a cluster leader is given a cluster."))

    contact = find_contact(session, channel, user_id)
    before = None if contact is None else _snapshot(contact)
    if contact is None:
        contact = Contact(channel=channel, user_id=user_id, chat_id=user_id)
    contact.role = role
    contact.organization_id = organization.id
    contact.enterprise_id = None
    contact.cluster_id = cluster.id if cluster is not None else None
    session.add(contact)
    session.flush()
    if before != _snapshot(contact):
        _audit(session, "staff.add", contact, before, act)
    return contact


def ensure_admins(
    session: Session, settings: Settings, organization: Organization, now: datetime
) -> list[Contact]:
    """Make every THIDUA_ADMINS user an admin (of `organization` if they have no board yet),
    audited as the bot itself ("system") at `now`.

    Run at start-up; idempotent. The environment is the source of truth for these accounts, so
    an admin demoted in the chat is an admin again after a restart.
    """
    return _ensure_admins(session, settings.admins, organization, Act(now, UTC, None, SYSTEM))


def _ensure_admins(
    session: Session, admins: Iterable[tuple[str, str]], organization: Organization, act: Act
) -> list[Contact]:
    contacts: list[Contact] = []
    for channel_name, user_id in admins:
        channel = parse_channel(channel_name)
        contact = find_contact(session, channel, user_id)
        before = None if contact is None else _snapshot(contact)
        if contact is None:
            contact = Contact(channel=channel, user_id=user_id, chat_id=user_id)
        contact.role = Role.ADMIN
        contact.enterprise_id = None
        contact.cluster_id = None
        if contact.organization_id is None:
            contact.organization_id = organization.id
        session.add(contact)
        session.flush()
        if before != _snapshot(contact):
            _audit(session, "staff.bootstrap_admin", contact, before, act)
        contacts.append(contact)
    session.flush()
    return contacts
