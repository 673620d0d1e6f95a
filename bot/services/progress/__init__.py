"""Where a campaign stands: who sent what, the figures against the plan, the title shortlist.

Every view is computed with a handful of set-based queries (GROUP BY over enterprises joined
to their submissions), never one query per enterprise: a board has hundreds of enterprises and
the chat must answer at once. Every view is filtered through a `Scope`, so a cluster leader
only ever counts his own cluster.

"Not submitted" (`submissions.not_submitted_condition`) is one definition shared by the planner,
the missing list, its export, the nudge and the "not yet submitted" broadcast audience: no
submission at all, a draft never sent, or an item returned for fixes (it awaits the officer's
action). The progress counts keep "returned" as its own column beside "missing" (no row or
a draft, drafts shown as a subset), so the board sees what was received and sent back.
"""

from __future__ import annotations

from bot.services.progress.missing import (
    ContactInfo,
    MissingEnterprise,
    deadline_of,
    missing_enterprises,
    missing_state,
)
from bot.services.progress.overview import (
    Counts,
    GroupCounts,
    KindProgress,
    Progress,
    campaign_progress,
)
from bot.services.progress.shortlist import AwardRule, ShortlistLine, default_award_rules, shortlist
from bot.services.progress.statuses import (
    COUNTED_STATUSES,
    NOT_STARTED_LABEL,
    STATUS_LABELS,
    sent_parts,
    status_label,
)
from bot.services.progress.targets import (
    TargetProgress,
    aggregate_figures,
    convert,
    figures_vs_targets,
    to_decimal,
)
from bot.services.progress.texts import (
    MISSING_REASON_LIMIT,
    NO_CLUSTER,
    NO_ZONE,
    group_name,
    missing_status,
    render_missing_text,
    render_progress_text,
    render_shortlist_text,
    render_targets_text,
)

__all__ = [
    "COUNTED_STATUSES",
    "MISSING_REASON_LIMIT",
    "NOT_STARTED_LABEL",
    "NO_CLUSTER",
    "NO_ZONE",
    "STATUS_LABELS",
    "AwardRule",
    "ContactInfo",
    "Counts",
    "GroupCounts",
    "KindProgress",
    "MissingEnterprise",
    "Progress",
    "ShortlistLine",
    "TargetProgress",
    "aggregate_figures",
    "campaign_progress",
    "convert",
    "deadline_of",
    "default_award_rules",
    "figures_vs_targets",
    "group_name",
    "missing_enterprises",
    "missing_state",
    "missing_status",
    "render_missing_text",
    "render_progress_text",
    "render_shortlist_text",
    "render_targets_text",
    "sent_parts",
    "shortlist",
    "status_label",
    "to_decimal",
]
