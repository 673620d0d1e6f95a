"""Who the bot can reach, and how: by chat, by e-mail only, or not at all.

One definition serves the outbox's recipients and the office's view:

- an enterprise is **linked** when it has at least one reachable officer on a chat channel
  (Telegram, Zalo, console) — the chat carries everything;
- it is **reachable by e-mail only** when it has no such officer but its e-mail contact
  (channel `email`, see bot/services/enterprise_contacts.py) is reachable: an address is
  known and has not bounced, and the deployment sends e-mail (SMTP_HOST set);
- otherwise it is **unreachable**: the office has to phone it (the list gives the numbers).

`receives_now(email)` is the one predicate the recipient queries (planner, broadcasts, launch,
nudges) add beside `role = officer AND reachable`: a chat contact always receives, an e-mail
contact only while its enterprise has no reachable chat contact. So the day an officer links
an account, e-mail stops for everything the chat carries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import exists, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.i18n import N_, Translator
from bot.models import Audience, Channel, Cluster, Contact, Enterprise, Role, Zone
from bot.services.access import Scope
from bot.services.audience import members, words
from bot.services.enterprise_contacts import display_phone

LINKED, EMAIL_ONLY, UNREACHABLE = "linked", "email_only", "unreachable"


def is_chat() -> ColumnElement[bool]:
    """`Contact` is a chat account (not an enterprise's e-mail address)."""
    return col(Contact.channel) != Channel.EMAIL


def has_chat_contact(enterprise_id: object) -> ColumnElement[bool]:
    """EXISTS a reachable officer on a chat channel for `enterprise_id` (a column or value)."""
    chat: Any = aliased(Contact)
    return exists(
        sa_select(chat.id).where(
            chat.enterprise_id == enterprise_id,
            chat.role == Role.OFFICER,
            chat.channel != Channel.EMAIL,
            chat.reachable.is_(True),
        )
    )


def receives_now(email: bool) -> ColumnElement[bool]:
    """The recipients' predicate: a chat contact, or an e-mail contact of an unlinked enterprise.

    `email`: whether this deployment sends e-mail (`Settings.sends_email`, handed down by the
    flow, the CLI or the scheduler). Without it e-mail is no channel at all: only chat
    contacts receive (nothing is queued for an address that no sender would ever take, to go
    out late once SMTP is set).
    """
    if not email:
        return is_chat()
    return or_(is_chat(), ~has_chat_contact(col(Contact.enterprise_id)))


class _HasChannel(Protocol):
    @property
    def channel(self) -> str: ...

    @property
    def reachable(self) -> bool: ...


C = TypeVar("C", bound=_HasChannel)


def receiving(contacts: Sequence[C], *, email: bool) -> list[C]:
    """`receives_now(email)` on one enterprise's contacts already loaded: its chat contacts,
    or its e-mail contact when none of them is reachable (and `email` is on)."""
    chat = [c for c in contacts if c.channel != Channel.EMAIL]
    if any(c.reachable for c in chat) or not email:
        return chat
    return list(contacts)


@dataclass
class ReachCounts:
    """How many enterprises of a group are linked, reachable by e-mail only, unreachable."""

    linked: int = 0
    email_only: int = 0
    unreachable: int = 0

    @property
    def total(self) -> int:
        return self.linked + self.email_only + self.unreachable

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)


@dataclass(frozen=True)
class Unreached:
    """An enterprise nobody can reach without a phone call, with whom to call."""

    id: int
    name: str
    tax_code: str
    zone: str
    cluster: str
    phone: str
    contact_name: str
    contact_position: str
    contact_phone: str
    bounced: str  # the address that bounced, "" when none is known


@dataclass
class Reach:
    """The board's (or a cluster's) reach, per zone and per cluster, and whom to phone."""

    total: ReachCounts = field(default_factory=ReachCounts)
    by_zone: dict[str, ReachCounts] = field(default_factory=dict)
    by_cluster: dict[str, ReachCounts] = field(default_factory=dict)
    unreachable: list[Unreached] = field(default_factory=list)
    states: dict[int, str] = field(default_factory=dict)  # enterprise id -> state

    def ids(self, *wanted: str) -> list[int]:
        return [i for i, state in self.states.items() if state in wanted]


