"""/review: the board office goes through the submitted items, oldest first.

For each item: the enterprise, what it sent (the nominees, the figures and narrative, or the
launch document's number and date) and its files, sent as documents or pictures. Accept, or
return it with a reason: the reason reaches the enterprise's officers at once (a notice in
their own language, sent outside the sending hours too) and the item is open for them to fix
and resubmit. For a title registration the staff also sees where the shortlist stands
against the plan's award targets. A cluster leader reviews his cluster's items only. The
submission services write the audit entries of accept and return.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.models import (
    Campaign,
    DeadlineKind,
    Enterprise,
    Submission,
    SubmissionStatus,
)
from bot.services import submissions as subs
from bot.services.access import AccessDenied
from bot.services.campaigns import campaign_title
from bot.services.errors import NotReviewable
from bot.services.items import kind_label
from bot.services.numbers import format_figure, get_figure
from bot.services.progress import render_shortlist_text, shortlist
from bot.services.review_results import tell_officers
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
from conversations.flows import _extension, _proposal_review, _staff
from conversations.flows.register import describe

ACCEPT = "rev:accept"
RETURN = "rev:return"
SKIP = "rev:skip"
STOP = "rev:stop"
MAX_ENTRIES_SHOWN = 60
FILES_SHOWN = 10


def next_item(ctx: Ctx) -> Submission | None:
    """The submitted item in scope that has waited longest, leaving out those skipped."""
    found = _staff.scope(ctx)
    skipped = [int(i) for i in ctx.data.get("skipped", [])]
    query = (
        select(Submission)
        .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
        .where(
            col(Submission.status) == SubmissionStatus.SUBMITTED,
            *found.enterprise_conditions(),
        )
    )
    if skipped:
        query = query.where(col(Submission.id).not_in(skipped))
    return ctx.session.exec(
        query.order_by(col(Submission.submitted_at), col(Submission.id))
    ).first()


def _current(ctx: Ctx) -> Submission:
    """The item under review, re-read and checked against the scope."""
    submission = ctx.session.get(Submission, int(ctx.data["submission_id"]))
    enterprise = (
        ctx.session.get(Enterprise, submission.enterprise_id) if submission is not None else None
    )
    if (
        submission is None
        or enterprise is None
        or not _staff.scope(ctx).allows_enterprise(enterprise)
    ):
        raise AccessDenied(N_("You can only see and act on your own cluster."))
    return submission


def content_lines(ctx: Ctx, submission: Submission) -> list[str]:
    """What the item holds, one line each (the chat's review and the dashboard show it)."""
    t = ctx.t
    lines: list[str] = []
    if submission.kind == DeadlineKind.TITLE_REGISTRATION:
        entries = subs.list_entries(ctx.session, submission)
        lines.append(t("Nominees ({n}):", n=t.number(len(entries))))
        lines += [
            f"{i}. {describe(ctx, e)}" for i, e in enumerate(entries[:MAX_ENTRIES_SHOWN], start=1)
        ]
        if len(entries) > MAX_ENTRIES_SHOWN:
            lines.append(t("… and {n} more", n=t.number(len(entries) - MAX_ENTRIES_SHOWN)))
        broken = subs.violations(ctx.session, submission)
        if broken:
            lines.append(t("Rules not met:"))
            lines += [f"- {v.message(t)}" for v in broken]
    elif submission.kind in subs.REPORT_KINDS:
        details = subs.report_details(ctx.session, submission)
        lines.append(t("Figures:"))
        for code, value in details.figures.items():
            try:
                figure = get_figure(code)
            except Exception:
                lines.append(f"- {code}: {t.number(value)}")
                continue
            lines.append(f"- {figure.label(t.language)}: {format_figure(t, figure, value)}")
        if details.narrative:
            lines += ["", t("Achievements and initiatives:"), details.narrative]
    elif submission.kind == DeadlineKind.LAUNCH_DOCUMENT:
        document = subs.launch_document(ctx.session, submission)
        if document is not None:
            lines.append(
                t(
                    "Document {number} of {date}",
                    number=document.document_number or "-",
                    date=t.date(document.document_date) if document.document_date else "-",
                )
            )
    elif submission.kind == DeadlineKind.COMMENDATION_PROPOSAL:
        lines += _proposal_review.entry_lines(ctx, submission)
    return lines


def late_lines(ctx: Ctx, submission: Submission) -> list[str]:
    """ "Submitted late" (after the deadline's own due date) when it was."""
    if not submission.late:
        return []
    deadline = subs.deadline_for(ctx.session, submission.campaign_id, submission.kind)
    due = ctx.t.date(deadline.due_on) if deadline is not None else "-"
    return [ctx.t("⚠ Submitted late (due {date}).", date=due)]


def present(ctx: Ctx, submission: Submission) -> list[Reply]:
    """The item as the reviewer sees it: a summary, its files, and the shortlist if relevant."""
    t = ctx.t
    enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
    campaign = ctx.session.get(Campaign, submission.campaign_id)
    assert enterprise is not None and campaign is not None
    submitted = (
        t.datetime(submission.submitted_at.astimezone(ctx.settings.tz))
        if submission.submitted_at
        else "-"
    )
    lines = [
        t(
            "{item} of {enterprise} (tax code {tax_code})",
            item=kind_label(t, submission.kind),
            enterprise=enterprise.name,
            tax_code=enterprise.tax_code,
        ),
        t(
            "{campaign} · receipt {receipt} · submitted {time} · version {version}",
            campaign=campaign_title(t, campaign),
            receipt=submission.receipt_number or "-",
            time=submitted,
            version=submission.version,
        ),
        *late_lines(ctx, submission),
        "",
        *content_lines(ctx, submission),
    ]
    replies = [Reply("\n".join(lines))]
    attachments = subs.list_attachments(ctx.session, submission)
    for attachment in attachments[:FILES_SHOWN]:
        path = Path(attachment.path)
        if not path.is_file():
            replies.append(
                Reply(t("File {name} is missing on the server.", name=attachment.file_name))
            )
        elif attachment.mime_type.startswith("image/"):
            replies.append(Reply(attachment.file_name, photo=path))
        else:
            replies.append(Reply(attachment.file_name, document=path))
    if len(attachments) > FILES_SHOWN:
        replies.append(Reply(t("… and {n} more files", n=t.number(len(attachments) - FILES_SHOWN))))
    if submission.kind == DeadlineKind.TITLE_REGISTRATION:
        assert campaign.id is not None
        lines_ = shortlist(ctx.session, campaign.id, _staff.scope(ctx))
        replies.append(Reply(render_shortlist_text(t, lines_)))
    return replies


def _advance(ctx: Ctx, before: list[Reply]) -> Outcome:
    """Show the next item, or finish when none is waiting."""
    t = ctx.t
    submission = next_item(ctx)
    if submission is None:
        ctx.data.pop("submission_id", None)
        text = t("No submitted item is waiting for review.")
        if ctx.data.get("skipped"):
            text += " " + t("Skipped items stay waiting; /review shows them again.")
        return Finish((*before, reply(text)))
    ctx.data["submission_id"] = submission.id
    first = "entry" if submission.kind == DeadlineKind.COMMENDATION_PROPOSAL else "decide"
    return Goto(first, (*before, *present(ctx, submission)), reset=True)


# ---------------------------------------------------------------------------- decide


def _decide_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    submission = _current(ctx)
    enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
    choices = [
        Choice(ACCEPT, t("Accept")),
        Choice(RETURN, t("Return with a reason")),
        Choice(SKIP, t("Skip for now")),
        Choice(STOP, t("Stop reviewing")),
    ]
    if _staff.scope(ctx).whole_board and _extension.offers_extension(
        subs.deadline_for(ctx.session, submission.campaign_id, submission.kind)
    ):
        choices.insert(2, Choice(_extension.EXTEND, t("Extend the deadline for this enterprise")))
    return reply(
        t(
            "Accept this {item} of {enterprise}, or return it with a reason?",
            item=kind_label(t, submission.kind).lower(),
            enterprise=enterprise.name if enterprise else "?",
        ),
        choices,
    )


def accept_and_notify(ctx: Ctx, submission: Submission) -> int:
    """Accept the item and queue the result to its officers; how many will be told.

    NotReviewable when it is not waiting for review (someone else decided first)."""
    subs.accept(ctx.session, submission, ctx.act)
    return tell_officers(
        ctx.session, submission, accepted=True, now=ctx.now, email=ctx.settings.sends_email
    )


def return_and_notify(ctx: Ctx, submission: Submission, reason: str) -> int:
    """Return the item with `reason` and queue the reason to its officers; how many get it."""
    subs.return_submission(ctx.session, submission, reason, ctx.act)
    return tell_officers(
        ctx.session, submission, accepted=False, now=ctx.now, email=ctx.settings.sends_email
    )


def _decide(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == STOP:
        return Finish((reply(t("Stopped. The remaining items stay waiting for review.")),))
    submission = _current(ctx)
    if answer.choice == SKIP:
        ctx.data["skipped"] = [*ctx.data.get("skipped", []), submission.id]
        return _advance(ctx, [])
    if answer.choice == RETURN:
        return Goto("reason")
    if answer.choice == _extension.EXTEND:
        deadline = subs.deadline_for(ctx.session, submission.campaign_id, submission.kind)
        assert deadline is not None
        enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
        return _extension.start(
            ctx, deadline, [(submission.enterprise_id, enterprise.name if enterprise else "?")]
        )
    if answer.choice != ACCEPT:
        raise Invalid(t("Please choose Accept, Return, Skip or Stop."))
    try:
        sent = accept_and_notify(ctx, submission)
    except NotReviewable as exc:
        return _advance(ctx, [reply(exc.message(t))])
    enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
    done = t(
        "Accepted {item} of {enterprise}; a message to {n} officers is in the outbox.",
        item=kind_label(t, submission.kind).lower(),
        enterprise=enterprise.name if enterprise else "?",
        n=t.number(sent),
    )
    return _advance(ctx, [reply(done)])


# ---------------------------------------------------------------------------- reason


def _reason_prompt(ctx: Ctx) -> Reply:
    return reply(
        ctx.t(
            "Type the reason for returning it: the officer reads it and fixes the item. "
            "/back returns to the item."
        )
    )


def _reason(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    reason = answer.text.strip()
    if not reason or reason.startswith("/"):
        raise Invalid(t("Please type the reason; the officer reads it."))
    submission = _current(ctx)
    try:
        sent = return_and_notify(ctx, submission, reason)
    except NotReviewable as exc:
        return _advance(ctx, [reply(exc.message(t))])
    enterprise = ctx.session.get(Enterprise, submission.enterprise_id)
    done = t(
        "Returned to {enterprise}; a message with the reason to {n} officers is in the outbox.",
        enterprise=enterprise.name if enterprise else "?",
        n=t.number(sent),
    )
    if not sent:
        done += "\n" + t(
            "No officer of this enterprise can be reached in the chat: please tell them "
            "another way."
        )
    return _advance(ctx, [reply(done)])


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.scope(ctx)
    return _advance(ctx, [])


FLOW = Flow(
    command="review",
    summary=N_("accept or return the submitted items"),
    steps={
        "decide": Step(_decide_prompt, _decide),
        "reason": Step(_reason_prompt, _reason, numbered=False),
        **_proposal_review.steps(_advance, _current),
        **_extension.STEPS,
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
