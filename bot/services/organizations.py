"""Boards (organisations): one deployment may host several, each known by a short slug.

The slug is what staff type in commands (`--org bqlkcn-bac-giang`), so it is kept to
lower-case letters, digits and hyphens; names keep their Vietnamese diacritics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import Campaign, Organization, Phase
from bot.services import audit
from bot.services.acts import Act
from bot.services.errors import DomainError, InvalidInput, NotFound
from bot.services.templates import MonthDay

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 64
NAME_MAX = 255
PROVINCE_MAX = 128
OBSERVANCE_NAME_MAX = 512


class OrganizationExists(DomainError):
    """The slug is taken."""


class _FieldName:
    """A field's name in an error message, translated for whoever reads the error."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


NAME = _FieldName(N_("name"))
PROVINCE = _FieldName(N_("province"))


def normalize_slug(raw: str) -> str:
    """Check a slug and return it; InvalidInput says what is wrong."""
    slug = raw.strip()
    if not slug:
        raise InvalidInput(N_("The short name (slug) is empty."))
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise InvalidInput(
            N_(
                "The short name '{slug}' is not valid: use up to {max} lower-case letters "
                "a-z, digits and single hyphens, e.g. bqlkcn-bac-giang."
            ),
            slug=slug,
            max=SLUG_MAX,
        )
    return slug


def _required(value: str, limit: int, what: _FieldName) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(N_("The {what} is empty."), what=what)
    if len(text) > limit:
        raise InvalidInput(
            N_("The {what} is too long ({length} characters; at most {max})."),
            what=what,
            length=len(text),
            max=limit,
        )
    return text


def create_organization(session: Session, slug: str, name: str, province: str) -> Organization:
    """A new board; refuses an invalid or taken slug and an empty name or province."""
    slug = normalize_slug(slug)
    name = _required(name, NAME_MAX, NAME)
    province = _required(province, PROVINCE_MAX, PROVINCE)
    if session.exec(select(Organization).where(Organization.slug == slug)).first():
        raise _taken(slug)
    organization = Organization(slug=slug, name=name, province=province, observances=[])
    try:
        with session.begin_nested():
            session.add(organization)
            session.flush()
    except IntegrityError:
        raise _taken(slug) from None
    return organization


def _taken(slug: str) -> OrganizationExists:
    return OrganizationExists(N_("A board with the short name '{slug}' already exists."), slug=slug)


def find_organization(session: Session, slug: str) -> Organization | None:
    return session.exec(
        select(Organization).where(Organization.slug == slug.strip().lower())
    ).first()


def get_organization(session: Session, slug: str) -> Organization:
    """The board called `slug`; NotFound (naming the known boards) otherwise."""
    organization = find_organization(session, slug)
    if organization is None:
        known = [o.slug for o in list_organizations(session)]
        raise NotFound(
            N_("There is no board '{slug}'. Known boards: {known}."),
            slug=slug,
            known=", ".join(known) or "-",
        )
    return organization


def list_organizations(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.slug))).all())


def add_observance(
    session: Session,
    organization: Organization,
    on: str | MonthDay,
    name: str,
    name_en: str = "",
    founded: int | None = None,
) -> dict[str, Any]:
    """Add a board's own commemoration day (e.g. the province's founding day 10/10/1895).

    Campaigns created afterwards include it in the phase it falls in. `on` is "MM-DD".
    """
    try:
        month_day = on if isinstance(on, MonthDay) else MonthDay.parse(on.strip())
    except ValueError:
        raise InvalidInput(
            N_("The day '{value}' is not valid; write it as MM-DD, e.g. 10-10."), value=str(on)
        ) from None
    name = _required(name, OBSERVANCE_NAME_MAX, NAME)
    name_en = " ".join(name_en.split())
    if founded is not None and not 1000 <= founded <= 2100:
        raise InvalidInput(N_("The founding year {year} is not valid."), year=founded)
    entry: dict[str, Any] = {"date": str(month_day), "name": name, "founded": founded}
    if name_en:
        entry["name_en"] = name_en
    # Reassign (not append) so the JSON column is seen as changed.
    organization.observances = [*(organization.observances or []), entry]
    session.add(organization)
    session.flush()
    return entry


@dataclass(frozen=True)
class Rename:
    """What a rename changes of a board: its name, its province or both (None keeps it);
    one value from the office's command to the texts that follow it."""

    name: str | None = None
    province: str | None = None


def rename_organization(
    session: Session, organization: Organization, act: Act, rename: Rename
) -> dict[str, Any]:
    """Change the board's name or province (a province merged away, a board renamed); audited.

    Every later text follows: reminders and notices read the board's name when they are
    planned, new campaigns fill "{province}" from the record, and the texts of the board's
    campaigns that have not ended (title, theme, phases) say the new name wherever they said
    the old one. Returns what changed ({} when nothing did).
    """
    changes: dict[str, tuple[str, str]] = {}
    if rename.name is not None:
        new = _required(rename.name, NAME_MAX, NAME)
        if new != organization.name:
            changes["name"] = (organization.name, new)
    if rename.province is not None:
        new = _required(rename.province, PROVINCE_MAX, PROVINCE)
        if new != organization.province:
            changes["province"] = (organization.province, new)
    if not changes:
        return {}
    for field, (_, new) in changes.items():
        setattr(organization, field, new)
    session.add(organization)

    def renamed(text: str) -> str:
        for old, new in changes.values():  # the name first: it usually holds the province
            text = text.replace(old, new)
        return text

    campaigns = session.exec(
        select(Campaign).where(
            Campaign.organization_id == organization.id, col(Campaign.ends_on) >= act.today
        )
    ).all()
    for campaign in campaigns:
        for field in ("title", "title_en", "theme", "theme_en"):
            setattr(campaign, field, renamed(getattr(campaign, field)))
        session.add(campaign)
        for phase in session.exec(select(Phase).where(Phase.campaign_id == campaign.id)).all():
            for field in ("name", "name_en", "call", "call_en", "review_name", "review_name_en"):
                setattr(phase, field, renamed(getattr(phase, field)))
            session.add(phase)
    session.flush()
    audit.record(
        session,
        "organization.rename",
        act,
        subject=f"organization:{organization.slug}",
        before={field: old for field, (old, _) in changes.items()},
        after={
            **{field: new for field, (_, new) in changes.items()},
            "campaigns": [c.id for c in campaigns],
        },
    )
    return {field: new for field, (_, new) in changes.items()}
