"""/propose: the enterprise's commendation proposal for the year (đề nghị khen thưởng).

The officer picks, one at a time, a person or collective from what the unit registered by the
registration deadline, writes the short summary of achievements (tóm tắt thành tích) and, where
the title needs one, names the initiative; then sends the signed achievement report (a file, or
photos of its pages on Zalo) and submits. Each entry is saved in the draft at once; the rules
(the 15% cap, Tập thể lao động xuất sắc needing a Chiến sĩ thi đua cơ sở, the figures of the
year-end report) are shown before submitting and block it while broken.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import DeadlineKind, Nominee, RegistrationEntry
from bot.models.commendation import ProposalEntry
from bot.services import proposals as prop
from bot.services import submissions as subs
from bot.services.items import kind_command
from bot.services.titles import get_title
from conversations.flow import Answer, Ctx, Finish, Flow, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _items
from conversations.flows.register import describe

KIND = DeadlineKind.COMMENDATION_PROPOSAL
ADD = "prop:add"
REMOVE = "prop:remove"
FILES = "prop:files"
REVIEW = "prop:review"
LATER = "prop:later"
SUBMIT = "prop:submit"
CHANGE = "prop:change"
PICK = "pick:"
DROP = "drop:"
MAX_SHOWN = 40


def _found(ctx: Ctx) -> _items.Item:
    return _items.item(ctx, KIND)


def _proposals(ctx: Ctx) -> list[ProposalEntry]:
    return prop.list_proposals(ctx.session, _found(ctx).submission)


def _line(ctx: Ctx, entry: ProposalEntry) -> str:
    t = ctx.t
    title = get_title(entry.title_code).name(t.language)
    who = entry.full_name if entry.nominee == Nominee.INDIVIDUAL else entry.unit_name
    text = f"{who}: {title}"
    if entry.initiative:
        text += " · " + t("initiative: {name}", name=entry.initiative)
    if entry.review == "returned" and entry.review_note:
        text += " · " + t("returned: {note}", note=entry.review_note)
    return text


def _registered_left(ctx: Ctx) -> list[RegistrationEntry]:
    """The registered entries not proposed yet."""
    found = _found(ctx)
    taken = {(e.nominee, e.full_name, e.unit_name, e.title_code) for e in _proposals(ctx)}
    assert found.campaign.id is not None
    return [
        r
        for r in prop.registered_entries(
            ctx.session, found.campaign.id, found.submission.enterprise_id
        )
        if (r.nominee, r.full_name, r.unit_name, r.title_code) not in taken
    ]


def _intro(ctx: Ctx, found: _items.Item) -> str:
    t = ctx.t
    return "\n".join(
        [
            _items.due_line(ctx, found),
            t(
                "You propose, from what your unit registered, each person or collective with a "
                "short summary of achievements, then send the signed achievement report."
            ),
        ]
    )


# ---- menu -----------------------------------------------------------------------------


def _menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entries = _proposals(ctx)
    lines = [t("Proposed so far ({n}):", n=t.number(len(entries)))]
    lines += [f"{i}. {_line(ctx, e)}" for i, e in enumerate(entries[:MAX_SHOWN], 1)]
    if len(entries) > MAX_SHOWN:
        lines.append(t("… and {n} more", n=t.number(len(entries) - MAX_SHOWN)))
    choices = []
    if _registered_left(ctx):
        choices.append(Choice(ADD, t("Propose a person or collective")))
    if entries:
        choices.append(Choice(REMOVE, t("Withdraw an entry")))
    choices += [
        Choice(FILES, t("Send the signed achievement report")),
        Choice(REVIEW, t("Check and submit")),
        Choice(LATER, t("Done for now")),
    ]
    return reply("\n".join(lines), choices)


def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == ADD:
        return Goto("pick")
    if answer.choice == REMOVE:
        return Goto("remove")
    if answer.choice == FILES:
        return Goto("files")
    if answer.choice == REVIEW:
        return Goto("review")
    if answer.choice == LATER:
        return _items.later(ctx, _found(ctx))
    raise Invalid(ctx.t("Please choose one of the options."))


# ---- adding ---------------------------------------------------------------------------


def _pick_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    left = _registered_left(ctx)
    return reply(
        t("Whom do you propose? (from your unit's registration)"),
        [Choice(f"{PICK}{r.id}", describe(ctx, r)[:60]) for r in left[:MAX_SHOWN]],
    )


def _pick(ctx: Ctx, answer: Answer) -> Outcome:
    choice = answer.choice or ""
    if not choice.startswith(PICK):
        raise Invalid(ctx.t("Please choose one of the registered entries."))
    wanted = int(choice.removeprefix(PICK))
    if wanted not in {r.id for r in _registered_left(ctx)}:
        raise Invalid(ctx.t("Please choose one of the registered entries."))
    ctx.data["registration_entry"] = wanted
    return Goto("summary")


def _chosen_or_none(ctx: Ctx) -> RegistrationEntry | None:
    """The registered entry being proposed (None if the conversation lost it)."""
    wanted = ctx.data.get("registration_entry")
    return ctx.session.get(RegistrationEntry, int(wanted)) if isinstance(wanted, int) else None


def _chosen(ctx: Ctx) -> RegistrationEntry:
    entry = _chosen_or_none(ctx)
    if entry is None:
        raise Invalid(_choose_first(ctx))
    return entry


def _choose_first(ctx: Ctx) -> str:
    return ctx.t("Please choose whom to propose first: send /propose again.")


def _summary_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    chosen = _chosen_or_none(ctx)
    if chosen is None:
        return reply(_choose_first(ctx))
    return reply(
        t(
            "Type the short summary of achievements of {name} (a few lines: results, "
            "figures, merits).",
            name=chosen.full_name or chosen.unit_name,
        )
    )


def _summary(ctx: Ctx, answer: Answer) -> Outcome:
    text = answer.text.strip()
    entry = _chosen(ctx)
    if not text or text.startswith("/"):
        raise Invalid(ctx.t("Please write a short summary of the achievements."))
    ctx.data["summary"] = text
    if get_title(entry.title_code).requires_initiative:
        return Goto("initiative")
    return _save(ctx, "")


def _initiative_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    chosen = _chosen_or_none(ctx)
    if chosen is None:
        return reply(_choose_first(ctx))
    return reply(
        t(
            "{title} needs a recognised initiative: type its name (and the decision that "
            "recognised it, if any).",
            title=get_title(chosen.title_code).name(t.language),
        )
    )


def _initiative(ctx: Ctx, answer: Answer) -> Outcome:
    _chosen(ctx)
    text = answer.text.strip()
    if not text or text.startswith("/"):
        raise Invalid(ctx.t("Please type the name of the initiative."))
    return _save(ctx, text)


def _save(ctx: Ctx, initiative: str) -> Outcome:
    t = ctx.t
    registered = _chosen(ctx)
    entry = prop.add_proposal(
        ctx.session,
        _found(ctx).submission,
        registered,
        summary=str(ctx.data.get("summary", "")),
        initiative=initiative,
        act=ctx.act,
    )
    for key in ("registration_entry", "summary"):
        ctx.data.pop(key, None)
    return Goto("menu", (reply(t("Added: {entry}", entry=_line(ctx, entry))),), reset=True)


# ---- withdrawing ----------------------------------------------------------------------


def _remove_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t("Which entry do you withdraw?"),
        [Choice(f"{DROP}{e.id}", _line(ctx, e)[:60]) for e in _proposals(ctx)[:MAX_SHOWN]],
    )


def _remove(ctx: Ctx, answer: Answer) -> Outcome:
    choice = answer.choice or ""
    if not choice.startswith(DROP):
        raise Invalid(ctx.t("Please choose one of the entries."))
    prop.remove_proposal(
        ctx.session,
        _found(ctx).submission,
        int(choice.removeprefix(DROP)),
        act=ctx.act,
    )
    return Goto("menu", (reply(ctx.t("Withdrawn.")),), reset=True)


# ---- review and submit ----------------------------------------------------------------


def _summary_lines(ctx: Ctx, found: _items.Item) -> list[str]:
    t = ctx.t
    entries = _proposals(ctx)
    files = subs.list_attachments(ctx.session, found.submission)
    lines = [t("Your proposal ({n} entries):", n=t.number(len(entries)))]
    lines += [f"{i}. {_line(ctx, e)}" for i, e in enumerate(entries[:MAX_SHOWN], 1)]
    lines.append(t("Files: {n}", n=t.number(len(files))))
    return lines


def _what(ctx: Ctx) -> str:
    return ctx.t("the signed achievement report")


def _steps() -> dict[str, Step]:
    return {
        "menu": Step(_menu_prompt, _menu),
        "pick": Step(_pick_prompt, _pick),
        "summary": Step(_summary_prompt, _summary, numbered=False),
        "initiative": Step(_initiative_prompt, _initiative, numbered=False),
        "remove": Step(_remove_prompt, _remove),
        "files": _items.file_step(KIND, _what, "menu"),
        "review": _items.review_step(
            KIND, _summary_lines, submit=SUBMIT, change=CHANGE, later_key=LATER, change_to="menu"
        ),
        "submitted": _items.submitted_step(KIND, "menu"),
    }


def _begin(ctx: Ctx, args: str) -> Outcome:
    opened = _items.open_item(ctx, KIND)
    if isinstance(opened, Finish):
        return opened
    assert opened.campaign.id is not None
    if not prop.registered_entries(
        ctx.session, opened.campaign.id, opened.submission.enterprise_id
    ):
        return Finish(
            (
                reply(
                    ctx.t(
                        "Your unit has no submitted title registration in this campaign: a "
                        "unit proposes only what it registered. Contact: the office of {board}.",
                        board=_items.board_name(ctx, opened.campaign),
                    )
                ),
            )
        )
    return _items.start(ctx, KIND, "menu", _intro)


FLOW = Flow(
    command=kind_command(KIND),
    summary=N_("propose commendations for the year (from your registration)"),
    steps=_items.guard(KIND, _steps()),
    begin=_begin,
)
