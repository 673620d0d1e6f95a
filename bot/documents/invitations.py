"""What the office prints and sends after issuing invites in bulk: a mail-merge sheet and letters.

- `write_merge_sheet`: one XLSX row per enterprise (enterprise, tax code, zone, cluster, whom
  to address, e-mail, phone, code, valid until, Telegram deep link, instructions) — ready for
  Word's mail merge or for the office to phone down the list.
- `write_letter` / `write_letters`: one Word letter per enterprise in the Vietnamese
  administrative layout of bot/documents/official.py (Nghị định 30/2020/NĐ-CP: the board's
  header, number, place and date, "V/v", "Kính gửi"), carrying the code, the deep link and
  its QR code (`segno`), and how to find the bot on Zalo. `write_letters` packs them in one
  ZIP (one .docx per enterprise, named by tax code) to send through the chat.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

import segno
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from bot.documents.official import (
    OfficialHeader,
    Recipients,
    Signature,
    add_paragraph,
    add_signature,
    new_document,
    spacer,
)
from bot.i18n import Translator
from bot.services.chat_links import BotNames, how_to_link
from bot.services.enterprise_contacts import display_phone
from bot.services.onboarding import Issued, IssueResult
from bot.services.provinces import committee

QR_SCALE = 6
LETTER_PT = 13  # the decree allows 13-14 pt; 13 keeps the letter on one page
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class LetterSettings:
    """What the letter needs beyond the invites: who signs and where it is dated."""

    issued_on: date
    signer_position: str = "CHÁNH VĂN PHÒNG"
    signer_authority: str = "TL. TRƯỞNG BAN"
    signer_name: str = ""
    symbol: str = "BQL-VP"


def qr_png(link: str) -> bytes:
    """The QR code of `link` as a PNG (error correction M, a quiet zone of 2 modules)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=QR_SCALE, border=2)
    return buffer.getvalue()


