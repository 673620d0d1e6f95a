"""/progress: where the campaign stands, per deadline, by zone and by cluster, with a chart.

Three replies: the counts as text (submitted, returned, accepted, missing, by cluster and
zone), the stacked bar chart as a picture (a PNG written under files_dir/charts), and the
figures reported so far against the plan's targets. A cluster leader sees his cluster only.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from bot.i18n import N_
from bot.messaging import Reply
from bot.services.charts import progress_chart
from bot.services.progress import (
    campaign_progress,
    figures_vs_targets,
    render_progress_text,
    render_shortlist_text,
    render_targets_text,
    shortlist,
)
from conversations.flow import STAFF_ROLES, Ctx, Finish, Flow, Invalid, Outcome
from conversations.flows import _staff
from conversations.flows.dashboard import dashboard_reply
from conversations.flows.reach import reach_reply

CHART_KEEP = timedelta(days=1)


def _prune_charts(ctx: Ctx, folder: Path) -> None:
    """Charts are made afresh for every /progress: drop those older than a day."""
    cutoff = ctx.now.timestamp() - CHART_KEEP.total_seconds()
    for old in folder.glob("progress-*.png"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()


def progress_replies(ctx: Ctx) -> list[Reply]:
    """The progress text, the chart picture and the targets, for the contact's scope."""
    t = ctx.t
    found = _staff.scope(ctx)
    campaign = _staff.current_campaign(ctx, found)
    assert campaign.id is not None
    progress = campaign_progress(ctx.session, campaign.id, found)
    chart = _staff.staff_file(
        ctx,
        "charts",
        f"progress-{campaign.id}-"
        + ("board" if found.whole_board else f"cluster{found.cluster_id}"),
        ".png",
    )
    _prune_charts(ctx, chart.parent)
    chart.write_bytes(progress_chart(t, progress))
    targets = figures_vs_targets(ctx.session, campaign.id, found)
    awards = shortlist(ctx.session, campaign.id, found)
    _staff.record(
        ctx,
        "progress.view",
        f"campaign:{campaign.id}",
        {"cluster_id": found.cluster_id, "chart": chart.name},
    )
    replies = [
        Reply(render_progress_text(t, progress)),
        Reply(t("Progress chart"), photo=chart),
        Reply(
            render_targets_text(t, targets, campaign.year)
            + "\n\n"
            + render_shortlist_text(t, awards)
        ),
        reach_reply(ctx, found, campaign.audience),
    ]
    web = dashboard_reply(ctx)  # the same view on the web, with the tables
    return [*replies, web] if web is not None else replies


def _begin(ctx: Ctx, args: str) -> Outcome:
    if _staff.take_campaign(ctx, _staff.scope(ctx), args):
        raise Invalid(
            ctx.t("Send /progress, or /progress with a year (for example /progress 2025).")
        )
    return Finish(tuple(progress_replies(ctx)))


FLOW = Flow(
    command="progress",
    summary=N_("the campaign's progress by zone and cluster, with a chart"),
    steps={},
    begin=_begin,
    roles=STAFF_ROLES,
    needs_enterprise=False,
)