def reach(
    session: Session, scope: Scope, audience: Audience | None = None, *, email: bool
) -> Reach:
    """Every active enterprise in scope classified (three statements, whatever the size);
    with `audience`, only the participants of a campaign of that audience (/progress of the
    board units' campaign counts its units, an enterprises' campaign its enterprises)."""
    conditions = [*scope.enterprise_conditions()]
    if audience is not None:
        conditions.append(members(audience))
    chat_ids: set[int] = set()
    email_ids: set[int] = set()
    bounced: dict[int, str] = {}
    contacts = session.execute(
        sa_select(
            col(Contact.enterprise_id),
            col(Contact.channel),
            col(Contact.reachable),
            col(Contact.chat_id),
        )
        .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
        .where(col(Contact.role) == Role.OFFICER, *conditions)
    )
    for enterprise_id, channel, reachable, chat_id in contacts:
        if channel == Channel.EMAIL:
            if reachable and email:
                email_ids.add(enterprise_id)
            else:
                bounced[enterprise_id] = chat_id
        elif reachable:
            chat_ids.add(enterprise_id)
    zones = dict(
        session.execute(
            sa_select(col(Zone.id), col(Zone.name)).where(
                col(Zone.organization_id) == scope.organization_id
            )
        ).all()
    )
    clusters = dict(
        session.execute(
            sa_select(col(Cluster.id), col(Cluster.name)).where(
                col(Cluster.organization_id) == scope.organization_id
            )
        ).all()
    )
    result = Reach()
    by_zone: dict[str, ReachCounts] = defaultdict(ReachCounts)
    by_cluster: dict[str, ReachCounts] = defaultdict(ReachCounts)
    for enterprise in session.execute(
        sa_select(Enterprise).where(*conditions).order_by(col(Enterprise.name), col(Enterprise.id))
    ).scalars():
        assert enterprise.id is not None
        if enterprise.id in chat_ids:
            state = LINKED
        elif enterprise.id in email_ids:
            state = EMAIL_ONLY
        else:
            state = UNREACHABLE
        zone = zones.get(enterprise.zone_id, "")
        cluster = clusters.get(enterprise.cluster_id, "")
        result.states[enterprise.id] = state
        result.total.add(state)
        by_zone[zone].add(state)
        by_cluster[cluster].add(state)
        if state == UNREACHABLE:
            result.unreachable.append(
                Unreached(
                    id=enterprise.id,
                    name=enterprise.name,
                    tax_code=enterprise.tax_code,
                    zone=zone,
                    cluster=cluster,
                    phone=display_phone(enterprise.phone),
                    contact_name=enterprise.contact_name or "",
                    contact_position=enterprise.contact_position or "",
                    contact_phone=display_phone(enterprise.contact_phone),
                    bounced=bounced.get(enterprise.id, ""),
                )
            )
    result.by_zone = dict(sorted(by_zone.items(), key=lambda kv: (kv[0] == "", kv[0])))
    result.by_cluster = dict(sorted(by_cluster.items(), key=lambda kv: (kv[0] == "", kv[0])))
    return result


def counts_line(t: Translator, counts: ReachCounts) -> str:
    return t(
        "{linked} linked by chat · {email} by e-mail only · {unreachable} unreachable",
        linked=t.number(counts.linked),
        email=t.number(counts.email_only),
        unreachable=t.number(counts.unreachable),
    )


def _groups(t: Translator, heading: str, groups: dict[str, ReachCounts], none: str) -> list[str]:
    if not groups or list(groups) == [""]:
        return []
    lines = [heading]
    for name, counts in groups.items():
        short = t(
            "{linked} chat · {email} e-mail only · {unreachable} unreachable",
            linked=t.number(counts.linked),
            email=t.number(counts.email_only),
            unreachable=t.number(counts.unreachable),
        )
        lines.append(f"• {name or none}: {short}")
    return lines


def who_to_call(t: Translator, item: Unreached) -> str:
    """One unreachable enterprise as a line the office can phone from."""
    person = ", ".join(p for p in (item.contact_name, item.contact_position) if p)
    phones = [p for p in (item.contact_phone, item.phone) if p]
    text = f"{item.name} ({item.tax_code})"
    if person:
        text += f" — {person}"
    text += ": " + (" / ".join(dict.fromkeys(phones)) if phones else t("no phone number"))
    if item.bounced:
        text += " " + t("(e-mail {address} bounced)", address=item.bounced)
    return text


def render_reach_text(
    t: Translator, found: Reach, limit: int | None = 30, audience: Audience | None = None
) -> str:
    """The reach summary for /progress and the CLI: totals, per zone, per cluster, whom to call
    (of a units' campaign: "đơn vị")."""
    lines = [
        words(
            t,
            audience or Audience.ENTERPRISES,
            N_("Reach of the enterprises ({total}):"),
            N_("Reach of the units ({total}):"),
            total=t.number(found.total.total),
        ),
        counts_line(t, found.total),
    ]
    lines += _groups(t, t("By zone:"), found.by_zone, t("(no zone)"))
    lines += _groups(t, t("By cluster:"), found.by_cluster, t("(no cluster)"))
    if found.unreachable:
        lines.append(t("To phone (no chat account, no working e-mail):"))
        shown = found.unreachable if limit is None else found.unreachable[:limit]
        lines += [f"{i}. {who_to_call(t, item)}" for i, item in enumerate(shown, start=1)]
        if len(shown) < len(found.unreachable):
            lines.append(
                t(
                    "… and {count} more.",
                    count=t.number(len(found.unreachable) - len(shown)),
                )
            )
    return "\n".join(lines)


def enterprise_ids_not_linked(found: Reach) -> list[int]:
    """The enterprises to re-invite: every one without a reachable chat contact."""
    return found.ids(EMAIL_ONLY, UNREACHABLE)
