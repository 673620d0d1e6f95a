"""Onboarding a whole zone: one invite code per enterprise, in one go, and the e-mail invitations.

`thidua invite create --all|--zone|--cluster|--not-linked` and `/invite` with the same words
call `issue_invites`: it picks the enterprises (`select_enterprises`), revokes each one's
earlier unused codes (the new letter supersedes the old ones: a code that was never used
expires now), issues a fresh code per enterprise and queues the invitation by e-mail to every
enterprise that has a working address and no chat account yet. The mail-merge sheet and the
printable letters are made from the result by bot/documents/invitations.py.

A single `/invite` for one enterprise keeps the older codes valid (a second officer, e.g. the
trade union's, links with a code of his own); only this bulk issue revokes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import (
    Channel,
    Cluster,
    Contact,
    DeliveryKind,
    Enterprise,
    InviteCode,
    Organization,
    Role,
    Zone,
)
from bot.notifications.kinds import Invitation
from bot.notifications.outbox import cancel_unsent, enqueue
from bot.services import audit
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.chat_links import BotNames, how_to_link
from bot.services.errors import InvalidInput
from bot.services.invites import create_invite, format_code
from bot.services.reach import has_chat_contact

BULK_TTL = timedelta(days=30)  # a letter travels by post: a fortnight is too short


class OnboardingError(InvalidInput):
    """The selection of enterprises cannot be made (unknown zone or cluster, nothing chosen)."""


@dataclass(frozen=True)
class Selection:
    """Which enterprises get a code: all, one zone, one cluster; optionally only the unlinked."""

    zone: str | None = None
    cluster: str | None = None
    not_linked: bool = False


@dataclass(frozen=True)
class Issued:
    """One enterprise's new code, with what the letter and the sheet need."""

    enterprise_id: int
    name: str
    tax_code: str
    zone: str
    cluster: str
    code: str  # stored form, no dash
    expires_at: datetime
    contact_name: str
    contact_position: str
    email: str  # the address the invitation went to ("" when none went)
    phone: str

    @property
    def shown_code(self) -> str:
        return format_code(self.code)


@dataclass
class IssueResult:
    board: str
    province: str
    issued: list[Issued] = field(default_factory=list)
    revoked: int = 0
    emailed: int = 0


def _place(session: Session, model: type[Zone] | type[Cluster], org_id: int, name: str) -> int:
    wanted = " ".join(name.split()).casefold()
    places = cast(
        "list[Zone | Cluster]",
        list(session.exec(select(model).where(model.organization_id == org_id)).all()),
    )
    for place in places:
        if " ".join(place.name.split()).casefold() == wanted:
            assert place.id is not None
            return place.id
    matches = [p for p in places if wanted and wanted in p.name.casefold()]
    if len(matches) == 1 and matches[0].id is not None:
        return matches[0].id
    raise OnboardingError(
        N_("The board has no {kind} called “{name}”. Known: {known}."),
        kind=_Label(N_("zone") if model is Zone else N_("cluster")),
        name=name.strip(),
        known=", ".join(sorted(p.name for p in places)) or "-",
    )


@dataclass(frozen=True)
class _Label:
    msgid: str

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


def select_enterprises(session: Session, scope: Scope, selection: Selection) -> list[Enterprise]:
    """The active enterprises in scope the selection names, by name."""
    query = select(Enterprise).where(*scope.enterprise_conditions())
    if selection.zone:
        query = query.where(
            Enterprise.zone_id == _place(session, Zone, scope.organization_id, selection.zone)
        )
    if selection.cluster:
        cluster_id = _place(session, Cluster, scope.organization_id, selection.cluster)
        scope.check_cluster(cluster_id)
        query = query.where(Enterprise.cluster_id == cluster_id)
    if selection.not_linked:
        query = query.where(~has_chat_contact(col(Enterprise.id)))
    return list(session.exec(query.order_by(col(Enterprise.name), col(Enterprise.id))).all())


