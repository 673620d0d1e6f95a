"""What the staff commands share: the scope, the campaign they work on, files, the outbox.

Every staff flow starts with `scope(ctx)`: an officer (who never gets this far, the engine
refuses him first) or a staff account without a board gets a polite refusal, and a cluster
leader's scope carries his cluster, so every query of the flows below sees only that cluster.

The functions that put messages in the outbox (`launch_campaign`, `nudge_missing`,
`notify_officers`) take a Session and no Ctx: they hold rules, not chat, and run in the
caller's transaction, so a message exists exactly when the change that caused it does.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.messaging import Choice
from bot.models import (
    Campaign,
    Contact,
    DeadlineKind,
    DeliveryKind,
    Enterprise,
    Role,
)
from bot.services import audit
from bot.services.access import AccessDenied, Scope, campaign_in_scope, scope_for
from bot.services.campaigns import campaign_deadlines, campaign_phases, localized, phase_name
from bot.services.items import kind_command, kind_label, parse_kind_word
from bot.services.progress import MissingEnterprise
from bot.settings import get_settings
from conversations import common
from conversations.flow import Ctx, Invalid, Stop, reply
from scheduler.outbox import OutboxItem, enqueue_many

KIND_PREFIX = "kind:"


def actor(ctx: Ctx) -> str:
    """How the audit log names the staff member acting."""
    return f"{ctx.contact.channel}:{ctx.contact.user_id}"


def scope(ctx: Ctx) -> Scope:
    """The staff member's scope (AccessDenied, a domain error the engine explains, if none)."""
    return scope_for(ctx.contact)


def board_only(ctx: Ctx) -> Scope:
    """The scope of a board-wide action: cluster leaders are refused (they act on a cluster)."""
    found = scope(ctx)
    if not found.whole_board:
        raise AccessDenied(N_("Only the board office can do this; a cluster leader cannot."))
    return found


def record(ctx: Ctx, action: str, subject: str, after: dict[str, object] | None = None) -> None:
    """Audit a staff action of a flow in the current transaction."""
    audit.record(
        ctx.session,
        action,
        contact_id=ctx.contact.id,
        actor=actor(ctx),
        subject=subject,
        after=after,
        at=ctx.now,
    )


# ------------------------------------------------------------------------- campaigns


def board_campaigns(session: Session, organization_id: int) -> list[Campaign]:
    """The board's campaigns, newest first."""
    return list(
        session.exec(
            select(Campaign)
            .where(Campaign.organization_id == organization_id)
            .order_by(
                col(Campaign.year).desc(), col(Campaign.starts_on).desc(), col(Campaign.id).desc()
            )
        ).all()
    )


def current_campaign(ctx: Ctx, found: Scope) -> Campaign:
    """The campaign the staff works on: `data["campaign_id"]`, else the one running today,
    else the board's latest. Without any, the flow ends saying how to create one."""
    campaign_id = ctx.data.get("campaign_id")
    if isinstance(campaign_id, int):
        return campaign_in_scope(ctx.session, campaign_id, found)
    campaign = common.active_campaign(ctx)
    if campaign is None:
        campaigns = board_campaigns(ctx.session, found.organization_id)
        campaign = campaigns[0] if campaigns else None
    if campaign is None:
        raise Stop(
            reply(
                ctx.t("Your board has no campaign yet. Create one with /campaign (board office).")
            )
        )
    ctx.data["campaign_id"] = campaign.id
    return campaign


def take_campaign(ctx: Ctx, found: Scope, args: str) -> str:
    """Read a campaign named in a command's arguments ("2025" for that year's campaign, or
    "#3" by number) into `data["campaign_id"]`; returns the other arguments.

    In January the board still works on last year's reports while the new campaign runs:
    `/progress 2025`, `/export reports 2025`, `/missing report 2025`.
    """
    rest: list[str] = []
    for word in args.split():
        digits = word.lstrip("#")
        if not digits.isdigit():
            rest.append(word)
            continue
        number = int(digits)
        if not word.startswith("#") and len(digits) == 4:
            campaigns = [
                c for c in board_campaigns(ctx.session, found.organization_id) if c.year == number
            ]
            if not campaigns:
                raise Invalid(ctx.t("Your board has no campaign for {year}.", year=number))
            ctx.data["campaign_id"] = campaigns[0].id
        else:
            ctx.data["campaign_id"] = campaign_in_scope(ctx.session, number, found).id
    return " ".join(rest)


