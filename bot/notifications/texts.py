"""The words of the messages the bot sends on its own (used by `bot.notifications.kinds`).

Each function takes the recipient's `Translator` and the facts as they are when the message
is sent, so a message is worded in its reader's language at that moment. Dates go through
`t.date()` (05/12/2024) and counts through `t.number()`. Texts stay well under Zalo's 2,000
characters: the digest caps its overdue list and points to the export for the rest.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.i18n import N_, Translator
from bot.models import Campaign, Deadline, Phase
from bot.models.enums import DeadlineKind, SubmissionStatus
from bot.notifications.facts import DIGEST_OVERDUE_LIMIT, DigestLine, OverdueItem
from bot.services.audience import Audience, words
from bot.services.calendar import holiday_name, last_working_day_on_or_before, working_days_between
from bot.services.campaigns import is_round, localized, phase_name
from bot.services.items import kind_command, kind_label, kind_phrase

# The digest stays under Zalo's 2,000 characters for one message (and lists at most
# `DIGEST_OVERDUE_LIMIT` overdue enterprises); /missing and the export have the rest.
DIGEST_MAX_CHARS = 1900
# The targets' line of the digest (year, qualifier, goals) is cut to this many characters.
DIGEST_TARGETS_CHARS = 400


def _missing_line(t: Translator, status: SubmissionStatus | str | None, note: str | None) -> str:
    """What is still missing, from the enterprise's submission status."""
    if status is None:
        return t("We have not received anything from your unit yet.")
    if SubmissionStatus(status) is SubmissionStatus.RETURNED:
        if note:
            return t("It was returned to you for correction: {note}", note=note)
        return t("It was returned to you for correction and has not been sent again.")
    return t("You have started it, but the draft has not been sent yet.")


def _day_off_name(t: Translator, day: date) -> str:
    name = holiday_name(day, t.language)
    if name:
        return name
    return t("a weekend")


def reminder_text(
    t: Translator,
    *,
    campaign_title: str,
    kind: DeadlineKind | str,
    due_on: date,
    send_on: date,
    status: SubmissionStatus | str | None,
    review_note: str | None = None,
    accepts_late: bool = False,
    board: str = "",
) -> str:
    """A deadline reminder: the item, the due date, what is missing and the command.

    Worded from the dates alone (not from the reminder offset that planned it), so a due
    date moved between planning and sending gives the right words: overdue after the due
    date, "today" on it, "a day off, today is the last working day" on the last working day
    before a due date that is a day off, else the days left.

    After the due date the plan's late policy decides: a locked item is said to be closed,
    with whom to contact (never the command, which would only answer that it is closed);
    an item accepted late keeps the command and says it will be marked late.
    """
    item = kind_phrase(t, kind)
    due = t.date(due_on)
    if send_on > due_on and not accepts_late:
        head = t(
            "❗ The deadline for {item} for “{campaign}” was {due}; it is now closed.",
            item=item,
            campaign=campaign_title,
            due=due,
        )
        action = t(
            "If your unit still has to send it, please contact the office of {board}: only "
            "the board office can extend it for your unit.",
            board=board or t("the board"),
        )
        return "\n".join([head, _missing_line(t, status, review_note), action])
    if send_on > due_on:
        head = t.ngettext(
            "❗ The deadline for {item} for “{campaign}” was {due}: {n} working day overdue.",
            "❗ The deadline for {item} for “{campaign}” was {due}: {n} working days overdue.",
            working_days_between(due_on + timedelta(days=1), send_on),
            item=item,
            campaign=campaign_title,
            due=due,
        )
    elif send_on == due_on:
        head = t(
            "⏰ Today, {due}, is the deadline for {item} for “{campaign}”.",
            due=due,
            item=item,
            campaign=campaign_title,
        )
    elif last_working_day_on_or_before(due_on) == send_on:
        head = t(
            "⏰ The deadline for {item} for “{campaign}” is {due}, a day off ({day_off}). "
            "Today is the last working day before the deadline.",
            item=item,
            campaign=campaign_title,
            due=due,
            day_off=_day_off_name(t, due_on),
        )
    else:
        head = t.ngettext(
            "⏰ Reminder: {item} for “{campaign}” is due on {due} ({n} day left).",
            "⏰ Reminder: {item} for “{campaign}” is due on {due} ({n} days left).",
            (due_on - send_on).days,
            item=item,
            campaign=campaign_title,
            due=due,
        )
    command = "/" + kind_command(kind)
    if send_on > due_on:
        action = t(
            "It is still accepted, marked as submitted late: send {command} in this chat.",
            command=command,
        )
    else:
        action = t("To do it now, send {command} in this chat.", command=command)
    return "\n".join([head, _missing_line(t, status, review_note), action])


