"""/register: the enterprise's title registration (due 15/04).

From a menu the officer adds individuals (full name, position, title from the catalogue,
and the initiative when the title needs one) and collectives (unit, title), reviews the
list, fixes or removes entries, reads the title rules in plain words, and submits.
Each completed entry is saved to the draft at once; the name and position typed on the
way are kept in the conversation until the title is chosen.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import DeadlineKind, Nominee, RegistrationEntry
from bot.services import submissions as subs
from bot.services.errors import DomainError
from bot.services.names import person_name, refuse_pictographs
from bot.services.titles import (
    Title,
    catalogue,
    check_registration,
    get_title,
    nominee_key,
    normalize_name,
    titles_for,
)
from conversations.common import picked_numbers
from conversations.flow import (
    Again,
    Answer,
    Ctx,
    Flow,
    Goto,
    Invalid,
    Outcome,
    Step,
    Stop,
    reply,
)
from conversations.flows import _items
from conversations.flows._items import item

KIND = DeadlineKind.TITLE_REGISTRATION
NAME_MAX = 255

ADD_PERSON = "reg:add:ind"
ADD_UNIT = "reg:add:col"
LIST = "reg:list"
RULES = "reg:rules"
SUBMIT = "reg:submit"
LATER = "reg:later"
MENU = "reg:menu"
CONFIRM = "reg:confirm"
REMOVE = "reg:rm"
FIX_NAME = "reg:fix:name"
FIX_POSITION = "reg:fix:position"
FIX_TITLE = "reg:fix:title"
FIX_INITIATIVE = "reg:fix:init"
NEXT = "reg:next"
PREVIOUS = "reg:prev"
ADD_MANY = "reg:add:many"
MAX_LINES = 100


def _title_label(ctx: Ctx, code: str) -> str:
    try:
        return get_title(code).name(ctx.t.language)
    except DomainError:  # a code no longer in the catalogue is shown as it is
        return code


def describe(ctx: Ctx, entry: RegistrationEntry) -> str:
    """One entry in one line: who, position or unit, title, initiative."""
    t = ctx.t
    title = _title_label(ctx, entry.title_code)
    if entry.nominee == Nominee.INDIVIDUAL:
        who = f"{entry.full_name} ({entry.position})" if entry.position else entry.full_name
        text = f"{who}: {title}"
        if entry.has_initiative:
            text += " · " + t("has an initiative")
        return text
    collective = t("collective")
    return f"{entry.unit_name} [{collective}]: {title}"


def _entries(ctx: Ctx) -> list[RegistrationEntry]:
    return subs.list_entries(ctx.session, item(ctx, KIND).submission)


def _problems_text(ctx: Ctx) -> str:
    violations = check_registration(_entries(ctx))
    if not violations:
        return ""
    lines = [ctx.t("To fix before submitting:")]
    lines += [f"- {v.message(ctx.t)}" for v in violations]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ menu


def _menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = item(ctx, KIND)
    entries = subs.list_entries(ctx.session, found.submission)
    lines = [
        _items.due_line(ctx, found),
        t.ngettext(
            "Registered so far: {n} entry.", "Registered so far: {n} entries.", len(entries)
        ),
    ]
    problems = _problems_text(ctx)
    if problems:
        lines.append(problems)
    lines.append(t("What would you like to do?"))
    choices = [
        Choice(ADD_PERSON, t("Add a person")),
        Choice(ADD_UNIT, t("Add a collective")),
        Choice(ADD_MANY, t("Add several people for one title")),
    ]
    if entries:
        choices.append(Choice(LIST, t("See, fix or remove entries")))
    choices += [
        Choice(RULES, t("Title rules")),
        Choice(SUBMIT, t("Submit the registration")),
        Choice(LATER, t("Done for now")),
    ]
    return reply("\n".join(lines), choices)


def _checked_rules(ctx: Ctx, title: Title) -> list[str]:
    """The rules of a title the bot checks when the registration is submitted."""
    t = ctx.t
    rules: list[str] = []
    for required in title.requires:
        rules.append(t("needs {title} for the same person", title=_title_label(ctx, required)))
    if title.requires_initiative:
        rules.append(t("needs a recognised initiative"))
    if title.cap is not None:
        rule = t(
            "at most {percent}% of the {title} entries",
            percent=title.cap.percent,
            title=_title_label(ctx, title.cap.of),
        )
        rule += ", " + t(
            "that is, one {title} needs at least {n} {base} in the registration",
            title=title.name(t.language),
            n=title.cap.base_needed(1),
            base=_title_label(ctx, title.cap.of),
        )
        basis = title.cap.basis(t.language)
        if basis:
            rule += " " + t("(basis: {basis})", basis=basis)
        rules.append(rule)
    return rules


def _rules_block(ctx: Ctx, title: Title) -> list[str]:
    """One title on the rules screen: its name, what the bot checks, then the conditions as
    the law words them under the article they come from."""
    t = ctx.t
    lang = t.language
    who = {"individual": t("individual"), "collective": t("collective")}.get(
        title.nominee, t("individual or collective")
    )
    lines = [f"• {title.name(lang)} ({who})"]
    checked = _checked_rules(ctx, title)
    if checked:
        lines.append("  " + t("Checked by the bot: {rules}.", rules="; ".join(checked)))
    basis = title.basis(lang)
    if basis:
        lines.append("  " + t("Conditions ({basis}):", basis=basis))
    lines += [f"  - {condition}" for condition in title.conditions(lang)]
    return lines


def _rules_texts(ctx: Ctx) -> list[str]:
    """The rules screen: the danh hiệu thi đua and the hình thức khen thưởng under their own
    headings (the law keeps them apart), each with its conditions and article."""
    t = ctx.t
    titles = [title for title in catalogue() if not title.is_commendation]
    forms = [title for title in catalogue() if title.is_commendation]
    first = [
        t(
            "The conditions of each emulation title and form of commendation. When you submit, "
            "the bot checks the rules marked “checked by the bot”; the other conditions are for "
            "your unit to confirm."
        ),
        "",
        t("EMULATION TITLES (danh hiệu thi đua)"),
    ]
    for title in titles:
        first += _rules_block(ctx, title)
    second = [t("FORMS OF COMMENDATION (hình thức khen thưởng)")]
    for title in forms:
        second += _rules_block(ctx, title)
    return ["\n".join(first), "\n".join(second)]


def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == ADD_PERSON:
        return Goto("person_name")
    if answer.choice == ADD_MANY:
        return Goto("many_title")
    if answer.choice == ADD_UNIT:
        return Goto("unit_name")
    if answer.choice == LIST:
        return Goto("list")
    if answer.choice == RULES:
        return Again(tuple(reply(text) for text in _rules_texts(ctx)))
    if answer.choice == SUBMIT:
        return Goto("confirm")
    if answer.choice == LATER:
        return _items.later(ctx, item(ctx, KIND))
    raise Invalid(t("Please choose one of the options (for example 1 to add a person)."))


# ---------------------------------------------------------------- adding an entry


def _clean_name(ctx: Ctx, text: str, what: str) -> str:
    name = " ".join(text.split())
    if not name or text.startswith("/"):
        raise Invalid(ctx.t("Please type {what}.", what=what))
    if len(name) > NAME_MAX:
        raise Invalid(ctx.t("That is too long: at most {max} characters.", max=NAME_MAX))
    if not any(ch.isalpha() for ch in name):
        raise Invalid(ctx.t("A name must contain letters. Please type {what}.", what=what))
    return refuse_pictographs(name)


def _person_name_prompt(ctx: Ctx) -> Reply:
    return reply(ctx.t("Full name of the person (for example Nguyễn Văn An)?"))


def _person_name(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["full_name"] = person_name(_clean_name(ctx, answer.text, ctx.t("the full name")))
    return Goto("person_position")


def _position_prompt(ctx: Ctx) -> Reply:
    return reply(
        ctx.t(
            "Position of {name} (for example Trưởng phòng Nhân sự, công nhân)?",
            name=ctx.data.get("full_name", ""),
        )
    )


def _person_position(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["position"] = _clean_name(ctx, answer.text, ctx.t("the position"))
    return Goto("person_title")


def _ordered(titles: list[Title]) -> list[Title]:
    """Danh hiệu thi đua first, then hình thức khen thưởng, each in the catalogue's order."""
    return [t for t in titles if not t.is_commendation] + [t for t in titles if t.is_commendation]


