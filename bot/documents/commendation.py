"""The documents of the year's closing, from the database, on the frame of official.py.

- "Danh sách đề nghị khen thưởng": the entries the board carries forward, grouped by the level
  that awards them (the board's head, the Chairman of the provincial People's Committee, the
  Prime Minister) and, within a level, by title or form;
- the board's "Tờ trình" to the province: what the board proposes, counted by form, with the
  ranking per cluster where the plan scores;
- the decision's annex ("Phụ lục … kèm theo Quyết định số …"): who received which title or form.

Each has an XLSX twin with the same rows (`*_rows` give them to both). The documents are in
Vietnamese: they go to the province whatever the reader's chat language.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from bot.documents.official import (
    OfficialHeader,
    Recipients,
    Signature,
    add_heading,
    add_paragraph,
    add_signature,
    add_table,
    new_document,
)
from bot.i18n import Translator
from bot.models.campaign import Campaign
from bot.models.commendation import Decision
from bot.models.enums import Nominee
from bot.models.organization import Organization
from bot.services import commendations as com
from bot.services.provinces import committee
from bot.services.sheets import Heading, make_printable
from bot.services.titles import get_title, title_and_form

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
LIST_HEADERS = (
    "STT",
    "Tên cá nhân, tập thể",
    "Chức vụ, đơn vị",
    "Doanh nghiệp",
    "Tóm tắt thành tích",
    "Sáng kiến",
)
# The law keeps danh hiệu thi đua and hình thức khen thưởng apart: two columns, one filled.
FORM_HEADERS = ("Danh hiệu thi đua", "Hình thức khen thưởng")
ANNEX_HEADERS = (
    "STT",
    "Tên cá nhân, tập thể",
    "Chức vụ, đơn vị",
    "Doanh nghiệp",
    *FORM_HEADERS,
)
YOY_HEADERS = ("STT", "Doanh nghiệp", "Mã số thuế")


@dataclass(frozen=True)
class Signing:
    """Who signs the board's documents (quyền hạn, chức vụ, họ tên) and its register symbols."""

    position: str = "Trưởng ban"
    name: str = ""
    authority: str = ""
    submission_symbol: str = "TTr-BQL"
    number: str | None = None


def _organization(session: Session, campaign: Campaign) -> Organization:
    organization = session.get(Organization, campaign.organization_id)
    assert organization is not None
    return organization


def _header(
    organization: Organization,
    on: date,
    symbol: str,
    doc_type: str,
    subject: str,
    *,
    number: str | None = None,
    recipient: str | None = None,
) -> OfficialHeader:
    return OfficialHeader(
        parent_body=committee(organization.province).short,
        issuing_body=organization.name,
        symbol=symbol,
        place=organization.province,
        issued_on=on,
        number=number,
        doc_type=doc_type,
        subject=subject,
        recipient=recipient,
    )


def _mid(text: str) -> str:
    """A title used inside a sentence: "Phong trào thi đua năm 2026" -> "phong trào …"."""
    return text[:1].lower() + text[1:] if text[:2].istitle() else text


def authority_in_words(authority: str, organization: Organization) -> str:
    """Who signed, as the annex names it: "Trưởng ban BQL các KCN Bắc Giang"…"""
    if authority == "board":
        return f"Trưởng ban {organization.name}"
    if authority == "province":
        return committee(organization.province).chairman()
    return _LEVELS.get(authority, authority)


# How the documents name a level of commendation (the documents are Vietnamese whatever the
# reader's language); the province's is "Chủ tịch UBND tỉnh" or "… thành phố", see level_in_words.
_LEVELS = {"board": "Trưởng ban Ban Quản lý", "government": "Thủ tướng Chính phủ"}


def level_in_words(authority: str, organization: Organization) -> str:
    """The level as a list's column says it: "Chủ tịch UBND tỉnh", "Thủ tướng Chính phủ"…"""
    if authority == "province":
        return committee(organization.province).chairman(named=False)
    return _LEVELS.get(authority, authority)


def _level_heading(authority: str, organization: Organization) -> str:
    """ "II. ĐỀ NGHỊ CHỦ TỊCH UBND TỈNH KHEN THƯỞNG" and its siblings, without the numeral."""
    if authority == "board":
        return "THUỘC THẨM QUYỀN TRƯỞNG BAN"
    return f"ĐỀ NGHỊ {level_in_words(authority, organization).upper()} KHEN THƯỞNG"


def _title(code: str) -> str:
    try:
        return get_title(code).name_vi
    except Exception:  # an unknown code is shown as is
        return code


