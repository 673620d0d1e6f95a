"""Contacts in the registry: e-mail and phone checked and normalised, imported with any header
language and order, bad lines named, staff edits audited, the e-mail contact kept in step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from bot.i18n import Translator
from bot.models import AuditEntry, Channel, Contact, Enterprise, Organization, Role
from bot.services.acts import Act
from bot.services.enterprise_contacts import (
    ContactDetailError,
    delivery_address,
    display_phone,
    email_user_id,
    normalize_email,
    normalize_phone,
    update_details,
)
from bot.services.enterprises import header_field, import_enterprises, list_enterprises
from bot.services.taxcode import make_tax_code
from tests.values import set_up

A, B, C = make_tax_code("240010004"), make_tax_code("240765432"), make_tax_code("010010910")
NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
SETUP = set_up(NOW)  # an import, or a change the bot itself makes


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("+84 91 234 5678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("912345678", "+84912345678"),  # Excel dropped the leading zero
        ("0204 3854 123", "+842043854123"),  # Bắc Giang landline
        ("(0204) 3.854.123", "+842043854123"),
    ],
)
def test_vietnamese_phone_numbers_are_stored_as_e164(raw: str, stored: str) -> None:
    assert normalize_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "0912 345", "điện thoại", "+1 202 555 01"])
def test_impossible_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ContactDetailError) as caught:
        normalize_phone(raw)
    assert "0912 345 678" in caught.value.message(Translator("vi"))


def test_phone_is_shown_the_way_an_office_writes_it() -> None:
    assert display_phone("+84912345678") == "0912 345 678"
    assert display_phone("+842043854123").startswith("0204")
    assert display_phone(None) == ""


def test_email_is_checked_and_its_domain_lowered() -> None:
    assert normalize_email(" Nhansu@CongTyA.VN ") == "Nhansu@congtya.vn"
    assert normalize_email("mailto:hr@kcn.vn") == "hr@kcn.vn"
    for bad in ("nhansu@", "nhansu congtya.vn", "a@b", "hr@@kcn.vn"):
        with pytest.raises(ContactDetailError):
            normalize_email(bad)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Thư điện tử", "email"),
        ("Số điện thoại", "phone"),
        ("SĐT", "phone"),
        ("Người phụ trách thi đua", "contact_name"),
        ("Contact person", "contact_name"),
        ("Chức vụ", "contact_position"),
        ("Email người liên hệ", "contact_email"),
        ("Contact e-mail", "contact_email"),
        ("Điện thoại người liên hệ", "contact_phone"),
        ("Di động", "contact_phone"),
        ("Số di động của người phụ trách thi đua", "contact_phone"),
        ("Địa chỉ email của công ty", "email"),
    ],
)
def test_contact_headers_in_both_languages(header: str, field: str) -> None:
    assert header_field(header) == field


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_takes_contacts_in_any_order_and_names_bad_lines(
    session: Session, org: Organization, tmp_path: Path
) -> None:
    path = _xlsx(
        tmp_path / "dn.xlsx",
        [
            [
                "Di động người liên hệ",
                "Tên doanh nghiệp",
                "Người liên hệ",
                "MST",
                "Email",
                "Chức vụ",
                "Điện thoại",
                "Email người liên hệ",
            ],
            [
                912345678,
                "Công ty A",
                "Nguyễn Thị Hoa",
                A,
                "info@a.vn",
                "Trưởng phòng Nhân sự",
                "0204 3854 123",
                "Hoa.NT@A.VN",
            ],
            ["0988 111 222", "Công ty B", "", B, "", "", "", ""],
            ["", "Công ty C", "", C, "khong-phai-email", "", "", ""],
            ["0123", "Công ty D", "", make_tax_code("010024548"), "", "", "", ""],
        ],
    )
    result = import_enterprises(session, org, path, SETUP)
    session.commit()
    assert result.created == 2
    assert [(r.line, r.msgid) for r in result.rejected] == [
        (4, "“{value}” is not a valid e-mail address (e.g. nhansu@congty.vn)."),
        (5, "“{value}” is not a valid Vietnamese phone number (e.g. 0912 345 678)."),
    ]
    vi = Translator("vi")
    assert "khong-phai-email" in result.rejected[0].reason(vi)
    a = session.exec(select(Enterprise).where(Enterprise.tax_code == A)).one()
    assert (a.email, a.phone, a.contact_name, a.contact_position) == (
        "info@a.vn",
        "+842043854123",
        "Nguyễn Thị Hoa",
        "Trưởng phòng Nhân sự",
    )
    assert (a.contact_email, a.contact_phone) == ("Hoa.NT@a.vn", "+84912345678")
    assert delivery_address(a) == "Hoa.NT@a.vn"

    # One e-mail contact for A (the emulation contact's address), none for B (no address).
    mails = session.exec(select(Contact).where(Contact.channel == Channel.EMAIL)).all()
    assert [(m.user_id, m.chat_id, m.role, m.reachable) for m in mails] == [
        (email_user_id(a.id or 0), "Hoa.NT@a.vn", Role.OFFICER, True)
    ]
    # The e-mail contact is not a linked officer.
    assert {r.tax_code: r.officers for r in list_enterprises(session, org)} == {A: 0, B: 0}

    # Re-importing the same file changes nothing; a blank cell keeps the stored value.
    again = import_enterprises(session, org, path, SETUP)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


STAFF = Act(NOW, UTC, actor="telegram:1")  # an edit in the chat


def test_staff_edit_is_checked_audited_and_moves_the_email_contact(
    session: Session, org: Organization
) -> None:
    enterprise = Enterprise(organization_id=org.id or 0, tax_code=A, name="Công ty A")
    session.add(enterprise)
    session.commit()
    with pytest.raises(ContactDetailError):
        update_details(session, enterprise, {"contact_phone": "12"}, STAFF)
    assert enterprise.contact_phone is None

    assert update_details(session, enterprise, {"email": "info@a.vn"}, STAFF)
    contact = session.exec(select(Contact).where(Contact.channel == Channel.EMAIL)).one()
    assert contact.chat_id == "info@a.vn"
    contact.reachable = False  # it bounced
    session.add(contact)
    session.commit()

    assert update_details(
        session,
        enterprise,
        {"contact_email": "hoa@a.vn", "contact_name": "Nguyễn Thị Hoa"},
        STAFF,
    )
    session.commit()
    session.refresh(contact)
    assert (contact.chat_id, contact.reachable, contact.display_name) == (
        "hoa@a.vn",
        True,
        "Nguyễn Thị Hoa",
    )
    assert not update_details(session, enterprise, {"contact_email": "hoa@a.vn"}, SETUP)

    # Clearing every address leaves the contact in place but unreachable.
    update_details(session, enterprise, {"contact_email": "", "email": ""}, SETUP)
    session.commit()
    session.refresh(contact)
    assert contact.reachable is False
    audits = session.exec(
        select(AuditEntry).where(AuditEntry.action == "enterprise.contacts")
    ).all()
    assert len(audits) == 3
    assert audits[0].after == {"email": "info@a.vn"}