def _title_choices(ctx: Ctx, titles: list[Title]) -> list[Choice]:
    return [Choice(f"reg:t:{title.code}", title.name(ctx.t.language)) for title in _ordered(titles)]


def _groups_line(ctx: Ctx, titles: list[Title]) -> str:
    """Which numbers are danh hiệu thi đua and which hình thức khen thưởng: the law keeps the two
    apart, and one list of buttons cannot show headings."""
    t = ctx.t
    ordered = _ordered(titles)
    count = sum(1 for title in ordered if not title.is_commendation)

    def numbers(first: int, last: int) -> str:
        return str(first) if first == last else f"{first}–{last}"

    parts = []
    if count:
        parts.append(t("emulation titles: {numbers}", numbers=numbers(1, count)))
    if count < len(ordered):
        parts.append(
            t("forms of commendation: {numbers}", numbers=numbers(count + 1, len(ordered)))
        )
    return "(" + "; ".join(parts) + ")"


def _title_question(ctx: Ctx, text: str, titles: list[Title]) -> Reply:
    return reply(text + "\n" + _groups_line(ctx, titles), _title_choices(ctx, titles))


def _chosen_title(ctx: Ctx, answer: Answer, nominee: Nominee) -> Title:
    codes = {title.code for title in titles_for(nominee)}
    code = (answer.choice or "").removeprefix("reg:t:")
    if code not in codes:
        raise Invalid(
            ctx.t("Please choose an emulation title or a form of commendation from the list.")
        )
    return get_title(code)


