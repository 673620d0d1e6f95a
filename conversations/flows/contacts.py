"""/contacts: staff see and correct one enterprise's e-mail, phone and emulation contact.

The enterprise is chosen like /invite's (tax code, part of its name, or a button). The six
fields are listed with a button each; a chosen field takes the new value (checked and
normalised by bot/services/enterprise_contacts.py: e-mail syntax, Vietnamese phone numbers
as +84…) or "-" to clear it, then the list comes back until "Done". Every change is audited;
a new address makes the enterprise reachable by e-mail again.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Enterprise
from bot.services import enterprise_contacts as fields
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
from conversations.flows.invite import find

PICK = "ctc:e:"  # + enterprise id
FIELD = "ctc:f:"  # + field name
DONE = "ctc:done"
CLEAR = "-"


def _enterprise_of(ctx: Ctx) -> Enterprise:
    enterprise = ctx.session.get(Enterprise, int(ctx.data.get("enterprise_id", 0)))
    if enterprise is None or not _staff.scope(ctx).allows_enterprise(enterprise):
        raise Invalid(ctx.t("That enterprise is not among yours."))
    return enterprise


def _choose(ctx: Ctx, found: Enterprise | list[Enterprise]) -> Outcome:
    if isinstance(found, Enterprise):
        if not _staff.scope(ctx).allows_enterprise(found):
            raise Invalid(ctx.t("That enterprise is not among yours."))
        ctx.data["enterprise_id"] = found.id
        ctx.data.pop("matches", None)
        return Goto("field")
    ctx.data["matches"] = [e.id for e in found]
    return Goto("enterprise", remember=False)


def _enterprise_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    offered = ctx.data.get("matches")
    enterprises = (
        [e for e in (ctx.session.get(Enterprise, int(i)) for i in offered) if e]
        if isinstance(offered, list)
        else []
    )
    text = (
        t("Several enterprises match; choose one, or type the tax code:")
        if enterprises
        else t("Whose contacts? Type the tax code or part of the enterprise's name.")
    )
    return reply(text, [Choice(f"{PICK}{e.id}", f"{e.name} ({e.tax_code})") for e in enterprises])


def _enterprise(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice and answer.choice.startswith(PICK):
        chosen = ctx.session.get(Enterprise, int(answer.choice[len(PICK) :]))
        if chosen is None:
            raise Invalid(ctx.t("That enterprise is not among yours."))
        return _choose(ctx, chosen)
    return _choose(ctx, find(ctx, answer.text))


def _field_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    enterprise = _enterprise_of(ctx)
    lines = [f"{enterprise.name} ({enterprise.tax_code})", *fields.detail_lines(t, enterprise)]
    lines += ["", t("Which one do you want to change?")]
    choices = [Choice(f"{FIELD}{name}", t(fields.FIELD_LABELS[name])) for name in fields.FIELDS]
    return reply("\n".join(lines), [*choices, Choice(DONE, t("Done"))])


def _field(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == DONE:
        enterprise = _enterprise_of(ctx)
        return Finish((reply(t("Contacts of {name} saved.", name=enterprise.name)),))
    if not answer.choice or not answer.choice.startswith(FIELD):
        raise Invalid(t("Please choose one of the options."))
    name = answer.choice[len(FIELD) :]
    if name not in fields.FIELDS:
        raise Invalid(t("Please choose one of the options."))
    ctx.data["field"] = name
    return Goto("value")


def _value_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    label = t(fields.FIELD_LABELS[str(ctx.data["field"])])
    return reply(t("Type the new {field}, or “-” to clear it.", field=label))


def _value(ctx: Ctx, answer: Answer) -> Outcome:
    enterprise = _enterprise_of(ctx)
    text = answer.text.strip()
    value = "" if text == CLEAR else text
    if not value and text != CLEAR:
        raise Invalid(ctx.t("Type the value, or “-” to clear it."))
    name = str(ctx.data["field"])
    try:
        fields.update_details(ctx.session, enterprise, {name: value}, ctx.act)
    except fields.ContactDetailError as exc:
        raise Invalid(exc.message(ctx.t)) from None
    return Goto("field", reset=True)


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.scope(ctx)
    if args:
        return _choose(ctx, find(ctx, args))
    return Goto("enterprise")


FLOW = Flow(
    command="contacts",
    summary=N_("an enterprise's e-mail, phone and emulation contact"),
    steps={
        "enterprise": Step(_enterprise_prompt, _enterprise, search=True),
        "field": Step(_field_prompt, _field),
        "value": Step(_value_prompt, _value, numbered=False),
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
