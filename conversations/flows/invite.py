"""/invite: issue a one-time invite code that links an officer's chat to an enterprise.

In bulk — "/invite all", "/invite not linked" ("chưa liên kết"), "/invite zone <name>"
("kcn …"), "/invite cluster <name>" ("cụm …"), or the "all not linked yet" button — every
enterprise chosen gets a fresh code (earlier unused ones revoked, see
bot/services/onboarding.py), the invitation goes by e-mail where there is no chat account,
and the staff member receives the mail-merge XLSX and a ZIP of Word letters.

The staff member chooses the enterprise from those of his scope that have no linked officer
yet, or types its tax code (any usual spelling) or part of its name. The code and its expiry
come back to be forwarded to the officer. A cluster leader invites for his cluster only.
"""

from __future__ import annotations

import unicodedata

from sqlmodel import col, select

from bot.documents.invitations import LetterSettings, write_letters, write_merge_sheet
from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Enterprise, Organization
from bot.services.board_units import is_unit_code, participant_code
from bot.services.chat_links import BotNames
from bot.services.errors import InvalidInput
from bot.services.invites import DEFAULT_TTL, create_invite, format_code
from bot.services.onboarding import Selection, issue_invites, select_enterprises
from bot.services.reach import has_chat_contact
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
BULK_UNLINKED = "inv:bulk:unlinked"
SUGGESTED = 10
# "/invite all", "/invite chưa liên kết", "/invite kcn Quang Châu", "/invite cụm 2" (folded).
ALL_WORDS = frozenset({"all", "tat ca", "tatca", "het"})
UNLINKED_WORDS = frozenset({"not linked", "unlinked", "chua lien ket", "chualienket"})
ZONE_WORDS = ("kcn ", "zone ", "khu cong nghiep ")
CLUSTER_WORDS = ("cum ", "cluster ", "cum thi dua ")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed.casefold() if c.isascii()).split())


def bulk_selection(args: str) -> Selection | None:
    """The bulk request typed after /invite, or None when it names one enterprise."""
    folded = _ascii(args)
    if folded in ALL_WORDS:
        return Selection()
    if folded in UNLINKED_WORDS:
        return Selection(not_linked=True)
    for words, make in ((ZONE_WORDS, "zone"), (CLUSTER_WORDS, "cluster")):
        for word in sorted(words, key=len, reverse=True):
            if folded.startswith(word):
                name = " ".join(args.split())[len(word) :].strip()
                return Selection(zone=name) if make == "zone" else Selection(cluster=name)
    return None


def issue_bulk(ctx: Ctx, selection: Selection) -> Finish:
    """One code per enterprise of the selection; the sheet and the letters come back as files."""
    t = ctx.t
    found = _staff.scope(ctx)
    org = ctx.session.get(Organization, found.organization_id)
    assert org is not None
    chosen = select_enterprises(ctx.session, found, selection)
    if not chosen:
        raise Invalid(t("No enterprise matches; no invite code was issued."))
    names = BotNames(ctx.settings.telegram_bot_username, ctx.settings.zalo_bot_name)
    result = issue_invites(
        ctx.session,
        org,
        chosen,
        ctx.act,
        names,
        language=ctx.settings.locale,
        email=bool(ctx.settings.smtp_host),
    )
    tz = ctx.settings.tz
    sheet = write_merge_sheet(
        _staff.staff_file(ctx, "invites", "moi-lien-ket", ".xlsx"), t, result, names, tz
    )
    letters = write_letters(
        _staff.staff_file(ctx, "invites", "thu-moi", ".zip"),
        t,
        result,
        names,
        LetterSettings(issued_on=ctx.today),
        tz,
    )
    text = t(
        "{count} invite codes issued ({revoked} earlier unused codes revoked); "
        "{emailed} invitations queued by e-mail.",
        count=t.number(len(result.issued)),
        revoked=t.number(result.revoked),
        emailed=t.number(result.emailed),
    )
    if not names.telegram:
        text += "\n" + t(
            "The bot's Telegram username is unknown (TELEGRAM_BOT_USERNAME): the letters "
            "carry no Telegram link or QR code."
        )
    return Finish(
        (
            reply(text),
            Reply(t("Mail-merge sheet (one row per enterprise)"), document=sheet),
            Reply(t("Letters, one Word file per enterprise (ZIP)"), document=letters),
        )
    )


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
    """Enterprises in scope without a reachable chat account: the likely ones to invite."""
    found = _staff.scope(ctx)
    return list(
        ctx.session.exec(
            select(Enterprise)
            .where(*found.enterprise_conditions(), ~has_chat_contact(col(Enterprise.id)))
            .order_by(col(Enterprise.name), col(Enterprise.id))
            .limit(SUGGESTED)
        ).all()
    )


def issue(ctx: Ctx, enterprise: Enterprise) -> Finish:
    """Create the code, audit who issued it, and answer with the code and its expiry."""
    t = ctx.t
    if not _staff.scope(ctx).allows_enterprise(enterprise) or not enterprise.active:
        raise Invalid(t("That enterprise is not among yours."))
    invite = create_invite(ctx.session, enterprise, ctx.act, DEFAULT_TTL)
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
    if is_unit_code(text) or any(ch.isdigit() for ch in text):
        try:
            code = participant_code(text)
        except InvalidInput as exc:
            raise Invalid(exc.message(t)) from None
        for enterprise in candidates:
            if enterprise.tax_code == code:
                return enterprise
        raise Invalid(t("None of your enterprises has the tax code {code}.", code=code))
    wanted = _fold(text)
    matches = [e for e in candidates if wanted and wanted in _fold(e.name)]
    if not matches:
        # What was typed is echoed at most 64 characters long: a reply must fit one message.
        typed = " ".join(text.split())
        shown = typed if len(typed) <= 64 else typed[:63] + "…"
        raise Invalid(t("None of your enterprises is called like “{text}”.", text=shown))
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
        text += "\n" + t(
            "For many at once, type “all”, “not linked”, “zone <name>” or “cluster <name>”."
        )
        if enterprises:
            text += "\n" + t("Or choose one that has no linked officer yet:")
    choices = [Choice(f"{PICK}{e.id}", f"{e.name} ({e.tax_code})") for e in enterprises]
    if not offered and enterprises:
        choices.append(Choice(BULK_UNLINKED, t("All enterprises not linked yet")))
    return reply(text, choices)


def _enterprise(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == BULK_UNLINKED:
        return issue_bulk(ctx, Selection(not_linked=True))
    if answer.choice and answer.choice.startswith(PICK):
        enterprise = ctx.session.get(Enterprise, int(answer.choice[len(PICK) :]))
        if enterprise is None:
            raise Invalid(t("That enterprise is not among yours."))
        return issue(ctx, enterprise)
    selection = bulk_selection(answer.text)
    if selection is not None:
        return issue_bulk(ctx, selection)
    found = find(ctx, answer.text)
    if isinstance(found, Enterprise):
        return issue(ctx, found)
    ctx.data["matches"] = [e.id for e in found]
    return Goto("enterprise", remember=False)


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.scope(ctx)
    selection = bulk_selection(args) if args else None
    if selection is not None:
        return issue_bulk(ctx, selection)
    if args:
        found = find(ctx, args)
        if isinstance(found, Enterprise):
            return issue(ctx, found)
        ctx.data["matches"] = [e.id for e in found]
    return Goto("enterprise")


FLOW = Flow(
    command="invite",
    summary=N_("an invite code for an enterprise's officer"),
    steps={"enterprise": Step(_enterprise_prompt, _enterprise, search=True)},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
