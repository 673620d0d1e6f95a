"""Scheduler knobs that are not (yet) fields of `bot.settings.Settings`.

Each value is read from the settings object when it has an attribute of that name (so the
foundation can promote one to an environment variable without touching the scheduler), and
falls back to the documented default otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from bot.models.enums import Channel


@dataclass(frozen=True)
class SchedulerConfig:
    # Commemoration prompts go out this many working days before the day.
    observance_prompt_working_days: int = 3
    # A claim older than this (seconds) belongs to a dead instance and is taken back.
    claim_timeout_seconds: float = 600.0
    # Transient errors are retried this many times in all before the delivery is failed.
    max_attempts: int = 6
    # Back-off after the n-th transient error: base * 2**(n-1) seconds, capped.
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    # Minimum spacing of two messages to the same chat (Telegram: 1 message/s per chat).
    per_chat_interval_seconds: float = 1.0
    # Messages per second for channels without a rate setting (the console).
    default_rate_per_second: float = 100.0
    # How many sends run at once per dispatcher (each still waits for the rate limiter).
    concurrency: int = 16
    # Sleep between empty polls of the outbox.
    poll_interval_seconds: float = 1.0
    # A 429 pause longer than this releases the claimed messages instead of holding them.
    max_inline_pause_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> SchedulerConfig:
        values = {
            f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)
        }
        values.update(overrides)
        return cls(**values)


def channel_rate(settings: Any, channel: Channel, config: SchedulerConfig) -> float:
    """Messages per second allowed on `channel` (per bot)."""
    if channel is Channel.TELEGRAM:
        return float(settings.telegram_rate_per_second)
    if channel is Channel.ZALO:
        return float(settings.zalo_rate_per_second)
    if channel is Channel.EMAIL:
        return float(getattr(settings, "email_rate_per_second", 2.0))
    return config.default_rate_per_second
