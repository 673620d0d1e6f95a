"""/launch: the enterprise's own launch document (due 31/01): the file, its number, its date.

The file (or photos of it on Zalo) is saved to the draft as it arrives; the number is kept
in the conversation until the date is given, then both are saved together; a review step
submits and gives the receipt.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import N_
from bot.messaging import Reply
from bot.models import DeadlineKind
from bot.services import submissions as subs
from bot.services.dates import read_date
from conversations.flow import Answer, Ctx, Flow, Goto, Invalid, Outcome, Step, reply
from conversations.flows import _items
from conversations.flows._items import item

KIND = DeadlineKind.LAUNCH_DOCUMENT
KEEP = ("=", "giữ", "giu", "keep")
SUBMIT = "lau:submit"
CHANGE = "lau:change"
LATER = "lau:later"


def _what(ctx: Ctx) -> str:
    return ctx.t("your enterprise's signed launch document")


def _number_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    document = subs.launch_document(ctx.session, item(ctx, KIND).submission)
    text = t("The number of the document (for example 12/KH-CĐ)?")
    if document is not None and document.document_number:
        text += "\n" + t("Now: {value}. Type = to keep it.", value=document.document_number)
    return reply(text)


def _number(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    text = " ".join(answer.text.split())
    document = subs.launch_document(ctx.session, item(ctx, KIND).submission)
    if text in KEEP and document is not None and document.document_number:
        text = document.document_number
    if not text or len(text) > 64 or not any(ch.isdigit() for ch in text):
        raise Invalid(
            t(
                "Please type the document number as written on it, for example "
                "12/KH-CĐ (at most 64 characters)."
            )
        )
    ctx.data["number"] = text
    return Goto("date")


def _date_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    document = subs.launch_document(ctx.session, item(ctx, KIND).submission)
    text = t(
        "The date of the document (dd/mm/yyyy, for example 15/01/{year})?",
        year=item(ctx, KIND).campaign.year,
    )
    if document is not None and document.document_date is not None:
        text += "\n" + t("Now: {value}. Type = to keep it.", value=t.date(document.document_date))
    return reply(text)


def _date(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    found = item(ctx, KIND)
    document = subs.launch_document(ctx.session, found.submission)
    if answer.text.strip() in KEEP and document is not None and document.document_date:
        value: date = document.document_date
    else:
        value = read_date(answer.text, f"15/01/{found.campaign.year}")
    subs.set_launch_document(
        ctx.session,
        found.submission,
        ctx.data.get("number", ""),
        value,
        ctx.act,
    )
    return Goto(
        "review",
        (
            reply(
                t(
                    "Noted: document {number} of {date}.",
                    number=ctx.data.get("number", ""),
                    date=t.date(value),
                )
            ),
        ),
    )


def _summary(ctx: Ctx, found: _items.Item) -> list[str]:
    t = ctx.t
    document = subs.launch_document(ctx.session, found.submission)
    files = subs.list_attachments(ctx.session, found.submission)
    return [
        t("Your launch document:"),
        t("Number: {value}", value=document.document_number if document else "-"),
        t(
            "Date: {value}",
            value=t.date(document.document_date) if document and document.document_date else "-",
        ),
        t("Files: {names}", names=_items.file_list(t, files)),
    ]


def _intro(ctx: Ctx, found: _items.Item) -> str:
    t = ctx.t
    return t(
        "Launch document for {year}, due {date}: the file, then its number and date.",
        year=found.campaign.year,
        date=t.date(_items.due_date(ctx, found)),
    )


def _begin(ctx: Ctx, args: str) -> Outcome:
    return _items.start(ctx, KIND, "file", _intro)


FLOW = Flow(
    command="launch",
    summary=N_("send your launch document (file, number, date)"),
    steps=_items.guard(
        KIND,
        {
            "submitted": _items.submitted_step(KIND, "file"),
            "file": _items.file_step(KIND, _what, "number"),
            "file_remove": _items.file_remove_step(KIND),
            "number": Step(_number_prompt, _number),
            "date": Step(_date_prompt, _date),
            "review": _items.review_step(
                KIND, _summary, submit=SUBMIT, change=CHANGE, later_key=LATER, change_to="file"
            ),
        },
    ),
    begin=_begin,
)