def invitation_text(
    t: Translator, board: str, issued: Issued, names: BotNames, expires_local: datetime
) -> str:
    """The invitation e-mail (its first line is the subject)."""
    lines = [
        t(
            "Invitation to link {enterprise} with the Thi đua Bot of {board}",
            enterprise=issued.name,
            board=board,
        ),
        "",
        t(
            "To: {enterprise} (tax code {tax_code})",
            enterprise=issued.name,
            tax_code=issued.tax_code,
        ),
        "",
        t(
            "{board} runs the emulation movement with the Thi đua Bot, a chat assistant on "
            "Telegram and Zalo: the enterprise receives the board's notices and deadline "
            "reminders and sends its title registration and reports from the phone.",
            board=board,
        ),
        t(
            "Please ask the person in charge of emulation work (HR or the trade union) to link "
            "a chat account with this invite code:"
        ),
        "",
        t("Invite code: {code}", code=issued.shown_code),
        t("Valid until {time} (one use).", time=t.datetime(expires_local)),
        "",
        *(f"- {line}" for line in how_to_link(t, names, issued.code)),
    ]
    return "\n".join(lines)  # fmt: skip


def _revoke(session: Session, ids: list[int], now: datetime) -> int:
    """Expire the unused codes of these enterprises and cancel their unsent invitations."""
    revoked = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        result = session.execute(
            update(InviteCode)
            .where(
                col(InviteCode.enterprise_id).in_(chunk),
                col(InviteCode.used_at).is_(None),
                col(InviteCode.expires_at) > now,
            )
            .values(expires_at=now)
        )
        revoked += int(getattr(result, "rowcount", 0) or 0)
        mail_contacts = select(col(Contact.id)).where(
            col(Contact.enterprise_id).in_(chunk), Contact.channel == Channel.EMAIL
        )
        cancel_unsent(session, DeliveryKind.INVITE, mail_contacts, "invite re-issued")
    return revoked


def _mail_recipients(session: Session, ids: list[int]) -> dict[int, Contact]:
    """enterprise id -> its reachable e-mail contact, for those without a chat account."""
    found: dict[int, Contact] = {}
    for start in range(0, len(ids), 500):
        for contact in session.exec(
            select(Contact).where(
                col(Contact.enterprise_id).in_(ids[start : start + 500]),
                Contact.channel == Channel.EMAIL,
                Contact.role == Role.OFFICER,
                col(Contact.reachable).is_(True),
                ~has_chat_contact(col(Contact.enterprise_id)),
            )
        ):
            assert contact.enterprise_id is not None
            found[contact.enterprise_id] = contact
    return found


def issue_invites(
    session: Session,
    organization: Organization,
    enterprises: list[Enterprise],
    act: Act,
    names: BotNames,
    *,
    ttl: timedelta = BULK_TTL,
    language: str = "vi",
    email: bool = True,
) -> IssueResult:
    """A fresh code for each enterprise (earlier unused ones revoked), and the e-mails queued.

    Everything happens in the caller's transaction; the e-mails go out through the outbox
    within the sending hours, at the e-mail rate. The letters give the expiry in the act's
    zone (the board's).
    """
    now = act.now
    t = Translator(language)
    ids = [e.id for e in enterprises if e.id is not None]
    zones = {
        z.id: z.name
        for z in session.exec(select(Zone).where(Zone.organization_id == organization.id))
    }
    clusters = {
        c.id: c.name
        for c in session.exec(select(Cluster).where(Cluster.organization_id == organization.id))
    }
    result = IssueResult(board=organization.name, province=organization.province)
    result.revoked = _revoke(session, ids, now)
    mail = _mail_recipients(session, ids) if email else {}
    emailed = 0
    for enterprise in enterprises:
        assert enterprise.id is not None
        invite = create_invite(session, enterprise, act, ttl)
        contact = mail.get(enterprise.id)
        issued = Issued(
            enterprise_id=enterprise.id,
            name=enterprise.name,
            tax_code=enterprise.tax_code,
            zone=zones.get(enterprise.zone_id, "") if enterprise.zone_id else "",
            cluster=clusters.get(enterprise.cluster_id, "") if enterprise.cluster_id else "",
            code=invite.code,
            expires_at=invite.expires_at,
            contact_name=enterprise.contact_name or "",
            contact_position=enterprise.contact_position or "",
            email=contact.chat_id if contact is not None else "",
            phone=enterprise.contact_phone or enterprise.phone or "",
        )
        result.issued.append(issued)
        if contact is not None and contact.id is not None:
            text = invitation_text(
                t, organization.name, issued, names, invite.expires_at.astimezone(act.tz)
            )
            emailed += enqueue(
                session,
                Invitation(body=text, reference=str(invite.id)),
                [contact.id],
                not_before=now,
                now=now,
            )
    result.emailed = emailed
    audit.record(
        session,
        "invite.bulk",
        act,
        subject=f"organization:{organization.id}",
        after={
            "issued": len(result.issued),
            "revoked": result.revoked,
            "emailed": result.emailed,
        },
    )
    return result
