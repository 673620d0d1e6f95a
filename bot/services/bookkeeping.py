"""Forgetting what is only kept for a while: processed-update keys and expired conversations.

Run on a schedule by `scheduler.service` (every hour, whatever the traffic), not counted per
process: a count of 1,000 updates reset at every restart meant a quiet or often restarted
instance never pruned at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlmodel import Session, col, delete, select

from bot.models import ConversationState, ProcessedUpdate
from bot.services.acts import Act
from bot.services.drafts import abandon_drafts_of

# Platforms redeliver an update within hours; a week of update keys is plenty to dedupe.
KEEP_PROCESSED = timedelta(days=7)


def prune_bookkeeping(session: Session, now: datetime, *, tz: tzinfo) -> int:
    """Delete processed-update keys older than KEEP_PROCESSED and expired conversation
    states (the caller commits); returns how many rows went. A draft an expired conversation
    left beside a submitted item is abandoned with it, so the submitted version stays in force."""
    expired = session.exec(
        select(ConversationState.contact_id).where(col(ConversationState.expires_at) <= now)
    ).all()
    for contact_id in expired:
        abandon_drafts_of(session, Act(now, tz, contact_id), reason="conversation expired")
    updates = session.execute(
        delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < now - KEEP_PROCESSED)
    )
    states = session.execute(
        delete(ConversationState).where(col(ConversationState.expires_at) <= now)
    )
    return int(getattr(updates, "rowcount", 0) or 0) + int(getattr(states, "rowcount", 0) or 0)