def observance_text(
    t: Translator,
    *,
    campaign_title: str,
    anniversary: str,
    on: date,
    years: int | None,
    call: str,
) -> str:
    """The commemoration prompt sent a few working days before the day.

    `anniversary` is the day's label in the reader's language ("kỷ niệm 80 năm Ngày thành
    lập Quân đội nhân dân Việt Nam (22/12/1944 – 22/12/2024)"); round anniversaries (a
    multiple of five years, "năm chẵn") get a line of their own.
    """
    lines = [
        t("🇻🇳 On {date} we celebrate {anniversary}.", date=t.date(on), anniversary=anniversary)
    ]
    if is_round(years):
        lines.append(
            t(
                "⭐ This year is a round anniversary ({years} years): "
                "a special occasion to mark with outstanding achievements.",
                years=years,
            )
        )
    lines.append(
        t(
            "Within “{campaign}”, please organise emulation activities to welcome the day "
            "and record your unit's achievements for your report.",
            campaign=campaign_title,
        )
    )
    if call:
        lines.append(call)
    return "\n".join(lines)


def phase_start_text(
    t: Translator,
    *,
    campaign_title: str,
    number: int,
    name: str,
    starts_on: date,
    ends_on: date,
    call: str,
) -> str:
    lines = [
        t(
            "📣 Phase {number} of “{campaign}” ({name}) runs from {start} to {end}.",
            number=number,
            campaign=campaign_title,
            name=name,
            start=t.date(starts_on),
            end=t.date(ends_on),
        )
    ]
    if call:
        lines.append(call)
    lines.append(t("Send /help to see what your unit has to do and by when."))
    return "\n".join(lines)


def phase_end_text(
    t: Translator,
    *,
    campaign_title: str,
    number: int,
    name: str,
    ends_on: date,
    review_name: str,
) -> str:
    review = review_name or t("the phase review")
    return "\n".join(
        [
            t(
                "📅 Phase {number} of “{campaign}” ({name}) ends on {end}; {review} follows.",
                number=number,
                campaign=campaign_title,
                name=name,
                end=t.date(ends_on),
                review=review,
            ),
            t(
                "Please complete what is due and gather your unit's results "
                "for the review. Send /status to see where your unit stands."
            ),
        ]
    )


def digest_text(
    t: Translator,
    *,
    campaign_title: str,
    on: date,
    scope: str | None,
    lines: list[DigestLine],
    overdue: list[OverdueItem],
    overdue_total: int | None = None,
    audience: Audience | str = Audience.ENTERPRISES,
    targets: str = "",
) -> str:
    """The Monday summary for staff (a cluster leader's covers his cluster).

    `targets` is the campaign's targets on one line with the year they belong to and the
    plan's qualifiers (bot.services.targets.summary), so staff know what the year is measured
    against; `audience` words the counts as enterprises or the board's units.

    `overdue` may be only the first items (at least `DIGEST_OVERDUE_LIMIT` when there are
    that many) with `overdue_total` saying how many there are in all: the planner does not
    load every overdue item of a large board to list fifteen.
    """
    total = len(overdue) if overdue_total is None else overdue_total
    out = [t("📊 Weekly summary of “{campaign}”, {date}", campaign=campaign_title, date=t.date(on))]
    if scope:
        out.append(t("Cluster: {name}", name=scope))
    if targets:
        out.append(_shortened(targets, DIGEST_TARGETS_CHARS))
    for line in lines:
        out.append(
            words(
                t,
                audience,
                N_(
                    "• {item} (due {due}): {submitted} submitted, {accepted} accepted, "
                    "{returned} returned, {draft} in draft, {missing} not started; "
                    "{total} enterprises."
                ),
                N_(
                    "• {item} (due {due}): {submitted} submitted, {accepted} accepted, "
                    "{returned} returned, {draft} in draft, {missing} not started; "
                    "{total} units."
                ),
                item=kind_label(t, line.kind),
                due=t.date(line.due_on),
                submitted=t.number(line.submitted),
                accepted=t.number(line.accepted),
                returned=t.number(line.returned),
                draft=t.number(line.draft),
                missing=t.number(line.missing),
                total=t.number(line.total),
            )
        )
        if line.late:
            out[-1] += " " + t("Of these, {n} submitted late.", n=t.number(line.late))
    if not total:
        out.append(t("Nothing is overdue."))
        return "\n".join(out)
    out.append(t("Overdue ({n}):", n=t.number(total)))
    listed: list[str] = []
    for item in overdue[:DIGEST_OVERDUE_LIMIT]:
        entry = t(
            "• {enterprise} ({tax_code}): {item}, due {due}",
            enterprise=item.enterprise,
            tax_code=item.tax_code,
            item=kind_label(t, item.kind),
            due=t.date(item.due_on),
        )
        tail = _more(t, total - len(listed) - 1)
        if len("\n".join([*out, *listed, entry, tail])) > DIGEST_MAX_CHARS:
            break
        listed.append(entry)
    out.extend(listed)
    rest = total - len(listed)
    if rest > 0:
        out.append(_more(t, rest))
    return "\n".join(out)


