"""Whom the office reaches outside the chat: an enterprise's e-mail, phone and emulation contact.

The registry keeps six fields per enterprise (its own e-mail and phone; the name, position,
e-mail and phone of the person in charge of emulation work). Every value is checked and
normalised on the way in, by the import and by the staff edits alike:

- e-mail: syntax checked by `email-validator` (no DNS look-up: the office may work offline,
  and a wrong domain shows up as a bounce), stored with the domain in lower case;
- phone: parsed by `phonenumbers` for Viet Nam, stored as E.164 (`+84912345678`); a mobile
  written "0912 345 678", "84912345678" or "+84 91 234 5678" and a landline "0204 3854 123"
  are all accepted, a number that cannot exist in Viet Nam is refused.

The e-mail the bot writes to when an enterprise has no chat account linked is the emulation
contact's, else the enterprise's (`delivery_address`). `sync_email_contacts` keeps one
`Contact` of channel `email` per enterprise on that address: it is the outbox's recipient of
last resort (see bot/services/reach.py), never a linked account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from bot.i18n import N_, Translator
from bot.models import Channel, Contact, Enterprise, Role
from bot.services import audit
from bot.services.acts import Act
from bot.services.errors import InvalidInput

EMAIL, PHONE = "email", "phone"
CONTACT_NAME, CONTACT_POSITION = "contact_name", "contact_position"
CONTACT_EMAIL, CONTACT_PHONE = "contact_email", "contact_phone"
FIELDS: tuple[str, ...] = (
    EMAIL,
    PHONE,
    CONTACT_NAME,
    CONTACT_POSITION,
    CONTACT_EMAIL,
    CONTACT_PHONE,
)
FIELD_LABELS: dict[str, str] = {
    EMAIL: N_("enterprise e-mail"),
    PHONE: N_("enterprise phone"),
    CONTACT_NAME: N_("emulation contact's name"),
    CONTACT_POSITION: N_("emulation contact's position"),
    CONTACT_EMAIL: N_("emulation contact's e-mail"),
    CONTACT_PHONE: N_("emulation contact's phone"),
}
TEXT_MAX = 255
REGION = "VN"
EMAIL_USER_PREFIX = "enterprise:"  # user_id of an enterprise's e-mail contact


class ContactDetailError(InvalidInput):
    """A contact value that cannot be stored; `msgid`/`params` say why."""


def normalize_email(raw: str) -> str:
    """The address as stored, or ContactDetailError saying what is wrong with it."""
    text = raw.strip().removeprefix("mailto:").strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ContactDetailError(
            N_("“{value}” is not a valid e-mail address (e.g. nhansu@congty.vn)."),
            value=text,
        ) from None
    return str(checked.normalized)


def normalize_phone(raw: str) -> str:
    """A Vietnamese phone number as E.164 (+84…), or ContactDetailError."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None and text.isdigit() and text.startswith("84"):
        number = phonenumbers.parse("+" + text, REGION)
    if number is not None and not phonenumbers.is_valid_number(number):
        # "84912345678" parses as a national number in VN; try it as the country code.
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits.startswith("84"):
            retry = phonenumbers.parse("+" + digits, REGION)
            number = retry if phonenumbers.is_valid_number(retry) else number
    if number is None or not phonenumbers.is_valid_number(number):
        raise ContactDetailError(
            N_("“{value}” is not a valid Vietnamese phone number (e.g. 0912 345 678)."),
            value=text,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str | None) -> str:
    """A stored E.164 number as an office writes it: "0912 345 678"."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, REGION)
    except phonenumbers.NumberParseException:
        return stored
    if number.country_code == 84:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_value(field: str, raw: str) -> str | None:
    """One field's value as stored; blank means "none" (None)."""
    text = " ".join(raw.split())
    if not text:
        return None
    if field in (EMAIL, CONTACT_EMAIL):
        return normalize_email(text)
    if field in (PHONE, CONTACT_PHONE):
        return normalize_phone(text)
    if len(text) > TEXT_MAX:
        raise ContactDetailError(
            N_("The {field} is longer than {max} characters."),
            field=_Label(FIELD_LABELS[field]),
            max=TEXT_MAX,
        )
    return text