def _person_title_prompt(ctx: Ctx) -> Reply:
    return _title_question(
        ctx,
        ctx.t(
            "Which emulation title or form of commendation do you register {name} for?",
            name=ctx.data.get("full_name", ""),
        ),
        titles_for(Nominee.INDIVIDUAL),
    )


def _add(ctx: Ctx, **fields: Any) -> RegistrationEntry:
    found = item(ctx, KIND)
    return subs.add_entry(
        ctx.session,
        found.submission,
        act=ctx.act,
        **fields,
    )


def _missing_required(ctx: Ctx, entry: RegistrationEntry) -> str | None:
    """The first title this entry's title needs for the same person that is not registered."""
    try:
        title = get_title(entry.title_code)
    except DomainError:
        return None
    held = {
        e.title_code
        for e in _entries(ctx)
        if e.nominee == entry.nominee and nominee_key(e) == nominee_key(entry)
    }
    return next((code for code in title.requires if code not in held), None)


def _added(ctx: Ctx, entry: RegistrationEntry) -> Goto:
    """Say what was added and what rule it still breaks; offer the title it needs, if any."""
    t = ctx.t
    lines = [t("Added: {entry}.", entry=describe(ctx, entry))]
    for violation in check_registration(_entries(ctx)):
        if violation.entry is not None and getattr(violation.entry, "id", None) == entry.id:
            lines.append(t("Note: {rule}", rule=violation.message(t)))
    for key in ("full_name", "position", "unit_name", "title_code"):
        ctx.data.pop(key, None)
    required = _missing_required(ctx, entry)
    if required is not None:
        ctx.data["entry"] = entry.id
        ctx.data["required"] = required
        return Goto("add_required", (reply("\n".join(lines)),), reset=True)
    return Goto("menu", (reply("\n".join(lines)),), reset=True)


