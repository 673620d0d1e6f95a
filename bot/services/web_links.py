"""The two kinds of web links the bot hands out in the chat.

- Upload links (`/u/<token>`): the chat cannot carry every file (the Zalo Bot Platform
  carries no documents), so at a step that wants a file the officer also gets a link to a
  page where he picks the file. The token is 32 random bytes; only its SHA-256 is stored.
  It is bound to the contact, the item (submission) and the conversation step it was offered
  at, works once, and expires after THIDUA_UPLOAD_LINK_HOURS (24 h).
- Dashboard links (`/d/<token>/...`): staff open the office's pages with a link the chat
  gives them (/progress, /dashboard). The token is the contact's id and an expiry, signed
  with HMAC (itsdangerous) under the server's secret; no cookie, no login, and the scope is
  read again from the contact on every request, so a role taken away takes effect at once.

Neither reads the wall clock: callers pass `now`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from bot.models import UploadLink
from bot.services import audit
from bot.services.acts import Act
from bot.settings import Settings

log = logging.getLogger(__name__)

UPLOAD_PATH = "/u/"
DASHBOARD_PATH = "/d/"
_DASHBOARD_SALT = "thidua dashboard link"


# ------------------------------------------------------------------------------ upload links


class LinkState(StrEnum):
    """What an upload link is worth now."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_upload_link(
    session: Session,
    *,
    contact_id: int,
    submission_id: int,
    flow: str,
    step: str,
    now: datetime,
    hours: int,
) -> str:
    """Store a fresh upload link (hashed) in the caller's transaction; return its token."""
    token = secrets.token_urlsafe(32)
    session.add(
        UploadLink(
            token_hash=_hash(token),
            contact_id=contact_id,
            submission_id=submission_id,
            flow=flow,
            step=step,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    session.flush()
    return token


def find_upload_link(
    session: Session, token: str, now: datetime, *, for_update: bool = False
) -> tuple[UploadLink | None, LinkState]:
    """The link a token names and its state (UNKNOWN for garbage, without a lookup)."""
    if not 20 <= len(token) <= 64 or not all(c.isalnum() or c in "-_" for c in token):
        return None, LinkState.UNKNOWN
    query = select(UploadLink).where(UploadLink.token_hash == _hash(token))
    if for_update:
        query = query.with_for_update()
    link = session.exec(query).first()
    if link is None:
        return None, LinkState.UNKNOWN
    if link.used_at is not None:
        return link, LinkState.USED
    if link.expires_at <= now:
        return link, LinkState.EXPIRED
    return link, LinkState.VALID


def use_upload_link(
    session: Session,
    link: UploadLink,
    act: Act,
    *,
    attachment_id: int | None,
    file_name: str,
    size: int,
    peer: str,
) -> None:
    """Spend the link (in the transaction that stored the file) and audit the upload, made
    by `act` (the link's contact, through the web page)."""
    link.used_at = act.now
    link.attachment_id = attachment_id
    session.add(link)
    session.flush()
    _audit(
        session,
        "upload.web",
        act,
        link,
        attachment=attachment_id,
        file_name=file_name,
        size=size,
        peer=peer,
    )


def refuse_upload(
    session: Session,
    link: UploadLink | None,
    state: str,
    now: datetime,
    tz: tzinfo,
    *,
    peer: str,
    reason: str = "",
) -> None:
    """Audit a refused upload attempt (a used, expired or unknown link, a wrong file): by the
    web page, on behalf of the link's contact when the link is known."""
    contact_id = link.contact_id if link is not None else None
    act = Act(now, tz, contact_id, "web")
    _audit(session, "upload.refused", act, link, state=state, peer=peer, reason=reason)


def _audit(session: Session, action: str, act: Act, link: UploadLink | None, **after: Any) -> None:
    """One audit row about an upload link: filed under the item it uploads to (the item's
    history shows the web uploads and the refusals), saying first which link it was."""
    audit.record(
        session,
        action,
        act,
        subject=f"submission:{link.submission_id}" if link is not None else "",
        after={"link": link.id if link is not None else None, **after},
    )


def upload_url(settings: Settings, token: str) -> str | None:
    """The page's address, or None when THIDUA_PUBLIC_URL is not set (no web page)."""
    if not settings.public_url:
        return None
    return settings.public_url + UPLOAD_PATH + token


# --------------------------------------------------------------------------- dashboard links


@lru_cache(maxsize=1)
def _process_secret() -> bytes:
    log.warning(
        "THIDUA_WEB_SECRET is not set and there is no bot token: dashboard links "
        "stop working when this process restarts"
    )
    return secrets.token_bytes(32)


def web_secret(settings: Settings) -> bytes:
    """THIDUA_WEB_SECRET, else one derived from the bot token (instances sharing a token
    agree), else a random one for this process."""
    if settings.web_secret:
        return settings.web_secret.encode()
    token = settings.telegram_bot_token or settings.zalo_bot_token
    if token:
        return hmac.new(token.encode(), b"thidua web links", hashlib.sha256).digest()
    return _process_secret()


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(web_secret(settings), salt=_DASHBOARD_SALT)


def dashboard_token(settings: Settings, contact_id: int, now: datetime) -> str:
    """A signed token naming the staff contact, valid THIDUA_DASHBOARD_LINK_HOURS."""
    expires = int((now + timedelta(hours=settings.dashboard_link_hours)).timestamp())
    return str(_serializer(settings).dumps({"c": contact_id, "e": expires}))


@dataclass(frozen=True)
class DashboardPass:
    """What a valid dashboard token says."""

    contact_id: int
    expires_at: datetime


def read_dashboard_token(settings: Settings, token: str, now: datetime) -> DashboardPass | None:
    """The contact a token was given to, or None if it is forged, damaged or expired."""
    if len(token) > 512:
        return None
    try:
        data = _serializer(settings).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    contact_id, expires = data.get("c"), data.get("e")
    if not isinstance(contact_id, int) or not isinstance(expires, int):
        return None
    expires_at = datetime.fromtimestamp(expires, tz=now.tzinfo)
    if expires_at <= now:
        return None
    return DashboardPass(contact_id, expires_at)


def dashboard_url(settings: Settings, contact_id: int, now: datetime) -> str | None:
    """The staff member's dashboard address, or None without THIDUA_PUBLIC_URL."""
    if not settings.public_url:
        return None
    return settings.public_url + DASHBOARD_PATH + dashboard_token(settings, contact_id, now) + "/"
