"""/audit [N]: the latest entries of the audit log about the staff member's board.

Who did what and when (the full before/after is in `thidua audit --json`). An entry belongs
to the board when the contact who acted is one of its staff or an officer of one of its
enterprises. Board office only: a cluster leader does not read the board's log.
"""

from __future__ import annotations

from sqlmodel import col, select

from bot.i18n import N_
from bot.models import Contact
from bot.services import audit
from conversations.flow import STAFF_ROLES, Ctx, Finish, Flow, Invalid, Outcome, reply
from conversations.flows import _staff

DEFAULT_SHOWN = 15
MOST_SHOWN = 50


def audit_text(ctx: Ctx, limit: int) -> str:
    """The latest `limit` entries of the board, newest last, one line each."""
    t = ctx.t
    found = _staff.board_only(ctx)
    entries = audit.board_entries(ctx.session, found.organization_id, limit=limit)
    if not entries:
        return t("The audit log has no entries for your board yet.")
    ids = {e.contact_id for e in entries}
    names = {
        c.id: c.display_name
        for c in ctx.session.exec(select(Contact).where(col(Contact.id).in_(ids))).all()
    }
    lines = [t("The latest {n} entries of the audit log:", n=t.number(len(entries)))]
    for entry in reversed(entries):
        name = names.get(entry.contact_id)
        who = entry.actor or "—"
        if name:
            who = f"{name} ({entry.actor})" if entry.actor else name
        when = t.datetime(entry.at.astimezone(ctx.settings.tz))
        lines.append(f"{when} · {who} · {entry.action} · {entry.subject}")
    lines.append(t("The full log with the changes: thidua audit --json"))
    return "\n".join(lines)


def _begin(ctx: Ctx, args: str) -> Outcome:
    t = ctx.t
    word = args.strip()
    if word and (not word.isdigit() or not 1 <= int(word) <= MOST_SHOWN):
        raise Invalid(t("Send /audit, or /audit N with N from 1 to {most}.", most=MOST_SHOWN))
    text = audit_text(ctx, int(word) if word else DEFAULT_SHOWN)
    return Finish((reply(text),))


FLOW = Flow(
    command="audit",
    summary=N_("the latest entries of the audit log"),
    steps={},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