def kind_choices(ctx: Ctx, campaign: Campaign) -> list[Choice]:
    """One choice per deadline of the campaign (key `kind:<code>`), earliest first."""
    t = ctx.t
    return [
        Choice(
            KIND_PREFIX + d.kind,
            t("{item} (due {date})", item=kind_label(t, d.kind), date=t.date(d.due_on)),
        )
        for d in campaign_deadlines(ctx.session, campaign)
    ]


def chosen_kind(ctx: Ctx, campaign: Campaign, choice: str | None, text: str) -> DeadlineKind:
    """The item picked with a `kind:` button or typed; Invalid if the campaign lacks it."""
    kind: DeadlineKind | None = None
    if choice and choice.startswith(KIND_PREFIX):
        kind = parse_kind_word(choice[len(KIND_PREFIX) :])
    elif text:
        kind = parse_kind_word(text)
    known = {d.kind for d in campaign_deadlines(ctx.session, campaign)}
    if kind is None or kind not in known:
        names = ", ".join(kind_label(ctx.t, k) for k in sorted(known))
        raise Invalid(ctx.t("Please choose one of the items: {items}.", items=names))
    return kind


# ----------------------------------------------------------------------------- files


def staff_file(ctx: Ctx, folder: str, stem: str, suffix: str) -> Path:
    """A new, unique path under files_dir/<folder>/ for a file the bot makes or receives."""
    directory = ctx.settings.files_dir / folder
    directory.mkdir(parents=True, exist_ok=True)
    stamp = ctx.now.astimezone(ctx.settings.tz).strftime("%Y%m%d-%H%M%S")
    name = common.safe_file_name(f"{stem}-{stamp}-{uuid.uuid4().hex[:6]}{suffix}")
    return directory / name


# -------------------------------------------------------------------------- the outbox


def officers_in_scope(session: Session, found: Scope) -> list[Contact]:
    """Every linked officer of an active enterprise in scope (reachable or not)."""
    return list(
        session.exec(
            select(Contact)
            .join(Enterprise, col(Enterprise.id) == col(Contact.enterprise_id))
            .where(col(Contact.role) == Role.OFFICER, *found.enterprise_conditions())
            .order_by(col(Enterprise.name), col(Contact.id))
        ).all()
    )


def launch_text(session: Session, t: Translator, campaign: Campaign) -> str:
    """The launch message of a campaign in `t`'s language: theme, phases, deadlines."""
    lines = [
        t("The board launches {title}.", title=localized(t, campaign.title, campaign.title_en))
    ]
    theme = localized(t, campaign.theme, campaign.theme_en)
    if theme:
        lines.append(t("Theme: {theme}", theme=theme))
    phases = campaign_phases(session, campaign)
    if phases:
        lines += ["", t("Phases:")]
        lines += [
            f"- {phase_name(t, p)}: {t.date(p.starts_on)} – {t.date(p.ends_on)}" for p in phases
        ]
    deadlines = campaign_deadlines(session, campaign)
    if deadlines:
        lines += ["", t("What your enterprise sends:")]
        for d in deadlines:
            command = kind_command(DeadlineKind(d.kind))
            suffix = f" (/{command})" if command else ""
            lines.append(f"- {kind_label(t, d.kind)}: {t.date(d.due_on)}{suffix}")
    lines += ["", t("Send /status at any time to see where your enterprise stands.")]
    return "\n".join(lines)


@dataclass(frozen=True)
class Queued:
    """What a mass message did: new deliveries, already queued before, and who cannot be reached."""

    new: int
    already: int
    unreachable: int


