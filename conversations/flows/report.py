"""/report: the year-end report (due 05/12), and the six-month report where the plan asks
for one ("báo cáo kết quả thực hiện 6 tháng đầu năm", "sơ kết"): the same steps on the figures
of the first half-year. `/report 6` and `/report năm` choose; plain /report takes the
six-month report while it is still owed and open, else the year-end one.

The figures of bot/templates/report_figures.toml one by one (Vietnamese "540.000,5" and plain
"540000.5" styles both accepted; the unit is stated; each value is echoed back formatted),
then a short narrative, then the signed report as a file (PDF/DOCX/XLSX, or photos of its
pages on Zalo), a review, and the submit with its receipt. Every accepted answer is saved to
the draft at once, so an officer can stop and come back; "=" keeps a value already given.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import Channel, DeadlineKind
from bot.services import audience
from bot.services import submissions as subs
from bot.services.items import kind_label
from bot.services.numbers import (
    Figure,
    doubtful,
    format_figure,
    get_figure,
    read_figure,
    report_figures,
)
from conversations import common
from conversations.flow import Answer, Ctx, Flow, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _items
from conversations.flows._items import item

YEAR_END = DeadlineKind.YEAR_END_REPORT
SIX_MONTH = DeadlineKind.SIX_MONTH_REPORT
SIX_WORDS = {"6", "6 tháng", "6 thang", "sáu tháng", "sau thang", "sơ kết", "so ket", "six"}
YEAR_WORDS = {"năm", "nam", "tổng kết", "tong ket", "year", "year-end", "12"}


def report_kind(ctx: Ctx) -> DeadlineKind:
    """The report this conversation is about (chosen when /report began)."""
    return DeadlineKind(ctx.data.get("report_kind", YEAR_END))


def _six(ctx: Ctx) -> bool:
    return report_kind(ctx) is SIX_MONTH


KEEP = ("=", "giữ", "giu", "keep")
SKIP = ("-",)

FIGURES = "rep:figures"
NARRATIVE = "rep:narrative"
FILES = "rep:files"
REVIEW = "rep:review"
SUBMIT = "rep:submit"
LATER = "rep:later"
MENU = "rep:menu"


def _step_name(figure: Figure) -> str:
    return f"fig_{figure.code}"


def _details(ctx: Ctx) -> subs.ReportDetails:
    return subs.report_details(ctx.session, item(ctx, report_kind).submission)


def _figures(ctx: Ctx) -> list[Figure]:
    """The figures this campaign's report asks (none for a board unit: a narrative and the
    signed file)."""
    return audience.figures(item(ctx, report_kind).campaign)


def _first_step(ctx: Ctx) -> str:
    """Where to continue: the first figure not given yet, else narrative, file, review."""
    details = _details(ctx)
    for figure in _figures(ctx):
        if figure.code not in details.figures and figure.required:
            return _step_name(figure)
    if not details.narrative:
        return "narrative"
    if not details.attachments:
        return "file"
    return "review"


# ----------------------------------------------------------------------------- menu


def _menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = item(ctx, report_kind)
    details = subs.report_details(ctx.session, found.submission)
    total = len(_figures(ctx))
    narrative = t("yes") if details.narrative else t("not yet")
    if total:
        state = t(
            "Figures given: {done} of {total}. Narrative: {narrative}. Files: {files}.",
            done=len(details.figures),
            total=total,
            narrative=narrative,
            files=len(details.attachments),
        )
    else:
        state = t(
            "Narrative: {narrative}. Files: {files}.",
            narrative=narrative,
            files=len(details.attachments),
        )
    lines = [_items.due_line(ctx, found), state, t("What would you like to do?")]
    figures = [Choice(FIGURES, t("Enter the figures"))] if total else []
    return reply(
        "\n".join(lines),
        [
            *figures,
            Choice(NARRATIVE, t("Write the narrative")),
            Choice(FILES, t("Send the signed report")),
            Choice(REVIEW, t("Review and submit")),
            Choice(LATER, t("Done for now")),
        ],
    )


def _menu(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.choice == FIGURES and _figures(ctx):
        return Goto(_step_name(_figures(ctx)[0]))
    if answer.choice == NARRATIVE:
        return Goto("narrative")
    if answer.choice == FILES:
        return Goto("file")
    if answer.choice == REVIEW:
        return Goto("review")
    if answer.choice == LATER:
        return _items.later(ctx, item(ctx, report_kind))
    raise Invalid(ctx.t("Please choose one of the options."))


# -------------------------------------------------------------------------- figures


def _figure_steps() -> dict[str, Step]:
    figures = report_figures()
    steps: dict[str, Step] = {}
    for index, figure in enumerate(figures):
        following = _step_name(figures[index + 1]) if index + 1 < len(figures) else "narrative"
        steps[_step_name(figure)] = Step(
            prompt=_figure_prompt(figure, index + 1, len(figures)),
            handle=_figure_handler(figure, following),
            numbered=figure.kind == "yes_no",
        )
    return steps


def _figure_prompt(figure: Figure, number: int, total: int) -> Callable[[Ctx], Reply]:
    def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        lang = t.language
        current = subs.figures_of(ctx.session, item(ctx, report_kind).submission).get(figure.code)
        head = t(
            "Figure {number} of {total}: {label}",
            number=number,
            total=total,
            label=figure.label(lang),
        )
        if figure.kind == "yes_no":
            text = head + "?"
            choices = _items.yes_no_choices(ctx, "rep:yn")
        else:
            unit = figure.unit(lang)
            text = head + (" " + t("(unit: {unit})", unit=unit) if unit else "") + "?"
            text += "\n" + (
                t("Type a whole number, for example 1.250.")
                if figure.kind == "integer"
                else t("For example 540.000 or 540000; decimals with a comma: 19,3.")
            )
            choices = []
        if current is not None:
            text += "\n" + t(
                "Now: {value}. Type = to keep it.", value=format_figure(t, figure, current)
            )
        elif not figure.required:
            text += "\n" + t("Optional: type - to skip.")
        return reply(text, choices)

    return prompt


def _figure_handler(figure: Figure, following: str) -> Callable[[Ctx, Answer], Outcome]:
    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        found = item(ctx, report_kind)
        figures = subs.figures_of(ctx.session, found.submission)
        current = figures.get(figure.code)
        text = answer.text.strip().casefold()
        if answer.choice is None and text in KEEP + SKIP:
            # "=" keeps a value given earlier; an optional figure left empty may be kept
            # empty with "=" as well as skipped with "-" (it is not required).
            if current is not None or not figure.required:
                return Goto(following)
            raise Invalid(
                t("{label} is required. Please type the figure.", label=figure.label(t.language))
            )
        raw = answer.text
        if answer.choice == "rep:yn:yes":
            raw = "1"
        elif answer.choice == "rep:yn:no":
            raw = "0"
        reading = read_figure(figure, raw)
        doubt = doubtful(figure, reading.value, figures)
        if doubt is not None:
            ctx.data["confirm"] = {"code": figure.code, "raw": raw, "next": following}
            return Goto("confirm", (reply(doubt.message(t)),))
        return _store(ctx, figure, raw, reading.converted, following)

    return handle


def _store(ctx: Ctx, figure: Figure, raw: str, converted: bool, following: str) -> Outcome:
    """Save the figure to the draft and echo the stored value with its unit (and what was
    typed, when a unit was converted: "0,5 tỷ đồng (500 triệu)")."""
    t = ctx.t
    found = item(ctx, report_kind)
    value: Decimal = subs.set_figure(
        ctx.session,
        found.submission,
        figure.code,
        raw,
        ctx.act,
    )
    shown = format_figure(t, figure, value)
    if converted:
        shown += f" ({raw.strip()})"
    echo = t("Noted: {label}: {value}.", label=figure.label(t.language), value=shown)
    return Goto(following, (reply(echo),))


def _pending(ctx: Ctx) -> dict[str, str] | None:
    """The doubtful figure awaiting a yes/no (None when there is none: then the confirm
    step behaves as the menu)."""
    pending = ctx.data.get("confirm")
    known = {f.code for f in report_figures()}
    if not isinstance(pending, dict) or pending.get("code") not in known:
        return None
    return {k: str(v) for k, v in pending.items()}


def _confirm_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    pending = _pending(ctx)
    if pending is None:
        return _menu_prompt(ctx)
    figure = get_figure(str(pending.get("code", "")))
    reading = read_figure(figure, str(pending.get("raw", "")))
    return reply(
        t(
            "Keep {label}: {value}?",
            label=figure.label(t.language),
            value=format_figure(t, figure, reading.value),
        ),
        _items.yes_no_choices(ctx, "rep:sure"),
    )


def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    """Yes: store the doubtful value as typed; no: ask the figure again."""
    pending = _pending(ctx)
    if pending is None:
        return _menu(ctx, answer)
    figure = get_figure(str(pending.get("code", "")))
    sure = _items.yes_no(ctx, answer, "rep:sure")
    ctx.data.pop("confirm", None)
    if not sure:
        return Goto(_step_name(figure))
    raw = str(pending.get("raw", ""))
    reading = read_figure(figure, raw)
    return _store(ctx, figure, raw, reading.converted, str(pending.get("next", "narrative")))


# ------------------------------------------------------------------------ narrative


def _narrative_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    if _six(ctx):
        text = t(
            "In a few lines: the first half-year's main achievements, initiatives and "
            "technical improvements, and how the emulation movement was run."
        )
    else:
        text = t(
            "In a few lines: the year's main achievements, initiatives and technical "
            "improvements, and how the emulation movement was run."
        )
    current = _details(ctx).narrative
    if current:
        short = current if len(current) <= 300 else current[:300] + "…"
        text += "\n" + t("Now: {value}\nType = to keep it.", value=short)
    return reply(text)


def _narrative(ctx: Ctx, answer: Answer) -> Outcome:
    found = item(ctx, report_kind)
    if answer.text.strip() in KEEP and _details(ctx).narrative:
        return Goto("file")
    if len(answer.text.strip()) < 10:
        raise Invalid(ctx.t("Please write at least a sentence about the year's achievements."))
    subs.set_narrative(
        ctx.session,
        found.submission,
        answer.text,
        ctx.act,
    )
    return Goto("file", (reply(ctx.t("Noted the narrative.")),))


# --------------------------------------------------------------------------- review


def _summary(ctx: Ctx, found: _items.Item) -> list[str]:
    t = ctx.t
    details = subs.report_details(ctx.session, found.submission)
    lines = [t("Your six-month report:") if _six(ctx) else t("Your year-end report:")]
    for figure in _figures(ctx):
        value = details.figures.get(figure.code)
        shown = format_figure(t, figure, value) if value is not None else t("(not given)")
        lines.append(f"- {figure.label(t.language)}: {shown}")
    narrative = details.narrative or t("(not written)")
    lines.append(
        t("Narrative: {text}", text=narrative if len(narrative) <= 500 else narrative[:500] + "…")
    )
    lines.append(t("Files: {names}", names=_items.file_list(t, details.attachments)))
    return lines


def _what(ctx: Ctx) -> str:
    if _six(ctx):
        return ctx.t("the signed six-month report")
    return ctx.t("the signed year-end report")


def _intro(ctx: Ctx, found: _items.Item) -> str:
    t = ctx.t
    if not _figures(ctx):
        # A board unit reports no industrial figures: its report is words and the signed file.
        form = (
            N_(
                "Six-month report for the first half of {year}, due {date}. Your unit reports "
                "no figures: I will ask for a short narrative of its results, then the signed "
                "report."
            )
            if _six(ctx)
            else N_(
                "Year-end report for {year}, due {date}. Your unit reports no figures: I will "
                "ask for a short narrative of its results, then the signed report."
            )
        )
        text = t(form, year=found.campaign.year, date=t.date(_items.due_date(ctx, found)))
    elif _six(ctx):
        text = t(
            "Six-month report for the first half of {year}, due {date}. I will ask {count} "
            "figures of the first half-year one by one, then a short narrative and the signed "
            "report.",
            year=found.campaign.year,
            date=t.date(_items.due_date(ctx, found)),
            count=len(_figures(ctx)),
        )
    else:
        text = t(
            "Year-end report for {year}, due {date}. I will ask {count} figures one by one, "
            "then a short narrative and the signed report.",
            year=found.campaign.year,
            date=t.date(_items.due_date(ctx, found)),
            count=len(_figures(ctx)),
        )
    other = _other_report(ctx, found)
    if other is not None:
        text += "\n" + t(
            "This campaign also asks for the {other}: send /report {word} for it.",
            other=kind_label(t, other).lower(),
            word="6" if other is SIX_MONTH else t("year"),
        )
    if ctx.channel == Channel.ZALO:
        text += "\n" + t("On Zalo, send the signed report as photos of its pages.")
    return text


def _other_report(ctx: Ctx, found: _items.Item) -> DeadlineKind | None:
    other = YEAR_END if _six(ctx) else SIX_MONTH
    return other if common.deadline_for(ctx, found.campaign, other) is not None else None


def _choose(ctx: Ctx, args: str) -> DeadlineKind:
    """Which report /report is about: the word typed; else, of the reports the enterprise
    still owes and may still send, the one due first; else the year-end report."""
    word = " ".join(args.casefold().split())
    if word in SIX_WORDS:
        return SIX_MONTH
    if word in YEAR_WORDS:
        return YEAR_END
    campaign = common.active_campaign(ctx)
    if campaign is None:
        return YEAR_END
    asked = [k for k in (SIX_MONTH, YEAR_END) if common.deadline_for(ctx, campaign, k)]
    if len(asked) < 2:
        return asked[0] if asked else YEAR_END
    enterprise_id = ctx.contact.enterprise_id
    assert enterprise_id is not None and campaign.id is not None
    owed = [
        s
        for s in subs.item_statuses(ctx.session, campaign.id, enterprise_id, ctx.today)
        if s.kind in asked and not s.locked and s.state in ("not_started", "draft", "returned")
    ]
    if not owed:
        return YEAR_END
    first = min(owed, key=lambda s: s.extended_until or s.due_on)
    return DeadlineKind(first.kind)


def _begin(ctx: Ctx, args: str) -> Outcome:
    ctx.data["report_kind"] = str(_choose(ctx, args))
    outcome = _items.start(ctx, report_kind(ctx), "menu", _intro)
    if isinstance(outcome, Goto) and outcome.step == "menu":
        return Goto(_first_step(ctx), outcome.replies)
    return outcome


def _steps() -> dict[str, Step]:
    steps: dict[str, Step] = {
        "submitted": _items.submitted_step(report_kind, "menu"),
        "menu": Step(_menu_prompt, _menu),
        "narrative": Step(_narrative_prompt, _narrative),
        "confirm": Step(_confirm_prompt, _confirm),
        "file": _items.file_step(report_kind, _what, "review"),
        "file_remove": _items.file_remove_step(report_kind),
        "review": _items.review_step(
            report_kind, _summary, submit=SUBMIT, change=MENU, later_key=LATER, change_to="menu"
        ),
    }
    steps.update(_figure_steps())
    return steps


FLOW = Flow(
    command="report",
    summary=N_("send the year-end or six-month report (figures, narrative, signed file)"),
    steps=_items.guard(report_kind, _steps()),
    begin=_begin,
)