def _safe(value: str) -> str:
    """Text a spreadsheet must not read as a formula (a name starting with "=")."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_merge_sheet(
    path: Path, t: Translator, result: IssueResult, names: BotNames, tz: tzinfo
) -> Path:
    """The mail-merge XLSX: one row per issued code, headers in the reader's language."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = t("Invites")[:31]
    headers = [
        t("No."),
        t("Enterprise"),
        t("Tax code"),
        t("Zone"),
        t("Cluster"),
        t("Addressee"),
        t("Position"),
        t("E-mail"),
        t("Phone"),
        t("Invite code"),
        t("Valid until"),
        t("Telegram link"),
        t("Instructions"),
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for number, issued in enumerate(result.issued, start=1):
        expires = issued.expires_at.astimezone(tz)
        link = names.telegram_link(issued.code) or ""
        ws.append(
            [
                number,
                _safe(issued.name),
                issued.tax_code,
                _safe(issued.zone),
                _safe(issued.cluster),
                _safe(issued.contact_name),
                _safe(issued.contact_position),
                issued.email,
                display_phone(issued.phone),
                issued.shown_code,
                t.date(expires.date()),
                link,
                " ".join(how_to_link(t, names, issued.code)),
            ]
        )
        if link:
            ws.cell(row=number + 1, column=12).hyperlink = link
    widths = [5, 34, 13, 18, 16, 22, 20, 26, 14, 12, 12, 40, 60]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "@"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    # Printed, it is a list to phone down: landscape A4, every column on the page width.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "1:1"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _letter_bytes(
    t: Translator, result: IssueResult, issued: Issued, names: BotNames, letter: LetterSettings,
    tz: tzinfo,
) -> bytes:  # fmt: skip
    board = result.board
    header = OfficialHeader(
        parent_body=committee(result.province).short,
        issuing_body=board.upper(),
        symbol=letter.symbol,
        place=result.province,
        issued_on=letter.issued_on,
        subject=t("inviting the enterprise to link with the Thi đua Bot"),
        recipient=issued.name,
    )
    doc = new_document(header, body_pt=LETTER_PT)
    expires = issued.expires_at.astimezone(tz)
    add_paragraph(
        doc,
        t(
            "Pursuant to the Law on Emulation and Commendation 2022 and Decree No. "
            "98/2023/NĐ-CP of the Government, and to make launching the emulation movement, "
            "registering emulation titles and reporting simpler, {board} uses the Thi đua Bot, "
            "a chat assistant on Telegram and Zalo. Through it the enterprise receives the "
            "board's notices and deadline reminders and sends its registrations and reports "
            "from a phone.",
            board=board,
        ),
    )
    add_paragraph(
        doc,
        t(
            "{board} asks {enterprise} (tax code {tax_code}) to have the person in charge of "
            "emulation work (HR or the trade union) link a chat account with the invite code "
            "below:",
            board=board,
            enterprise=issued.name,
            tax_code=issued.tax_code,
        ),
    )
    link = names.telegram_link(issued.code)
    _code_box(doc, t, issued, expires, link)
    add_paragraph(doc, t("How to link:"), bold=True)
    for line in how_to_link(t, names, issued.code, link_shown=link is not None):
        add_paragraph(doc, f"- {line}")
    add_paragraph(
        doc,
        t(
            "Each code links one account. Once linked, the board's notices reach the "
            "enterprise in the chat instead of by e-mail. For another officer's code or any "
            "question, please contact the board's office."
        ),
    )
    add_signature(
        doc,
        Signature(
            position=letter.signer_position,
            authority=letter.signer_authority,
            name=letter.signer_name,
        ),
        Recipients(names=(t("As above"),), archive="VT, VP"),
    )
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _code_box(
    doc: Document, t: Translator, issued: Issued, expires: datetime, link: str | None
) -> None:
    """The code and its expiry on the left, the QR code of the deep link on the right."""
    table = doc.add_table(rows=1, cols=2 if link else 1)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left = table.rows[0].cells[0]
    first = left.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    label = first.add_run(t("Invite code") + "\n")
    label.font.size = Pt(13)
    code = first.add_run(issued.shown_code)
    code.bold = True
    code.font.size = Pt(24)
    code.font.name = "Courier New"
    valid = left.add_paragraph()
    valid.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = valid.add_run(t("Valid until {date} (one use)", date=t.date(expires.date())))
    run.italic = True
    run.font.size = Pt(12)
    if link:
        shown = left.add_paragraph()
        shown.alignment = WD_ALIGN_PARAGRAPH.CENTER
        small = shown.add_run(link)
        small.font.size = Pt(11)
        right = table.rows[0].cells[1]
        picture = right.paragraphs[0]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.space_before = Pt(4)
        picture.add_run().add_picture(io.BytesIO(qr_png(link)), width=Mm(30))
        caption = right.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        note = caption.add_run(t("Scan with the phone's camera to open Telegram"))
        note.font.size = Pt(10)
        table.columns[0].width = Mm(110)
        table.columns[1].width = Mm(55)
        for cell, width in zip(table.rows[0].cells, (Mm(110), Mm(55)), strict=True):
            cell.width = width
    spacer(doc)


def letter_name(issued: Issued) -> str:
    """ "thu-moi-0100109106-cong-ty-a.docx": sortable by tax code, readable, ASCII."""
    folded = unicodedata.normalize("NFD", issued.name.replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^a-z0-9]+", "-", "".join(c for c in folded.lower() if c.isascii()))
    return f"thu-moi-{issued.tax_code}-{slug.strip('-')[:40]}.docx"


def write_letter(
    folder: Path, t: Translator, result: IssueResult, issued: Issued, names: BotNames,
    letter: LetterSettings, tz: tzinfo,
) -> Path:  # fmt: skip
    """One enterprise's letter as a .docx in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / letter_name(issued)
    path.write_bytes(_letter_bytes(t, result, issued, names, letter, tz))
    return path


def write_letters(
    path: Path, t: Translator, result: IssueResult, names: BotNames, letter: LetterSettings,
    tz: tzinfo, only: Sequence[Issued] | None = None,
) -> Path:  # fmt: skip
    """Every letter in one ZIP (one .docx per enterprise), for sending through the chat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for issued in only if only is not None else result.issued:
            archive.writestr(
                letter_name(issued), _letter_bytes(t, result, issued, names, letter, tz)
            )
    return path
