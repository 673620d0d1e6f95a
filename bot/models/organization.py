"""Who takes part: boards, their zones and clusters, enterprises and the people who chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models.enums import Audience, Channel, Role
from bot.models.types import AwareDateTime, utcnow


class Organization(SQLModel, table=True):
    """A management board (BQL); one deployment may host several."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=255)
    province: str = Field(max_length=128)
    # Province-specific commemoration days, e.g. [{"date": "10-10", "name": "...", "founded": 1895}]
    observances: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Zone(SQLModel, table=True):
    """An industrial zone (KCN) of a board."""

    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=255)


class Cluster(SQLModel, table=True):
    """An emulation cluster (cụm thi đua); its leader is a Contact with role cluster_leader."""

    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=255)
    leader_name: str | None = Field(default=None, max_length=255)


class Enterprise(SQLModel, table=True):
    """A participant: an enterprise, identified by its tax code (10 digits, or 10 + '-' + 3
    for a branch), or one of the board's own units (`audience` board_units), identified by
    a code the office gives it (bot/services/board_units.py: "DV-" + letters and digits).

    Units are rows of this table so that invitations, linking, submissions, reminders,
    /missing, /progress and exports work for them unchanged; which campaigns reach a row is
    decided by its `audience` (bot/services/audience.py).
    """

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    tax_code: str = Field(unique=True, index=True, max_length=14)
    name: str = Field(max_length=255)
    zone_id: int | None = Field(default=None, foreign_key="zone.id", index=True)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id", index=True)
    active: bool = True
    audience: Audience = Field(default=Audience.ENTERPRISES, max_length=16, index=True)
    # Whom the office reaches outside the chat (checked and normalised on the way in by
    # bot/services/enterprise_contacts.py): the enterprise's own address and phone, and the
    # person in charge of emulation work there (usually HR or the trade union).
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    contact_name: str | None = Field(default=None, max_length=255)
    contact_position: str | None = Field(default=None, max_length=255)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class Contact(SQLModel, table=True):
    """A person on a chat platform: an officer of an enterprise, or board staff.

    One kind is not a chat account: channel `email` is the enterprise's e-mail address as a
    recipient of last resort (user_id `enterprise:<id>`, chat_id the address). It is never
    "linked" and receives only while its enterprise has no reachable chat contact
    (bot/services/reach.py).
    """

    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(max_length=16)
    user_id: str = Field(max_length=64)
    chat_id: str = Field(max_length=255)  # an e-mail address may be up to 254 characters
    display_name: str = Field(default="", max_length=255)
    language: str = Field(default="vi", max_length=8)
    role: Role = Field(default=Role.OFFICER, max_length=16)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    cluster_id: int | None = Field(default=None, foreign_key="cluster.id")
    reachable: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class InviteCode(SQLModel, table=True):
    """A one-time code staff give an enterprise so its officer can link a chat account."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    expires_at: datetime = Field(sa_type=AwareDateTime)
    used_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    used_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)


class LinkAttempt(SQLModel, table=True):
    """A wrong invite code typed by a contact; counted to cap guessing (5 per hour)."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
