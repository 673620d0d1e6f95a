"""/invite: issue a one-time invite code that links an officer's chat to an enterprise.

The staff member chooses the enterprise from those of his scope that have no linked officer
yet, or types its tax code (any usual spelling) or part of its name. The code and its expiry
come back to be forwarded to the officer. A cluster leader invites for his cluster only.
"""

from __future__ import annotations

import unicodedata

from sqlmodel import col, select

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Contact, Enterprise, Role
from bot.services.errors import InvalidInput
from bot.services.invites import DEFAULT_TTL, create_invite, format_code
from bot.services.taxcode import normalize_tax_code
from conversations.flow import (
    STAFF_ROLES,
    Answer,
    Ctx,
    Finish,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    reply,
)
from conversations.flows import _staff

PICK = "inv:e:"  # + enterprise id
SUGGESTED = 10


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _in_scope(ctx: Ctx) -> list[Enterprise]:
    found = _staff.scope(ctx)
    return list(
        ctx.session.exec(
            select(Enterprise)
            .where(*found.enterprise_conditions())
            .order_by(col(Enterprise.name), col(Enterprise.id))
        ).all()
    )


def _unlinked(ctx: Ctx) -> list[Enterprise]:
    """Enterprises in scope without any linked officer: the likely ones to invite."""
    found = _staff.scope(ctx)
    linked = select(col(Contact.enterprise_id)).where(
        col(Contact.role) == Role.OFFICER, col(Contact.enterprise_id).is_not(None)
    )
    return list(
        ctx.session.exec(
            select(Enterprise)
            .where(*found.enterprise_conditions(), col(Enterprise.id).not_in(linked))
            .order_by(col(Enterprise.name), col(Enterprise.id))
            .limit(SUGGESTED)
        ).all()
    )


def issue(ctx: Ctx, enterprise: Enterprise) -> Finish:
    """Create the code, audit who issued it, and answer with the code and its expiry."""
    t = ctx.t
    if not _staff.scope(ctx).allows_enterprise(enterprise) or not enterprise.active:
        raise Invalid(t("That enterprise is not among yours."))
    invite = create_invite(ctx.session, enterprise, ctx.now, DEFAULT_TTL)
    _staff.record(
        ctx,
        "invite.issue",
        f"enterprise:{enterprise.id}",
        {"code_id": invite.id, "expires_at": invite.expires_at},
    )
    return Finish(
        (
            reply(
                t(
                    "Invite code for {name} ({tax_code}): {code}",
                    name=enterprise.name,
                    tax_code=enterprise.tax_code,
                    code=format_code(invite.code),
                )
                + "\n"
                + t(
                    "Valid until {time} (one use). The officer sends it to the bot on Telegram "
                    "or Zalo.",
                    time=t.datetime(invite.expires_at.astimezone(ctx.settings.tz)),
                )
            ),
        )
    )


def find(ctx: Ctx, text: str) -> Enterprise | list[Enterprise]:
    """The enterprise a typed tax code or name designates, or the candidates when several."""
    t = ctx.t
    candidates = _in_scope(ctx)
    if any(ch.isdigit() for ch in text):
        try:
            code = normalize_tax_code(text)
        except InvalidInput as exc:
            raise Invalid(exc.message(t)) from None
        for enterprise in candidates:
            if enterprise.tax_code == code:
                return enterprise
        raise Invalid(t("None of your enterprises has the tax code {code}.", code=code))
    wanted = _fold(text)
    matches = [e for e in candidates if wanted and wanted in _fold(e.name)]
    if not matches:
        raise Invalid(t("None of your enterprises is called like “{text}”.", text=text.strip()))
    if len(matches) == 1:
        return matches[0]
    return matches[:SUGGESTED]


def _enterprise_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    offered = ctx.data.get("matches")
    if isinstance(offered, list) and offered:
        enterprises = [e for e in (ctx.session.get(Enterprise, int(i)) for i in offered) if e]
        text = t("Several enterprises match; choose one, or type the tax code:")
    else:
        enterprises = _unlinked(ctx)
        text = t("For which enterprise? Type its tax code or part of its name.")
        if enterprises:
            text += "\n" + t("Or choose one that has no linked officer yet:")
    return reply(text, [Choice(f"{PICK}{e.id}", f"{e.name} ({e.tax_code})") for e in enterprises])


def _enterprise(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice and answer.choice.startswith(PICK):
        enterprise = ctx.session.get(Enterprise, int(answer.choice[len(PICK) :]))
        if enterprise is None:
            raise Invalid(t("That enterprise is not among yours."))
        return issue(ctx, enterprise)
    found = find(ctx, answer.text)
    if isinstance(found, Enterprise):
        return issue(ctx, found)
    ctx.data["matches"] = [e.id for e in found]
    return Goto("enterprise", remember=False)


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.scope(ctx)
    if args:
        found = find(ctx, args)
        if isinstance(found, Enterprise):
            return issue(ctx, found)
        ctx.data["matches"] = [e.id for e in found]
    return Goto("enterprise")


FLOW = Flow(
    command="invite",
    summary=N_("an invite code for an enterprise's officer"),
    steps={"enterprise": Step(_enterprise_prompt, _enterprise, numbered=True)},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
