"""Bulk invites: the selection (all, zone, cluster, not linked), one code per enterprise with the
earlier unused ones revoked, the e-mail invitations queued only where there is no chat, and the
mail-merge XLSX and the Word letters (code, deep link, QR code) read back — on both databases."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.documents.invitations import (
    LetterSettings,
    qr_png,
    write_letter,
    write_letters,
    write_merge_sheet,
)
from bot.i18n import Translator
from bot.models import (
    AuditEntry,
    Channel,
    Cluster,
    Contact,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Enterprise,
    InviteCode,
    Organization,
    Role,
    Zone,
)
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.chat_links import BotNames
from bot.services.enterprise_contacts import update_details
from bot.services.invites import ExpiredCode, redeem_invite
from bot.services.onboarding import OnboardingError, Selection, issue_invites, select_enterprises
from bot.settings import get_settings
from tests.fakes.registry import tax_codes

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NAMES = BotNames(telegram="ThiDuaBacGiangBot", zalo="Thi đua KCN Bắc Giang")


@pytest.fixture(autouse=True)
def email_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_FROM", "td@bql.vn")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def board(session: Session, org: Organization) -> list[Enterprise]:
    """Four enterprises: two in KCN Quang Châu / Cụm 1 (one linked by chat), two in KCN Đình
    Trám / Cụm 2 (one with an e-mail address, one with nothing)."""
    assert org.id is not None
    zones = [Zone(organization_id=org.id, name=n) for n in ("KCN Quang Châu", "KCN Đình Trám")]
    clusters = [Cluster(organization_id=org.id, name=n) for n in ("Cụm 1", "Cụm 2")]
    session.add_all([*zones, *clusters])
    session.flush()
    made = []
    for i, name in enumerate(("Công ty An", "Công ty Bình", "Công ty Cường", "=Công ty Dũng")):
        e = Enterprise(
            organization_id=org.id,
            tax_code=tax_codes(4)[i],
            name=name,
            zone_id=zones[i // 2].id,
            cluster_id=clusters[i // 2].id,
        )
        session.add(e)
        made.append(e)
    session.flush()
    update_details(session, made[0], {"email": "an@congty.vn"}, Act(NOW, TZ))
    update_details(session, made[1], {"email": "binh@congty.vn"}, Act(NOW, TZ))
    update_details(
        session,
        made[2],
        {"contact_email": "cuong@congty.vn", "contact_name": "Lê Văn Cường",
         "contact_position": "Chủ tịch Công đoàn", "contact_phone": "0912345678"},
        Act(NOW, TZ),
    )  # fmt: skip
    session.add(
        Contact(
            channel=Channel.TELEGRAM,
            user_id="77",
            chat_id="77",
            role=Role.OFFICER,
            organization_id=org.id,
            enterprise_id=made[1].id,
        )
    )
    session.commit()
    return made


def _names(rows: list[Enterprise]) -> list[str]:
    return [e.name for e in rows]


def test_selection(session: Session, org: Organization, board: list[Enterprise]) -> None:
    scope = Scope.board(org.id or 0)
    assert _names(select_enterprises(session, scope, Selection())) == [
        "=Công ty Dũng", "Công ty An", "Công ty Bình", "Công ty Cường"
    ]  # fmt: skip
    assert _names(select_enterprises(session, scope, Selection(zone="đình trám"))) == [
        "=Công ty Dũng",
        "Công ty Cường",
    ]
    unlinked = Selection(cluster="Cụm 1", not_linked=True)
    assert _names(select_enterprises(session, scope, unlinked)) == ["Công ty An"]
    with pytest.raises(OnboardingError) as caught:
        select_enterprises(session, scope, Selection(zone="Vân Trung"))
    assert "KCN Quang Châu" in caught.value.message(Translator("vi"))


def test_issue_revokes_and_emails_only_the_unlinked(
    session: Session, org: Organization, board: list[Enterprise], tmp_path: Path
) -> None:
    scope = Scope.board(org.id or 0)
    first = issue_invites(session, org, select_enterprises(session, scope, Selection()),
                          Act(NOW, TZ, actor="cli"), NAMES)  # fmt: skip
    session.commit()
    assert (len(first.issued), first.revoked, first.emailed) == (4, 0, 2)
    mails = session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INVITE)).all()
    to = {session.get(Contact, d.contact_id).chat_id for d in mails}  # type: ignore[union-attr]
    assert to == {"an@congty.vn", "cuong@congty.vn"}  # Bình has a chat account, Dũng no address
    text = next(d.body or "" for d in mails if "Cường" in (d.body or ""))
    code = next(i.code for i in first.issued if i.name == "Công ty Cường")
    assert text.startswith("Thư mời Công ty Cường liên kết với Thi đua Bot của BQL các KCN")
    assert f"https://t.me/ThiDuaBacGiangBot?start={code}" in text
    assert "“Thi đua KCN Bắc Giang”" in text

    # Re-issuing: the first codes are revoked, the unsent invitations cancelled.
    later = NOW + timedelta(hours=1)
    second = issue_invites(session, org, select_enterprises(session, scope, Selection()),
                           Act(later, TZ), NAMES)  # fmt: skip
    session.commit()
    assert (second.revoked, second.emailed) == (4, 2)
    statuses = sorted(
        d.status for d in session.exec(select(Delivery).where(Delivery.kind == DeliveryKind.INVITE))
    )
    assert statuses == [DeliveryStatus.CANCELLED] * 2 + [DeliveryStatus.PENDING] * 2
    officer = Contact(channel=Channel.ZALO, user_id="z1", chat_id="z1")
    session.add(officer)
    session.flush()
    linking = Act(later, TZ, officer.id, "zalo:z1")
    with pytest.raises(ExpiredCode):
        redeem_invite(session, officer, code, linking, email=False)
    new_code = next(i.code for i in second.issued if i.name == "Công ty Cường")
    assert redeem_invite(session, officer, new_code, linking, email=False).name == "Công ty Cường"
    assert session.exec(select(InviteCode)).all().__len__() == 8
    (bulk, _) = session.exec(
        select(AuditEntry).where(AuditEntry.action == "invite.bulk").order_by(col(AuditEntry.id))
    ).all()
    assert bulk.after == {"issued": 4, "revoked": 0, "emailed": 2} and bulk.actor == "cli"


def test_merge_sheet_and_letters_read_back(
    session: Session, org: Organization, board: list[Enterprise], tmp_path: Path
) -> None:
    scope = Scope.board(org.id or 0)
    result = issue_invites(session, org, select_enterprises(session, scope, Selection()),
                           Act(NOW, TZ), NAMES, email=False)  # fmt: skip
    session.commit()
    t = Translator("vi")
    sheet = write_merge_sheet(tmp_path / "moi.xlsx", t, result, NAMES, TZ)
    ws = load_workbook(sheet).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Doanh nghiệp", "Mã số thuế")
    assert "Mã mời" in rows[0] and "Liên kết Telegram" in rows[0]
    by_name = {r[1]: r for r in rows[1:]}
    cuong = by_name["Công ty Cường"]
    issued = next(i for i in result.issued if i.name == "Công ty Cường")
    assert cuong[2] == issued.tax_code and cuong[5:7] == ("Lê Văn Cường", "Chủ tịch Công đoàn")
    assert cuong[8] == "0912 345 678" and cuong[9] == issued.shown_code
    assert cuong[10] == "09/04/2026"  # 30 days
    assert cuong[11] == f"https://t.me/ThiDuaBacGiangBot?start={issued.code}"
    assert "“Thi đua KCN Bắc Giang”" in str(cuong[12])
    # A name that looks like a formula stays text.
    assert "'=Công ty Dũng" in by_name
    assert ws.cell(row=2, column=2).data_type == "s"

    letter = LetterSettings(issued_on=date(2026, 3, 10))
    path = write_letter(tmp_path / "thu", t, result, issued, NAMES, letter, TZ)
    assert path.name.startswith(f"thu-moi-{issued.tax_code}-cong-ty-cuong")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for table in doc.tables for row in table.rows for c in row.cells)
    assert "UBND TỈNH BẮC GIANG" in cells and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "Bắc Giang, ngày 10 tháng 3 năm 2026" in cells
    assert "V/v mời doanh nghiệp liên kết tài khoản với Thi đua Bot" in cells
    assert "Kính gửi: Công ty Cường" in text
    assert issued.shown_code in cells and "09/04/2026" in cells
    assert f"https://t.me/ThiDuaBacGiangBot?start={issued.code}" in cells
    assert "Trên Zalo: tìm “Thi đua KCN Bắc Giang”" in text
    assert "Luật Thi đua, khen thưởng năm 2022 và Nghị định số 98/2023/NĐ-CP" in text
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    (image,) = images
    qr = qr_png(f"https://t.me/ThiDuaBacGiangBot?start={issued.code}")
    assert image.target_part.blob == qr and qr.startswith(b"\x89PNG")

    archive = write_letters(tmp_path / "thu-moi.zip", t, result, NAMES, letter, TZ)
    with zipfile.ZipFile(archive) as z:
        assert len(z.namelist()) == 4
        inside = Document(io.BytesIO(z.read(path.name)))
        assert any(issued.shown_code in c.text for tb in inside.tables for r in tb.rows
                   for c in r.cells)  # fmt: skip
