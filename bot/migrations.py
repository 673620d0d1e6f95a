"""Run Alembic from code: the CLI, start-up and the tests share this one path."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from bot.db import get_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    return config


def upgrade_database(url: str) -> None:
    """Bring the database at `url` to the newest revision."""
    engine = get_engine(url)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def ensure_database(url: str) -> None:
    """At start-up: create an empty database or bring an old one up to date (idempotent)."""
    upgrade_database(url)
