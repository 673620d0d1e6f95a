"""All configuration in one place, read from the environment (and an optional `.env`).

A wrong value must stop start-up with one clear line naming the variable, so
`load_settings()` turns pydantic's validation report into a `SettingsError` whose
message is that line; the CLI prints it and exits non-zero.
"""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_SQLITE_URL = "sqlite:///data/thidua.db"


class SettingsError(Exception):
    """A configuration value is wrong; the message names the variable."""


def _parse_admins(raw: str | list[str] | None) -> list[tuple[str, str]]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list) else [p for p in raw.split(",") if p.strip()]
    admins: list[tuple[str, str]] = []
    for item in items:
        channel, sep, user_id = item.strip().partition(":")
        if not sep or channel not in ("telegram", "zalo", "console") or not user_id.strip():
            raise ValueError(f"expected channel:user_id (telegram, zalo or console), got {item!r}")
        admins.append((channel, user_id.strip()))
    return admins


class Settings(BaseSettings):
    """Process-wide settings. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        DEFAULT_SQLITE_URL, validation_alias=AliasChoices("THIDUA_DATABASE_URL", "database_url")
    )
    timezone: str = Field(
        "Asia/Ho_Chi_Minh", validation_alias=AliasChoices("THIDUA_TIMEZONE", "timezone")
    )
    locale: Literal["vi", "en"] = Field(
        "vi", validation_alias=AliasChoices("THIDUA_LOCALE", "locale")
    )
    admins: Annotated[list[tuple[str, str]], NoDecode] = Field(
        default_factory=list, validation_alias=AliasChoices("THIDUA_ADMINS", "admins")
    )
    conversation_ttl_hours: int = Field(
        24,
        ge=1,
        validation_alias=AliasChoices("THIDUA_CONVERSATION_TTL_HOURS", "conversation_ttl_hours"),
    )
    planning_time: time = Field(
        time(8, 0), validation_alias=AliasChoices("THIDUA_PLANNING_TIME", "planning_time")
    )
    sending_start: time = Field(
        time(7, 30), validation_alias=AliasChoices("THIDUA_SENDING_START", "sending_start")
    )
    sending_end: time = Field(
        time(17, 30), validation_alias=AliasChoices("THIDUA_SENDING_END", "sending_end")
    )
    observance_prompt_working_days: int = Field(
        3,
        ge=0,
        le=20,
        validation_alias=AliasChoices(
            "THIDUA_OBSERVANCE_PROMPT_DAYS", "observance_prompt_working_days"
        ),
    )
    max_attempts: int = Field(
        6, ge=1, le=50, validation_alias=AliasChoices("THIDUA_MAX_ATTEMPTS", "max_attempts")
    )
    telegram_rate_per_second: float = Field(
        25.0,
        gt=0,
        validation_alias=AliasChoices("THIDUA_TELEGRAM_RATE", "telegram_rate_per_second"),
    )
    zalo_rate_per_second: float = Field(
        10.0, gt=0, validation_alias=AliasChoices("THIDUA_ZALO_RATE", "zalo_rate_per_second")
    )
    files_dir: Path = Field(
        Path("data/files"), validation_alias=AliasChoices("THIDUA_FILES_DIR", "files_dir")
    )
    web_host: str = Field("0.0.0.0", validation_alias=AliasChoices("THIDUA_WEB_HOST", "web_host"))
    web_port: int = Field(
        8080, ge=1, le=65535, validation_alias=AliasChoices("THIDUA_WEB_PORT", "web_port")
    )
    public_url: str | None = Field(
        None, validation_alias=AliasChoices("THIDUA_PUBLIC_URL", "public_url")
    )
    upload_link_hours: int = Field(
        24,
        ge=1,
        le=24 * 14,
        validation_alias=AliasChoices("THIDUA_UPLOAD_LINK_HOURS", "upload_link_hours"),
    )
    dashboard_link_hours: int = Field(
        8,
        ge=1,
        le=72,
        validation_alias=AliasChoices("THIDUA_DASHBOARD_LINK_HOURS", "dashboard_link_hours"),
    )
    web_secret: str | None = Field(
        None, validation_alias=AliasChoices("THIDUA_WEB_SECRET", "web_secret")
    )

    telegram_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_api_base_url: str = Field(
        "https://api.telegram.org",
        validation_alias=AliasChoices("TELEGRAM_API_BASE_URL", "telegram_api_base_url"),
    )
    telegram_webhook_url: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_URL", "telegram_webhook_url")
    )
    telegram_webhook_secret: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret")
    )
    zalo_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("ZALO_BOT_TOKEN", "zalo_bot_token")
    )
    zalo_api_base_url: str = Field(
        "https://bot-api.zaloplatforms.com",
        validation_alias=AliasChoices("ZALO_API_BASE_URL", "zalo_api_base_url"),
    )
    zalo_webhook_url: str | None = Field(
        None, validation_alias=AliasChoices("ZALO_WEBHOOK_URL", "zalo_webhook_url")
    )
    zalo_webhook_secret: str | None = Field(
        None, validation_alias=AliasChoices("ZALO_WEBHOOK_SECRET", "zalo_webhook_secret")
    )
    telegram_bot_username: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_USERNAME", "telegram_bot_username")
    )
    zalo_bot_name: str | None = Field(
        None, validation_alias=AliasChoices("ZALO_BOT_NAME", "zalo_bot_name")
    )

    # E-mail, the channel of last resort (bot/channels/email.py): enterprises without a chat
    # account get invites, launches, broadcasts and reminders by e-mail when SMTP is set.
    smtp_host: str | None = Field(None, validation_alias=AliasChoices("SMTP_HOST", "smtp_host"))
    smtp_port: int = Field(
        587, ge=1, le=65535, validation_alias=AliasChoices("SMTP_PORT", "smtp_port")
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", validation_alias=AliasChoices("SMTP_SECURITY", "smtp_security")
    )
    smtp_username: str | None = Field(
        None, validation_alias=AliasChoices("SMTP_USERNAME", "smtp_username")
    )
    smtp_password: str | None = Field(
        None, validation_alias=AliasChoices("SMTP_PASSWORD", "smtp_password")
    )
    smtp_from: str | None = Field(None, validation_alias=AliasChoices("SMTP_FROM", "smtp_from"))
    smtp_from_name: str | None = Field(
        None, validation_alias=AliasChoices("SMTP_FROM_NAME", "smtp_from_name")
    )
    email_rate_per_second: float = Field(
        2.0, gt=0, validation_alias=AliasChoices("THIDUA_EMAIL_RATE", "email_rate_per_second")
    )

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.strip().removeprefix("@")
        if not value.replace("_", "").isalnum() or not 5 <= len(value) <= 32:
            raise ValueError("expected a Telegram bot username such as ThiDuaBacGiangBot")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from(cls, value: str | None) -> str | None:
        if not value:
            return None
        from email_validator import EmailNotValidError, validate_email

        try:
            return str(validate_email(value, check_deliverability=False).normalized)
        except EmailNotValidError as exc:
            raise ValueError(f"not a valid e-mail address: {exc}") from None

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: str | list[str] | None) -> list[tuple[str, str]]:
        return _parse_admins(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator(
        "telegram_api_base_url",
        "zalo_api_base_url",
        "telegram_webhook_url",
        "zalo_webhook_url",
        "public_url",
    )
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("web_secret")
    @classmethod
    def _web_secret(cls, value: str | None) -> str | None:
        if value is not None and value != "" and len(value) < 16:
            raise ValueError("use at least 16 random characters")
        return value or None

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret(cls, value: str | None) -> str | None:
        if value is not None and not 8 <= len(value) <= 256:
            raise ValueError("the Zalo secret token must have 8 to 256 characters")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_ENV_NAMES = {
    name: (
        field.validation_alias.choices[0]
        if isinstance(field.validation_alias, AliasChoices)
        else name
    )
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning the first validation error into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "?"
        env = _ENV_NAMES.get(field, field)
        raise SettingsError(f"{env}: {str(error['msg']).removeprefix('Value error, ')}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()