def _shortened(text: str, limit: int) -> str:
    """`text` cut at a word boundary to `limit` characters (the digest must fit one message)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(";,:") + "…"


def _more(t: Translator, n: int) -> str:
    return t(
        "…and {n} more: use /missing or `thidua export missing` for the full list.",
        n=t.number(n),
    )


def launch_text(
    t: Translator, campaign: Campaign, phases: list[Phase], deadlines: list[Deadline]
) -> str:
    """The launch message of a campaign: theme, phases (by number), deadlines (by date)."""
    lines = [
        t("The board launches {title}.", title=localized(t, campaign.title, campaign.title_en))
    ]
    theme = localized(t, campaign.theme, campaign.theme_en)
    if theme:
        lines.append(t("Theme: {theme}", theme=theme))
    if phases:
        lines += ["", t("Phases:")]
        lines += [
            f"- {phase_name(t, p)}: {t.date(p.starts_on)} – {t.date(p.ends_on)}" for p in phases
        ]
    if deadlines:
        lines += ["", t("What your enterprise sends:")]
        for d in deadlines:
            command = kind_command(d.kind)
            lines.append(f"- {kind_label(t, d.kind)}: {t.date(d.due_on)} (/{command})")
    lines += ["", t("Send /status at any time to see where your enterprise stands.")]
    return "\n".join(lines)


def review_text(
    t: Translator,
    *,
    campaign_title: str,
    kind: DeadlineKind,
    receipt: str,
    returned: bool,
    note: str,
) -> str:
    """What the officers of an enterprise are told when staff accept or return its item."""
    item = kind_label(t, kind).lower()
    if not returned:
        return t(
            "The board office accepted your {item} of {campaign} (receipt {receipt}).",
            item=item,
            campaign=campaign_title,
            receipt=receipt,
        )
    text = t(
        "The board office returned your {item} of {campaign} (receipt {receipt}) with "
        "this note: {note}",
        item=item,
        campaign=campaign_title,
        receipt=receipt,
        note=note,
    )
    command = kind_command(kind)
    return text + "\n" + t("Please fix it and submit it again: send /{command}.", command=command)


def date_change_text(
    t: Translator,
    *,
    campaign_title: str,
    kind: DeadlineKind | str,
    old: date,
    new: date,
    extended: bool,
) -> str:
    """The officers' notice that a date of one item changed: the board extended a locked
    item for the reader's unit (`extended`), or moved a deadline of its plan for everyone."""
    if extended:
        headline = N_(
            "📅 The board office extended {item} for “{campaign}” for your unit until "
            "{new} (it was due on {old})."
        )
        action = t(
            "Send {command} in this chat to do it; it is marked as submitted late.",
            command="/" + kind_command(kind),
        )
    else:
        headline = N_(
            "📅 The board office moved the deadline for {item} for “{campaign}”: it is now "
            "{new} (it was {old})."
        )
        action = t("Send /status to see where your unit stands.")
    dates = {"new": t.date(new), "old": t.date(old)}
    return t(headline, item=kind_phrase(t, kind), campaign=campaign_title, **dates) + "\n" + action
