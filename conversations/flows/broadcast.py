"""/broadcast: write once to many officers; `/broadcast status` shows how the sending goes.

Compose the text, optionally attach a document (the plan as a PDF, any file the staff member
sends), choose the audience (everyone, a zone, a cluster, or those who have not yet submitted
an item), see the preview with the number of recipients, confirm. The broadcast and one
pending delivery per recipient are written together; the outbox sends them within the
sending hours. A cluster leader's audiences and recipients stay inside his cluster.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.i18n import N_
from bot.messaging import Choice, Reply
from bot.services.attachments import FILE_MODE, named_by_content
from bot.services.broadcasts import (
    TEXT_LIMIT,
    Audience,
    AudienceKind,
    audience_choices,
    broadcast_status,
    create_broadcast,
    describe_audience,
    render_broadcast_status_text,
    resolve_audience,
)
from bot.services.errors import InvalidFile
from bot.services.filetypes import check_file, shown_name
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

NO_FILE = "bc:nofile"
AUDIENCE = "bc:to:"  # + all | z<id> | c<id> | n<kind>
SEND = "bc:send"
CHANGE = "bc:change"
CANCEL = "bc:cancel"
STATUS_WORDS = ("status", "trạng thái", "trang thai", "tình hình")


def audience_key(audience: Audience) -> str:
    """A short button key for an audience (callback data is at most 64 bytes)."""
    if audience.kind == AudienceKind.ZONE:
        return f"{AUDIENCE}z{audience.zone_id}"
    if audience.kind == AudienceKind.CLUSTER:
        return f"{AUDIENCE}c{audience.cluster_id}"
    if audience.kind == AudienceKind.NOT_SUBMITTED:
        return f"{AUDIENCE}n{audience.item}"
    return f"{AUDIENCE}all"


def _audiences(ctx: Ctx) -> list[tuple[Audience, str]]:
    found = _staff.scope(ctx)
    campaign_id = ctx.data.get("campaign_id")
    return audience_choices(
        ctx.session, ctx.t, found, campaign_id if isinstance(campaign_id, int) else None
    )


# ------------------------------------------------------------------------------ text


def _text_prompt(ctx: Ctx) -> Reply:
    return reply(
        ctx.t(
            "Type the message to send to the enterprises' officers (at most {limit} characters).",
            limit=ctx.t.number(TEXT_LIMIT),
        )
    )


def _text(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    text = answer.text.strip()
    if not text or text.startswith("/"):
        raise Invalid(t("Please type the message itself."))
    if len(text) > TEXT_LIMIT:
        raise Invalid(
            t(
                "The message is too long: {n} characters, at most {limit}.",
                n=t.number(len(text)),
                limit=t.number(TEXT_LIMIT),
            )
        )
    ctx.data["text"] = text
    return Goto("document")


# -------------------------------------------------------------------------- document


def _document_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t(
            "Attach a document (for example the plan as a PDF)? Send the file now, or choose "
            "No attachment."
        ),
        [Choice(NO_FILE, t("No attachment"))],
    )


def _document(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == NO_FILE:
        ctx.data.pop("document", None)
        ctx.data.pop("document_name", None)
        return Goto("audience")
    staged = answer.file
    if staged is None:
        raise Invalid(t("Please send the file, or choose No attachment."))
    try:
        kind = check_file(staged.path, staged.file_name)
    except InvalidFile:
        staged.path.unlink(missing_ok=True)
        raise
    name = named_by_content(shown_name(staged.file_name) or "file", kind)
    target = _staff.staff_file(ctx, "broadcasts", Path(name).stem, Path(name).suffix.lower())
    shutil.move(str(staged.path), target)
    target.chmod(FILE_MODE)
    ctx.data["document"] = str(target)
    ctx.data["document_name"] = name
    return Goto("audience", (reply(t("Received {name}.", name=name)),))


# -------------------------------------------------------------------------- audience


def _audience_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    return reply(
        t("Who should receive it?"),
        [Choice(audience_key(a), label) for a, label in _audiences(ctx)],
    )


def _audience(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    for audience, _label in _audiences(ctx):
        if answer.choice == audience_key(audience):
            ctx.data["audience"] = audience.to_json()
            return Goto("confirm")
    raise Invalid(t("Please choose one of the audiences."))


# --------------------------------------------------------------------------- confirm


def _chosen(ctx: Ctx) -> Audience:
    return Audience.from_json(dict(ctx.data["audience"]))


def _confirm_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    found = _staff.scope(ctx)
    audience = _chosen(ctx)
    recipients = resolve_audience(
        ctx.session, found.organization_id, audience, found, email=ctx.settings.sends_email
    )
    lines = [
        t("Preview of the broadcast:"),
        "",
        str(ctx.data["text"]),
        "",
        t("To: {audience}", audience=describe_audience(ctx.session, t, audience)),
        t("Recipients who can be reached: {n}", n=t.number(len(recipients))),
    ]
    if ctx.data.get("document_name"):
        lines.append(t("Attachment: {name}", name=ctx.data["document_name"]))
    choices = [Choice(CHANGE, t("Choose another audience")), Choice(CANCEL, t("Cancel"))]
    if recipients:
        choices.insert(0, Choice(SEND, t("Send")))
    else:
        lines.append(t("Nobody in this audience can be reached: choose another audience."))
    return reply("\n".join(lines), choices)


def _confirm(ctx: Ctx, answer: Answer) -> Outcome:
    t = ctx.t
    if answer.choice == CANCEL:
        document = ctx.data.get("document")
        if document:
            Path(str(document)).unlink(missing_ok=True)
        return Finish((reply(t("Cancelled. Nothing was sent.")),))
    if answer.choice == CHANGE:
        return Goto("audience")
    if answer.choice != SEND:
        raise Invalid(t("Please choose Send, another audience, or Cancel."))
    found = _staff.scope(ctx)
    broadcast, count = create_broadcast(
        ctx.session,
        found.organization_id,
        str(ctx.data["text"]),
        _chosen(ctx),
        found,
        ctx.data.get("document"),
        act=ctx.act,
        email=ctx.settings.sends_email,
    )
    return Finish(
        (
            reply(
                t(
                    "Broadcast #{id} is queued for {n} officers; it goes out within the sending "
                    "hours. Send /broadcast status to follow it.",
                    id=broadcast.id,
                    n=t.number(count),
                )
            ),
        )
    )


def _begin(ctx: Ctx, args: str) -> Outcome:
    t = ctx.t
    found = _staff.scope(ctx)
    word = " ".join(args.casefold().split())
    if word in STATUS_WORDS or word.startswith("status "):
        rest = word.removeprefix("status").strip().lstrip("#")
        broadcast_id = int(rest) if rest.isdigit() else None
        statuses = broadcast_status(ctx.session, broadcast_id, found)
        _staff.record(ctx, "broadcast.status", "broadcasts", {"shown": len(statuses)})
        return Finish((reply(render_broadcast_status_text(t, statuses, ctx.settings.tz)),))
    if word:
        raise Invalid(t("Send /broadcast to write a message, or /broadcast status."))
    campaigns = _staff.board_campaigns(ctx.session, found.organization_id)
    active = [c for c in campaigns if c.active and c.starts_on <= ctx.today <= c.ends_on]
    chosen = active[0] if active else (campaigns[0] if campaigns else None)
    if chosen is not None:
        ctx.data["campaign_id"] = chosen.id
    return Goto("text")


FLOW = Flow(
    command="broadcast",
    summary=N_("send a message to the enterprises; /broadcast status to follow it"),
    steps={
        "text": Step(_text_prompt, _text, numbered=False),
        "document": Step(_document_prompt, _document, accepts_file=True),
        "audience": Step(_audience_prompt, _audience),
        "confirm": Step(_confirm_prompt, _confirm),
    },
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
