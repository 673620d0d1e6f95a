"""Moving a deadline of a running campaign, for the flows: the domain's
`bot.services.plan_edits.change_and_replan` (the one place a plan changes), named here so the
chat's plan edit keeps its import."""

from __future__ import annotations

from bot.services.plan_edits import Replanned, change_and_replan

__all__ = ["Replanned", "change_and_replan"]
