"""Helpers shared by the flows: who the contact is, the campaign they work on, /help, names."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam
from sqlmodel import col, select

from bot.i18n import N_, Translator
from bot.messaging import Reply
from bot.models import Campaign, Contact, Deadline, DeadlineKind, Enterprise, Role
from bot.services.audience import joins_campaign, words
from bot.services.campaigns import LATEST_FIRST, running_on
from bot.services.contacts import is_staff as _is_staff
from bot.services.items import kind_command, kind_label
from bot.services.submissions import deadline_for as subs_deadline_for
from conversations.flow import Ctx

if TYPE_CHECKING:
    from conversations.registry import Registry


def is_staff(contact: Contact) -> bool:
    return _is_staff(contact)


def is_linked(contact: Contact) -> bool:
    """An officer who redeemed an invite code and acts for one enterprise."""
    return contact.role == Role.OFFICER and contact.enterprise_id is not None


def enterprise_of(ctx: Ctx) -> Enterprise:
    """The contact's own enterprise (flows that need it are only reachable once linked).

    Held in `ctx.cache` for the message: the session's identity map is weak, so a row asked
    for again after its object was let go (/status asks three times) was read again."""
    key = f"enterprise:{ctx.contact.enterprise_id}"
    cached = ctx.cache.get(key)
    if isinstance(cached, Enterprise):
        return cached
    enterprise = (
        ctx.session.get(Enterprise, ctx.contact.enterprise_id)
        if ctx.contact.enterprise_id is not None
        else None
    )
    if enterprise is None:
        raise LookupError("contact is not linked to an enterprise")
    ctx.cache[key] = enterprise
    return enterprise


def board_id(ctx: Ctx) -> int | None:
    """The contact's board: its own (staff) or its enterprise's."""
    organization_id = ctx.contact.organization_id
    if organization_id is None and ctx.contact.enterprise_id is not None:
        organization_id = enterprise_of(ctx).organization_id
    return organization_id


# Staff see every campaign of their board.
_BOARD_CAMPAIGN = (
    select(Campaign)
    .where(col(Campaign.organization_id) == bindparam("board"), running_on(bindparam("today")))
    .order_by(*LATEST_FIRST)
    .limit(1)
)
# An officer's campaign is one his participant takes part in (an enterprise never sees the
# board units' campaign, nor a unit the enterprises'): read with the enterprise itself, which
# the flow shows next, in one statement. (With no campaign running, the one row has none.)
_PARTICIPANT_CAMPAIGN = (
    select(Enterprise, Campaign)
    .outerjoin(Campaign, and_(joins_campaign(), running_on(bindparam("today"))))
    .where(col(Enterprise.id) == bindparam("enterprise"))
    .order_by(*LATEST_FIRST)
    .limit(1)
)


def active_campaign(ctx: Ctx) -> Campaign | None:
    """The campaign of the contact's board running today (the latest-starting one if several)."""
    enterprise_id = ctx.contact.enterprise_id
    if enterprise_id is None:
        if ctx.contact.organization_id is None:
            return None
        return ctx.session.exec(
            _BOARD_CAMPAIGN, params={"board": ctx.contact.organization_id, "today": ctx.today}
        ).first()
    row = ctx.session.execute(
        _PARTICIPANT_CAMPAIGN, {"enterprise": enterprise_id, "today": ctx.today}
    ).first()
    if row is None:
        raise LookupError("contact is not linked to an enterprise")
    enterprise, campaign = row
    ctx.cache[f"enterprise:{enterprise_id}"] = enterprise
    return campaign  # type: ignore[no-any-return]


def deadlines(ctx: Ctx, campaign: Campaign) -> list[Deadline]:
    """The campaign's deadlines, earliest first."""
    return list(
        ctx.session.exec(
            select(Deadline)
            .where(Deadline.campaign_id == campaign.id)
            .order_by(col(Deadline.due_on), col(Deadline.id))
        )
    )


def deadline_for(ctx: Ctx, campaign: Campaign, kind: DeadlineKind) -> Deadline | None:
    assert campaign.id is not None
    return subs_deadline_for(ctx.session, campaign.id, kind)


def campaign_title(t: Translator, campaign: Campaign) -> str:
    return campaign.title_en if t.language == "en" and campaign.title_en else campaign.title


def welcome(ctx: Ctx) -> Reply:
    t = ctx.t
    if is_staff(ctx.contact):
        return Reply(t("Hello! You are signed in as the board's staff."))
    enterprise = enterprise_of(ctx)
    return Reply(
        words(
            t,
            enterprise.audience,
            N_("Hello! You are acting for {enterprise} (tax code {tax_code})."),
            N_("Hello! You are acting for {enterprise} (unit code {tax_code})."),
            enterprise=enterprise.name,
            tax_code=enterprise.tax_code,
        )
    )


COMMAND_SUMMARIES = {
    "help": N_("what you can do now"),
    "cancel": N_("stop the current question"),
    "back": N_("go back to the previous question"),
    "language": N_("Vietnamese or English"),
}


def help_reply(ctx: Ctx, registry: Registry) -> Reply:
    """What the contact can do now, with the due dates of the active campaign's items."""
    t = ctx.t
    contact = ctx.contact
    if not is_linked(contact) and not is_staff(contact):
        return Reply(
            t(
                "To start, send the invite code the board's office gave your enterprise "
                "(for example ABCD-EFGH). Until then I can only take the code.\n"
                "/language: Vietnamese or English"
            )
        )
    lines = [t("What you can do:")]
    for flow in registry:
        if not flow.listed or contact.role not in flow.roles:
            continue
        if flow.needs_enterprise and not is_linked(contact):
            continue
        lines.append(f"/{flow.command}: {t(flow.summary)}")
    for name in ("cancel", "back", "help"):
        lines.append(f"/{name}: {t(COMMAND_SUMMARIES[name])}")
    if is_linked(contact):
        campaign = active_campaign(ctx)
        if campaign is None:
            lines += ["", t("No campaign of your board is running today.")]
        else:
            lines += ["", t("Due dates of {campaign}:", campaign=campaign_title(t, campaign))]
            for deadline in deadlines(ctx, campaign):
                verb = kind_command(deadline.kind)
                suffix = f" (/{verb})" if verb else ""
                lines.append(f"- {kind_label(t, deadline.kind)}: {t.date(deadline.due_on)}{suffix}")
    return Reply("\n".join(lines))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str, limit: int = 120) -> str:
    """A file name safe on any disk: ASCII letters, digits, dot, dash, underscore."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = folded.encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", ascii_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    if not base:
        base = "file"
    if len(base) > limit:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 8 else base[:limit]
    return base


_NUMBER_LIST = re.compile(
    r"\s*\d+(\s*[-–]\s*\d+)?(\s*(,|;|\s|\bvà\b|\band\b)\s*\d+(\s*[-–]\s*\d+)?)*\s*"
)
_NUMBER_ITEM = re.compile(r"(\d+)(?:\s*[-–]\s*(\d+))?")
MAX_PICKED = 500


def picked_numbers(text: str) -> list[int] | None:
    """The numbers in an answer that picks several choices at once: "1, 3", "1 3", "1-3",
    "1-3, 7" (in order, each once); None when the text is not such a list, or a range runs
    backwards or past MAX_PICKED numbers."""
    if not _NUMBER_LIST.fullmatch(text):
        return None
    picked: list[int] = []
    for match in _NUMBER_ITEM.finditer(text):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        if high < low or high - low >= MAX_PICKED:
            return None
        picked += [n for n in range(low, high + 1) if n not in picked]
        if len(picked) > MAX_PICKED:
            return None
    return picked