def launch_campaign(
    session: Session, campaign: Campaign, found: Scope, now: datetime, *, who: str = ""
) -> Queued:
    """Queue the launch message to every linked officer of the board; mark the campaign launched.

    The dedupe key is per campaign and contact, so launching again sends nothing twice and
    reaches only the officers linked since. Audited in the caller's transaction.
    """
    if not found.whole_board:
        raise AccessDenied(N_("Only the board office can do this; a cluster leader cannot."))
    campaign_in_scope(session, campaign.id or 0, found)
    officers = officers_in_scope(session, found)
    reachable = [c for c in officers if c.reachable]
    texts: dict[str, str] = {}
    items = []
    for contact in reachable:
        assert contact.id is not None
        if contact.language not in texts:
            texts[contact.language] = launch_text(session, Translator(contact.language), campaign)
        items.append(
            OutboxItem(
                DeliveryKind.LAUNCH,
                contact.id,
                texts[contact.language],
                f"launch:{campaign.id}:{contact.id}",
                not_before=now,
            )
        )
    new = enqueue_many(session, items)
    before = {"launched_at": campaign.launched_at}
    first = campaign.launched_at is None
    if first:
        campaign.launched_at = now
        session.add(campaign)
        session.flush()
    audit.record(
        session,
        "campaign.launch" if first else "campaign.relaunch",
        contact_id=found.contact_id,
        actor=who,
        subject=f"campaign:{campaign.id}",
        before=before,
        after={
            "launched_at": campaign.launched_at,
            "queued": new,
            "already_queued": len(items) - new,
            "unreachable": len(officers) - len(reachable),
        },
        at=now,
    )
    return Queued(new, len(items) - new, len(officers) - len(reachable))


def nudge_text(t: Translator, campaign: Campaign, kind: DeadlineKind, due: str) -> str:
    """The reminder a staff member's "nudge now" sends, in the officer's language."""
    text = t(
        "Reminder from the board office: your enterprise has not yet submitted the {item} "
        "of {campaign} (due {date}).",
        item=kind_label(t, kind).lower(),
        campaign=localized(t, campaign.title, campaign.title_en),
        date=due,
    )
    command = kind_command(kind)
    if command:
        text += " " + t("Send /{command} to do it now.", command=command)
    return text


def nudge_missing(
    session: Session,
    campaign: Campaign,
    kind: DeadlineKind,
    missing: Sequence[MissingEnterprise],
    due_on: date,
    now: datetime,
    *,
    found: Scope,
    who: str = "",
) -> Queued:
    """Queue a reminder to each reachable officer of the missing enterprises, once a day.

    The dedupe key carries the local day: pressing the button twice (or two staff members
    pressing it) the same day sends one reminder per officer. Audited.
    """
    local_day = now.astimezone(get_settings().tz).date().isoformat()
    contact_ids = [c.id for e in missing for c in e.contacts if c.reachable]
    unreachable = sum(1 for e in missing for c in e.contacts if not c.reachable)
    contacts = (
        {
            c.id: c
            for c in session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all()
        }
        if contact_ids
        else {}
    )
    items = []
    for contact_id in contact_ids:
        contact = contacts.get(contact_id)
        if contact is None:
            continue
        t = Translator(contact.language)
        items.append(
            OutboxItem(
                DeliveryKind.REMINDER,
                contact_id,
                nudge_text(t, campaign, kind, t.date(due_on)),
                f"nudge:{campaign.id}:{kind}:{contact_id}:{local_day}",
                not_before=now,
            )
        )
    new = enqueue_many(session, items)
    audit.record(
        session,
        "missing.nudge",
        contact_id=found.contact_id,
        actor=who,
        subject=f"campaign:{campaign.id}",
        after={
            "kind": kind,
            "enterprises": len(missing),
            "queued": new,
            "already_queued": len(items) - new,
            "unreachable": unreachable,
            "cluster_id": found.cluster_id,
        },
        at=now,
    )
    return Queued(new, len(items) - new, unreachable)


def notify_officers(
    session: Session,
    enterprise_id: int,
    key: str,
    text_for: dict[str, str],
    now: datetime,
) -> int:
    """Queue a notice (sent promptly) to every reachable officer of an enterprise.

    `text_for` maps a language to the text; the dedupe key is `key` plus the contact.
    """
    officers = session.exec(
        select(Contact).where(
            Contact.enterprise_id == enterprise_id,
            Contact.role == Role.OFFICER,
            col(Contact.reachable).is_(True),
        )
    ).all()
    items = [
        OutboxItem(
            DeliveryKind.NOTICE,
            c.id,
            text_for.get(c.language) or text_for["vi"],
            f"{key}:{c.id}",
            not_before=now,
        )
        for c in officers
        if c.id is not None
    ]
    return enqueue_many(session, items)
