"""/dashboard: the office's web dashboard, as a signed link for this staff member.

The link names the contact and expires after THIDUA_DASHBOARD_LINK_HOURS; the pages take the
scope again on every request (a cluster leader sees his cluster only). Without
THIDUA_PUBLIC_URL there is no web dashboard, and the reply says so.
"""

from __future__ import annotations

from datetime import timedelta

from bot.i18n import N_
from bot.messaging import Reply
from bot.services.web_links import dashboard_url
from conversations.flow import STAFF_ROLES, Ctx, Finish, Flow, Outcome, reply
from conversations.flows import _staff


def dashboard_reply(ctx: Ctx) -> Reply | None:
    """The link to the dashboard, or None when the web app is not public."""
    assert ctx.contact.id is not None
    url = dashboard_url(ctx.settings, ctx.contact.id, ctx.now)
    if url is None:
        return None
    until = (ctx.now + timedelta(hours=ctx.settings.dashboard_link_hours)).astimezone(
        ctx.settings.tz
    )
    _staff.record(ctx, "dashboard.link", f"contact:{ctx.contact.id}", {"until": until})
    return reply(
        ctx.t(
            "The dashboard (progress, who has not submitted, submissions, exports, audit "
            "log), for you only, until {time}: {url}",
            time=ctx.t.datetime(until),
            url=url,
        )
    )


def _begin(ctx: Ctx, args: str) -> Outcome:
    _staff.scope(ctx)
    found = dashboard_reply(ctx)
    if found is None:
        return Finish(
            (
                reply(
                    ctx.t(
                        "The web dashboard is not set up on this server (THIDUA_PUBLIC_URL). "
                        "/progress, /missing, /review and /export work here in the chat."
                    )
                ),
            )
        )
    return Finish((found,))


FLOW = Flow(
    command="dashboard",
    summary=N_("the office's web dashboard (a personal link)"),
    steps={},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