def _group_name(code: str) -> str:
    """A group's heading as a decision words it: Danh hiệu “Lao động tiên tiến” for a danh hiệu
    thi đua; a hình thức khen thưởng (Bằng khen của …) names itself."""
    title, form = _columns(code)
    return form or f"Danh hiệu “{title}”"


def _columns(code: str) -> tuple[str, str]:
    """(danh hiệu thi đua, hình thức khen thưởng) in Vietnamese, one of the two blank."""
    return title_and_form(code, "vi")


def _who(row: com.Row) -> tuple[str, str]:
    entry = row.entry
    if entry.nominee == Nominee.INDIVIDUAL:
        return entry.full_name, ", ".join(p for p in (entry.position, entry.unit_name) if p)
    return entry.unit_name, ""


def _groups(rows: list[com.Row]) -> list[tuple[str, list[tuple[str, list[com.Row]]]]]:
    """Rows by level, then by title or form, in the order of `com.LEVELS`."""
    by_level: dict[str, dict[str, list[com.Row]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_level[com.level_of(row.code).authority][row.code].append(row)
    ordered = []
    for authority in com.AUTHORITIES:
        forms = by_level.get(authority)
        if not forms:
            continue
        codes = sorted(forms, key=lambda c: list(com.LEVELS).index(c) if c in com.LEVELS else 99)
        ordered.append((authority, [(code, forms[code]) for code in codes]))
    return ordered


# --- the list of proposals -----------------------------------------------------------


def proposal_list_rows(session: Session, campaign: Campaign) -> list[com.Row]:
    """The entries the board carries forward: accepted, or accepted at a lower form."""
    return com.proposal_rows(session, campaign, reviewed_only=True)


def proposal_list(
    session: Session, campaign: Campaign, on: date, signing: Signing = Signing()
) -> Document:
    """ "Danh sách đề nghị khen thưởng", landscape, by level and form."""
    organization = _organization(session, campaign)
    rows = proposal_list_rows(session, campaign)
    header = _header(
        organization,
        on,
        "DS-BQL",
        "Danh sách",
        f"Đề nghị khen thưởng các tập thể, cá nhân có thành tích trong {_mid(campaign.title)}",
    )
    doc = new_document(header, landscape=True)
    if not rows:
        add_paragraph(doc, "Chưa có đề nghị nào được Ban bình xét đồng ý.", indent_first=False)
    for index, (authority, forms) in enumerate(_groups(rows)):
        add_heading(doc, f"{ROMAN[index]}. {_level_heading(authority, organization)}")
        for number, (code, members) in enumerate(forms, 1):
            add_heading(doc, f"{number}. {_group_name(code)} ({len(members)})")
            add_table(
                doc,
                LIST_HEADERS,
                [
                    [
                        i,
                        *_who(r),
                        r.enterprise.name,
                        r.entry.summary,
                        r.entry.initiative,
                    ]
                    for i, r in enumerate(members, 1)
                ],
                widths_mm=(15, 44, 40, 44, 77, 32),
            )
    add_signature(
        doc,
        Signature(position=signing.position, name=signing.name, authority=signing.authority),
    )
    return doc


# --- the submission to the province (Tờ trình) ----------------------------------------


def form_counts(rows: list[com.Row]) -> list[tuple[str, int, int]]:
    """(title or form, collectives, individuals) in the order of the levels."""
    counts: Counter[tuple[str, str]] = Counter((r.code, str(r.entry.nominee)) for r in rows)
    codes = []
    for row in rows:
        if row.code not in codes:
            codes.append(row.code)
    return [(c, counts[(c, Nominee.COLLECTIVE)], counts[(c, Nominee.INDIVIDUAL)]) for c in codes]


def submission_letter(
    session: Session, campaign: Campaign, on: date, signing: Signing = Signing()
) -> Document:
    """The board's Tờ trình to the Chairman of the provincial People's Committee."""
    organization = _organization(session, campaign)
    chairman = committee(organization.province).chairman(named=False)
    rows = [
        r
        for r in proposal_list_rows(session, campaign)
        if com.level_of(r.code).authority != "board" and r.entry.decision_id is None
    ]
    enterprises = {r.enterprise.id for r in com.proposal_rows(session, campaign)}
    header = _header(
        organization,
        on,
        signing.submission_symbol,
        "Tờ trình",
        "Về việc đề nghị khen thưởng các tập thể, cá nhân có thành tích trong "
        f"{_mid(campaign.title)}",
        number=signing.number,
        recipient=f"Chủ tịch {committee(organization.province).full}",
    )
    doc = new_document(header)
    add_paragraph(
        doc,
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022; Nghị định số "
        "98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành một "
        "số điều của Luật Thi đua, khen thưởng;",
    )
    plan = f" số {campaign.document_number}" if campaign.document_number else ""
    add_paragraph(
        doc,
        f"Căn cứ Kế hoạch{plan} của {organization.name} phát động {_mid(campaign.title)} "
        "và kết quả bình xét của Hội đồng Thi đua - Khen thưởng của Ban;",
    )
    collectives = sum(1 for r in rows if r.entry.nominee == Nominee.COLLECTIVE)
    individuals = len(rows) - collectives
    received = (
        f"Năm {campaign.year}, {organization.name} nhận đề nghị khen thưởng của "
        f"{len(enterprises):02d} doanh nghiệp."
    )
    if rows:
        add_paragraph(
            doc,
            f"{received} Qua bình xét, {organization.name} kính trình {chairman} xem "
            f"xét, khen thưởng {collectives:02d} tập thể và {individuals:02d} cá nhân có thành "
            "tích xuất sắc, cụ thể:",
        )
        add_table(
            doc,
            ("STT", *FORM_HEADERS, "Tập thể", "Cá nhân"),
            [
                [i, *_columns(code), f"{collective:02d}", f"{individual:02d}"]
                for i, (code, collective, individual) in enumerate(form_counts(rows), 1)
            ],
            widths_mm=(15, 48, 48, 24, 25),
            number_columns=(3, 4),
        )
    else:
        add_paragraph(
            doc,
            f"{received} Qua bình xét, chưa có tập thể, cá nhân nào được đề nghị {chairman} "
            "khen thưởng.",
        )
    ranked = [r for r in com.ranking(session, campaign) if r.shortlisted]
    if ranked:
        add_paragraph(
            doc,
            "Kết quả chấm điểm thi đua, các doanh nghiệp dẫn đầu cụm thi đua (làm căn cứ đề nghị "
            "Cờ thi đua, Bằng khen):",
        )
        add_table(
            doc,
            ("STT", "Doanh nghiệp", "Cụm thi đua", "Tổng điểm"),
            [[i, r.enterprise_name, r.cluster, _points(r.total)] for i, r in enumerate(ranked, 1)],
            widths_mm=(15, 80, 45, 25),
            number_columns=(3,),
        )
    add_paragraph(doc, "(Có danh sách chi tiết kèm theo).", italic=True)
    add_paragraph(
        doc,
        f"{organization.name} kính trình {chairman} xem xét, quyết định./.",
    )
    add_signature(
        doc,
        Signature(position=signing.position, name=signing.name, authority=signing.authority),
        Recipients(["Như trên", "Sở Nội vụ (Ban Thi đua - Khen thưởng)", "Lãnh đạo Ban"], "VT"),
    )
    return doc


def _points(value: object) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# --- the decision's annex -----------------------------------------------------------


def annex_rows(session: Session, decision: Decision) -> list[com.Row]:
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None
    return [
        r
        for r in com.proposal_rows(session, campaign, reviewed_only=True)
        if r.entry.decision_id == decision.id
    ]


def decision_annex(session: Session, decision: Decision) -> Document:
    """ "Danh sách … được khen thưởng (Kèm theo Quyết định số … ngày …)"."""
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None
    organization = _organization(session, campaign)
    rows = annex_rows(session, decision)
    number, _, symbol = decision.number.partition("/")
    if not symbol:
        number, symbol = decision.number, "QĐ"
    header = _header(
        organization,
        decision.signed_on,
        symbol,
        "Phụ lục",
        f"Danh sách tập thể, cá nhân được khen thưởng trong {_mid(campaign.title)}",
        number=number,
    )
    doc = new_document(header, landscape=True)
    authority = authority_in_words(decision.authority, organization)
    add_paragraph(
        doc,
        f"(Kèm theo Quyết định số {decision.number} ngày {decision.signed_on:%d/%m/%Y} "
        f"của {authority})",
        italic=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_first=False,
    )
    for index, (_authority, forms) in enumerate(_groups(rows)):
        for position, (code, members) in enumerate(forms, 1):
            add_heading(doc, f"{ROMAN[index]}.{position}. {_group_name(code)}: {len(members):02d}")
            # One table per title or form: its column is headed by what it is in law (danh
            # hiệu thi đua or hình thức khen thưởng), not a column left blank down the page.
            kind = FORM_HEADERS[1] if _columns(code)[1] else FORM_HEADERS[0]
            add_table(
                doc,
                (*ANNEX_HEADERS[:4], kind),
                [
                    [i, *_who(r), r.enterprise.name, _title(r.code)]
                    for i, r in enumerate(members, 1)
                ],
                widths_mm=(15, 55, 55, 65, 57),
            )
    return doc


# --- XLSX twins ---------------------------------------------------------------------


HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _sheet(wb: Workbook, title: str, headers: tuple[str, ...]) -> Worksheet:
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = title[:31]
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    return ws


def _widths(ws: Worksheet, widths: tuple[int, ...]) -> None:
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def _print_and_save(
    session: Session,
    wb: Workbook,
    ws: Worksheet,
    path: Path,
    title: str,
    campaign: Campaign,
    now: datetime,
    tz: tzinfo,
) -> None:
    """Give the sheet its title block and print setup (bot/services/sheets.py), then save;
    "as of" is `now` in the board's time zone `tz`, both handed in by the caller (nothing
    here reads the clock or the settings)."""
    board = _organization(session, campaign).name
    at = now.astimezone(tz)
    make_printable(ws, Heading(title, campaign.title, board, at), Translator("vi"))
    _save(wb, path)


def proposal_list_xlsx(
    session: Session, campaign: Campaign, path: Path, now: datetime, tz: tzinfo
) -> int:
    """The list's rows as XLSX (level and form as columns); returns the number of rows."""
    organization = _organization(session, campaign)
    wb = Workbook()
    headers = (*LIST_HEADERS[:4], *FORM_HEADERS, "Cấp khen thưởng", *LIST_HEADERS[4:])
    ws = _sheet(wb, "Danh sách đề nghị", headers)
    rows = proposal_list_rows(session, campaign)
    for i, r in enumerate(rows, 1):
        level = com.level_of(r.code).authority
        ws.append(
            [
                i,
                *_who(r),
                r.enterprise.name,
                *_columns(r.code),
                level_in_words(level, organization),
                r.entry.summary,
                r.entry.initiative,
            ]
        )
    _widths(ws, (6, 28, 28, 30, 26, 26, 22, 60, 30))
    title = "Danh sách đề nghị khen thưởng"
    _print_and_save(session, wb, ws, path, title, campaign, now, tz)
    return len(rows)


def decision_annex_xlsx(
    session: Session, decision: Decision, path: Path, now: datetime, tz: tzinfo
) -> int:
    campaign = session.get(Campaign, decision.campaign_id)
    assert campaign is not None
    wb = Workbook()
    ws = _sheet(wb, "Phụ lục quyết định", (*ANNEX_HEADERS, "Quyết định"))
    rows = annex_rows(session, decision)
    for i, r in enumerate(rows, 1):
        ws.append(
            [
                i,
                *_who(r),
                r.enterprise.name,
                *_columns(r.code),
                f"{decision.number} ngày {decision.signed_on:%d/%m/%Y}",
            ]
        )
    _widths(ws, (6, 30, 30, 32, 26, 26, 28))
    title = f"Danh sách được khen thưởng (Quyết định số {decision.number})"
    _print_and_save(session, wb, ws, path, title, campaign, now, tz)
    return len(rows)


def year_over_year_xlsx(
    session: Session, campaign: Campaign, path: Path, now: datetime, tz: tzinfo
) -> int:
    """Per enterprise: registered / proposed / awarded for each campaign of the board."""
    campaigns, table = com.year_over_year(session, campaign.organization_id)
    headers: list[str] = list(YOY_HEADERS)
    for c in campaigns:
        headers += [f"{c.year}: đăng ký", f"{c.year}: đề nghị", f"{c.year}: được khen"]
    wb = Workbook()
    ws = _sheet(wb, "Qua các năm", tuple(headers))
    for i, (enterprise, per) in enumerate(table, 1):
        cells: list[object] = [i, enterprise.name, enterprise.tax_code]
        for c in campaigns:
            counts = per.get(c.id or 0)
            cells += [counts.registered, counts.proposed, counts.awarded] if counts else [0, 0, 0]
        ws.append(cells)
    _widths(ws, (6, 36, 14, *([12] * (len(headers) - 3))))
    title = "Đăng ký, đề nghị và khen thưởng qua các năm"
    _print_and_save(session, wb, ws, path, title, campaign, now, tz)
    return len(table)


def _save(wb: Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
