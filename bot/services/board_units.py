"""The board's own units (phòng, trung tâm…) as participants of a units' campaign.

A plan for the board's own people (the Sóc Trăng 2021–2025 plan: "Tập thể và cá nhân thuộc
Ban Quản lý các khu công nghiệp") has the units as its participants. A unit is an
`Enterprise` row with `audience` board_units, so invitations, linking, submissions,
reminders, /missing, /progress and exports work for it as for an enterprise. It has no tax
code: the office gives it a code starting with "DV" (đơn vị), e.g. "DV-VP" for the Văn phòng,
which staff type wherever a tax code is asked (`thidua invite create --tax-code DV-VP`). A
tax code is digits only, so the two never collide.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, func, select

from bot.i18n import N_
from bot.models import Audience, Enterprise, Organization
from bot.services import audit
from bot.services.acts import Act
from bot.services.taxcode import InvalidTaxCode, normalize_tax_code

UNIT_PREFIX = "DV"
_UNIT_CODE = re.compile(r"^DV[A-Z0-9-]{1,12}$")
_LOOKS_LIKE_UNIT = re.compile(r"^\s*dv", re.IGNORECASE)
NAME_MAX = 255


class InvalidUnit(InvalidTaxCode):
    """A unit's code or name the office typed is unusable; the message says why."""


def is_unit_code(raw: str) -> bool:
    """Whether `raw` is meant as a unit's code (it starts with "DV")."""
    return bool(_LOOKS_LIKE_UNIT.match(raw))


def normalize_unit_code(raw: str) -> str:
    """ "dv-vp " -> "DV-VP"; InvalidUnit when it is not "DV" + up to 12 letters, digits, '-'."""
    code = "".join(raw.split()).upper()
    if not _UNIT_CODE.match(code):
        raise InvalidUnit(
            N_(
                "A unit's code is DV followed by up to 12 letters, digits or hyphens "
                "(for example DV-VP), not “{code}”."
            ),
            code=raw.strip()[:32],
        )
    return code


def participant_code(raw: str) -> str:
    """A typed code of either kind of participant, normalised: a unit's code ("DV…") or a
    tax code (InvalidTaxCode / InvalidUnit name the mistake)."""
    return normalize_unit_code(raw) if is_unit_code(raw) else normalize_tax_code(raw)


def _next_code(session: Session, organization: Organization) -> str:
    """A free code for a unit the office named none for: DV<board>-01, -02…"""
    prefix = f"{UNIT_PREFIX}{organization.id}-"
    taken = set(
        session.exec(
            select(Enterprise.tax_code).where(col(Enterprise.tax_code).startswith(prefix))
        ).all()
    )
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def add_unit(
    session: Session,
    organization: Organization,
    name: str,
    act: Act,
    *,
    code: str | None = None,
) -> Enterprise:
    """Add one of the board's units as a participant of the units' campaigns; audited.

    Refuses an empty or too long name, a malformed code, a code already used (by a unit or
    an enterprise) and a second unit of the board with the same name.
    """
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise InvalidUnit(N_("A unit needs a name of at most {n} characters."), n=NAME_MAX)
    assert organization.id is not None
    same_name = session.exec(
        select(func.count())
        .select_from(Enterprise)
        .where(
            col(Enterprise.organization_id) == organization.id,
            col(Enterprise.audience) == Audience.BOARD_UNITS,
            func.lower(col(Enterprise.name)) == cleaned.lower(),
        )
    ).one()
    if same_name:
        raise InvalidUnit(N_("The board already has a unit called “{name}”."), name=cleaned)
    unit_code = normalize_unit_code(code) if code else _next_code(session, organization)
    if session.exec(select(Enterprise.id).where(Enterprise.tax_code == unit_code)).first():
        raise InvalidUnit(N_("The code {code} is already used."), code=unit_code)
    unit = Enterprise(
        organization_id=organization.id,
        tax_code=unit_code,
        name=cleaned,
        audience=Audience.BOARD_UNITS,
    )
    session.add(unit)
    session.flush()
    audit.record(
        session,
        "unit.add",
        act,
        subject=f"enterprise:{unit.id}",
        after={"code": unit_code, "name": cleaned, "organization": organization.slug},
    )
    return unit


def list_units(session: Session, organization: Organization) -> list[Enterprise]:
    """The board's units, by name."""
    return list(
        session.exec(
            select(Enterprise)
            .where(
                col(Enterprise.organization_id) == organization.id,
                col(Enterprise.audience) == Audience.BOARD_UNITS,
            )
            .order_by(col(Enterprise.name), col(Enterprise.id))
        ).all()
    )