def _add_required_prompt(ctx: Ctx) -> Reply:
    entry = _current(ctx)
    return reply(
        ctx.t(
            "Register {name} for {title} too?",
            name=entry.full_name or entry.unit_name,
            title=_title_label(ctx, ctx.data.get("required", "")),
        ),
        _items.yes_no_choices(ctx, "reg:req"),
    )


def _add_required(ctx: Ctx, answer: Answer) -> Outcome:
    required = ctx.data.pop("required", None)
    if not _items.yes_no(ctx, answer, "reg:req") or not required:
        return Goto("menu", reset=True)
    entry = _current(ctx)
    added = _add(
        ctx, **entry.nominee_fields(), title_code=required, has_initiative=entry.has_initiative
    )
    return _added(ctx, added)


def _person_title(ctx: Ctx, answer: Answer) -> Outcome:
    title = _chosen_title(ctx, answer, Nominee.INDIVIDUAL)
    name = ctx.data["full_name"]
    wanted = (str(Nominee.INDIVIDUAL), normalize_name(name))
    if any(e.title_code == title.code and nominee_key(e) == wanted for e in _entries(ctx)):
        # Said here, while another title can still be chosen: after the initiative question
        # it would only ask that question again.
        raise Invalid(
            ctx.t(
                "{name} is already registered for {title}.",
                name=name,
                title=title.name(ctx.t.language),
            )
        )
    ctx.data["title_code"] = title.code
    if title.requires_initiative:
        return Goto("person_initiative")
    entry = _add(
        ctx,
        nominee=Nominee.INDIVIDUAL,
        title_code=title.code,
        full_name=ctx.data["full_name"],
        position=ctx.data["position"],
    )
    return _added(ctx, entry)


def _initiative_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t(
            "{title} needs a recognised initiative (sáng kiến). Does {name} have one?",
            title=_title_label(ctx, ctx.data.get("title_code", "")),
            name=ctx.data.get("full_name", ctx.t("this person")),
        ),
        _items.yes_no_choices(ctx, "reg:init"),
    )


def _person_initiative(ctx: Ctx, answer: Answer) -> Outcome:
    has = _items.yes_no(ctx, answer, "reg:init")
    entry = _add(
        ctx,
        nominee=Nominee.INDIVIDUAL,
        title_code=ctx.data["title_code"],
        full_name=ctx.data["full_name"],
        position=ctx.data["position"],
        has_initiative=has,
    )
    return _added(ctx, entry)


def _unit_name_prompt(ctx: Ctx) -> Reply:
    return reply(ctx.t("Name of the collective (for example Phòng Kỹ thuật, Tổ may số 3)?"))