@dataclass(frozen=True)
class _Label:
    """A field label translated with the message that names it."""

    msgid: str

    def localize(self, language: str) -> str:
        return Translator(language)(self.msgid)


def details(enterprise: Enterprise) -> dict[str, str | None]:
    """The six stored values by field name."""
    return {name: getattr(enterprise, name) for name in FIELDS}


def detail_lines(t: Translator, enterprise: Enterprise) -> list[str]:
    """The six fields as "label: value" lines ("-" when empty), phones written the VN way."""
    lines = []
    for name in FIELDS:
        value = getattr(enterprise, name)
        if name in (PHONE, CONTACT_PHONE):
            value = display_phone(value)
        lines.append(f"{t(FIELD_LABELS[name])}: {value or '-'}")
    return lines


def delivery_address(enterprise: Enterprise) -> str | None:
    """The address the bot writes to: the emulation contact's, else the enterprise's."""
    return enterprise.contact_email or enterprise.email


def apply_details(enterprise: Enterprise, values: Mapping[str, str | None]) -> bool:
    """Set already-normalised values; True when something changed."""
    changed = False
    for name, value in values.items():
        if name not in FIELDS:
            raise KeyError(name)
        if getattr(enterprise, name) != value:
            setattr(enterprise, name, value)
            changed = True
    return changed


def update_details(
    session: Session,
    enterprise: Enterprise,
    raw: Mapping[str, str],
    act: Act,
) -> bool:
    """Check, store and audit (as `act`) staff's edit of one enterprise's contacts ("" clears
    a field).

    Raises ContactDetailError (nothing changed) on the first bad value. Keeps the e-mail
    contact in step. True when something changed.
    """
    values = {name: normalize_value(name, text) for name, text in raw.items()}
    before = details(enterprise)
    if not apply_details(enterprise, values):
        return False
    session.add(enterprise)
    audit.record(
        session,
        "enterprise.contacts",
        act,
        subject=f"enterprise:{enterprise.id}",
        before={k: before[k] for k in values},
        after={k: values[k] for k in values},
    )
    sync_email_contacts(session, [enterprise])
    return True


def email_user_id(enterprise_id: int) -> str:
    return f"{EMAIL_USER_PREFIX}{enterprise_id}"


def sync_email_contacts(session: Session, enterprises: Iterable[Enterprise]) -> int:
    """One e-mail Contact per enterprise on its delivery address; returns how many changed.

    A new or changed address makes the contact reachable again (a bounce was about the old
    one); an enterprise without an address keeps its contact row (past deliveries point to
    it) but marked unreachable, so nothing is queued for it.
    """
    wanted = {e.id: e for e in enterprises if e.id is not None}
    if not wanted:
        return 0
    existing: dict[str, Contact] = {}
    ids = [email_user_id(i) for i in wanted]
    for start in range(0, len(ids), 500):
        for row in session.exec(
            select(Contact).where(
                Contact.channel == Channel.EMAIL, col(Contact.user_id).in_(ids[start : start + 500])
            )
        ):
            existing[row.user_id] = row
    changed = 0
    for enterprise_id, enterprise in wanted.items():
        address = delivery_address(enterprise)
        name = enterprise.contact_name or ""
        contact = existing.get(email_user_id(enterprise_id))
        if contact is None:
            if address is None:
                continue
            contact = Contact(
                channel=Channel.EMAIL,
                user_id=email_user_id(enterprise_id),
                chat_id=address,
                role=Role.OFFICER,
                organization_id=enterprise.organization_id,
                enterprise_id=enterprise_id,
            )
        elif address is None:
            if not contact.reachable:
                continue
            contact.reachable = False
        elif contact.chat_id == address and contact.display_name == name:
            continue
        elif contact.chat_id != address:
            contact.chat_id, contact.reachable = address, True
        contact.display_name = name
        session.add(contact)
        changed += 1
    session.flush()
    return changed
