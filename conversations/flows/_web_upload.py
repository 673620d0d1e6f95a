"""The upload page offered at every step that wants a file ("Gửi tệp qua trang web").

A fresh one-time link is made each time the step is asked (only its hash is stored); it
answers that step of this contact's conversation for this item, once, for
THIDUA_UPLOAD_LINK_HOURS. Without THIDUA_PUBLIC_URL there is no page and nothing is offered.
"""

from __future__ import annotations

from datetime import timedelta

from bot.services.web_links import new_upload_link, upload_url
from conversations.flow import Ctx


def offer(ctx: Ctx, submission_id: int | None, flow: str | None, step: str) -> str | None:
    """The line offering the page (with its link), or None when the web app is not public."""
    if not (ctx.settings.public_url and flow and submission_id and ctx.contact.id):
        return None
    token = new_upload_link(
        ctx.session,
        contact_id=ctx.contact.id,
        submission_id=submission_id,
        flow=flow,
        step=step,
        now=ctx.now,
        hours=ctx.settings.upload_link_hours,
    )
    url = upload_url(ctx.settings, token)
    until = (ctx.now + timedelta(hours=ctx.settings.upload_link_hours)).astimezone(ctx.settings.tz)
    return ctx.t(
        "Send the file through the web page (one file, until {time}): {url}",
        time=ctx.t.datetime(until),
        url=url,
    )