def _unit_name(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["unit_name"] = _clean_name(ctx, answer.text, ctx.t("the name of the collective"))
    return Goto("unit_title")


def _unit_title_prompt(ctx: Ctx) -> Reply:
    return _title_question(
        ctx,
        ctx.t(
            "Which emulation title or form of commendation do you register {name} for?",
            name=ctx.data.get("unit_name", ""),
        ),
        titles_for(Nominee.COLLECTIVE),
    )


def _unit_title(ctx: Ctx, answer: Answer) -> Outcome:
    title = _chosen_title(ctx, answer, Nominee.COLLECTIVE)
    entry = _add(
        ctx, nominee=Nominee.COLLECTIVE, title_code=title.code, unit_name=ctx.data["unit_name"]
    )
    return _added(ctx, entry)


# ------------------------------------------------------ several people at once


def _bulk_titles() -> list[Title]:
    """Titles that need no initiative: those can be given to a list of people at once."""
    return [t for t in titles_for(Nominee.INDIVIDUAL) if not t.requires_initiative]


def _many_title_prompt(ctx: Ctx) -> Reply:
    return _title_question(
        ctx,
        ctx.t("Which emulation title or form of commendation are the people registered for?"),
        _bulk_titles(),
    )


def _many_title(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.choice or "").removeprefix("reg:t:")
    if code not in {title.code for title in _bulk_titles()}:
        raise Invalid(
            ctx.t("Please choose an emulation title or a form of commendation from the list.")
        )
    ctx.data["title_code"] = code
    return Goto("many_names")


def _many_names_prompt(ctx: Ctx) -> Reply:
    return reply(
        ctx.t(
            "Send the people for {title}, one per line (or separated by ;), as full name, "
            "position; for example:\nNguyễn Văn An, Tổ trưởng\nTrần Thị Bình, Công nhân\n(at "
            "most {max} people at a time)",
            title=_title_label(ctx, ctx.data.get("title_code", "")),
            max=MAX_LINES,
        )
    )


def split_people(text: str) -> list[str]:
    """The people of a bulk list: one a line, or several on a line separated by ";"."""
    return [part for line in text.splitlines() for part in line.split(";") if part.strip()]


def split_person(line: str) -> tuple[str, str] | None:
    """'Full name, position' (also with a tab or ' - '); None when not two parts."""
    for separator in ("\t", ",", " - ", " – "):
        if separator in line:
            name, _, position = line.partition(separator)
            name, position = " ".join(name.split()), " ".join(position.split())
            if name and position:
                return name, position
    return None


def _many_names(ctx: Ctx, answer: Answer) -> Outcome:
    """Check every line first; add them all only when every line is right."""
    t = ctx.t
    lines = split_people(answer.text)
    if not lines:
        raise Invalid(t("Please send at least one line: full name, position."))
    if len(lines) > MAX_LINES:
        raise Invalid(t("At most {max} lines at a time, please.", max=MAX_LINES))
    people: list[tuple[str, str]] = []
    wrong: list[str] = []
    for number, line in enumerate(lines, start=1):
        person = split_person(line)
        if (
            person is None
            or not any(ch.isalpha() for ch in person[0])
            or max(len(person[0]), len(person[1])) > NAME_MAX
        ):
            wrong.append(str(number))
        else:
            people.append(person)
    if wrong:
        raise Invalid(
            t(
                "Lines {lines} are not in the form full name, position. Nothing was added; "
                "please send the list again.",
                lines=", ".join(wrong),
            )
        )
    code = ctx.data["title_code"]
    added = [
        _add(ctx, nominee=Nominee.INDIVIDUAL, title_code=code, full_name=name, position=position)
        for name, position in people
    ]
    ctx.data.pop("title_code", None)
    return Goto(
        "menu",
        (
            reply(
                t(
                    "Added {count} people for {title}.",
                    count=len(added),
                    title=_title_label(ctx, code),
                )
            ),
        ),
        reset=True,
    )


# ------------------------------------------------------------- reviewing entries


PAGE_SIZE = 10


def _page(ctx: Ctx, count: int) -> int:
    pages = max(1, (count + PAGE_SIZE - 1) // PAGE_SIZE)
    page = int(ctx.data.get("page", 0))
    return min(max(page, 0), pages - 1)


def _list_prompt(ctx: Ctx) -> Reply:
    """A page of the entries as choices (ten at a time: chats cap the number of buttons)."""
    t = ctx.t
    entries = _entries(ctx)
    if not entries:
        return reply(t("The list is empty."), [Choice(MENU, t("Back to the menu"))])
    page = _page(ctx, len(entries))
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    # Entries keep their place in the whole list ("11." on page 2) and the page controls come
    # after the last entry, so a number typed means the same thing on every page.
    first = page * PAGE_SIZE + 1
    choices = [
        Choice(f"reg:e:{e.id}", describe(ctx, e)[:120], number=first + i)
        for i, e in enumerate(shown)
    ]
    controls = []
    if page > 0:
        controls.append(Choice(PREVIOUS, t("Previous page")))
    if (page + 1) * PAGE_SIZE < len(entries):
        controls.append(Choice(NEXT, t("Next page")))
    controls.append(Choice(MENU, t("Back to the menu")))
    if len(entries) > PAGE_SIZE:
        controls[0] = Choice(controls[0].key, controls[0].label, number=len(entries) + 1)
    choices += controls
    text = t(
        "The registration ({count} entries). Choose an entry to fix or remove it:",
        count=len(entries),
    )
    if len(entries) > PAGE_SIZE:
        text += "\n" + t(
            "Entries {first} to {last}.",
            first=page * PAGE_SIZE + 1,
            last=page * PAGE_SIZE + len(shown),
        )
    if len(entries) > 1:
        text += "\n" + t("To remove several at once, type their numbers: 1, 3 or 2-5.")
    problems = _problems_text(ctx)
    if problems:
        text += "\n" + problems
    return reply(text, choices)


def _list(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == MENU:
        ctx.data.pop("page", None)
        return Goto("menu", reset=True)
    if answer.choice in (NEXT, PREVIOUS):
        ctx.data["page"] = int(ctx.data.get("page", 0)) + (1 if answer.choice == NEXT else -1)
        return Again()
    if answer.choice and answer.choice.startswith("reg:e:"):
        ctx.data["entry"] = int(answer.choice.removeprefix("reg:e:"))
        return Goto("entry")
    picked = picked_numbers(answer.text) if answer.choice is None else None
    if picked:
        # Numbers are places in the whole list (as shown on every page): one opens that
        # entry even from another page, several are offered for removal together.
        entries = _entries(ctx)
        unknown = [n for n in picked if not 1 <= n <= len(entries)]
        if unknown:
            raise Invalid(
                ctx.t(
                    "There is no entry {numbers}: the list has {count} entries.",
                    numbers=", ".join(str(n) for n in unknown),
                    count=len(entries),
                )
            )
        if len(picked) == 1:
            ctx.data["entry"] = entries[picked[0] - 1].id
            return Goto("entry")
        ctx.data["picked"] = [entries[n - 1].id for n in picked]
        return Goto("remove_many")
    raise Invalid(ctx.t("Please choose an entry from the list."))


def _picked(ctx: Ctx) -> list[RegistrationEntry]:
    """The entries picked together on the list that still exist."""
    wanted = [int(i) for i in ctx.data.get("picked", [])]
    by_id = {e.id: e for e in _entries(ctx)}
    return [by_id[i] for i in wanted if i in by_id]


def _remove_many_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    picked = _picked(ctx)
    lines = [t("Remove these {count} entries?", count=len(picked))]
    lines += [f"- {describe(ctx, e)}" for e in picked]
    return reply("\n".join(lines), _items.yes_no_choices(ctx, "reg:rmn"))


def _remove_many(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    picked = _picked(ctx)
    ctx.data.pop("picked", None)
    if not _items.yes_no(ctx, answer, "reg:rmn"):
        return Goto("list", reset=True)
    found = item(ctx, KIND)
    for entry in picked:
        subs.remove_entry(
            ctx.session,
            found.submission,
            entry.id or 0,
            ctx.act,
        )
    return Goto("list", (reply(t("Removed {count} entries.", count=len(picked))),), reset=True)


def _current(ctx: Ctx) -> RegistrationEntry:
    entry_id = ctx.data.get("entry")
    for entry in _entries(ctx):
        if entry.id == entry_id:
            return entry
    raise Stop(reply(ctx.t("This entry does not exist any more. Send /register to start again.")))


def _entry_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    entry = _current(ctx)
    if entry.nominee == Nominee.INDIVIDUAL:
        choices = [
            Choice(FIX_NAME, t("Change the name")),
            Choice(FIX_POSITION, t("Change the position")),
            Choice(FIX_TITLE, t("Change the title")),
            Choice(FIX_INITIATIVE, t("Change the initiative")),
        ]
    else:
        choices = [Choice(FIX_NAME, t("Change the name")), Choice(FIX_TITLE, t("Change the title"))]
    choices += [Choice(REMOVE, t("Remove this entry")), Choice(LIST, t("Back to the list"))]
    return reply(t("Entry: {entry}", entry=describe(ctx, entry)), choices)


def _entry(ctx: Ctx, answer: Answer) -> Outcome:
    entry = _current(ctx)
    steps = {
        FIX_NAME: "fix_name",
        FIX_POSITION: "fix_position",
        FIX_TITLE: "fix_title",
        FIX_INITIATIVE: "fix_initiative",
        REMOVE: "remove",
        LIST: "list",
    }
    if answer.choice in steps:
        if entry.nominee == Nominee.COLLECTIVE and answer.choice in (FIX_POSITION, FIX_INITIATIVE):
            raise Invalid(ctx.t("Please choose one of the options."))
        return Goto(steps[answer.choice])
    raise Invalid(ctx.t("Please choose one of the options."))


def _update(ctx: Ctx, **fields: Any) -> Outcome:
    found = item(ctx, KIND)
    entry = subs.update_entry(
        ctx.session,
        found.submission,
        _current(ctx).id or 0,
        ctx.act,
        **fields,
    )
    return Goto(
        "list", (reply(ctx.t("Changed: {entry}.", entry=describe(ctx, entry))),), reset=True
    )


def _fix_name_prompt(ctx: Ctx) -> Reply:
    entry = _current(ctx)
    if entry.nominee == Nominee.INDIVIDUAL:
        return reply(ctx.t("New full name (now: {value})?", value=entry.full_name))
    return reply(ctx.t("New name of the collective (now: {value})?", value=entry.unit_name))


def _fix_name(ctx: Ctx, answer: Answer) -> Outcome:
    entry = _current(ctx)
    if entry.nominee == Nominee.INDIVIDUAL:
        return _update(ctx, full_name=_clean_name(ctx, answer.text, ctx.t("the full name")))
    return _update(
        ctx, unit_name=_clean_name(ctx, answer.text, ctx.t("the name of the collective"))
    )


def _fix_position_prompt(ctx: Ctx) -> Reply:
    return reply(ctx.t("New position (now: {value})?", value=_current(ctx).position or "-"))


def _fix_position(ctx: Ctx, answer: Answer) -> Outcome:
    return _update(ctx, position=_clean_name(ctx, answer.text, ctx.t("the position")))


def _fix_title_prompt(ctx: Ctx) -> Reply:
    entry = _current(ctx)
    return _title_question(
        ctx,
        ctx.t(
            "New emulation title or form of commendation (now: {value})?",
            value=_title_label(ctx, entry.title_code),
        ),
        titles_for(Nominee(entry.nominee)),
    )


def _fix_title(ctx: Ctx, answer: Answer) -> Outcome:
    entry = _current(ctx)
    title = _chosen_title(ctx, answer, Nominee(entry.nominee))
    return _update(ctx, title_code=title.code)


def _fix_initiative_prompt(ctx: Ctx) -> Reply:
    entry = _current(ctx)
    return reply(
        ctx.t("Does {name} have a recognised initiative (sáng kiến)?", name=entry.full_name),
        _items.yes_no_choices(ctx, "reg:init"),
    )


def _fix_initiative(ctx: Ctx, answer: Answer) -> Outcome:
    return _update(ctx, has_initiative=_items.yes_no(ctx, answer, "reg:init"))


def _remove_prompt(ctx: Ctx) -> Reply:
    return reply(
        ctx.t("Remove {entry}?", entry=describe(ctx, _current(ctx))),
        _items.yes_no_choices(ctx, "reg:rm"),
    )


def _remove(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if not _items.yes_no(ctx, answer, "reg:rm"):
        return Goto("list", reset=True)
    entry = _current(ctx)
    text = describe(ctx, entry)
    found = item(ctx, KIND)
    subs.remove_entry(
        ctx.session,
        found.submission,
        entry.id or 0,
        ctx.act,
    )
    ctx.data.pop("entry", None)
    return Goto("list", (reply(t("Removed: {entry}.", entry=text)),), reset=True)


# ------------------------------------------------------------------------ submitting


def _confirm_prompt(ctx: Ctx) -> Reply:
    """What will be submitted: every entry when the list is short, else counts by title."""
    t = ctx.t
    found = item(ctx, KIND)
    entries = subs.list_entries(ctx.session, found.submission)
    lines = [t("The registration to submit ({count} entries):", count=len(entries))]
    if len(entries) <= 2 * PAGE_SIZE:
        lines += [f"{i}. {describe(ctx, e)}" for i, e in enumerate(entries, start=1)]
    else:
        # Counted under the law's two headings, in the catalogue's order.
        counts = Counter(entry.title_code for entry in entries)
        known = _ordered(catalogue())
        for heading, group in (
            (t("Emulation titles:"), [x for x in known if not x.is_commendation]),
            (t("Forms of commendation:"), [x for x in known if x.is_commendation]),
        ):
            shown = [x for x in group if counts[x.code]]
            if shown:
                lines.append(heading)
                lines += [f"- {x.name(t.language)}: {t.number(counts[x.code])}" for x in shown]
        codes = {x.code for x in known}
        lines += [f"- {code}: {t.number(n)}" for code, n in counts.items() if code not in codes]
    problems = _items.blocking_problems(ctx, found)
    if problems:
        return reply("\n".join(lines + problems), [Choice(MENU, t("Back to the menu"))])
    lines.append(t("Submit it to the board office now?"))
    return reply(
        "\n".join(lines), [Choice(CONFIRM, t("Submit now")), Choice(MENU, t("Back to the menu"))]
    )


def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == MENU:
        return Goto("menu", reset=True)
    if answer.choice == CONFIRM:
        return _items.submit_item(ctx, item(ctx, KIND))
    raise Invalid(ctx.t("Please choose one of the options."))


def _intro(ctx: Ctx, found: _items.Item) -> str:
    return ctx.t("Title registration for {year}.", year=found.campaign.year)


def _begin(ctx: Ctx, args: str) -> Outcome:
    return _items.start(ctx, KIND, "menu", _intro)


FLOW = Flow(
    command="register",
    summary=N_("register emulation titles (individuals and collectives)"),
    steps=_items.guard(
        KIND,
        {
            "submitted": _items.submitted_step(KIND, "menu"),
            "menu": Step(_menu_prompt, _menu),
            "person_name": Step(_person_name_prompt, _person_name),
            "person_position": Step(_position_prompt, _person_position),
            "person_title": Step(_person_title_prompt, _person_title),
            "person_initiative": Step(_initiative_prompt, _person_initiative),
            "add_required": Step(_add_required_prompt, _add_required),
            "unit_name": Step(_unit_name_prompt, _unit_name),
            "unit_title": Step(_unit_title_prompt, _unit_title),
            "many_title": Step(_many_title_prompt, _many_title),
            "many_names": Step(_many_names_prompt, _many_names),
            "list": Step(_list_prompt, _list),
            "entry": Step(_entry_prompt, _entry),
            "fix_name": Step(_fix_name_prompt, _fix_name),
            "fix_position": Step(_fix_position_prompt, _fix_position),
            "fix_title": Step(_fix_title_prompt, _fix_title),
            "fix_initiative": Step(_fix_initiative_prompt, _fix_initiative),
            "remove": Step(_remove_prompt, _remove),
            "remove_many": Step(_remove_many_prompt, _remove_many),
            "confirm": Step(_confirm_prompt, _confirm),
        },
    ),
    begin=_begin,
)
