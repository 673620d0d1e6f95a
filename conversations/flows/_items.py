"""What the three item flows (/register, /report, /launch) share.

Opening an item (the active campaign, its deadline, the lock after the deadline, the offer
to reopen a submitted item), receiving files into settings.files_dir, and the receipt.
Drafts: every validated answer is written to the enterprise's draft at once (the status
shows "draft"); only the explicit "Submit" step sends it and gives a receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from bot.i18n import Translator
from bot.messaging import Choice, Reply
from bot.models import (
    Attachment,
    Campaign,
    Channel,
    Deadline,
    DeadlineKind,
    Organization,
    Submission,
    SubmissionStatus,
)
from bot.services import attachments, deadlines
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.errors import SubmissionLocked
from bot.services.items import kind_command, kind_label
from conversations import common
from conversations.flow import (
    Again,
    Answer,
    Ctx,
    Finish,
    Goto,
    Invalid,
    Outcome,
    Step,
    Stop,
    reply,
)
from conversations.flows import _web_upload

REOPEN = "item:reopen"
LEAVE = "item:leave"


@dataclass
class Item:
    """The contact's item of one kind in the active campaign.

    The campaign is read when first asked for: most answers need only the deadline and the
    submission, which `load_item` reads in one statement without it."""

    deadline: Deadline
    submission: Submission
    session: Session
    loaded_campaign: Campaign | None = None

    @property
    def campaign(self) -> Campaign:
        if self.loaded_campaign is None:
            self.loaded_campaign = self.session.get_one(Campaign, self.deadline.campaign_id)
        return self.loaded_campaign


def board_name(ctx: Ctx, campaign: Campaign) -> str:
    organization = ctx.session.get(Organization, campaign.organization_id)
    return organization.name if organization is not None else ""


def _locked_message(ctx: Ctx, campaign: Campaign, text: str) -> Finish:
    t = ctx.t
    return Finish(
        (
            reply(
                text + "\n" + t("Contact: the office of {board}.", board=board_name(ctx, campaign))
            ),
        )
    )


def _open_slowly(ctx: Ctx, kind: DeadlineKind) -> Item | Finish:
    """`open_item` the long way: says why there is no item, or creates it."""
    t = ctx.t
    campaign = common.active_campaign(ctx)
    if campaign is None:
        return Finish((reply(t("No campaign of your board is running today.")),))
    deadline = common.deadline_for(ctx, campaign, kind)
    if deadline is None:
        return Finish(
            (
                reply(
                    t(
                        "The campaign {campaign} does not ask for this item.",
                        campaign=common.campaign_title(t, campaign),
                    )
                ),
            )
        )
    enterprise_id = ctx.contact.enterprise_id
    assert enterprise_id is not None
    existing = ctx.session.exec(
        select(Submission).where(
            Submission.campaign_id == campaign.id,
            Submission.enterprise_id == enterprise_id,
            Submission.kind == kind,
        )
    ).first()
    if existing is None and deadlines.is_closed(ctx.session, deadline, enterprise_id, ctx.today):
        due = deadlines.effective_due(ctx.session, deadline, enterprise_id)
        return _locked_message(
            ctx, campaign, t("This item was due on {date} and is now closed.", date=t.date(due))
        )
    assert campaign.id is not None
    # the audit entry of a new item has always named the contact only, not an actor
    created_by = Act(ctx.now, ctx.settings.tz, ctx.contact.id)
    submission = existing or subs.create_submission(
        ctx.session, campaign.id, enterprise_id, kind, created_by
    )
    return Item(deadline, submission, ctx.session, campaign)


def open_item(ctx: Ctx, kind: DeadlineKind) -> Item | Finish:
    """The item to work on, or a Finish explaining why there is none or why it is locked.

    A locked item (deadline passed, or accepted) is not even created: the officer is told
    the due date and whom to contact.
    """
    t = ctx.t
    organization_id = common.board_id(ctx)
    enterprise_id = ctx.contact.enterprise_id
    loaded = (
        subs.load_item(ctx.session, organization_id, enterprise_id, kind, ctx.today)
        if organization_id is not None and enterprise_id is not None
        else None
    )
    if loaded is not None:
        found = Item(*loaded, ctx.session)
    else:  # not created yet, or no campaign, or no such deadline
        opened = _open_slowly(ctx, kind)
        if isinstance(opened, Finish):
            return opened
        found = opened
    submission = found.submission
    if subs.is_locked(ctx.session, submission, ctx.now, tz=ctx.settings.tz):
        try:
            subs.ensure_editable(ctx.session, submission, ctx.now, tz=ctx.settings.tz)
        except SubmissionLocked as exc:
            return _locked_message(ctx, found.campaign, exc.message(t))
    # Held for the message: the flow's `begin` opens it, then the first prompt asks again.
    ctx.cache[f"item:{kind}"] = found
    return found


# An item flow's kind: fixed, or read from the conversation (/report serves the year-end and
# the six-month report, chosen when it begins).
KindOf = DeadlineKind | Callable[[Ctx], DeadlineKind]


def kind_of(ctx: Ctx, kind: KindOf) -> DeadlineKind:
    return kind if isinstance(kind, DeadlineKind) else kind(ctx)


def item(ctx: Ctx, kind: KindOf) -> Item:
    """The item during a flow (it was opened by `begin`).

    If it became locked meanwhile (the deadline passed while the officer was typing), the
    flow ends with the lock message.
    """
    kind = kind_of(ctx, kind)
    cached = ctx.cache.get(f"item:{kind}")
    if isinstance(cached, Item):
        return cached
    opened = open_item(ctx, kind)
    if isinstance(opened, Finish):
        raise Stop(*opened.replies)
    return opened


def guard(kind: KindOf, steps: dict[str, Step]) -> dict[str, Step]:
    """The steps, each first checking that the item is still open (else the flow ends
    with the lock message before anything is read or saved)."""

    def wrap(step: Step) -> Step:
        def handle(ctx: Ctx, answer: Answer) -> Outcome:
            item(ctx, kind)
            return step.handle(ctx, answer)

        return Step(step.prompt, handle, step.accepts_file, step.numbered)

    return {name: wrap(step) for name, step in steps.items()}


def due_date(ctx: Ctx, found: Item) -> date:
    """The item's due date for this enterprise (the board's extension, if any)."""
    return deadlines.effective_due(ctx.session, found.deadline, found.submission.enterprise_id)


def kept_submitted(ctx: Ctx, submission: Submission) -> str:
    """Said when a draft beside a submitted item is abandoned."""
    return ctx.t(
        "The changes were not submitted and are set aside: version {version}, receipt "
        "{receipt}, stays in force.",
        version=submission.version,
        receipt=submission.receipt_number or "-",
    )


def due_line(ctx: Ctx, found: Item) -> str:
    t = ctx.t
    state = subs.state_label(t, subs.item_state(ctx.session, found.submission))
    if found.submission.draft_open:
        state += ", " + t("changes in a draft, not submitted yet")
    return t(
        "{item}: due {date}; now {state}.",
        item=kind_label(t, found.deadline.kind),
        date=t.date(due_date(ctx, found)),
        state=state,
    )


def start(ctx: Ctx, kind: DeadlineKind, first: str, intro: Callable[[Ctx, Item], str]) -> Outcome:
    """`begin` of an item flow: locked → explain; submitted → offer to reopen; else `first`."""
    opened = open_item(ctx, kind)
    if isinstance(opened, Finish):
        return opened
    t = ctx.t
    submission = opened.submission
    if submission.status == SubmissionStatus.SUBMITTED:
        return Goto("submitted")
    lines = [intro(ctx, opened)]
    if submission.status == SubmissionStatus.RETURNED and submission.review_note:
        lines.append(
            t("The board office returned it with this note: {note}", note=submission.review_note)
        )
    return Goto(first, (reply("\n".join(lines)),))


def submitted_step(kind: KindOf, next_step: str) -> Step:
    """The question asked when the item was already submitted: reopen it, or leave it."""

    def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        found = item(ctx, kind)
        sub = found.submission
        return reply(
            t(
                "Your {item} was submitted at {time} (receipt {receipt}). To change it, reopen "
                "it: a draft is made beside it, and the submitted version stays in force until "
                "you submit the new one, before {due}. If you stop without submitting, nothing "
                "changes.",
                item=kind_label(t, found.deadline.kind),
                time=t.datetime(sub.submitted_at.astimezone(ctx.settings.tz))
                if sub.submitted_at
                else "-",
                receipt=sub.receipt_number or "-",
                due=t.date(due_date(ctx, found)),
            ),
            [Choice(REOPEN, t("Reopen and change")), Choice(LEAVE, t("Leave it as submitted"))],
        )

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        if answer.choice == LEAVE:
            return Finish((reply(t("Nothing changed; it stays submitted.")),))
        if answer.choice != REOPEN:
            raise Invalid(t("Please choose one of the options."))
        found = item(ctx, kind)
        subs.reopen(
            ctx.session,
            found.submission,
            ctx.act,
        )
        return Goto(
            next_step,
            (
                reply(
                    t(
                        "Reopened: a draft is open beside the submitted version (receipt "
                        "{receipt}), which stays in force until you submit the new one.",
                        receipt=found.submission.receipt_number or "-",
                    )
                ),
            ),
            reset=True,
        )

    return Step(prompt=prompt, handle=handle)


def submit_item(ctx: Ctx, found: Item) -> Finish:
    """Submit and answer with the receipt number and time."""
    t = ctx.t
    receipt = subs.submit(ctx.session, found.submission, ctx.act)
    text = t(
        "Submitted. Receipt number {number}, at {time}. The board office has received "
        "your {item}; /status shows it.",
        number=receipt.number,
        time=t.datetime(receipt.submitted_at.astimezone(ctx.settings.tz)),
        item=kind_label(t, found.deadline.kind).lower(),
    )
    files = subs.list_attachments(ctx.session, found.submission)
    if files:
        text += "\n" + t("Files: {names}", names=file_list(t, files))
    if found.submission.late:
        text += "\n" + t(
            "It was due on {date}, so it is marked as submitted late.",
            date=t.date(found.deadline.due_on),
        )
    return Finish((reply(text),))


def later(ctx: Ctx, found: Item) -> Finish:
    """'Done for now': the draft stays; remind of the due date. A draft beside a submitted
    item is abandoned instead (the conversation ends): the submitted version stays."""
    t = ctx.t
    if found.submission.draft_open:
        return Finish((reply(kept_submitted(ctx, found.submission)),))
    return Finish(
        (
            reply(
                t(
                    "Saved as a draft. Remember to submit it by {date}: send /{command} to "
                    "continue.",
                    date=t.date(due_date(ctx, found)),
                    command=kind_command(found.deadline.kind),
                )
            ),
        )
    )


def blocking_problems(ctx: Ctx, found: Item) -> list[str]:
    """Why the item cannot be submitted yet, as a heading and one line each; [] if it can."""
    t = ctx.t
    problems = subs.problems(ctx.session, found.submission)
    if not problems:
        return []
    return [t("It cannot be submitted yet:"), *(f"- {p.message(t)}" for p in problems)]


def review_step(
    kind: KindOf,
    summary: Callable[[Ctx, Item], list[str]],
    *,
    submit: str,
    change: str,
    later_key: str,
    change_to: str,
) -> Step:
    """The last step of /report and /launch: what will be submitted, then Submit (only when
    nothing blocks it), Change (back to `change_to`, answers kept in the draft) or Later."""

    def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        found = item(ctx, kind)
        lines = summary(ctx, found)
        problems = blocking_problems(ctx, found)
        choices = []
        if problems:
            lines += problems
        else:
            lines.append(t("Submit it to the board office now?"))
            choices.append(Choice(submit, t("Submit now")))
        choices += [Choice(change, t("Change something")), Choice(later_key, t("Done for now"))]
        return reply("\n".join(lines), choices)

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        found = item(ctx, kind)
        if answer.choice == submit:
            return submit_item(ctx, found)
        if answer.choice == change:
            return Goto(change_to, reset=True)
        if answer.choice == later_key:
            return later(ctx, found)
        raise Invalid(ctx.t("Please choose one of the options."))

    return Step(prompt=prompt, handle=handle)


# ------------------------------------------------------------------------------- files


def file_label(t: Translator, attachment: Attachment) -> str:
    """A received file as shown to people: its name, and the page count of a PDF."""
    if attachment.pages:
        return t(
            "{name} ({pages} pages)", name=attachment.file_name, pages=t.number(attachment.pages)
        )
    return attachment.file_name


def file_list(t: Translator, attachments: list[Attachment]) -> str:
    """The files of an item on one line ("(none)" when there are none)."""
    return ", ".join(file_label(t, a) for a in attachments) or t("(none)")


def file_prompt(ctx: Ctx, found: Item, what: str, web: str | None = None) -> str:
    """How to send `what` on this channel (Zalo users can send only photos in the chat);
    `web` is the line offering the upload page, when there is one."""
    t = ctx.t
    files = subs.list_attachments(ctx.session, found.submission)
    if ctx.channel == Channel.ZALO and web:
        text = t(
            "Please send {what}. On Zalo the chat carries only photos: send the signed "
            "file (PDF, Word, Excel) through the web page below, or take a clear photo of "
            "each signed page and send them here one by one, then choose Done.",
            what=what,
        )
    elif ctx.channel == Channel.ZALO:
        text = t(
            "Please send {what}. On Zalo only photos can be sent: take a clear photo of "
            "each signed page and send them one by one, then choose Done. If you have "
            "the file as a PDF, you can also send it to the board office by e-mail.",
            what=what,
        )
    else:
        text = t(
            "Please send {what} as a file: PDF, Word (.docx) or Excel (.xlsx), at most "
            "20 MB. Photos of the signed pages (JPEG or PNG) are accepted too.",
            what=what,
        )
    if files:
        text += "\n" + t("Already received ({count}):", count=len(files))
        text += "".join(f"\n- {file_label(t, a)}" for a in files)
    if web:
        text += "\n" + web
    return text


def store_file(ctx: Ctx, found: Item, answer: Answer) -> attachments.Stored:
    """Keep the file the user sent with the item (checked by content, see
    bot/services/attachments.py), under files_dir/<campaign template>-<year>/<tax code>/."""
    staged = answer.file
    assert staged is not None
    enterprise = common.enterprise_of(ctx)
    folder = (
        ctx.settings.files_dir
        / common.safe_file_name(f"{found.campaign.template}-{found.campaign.year}")
        / common.safe_file_name(enterprise.tax_code)
    )
    return attachments.store_file(
        ctx.session,
        found.submission,
        staged.path,
        staged.file_name,
        folder,
        ctx.act,
        quota_bytes=ctx.settings.enterprise_files_quota_mb * 1024 * 1024,
    )


DONE = "file:done"
REMOVE = "file:remove"
REMOVE_ONE = "file:rm:"
KEEP_ALL = "file:keep"


def file_step(kind: KindOf, what: Callable[[Ctx], str], next_step: str, name: str = "file") -> Step:
    """Receive the signed file (or photos of its pages, one by one, then Done), in the chat
    or through the upload page offered with the question (the step is called `name`); the
    files received so far are listed, and one sent by mistake can be removed (then replaced)."""

    def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        found = item(ctx, kind)
        choices = []
        if subs.list_attachments(ctx.session, found.submission):
            choices.append(Choice(DONE, t("Done: the files are complete")))
            choices.append(Choice(REMOVE, t("Remove or replace a file")))
        web = _web_upload.offer(ctx, found.submission.id, kind_command(kind_of(ctx, kind)), name)
        return reply(file_prompt(ctx, found, what(ctx), web), choices)

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        found = item(ctx, kind)
        if answer.file is not None:
            stored = store_file(ctx, found, answer)
            label = file_label(t, stored.attachment)
            if stored.duplicate:
                return Again((reply(t("{name} was already received.", name=label)),))
            if stored.type.is_image:
                count = len(subs.list_attachments(ctx.session, found.submission))
                return Again(
                    (
                        reply(
                            t(
                                "Received page {count} ({name}). Send the next page, "
                                "or choose Done.",
                                count=count,
                                name=label,
                            )
                        ),
                    )
                )
            return Goto(next_step, (reply(t("Received {name}.", name=label)),))
        if answer.choice == DONE:
            return Goto(next_step)
        if answer.choice == REMOVE:
            return Goto("file_remove")
        if subs.list_attachments(ctx.session, found.submission):
            raise Invalid(t("Please send a file, or choose Done if the files are complete."))
        raise Invalid(t("Please send the file itself (not text)."))

    return Step(prompt=prompt, handle=handle, accepts_file=True)


def file_remove_step(kind: KindOf, back: str = "file") -> Step:
    """Which received file to remove; then back to the file step to send its replacement."""

    def prompt(ctx: Ctx) -> Reply:
        t = ctx.t
        files = subs.list_attachments(ctx.session, item(ctx, kind).submission)
        choices = [Choice(f"{REMOVE_ONE}{a.id}", file_label(t, a)) for a in files]
        choices.append(Choice(KEEP_ALL, t("Keep all the files")))
        return reply(t("Which file should be removed?"), choices)

    def handle(ctx: Ctx, answer: Answer) -> Outcome:
        t = ctx.t
        found = item(ctx, kind)
        if answer.choice == KEEP_ALL:
            return Goto(back)
        if not (answer.choice or "").startswith(REMOVE_ONE):
            raise Invalid(t("Please choose one of the options."))
        try:
            attachment_id = int((answer.choice or "")[len(REMOVE_ONE) :])
        except ValueError:
            raise Invalid(t("Please choose one of the options.")) from None
        removed = attachments.remove_file(
            ctx.session,
            found.submission,
            attachment_id,
            ctx.act,
        )
        text = t(
            "Removed {name}. Send the file that replaces it, or choose Done.",
            name=removed.file_name,
        )
        return Goto(back, (reply(text),))

    return Step(prompt=prompt, handle=handle)


def yes_no_choices(ctx: Ctx, prefix: str) -> list[Choice]:
    return [Choice(f"{prefix}:yes", ctx.t("Yes")), Choice(f"{prefix}:no", ctx.t("No"))]


YES_WORDS = {"có", "co", "yes", "y", "c", "ok", "đồng ý", "dong y"}
NO_WORDS = {"không", "khong", "ko", "k", "no", "n"}


def yes_no(ctx: Ctx, answer: Answer, prefix: str) -> bool:
    """Read a yes/no answer (button, number, or the word in Vietnamese or English)."""
    if answer.choice == f"{prefix}:yes":
        return True
    if answer.choice == f"{prefix}:no":
        return False
    word = " ".join(answer.text.casefold().split()).rstrip(".!")
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise Invalid(ctx.t("Please answer yes or no."))
