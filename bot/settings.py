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

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.i18n import N_

SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_SQLITE_URL = "sqlite:///data/thidua.db"


class SettingsError(Exception):
    """A configuration value is wrong; the message names the variable.

    `str()` is the English line for logs; `reason_msgid`/`params` let the CLI say it as a
    whole sentence in THIDUA_LOCALE ("THIDUA_TIMEZONE không đúng: không có múi giờ …").
    """

    def __init__(self, variable: str, reason_msgid: str, **params: object) -> None:
        super().__init__(f"{variable}: {reason_msgid.format(**params)}")
        self.variable = variable
        self.reason_msgid = reason_msgid
        self.params = params


class _Invalid(ValueError):
    """A validator's refusal with a translatable reason."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params


# Pydantic's own checks, by error type, as translatable reasons.
_PYDANTIC_REASONS = {
    "greater_than": N_("it must be greater than {gt}"),
    "greater_than_equal": N_("it must be at least {ge}"),
    "less_than": N_("it must be less than {lt}"),
    "less_than_equal": N_("it must be at most {le}"),
    "int_parsing": N_("it must be a whole number"),
    "int_from_float": N_("it must be a whole number"),
    "float_parsing": N_("it must be a number"),
    "time_parsing": N_("it must be a time of day such as 08:00"),
    "time_type": N_("it must be a time of day such as 08:00"),
    "literal_error": N_("it must be one of {expected}"),
    "bool_parsing": N_("it must be true or false"),
}


def _parse_admins(raw: str | list[str] | None) -> list[tuple[str, str]]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list) else [p for p in raw.split(",") if p.strip()]
    admins: list[tuple[str, str]] = []
    for item in items:
        channel, sep, user_id = item.strip().partition(":")
        if not sep or channel not in ("telegram", "zalo", "console") or not user_id.strip():
            raise _Invalid(
                N_("expected channel:user_id (telegram, zalo or console), not {item}"),
                item=repr(item),
            )
        admins.append((channel, user_id.strip()))
    return admins


class Settings(BaseSettings):
    """Process-wide settings. Field aliases are the environment variable names; a field's own
    name is accepted too (`populate_by_name`: as a keyword, and by pydantic-settings in the
    environment)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_SQLITE_URL, validation_alias="THIDUA_DATABASE_URL")
    timezone: str = Field("Asia/Ho_Chi_Minh", validation_alias="THIDUA_TIMEZONE")
    locale: Literal["vi", "en"] = Field("vi", validation_alias="THIDUA_LOCALE")
    admins: Annotated[list[tuple[str, str]], NoDecode] = Field(
        default_factory=list, validation_alias="THIDUA_ADMINS"
    )
    conversation_ttl_hours: int = Field(24, ge=1, validation_alias="THIDUA_CONVERSATION_TTL_HOURS")
    planning_time: time = Field(time(8, 0), validation_alias="THIDUA_PLANNING_TIME")
    sending_start: time = Field(time(7, 30), validation_alias="THIDUA_SENDING_START")
    sending_end: time = Field(time(17, 30), validation_alias="THIDUA_SENDING_END")
    observance_prompt_working_days: int = Field(
        3, ge=0, le=20, validation_alias="THIDUA_OBSERVANCE_PROMPT_DAYS"
    )
    max_attempts: int = Field(6, ge=1, le=50, validation_alias="THIDUA_MAX_ATTEMPTS")
    telegram_rate_per_second: float = Field(25.0, gt=0, validation_alias="THIDUA_TELEGRAM_RATE")
    zalo_rate_per_second: float = Field(10.0, gt=0, validation_alias="THIDUA_ZALO_RATE")
    files_dir: Path = Field(Path("data/files"), validation_alias="THIDUA_FILES_DIR")
    # Disk space the files of one enterprise may take (all its items together), in MB.
    enterprise_files_quota_mb: int = Field(500, ge=1, validation_alias="THIDUA_ENTERPRISE_FILES_MB")
    web_host: str = Field("0.0.0.0", validation_alias="THIDUA_WEB_HOST")
    web_port: int = Field(8080, ge=0, le=65535, validation_alias="THIDUA_WEB_PORT")
    web_header_timeout: float = Field(
        10.0, gt=0, le=300, validation_alias="THIDUA_WEB_HEADER_TIMEOUT"
    )
    web_body_timeout: float = Field(30.0, gt=0, le=600, validation_alias="THIDUA_WEB_BODY_TIMEOUT")
    web_max_connections: int = Field(512, ge=8, validation_alias="THIDUA_WEB_MAX_CONNECTIONS")
    public_url: str | None = Field(None, validation_alias="THIDUA_PUBLIC_URL")
    upload_link_hours: int = Field(
        24, ge=1, le=24 * 14, validation_alias="THIDUA_UPLOAD_LINK_HOURS"
    )
    dashboard_link_hours: int = Field(
        8, ge=1, le=72, validation_alias="THIDUA_DASHBOARD_LINK_HOURS"
    )
    web_secret: str | None = Field(None, validation_alias="THIDUA_WEB_SECRET")

    telegram_bot_token: str | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org", validation_alias="TELEGRAM_API_BASE_URL"
    )
    telegram_webhook_url: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    zalo_bot_token: str | None = Field(None, validation_alias="ZALO_BOT_TOKEN")
    zalo_api_base_url: str = Field(
        "https://bot-api.zaloplatforms.com", validation_alias="ZALO_API_BASE_URL"
    )
    zalo_webhook_url: str | None = Field(None, validation_alias="ZALO_WEBHOOK_URL")
    zalo_webhook_secret: str | None = Field(None, validation_alias="ZALO_WEBHOOK_SECRET")
    telegram_bot_username: str | None = Field(None, validation_alias="TELEGRAM_BOT_USERNAME")
    zalo_bot_name: str | None = Field(None, validation_alias="ZALO_BOT_NAME")

    # E-mail, the channel of last resort (bot/channels/email.py): enterprises without a chat
    # account get invites, launches, broadcasts and reminders by e-mail when SMTP is set.
    smtp_host: str | None = Field(None, validation_alias="SMTP_HOST")
    smtp_port: int = Field(587, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", validation_alias="SMTP_SECURITY"
    )
    smtp_username: str | None = Field(None, validation_alias="SMTP_USERNAME")
    smtp_password: str | None = Field(None, validation_alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(None, validation_alias="SMTP_FROM")
    smtp_from_name: str | None = Field(None, validation_alias="SMTP_FROM_NAME")
    email_rate_per_second: float = Field(2.0, gt=0, validation_alias="THIDUA_EMAIL_RATE")

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
            raise _Invalid(N_("there is no time zone {value}"), value=repr(value)) from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise _Invalid(N_("expected a sqlite:/// or postgresql:// URL"))
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
            raise _Invalid(N_("expected an http:// or https:// URL"))
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
            raise _Invalid(N_("the Zalo secret token must have 8 to 256 characters"))
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sends_email(self) -> bool:
        """Whether e-mail is a channel of this deployment (SMTP_HOST is set)."""
        return bool(self.smtp_host)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_ENV_NAMES = {
    name: field.validation_alias if isinstance(field.validation_alias, str) else name
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
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, _Invalid):
            raise SettingsError(str(env), cause.msgid, **cause.params) from None
        known = _PYDANTIC_REASONS.get(str(error["type"]))
        if known is not None:
            params = {k: v for k, v in (error.get("ctx") or {}).items() if k != "error"}
            if "expected" in params:  # pydantic writes "'vi' or 'en'": keep one language
                params["expected"] = str(params["expected"]).replace(" or ", ", ")
            raise SettingsError(str(env), known, **params) from None
        detail = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(str(env), N_("{detail}"), detail=detail) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()
