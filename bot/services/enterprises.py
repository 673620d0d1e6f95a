"""The board's enterprises: importing the office's spreadsheet, and listing them.

Boards keep their enterprise list in Excel. `import_enterprises` reads it as XLSX or as CSV
(UTF-8 with or without BOM, comma or semicolon), finds the columns by their header whatever
the language, order, case or diacritics ("Mã số thuế", "MST", "tax_code"...), and creates or
updates enterprises by tax code. Re-importing the same file changes nothing. Rows that cannot
be imported are reported with their line number and the reason, and the valid rows are still
imported, all in the caller's transaction (the service flushes; the caller commits).

Besides tax code, name, zone and cluster a file may carry the enterprise's e-mail and phone and
its emulation contact's name, position, e-mail and phone (bot/services/enterprise_contacts.py
checks and normalises them: a bad address or phone number rejects the row, naming it).

Rules for an existing enterprise: name, zone and cluster follow the file; a blank zone,
cluster or contact cell (or a file without that column) leaves the stored value alone; enterprises
missing from the file are not touched (the list may be imported in parts). A tax code already
registered by another board is refused: a tax code names one enterprise in the whole country.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from xml.etree.ElementTree import ParseError

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from bot.i18n import N_, Translator
from bot.models import (
    Channel,
    Cluster,
    Contact,
    Enterprise,
    Organization,
    Role,
    Zone,
)
from bot.services import audit
from bot.services import enterprise_contacts as details
from bot.services.acts import Act
from bot.services.board_units import participant_code
from bot.services.enterprise_contacts import (
    CONTACT_EMAIL,
    CONTACT_NAME,
    CONTACT_PHONE,
    CONTACT_POSITION,
    EMAIL,
    PHONE,
    ContactDetailError,
)
from bot.services.errors import InvalidInput, render
from bot.services.taxcode import InvalidTaxCode, normalize_tax_code

NAME_MAX = 255
HEADER_SEARCH_ROWS = 20

TAX_CODE, NAME, ZONE, CLUSTER = "tax_code", "name", "zone", "cluster"

# Header spellings after folding (lower case, no diacritics, only letters and digits).
HEADER_ALIASES: dict[str, frozenset[str]] = {
    TAX_CODE: frozenset(
        {
            "masothue",
            "mst",
            "masodoanhnghiep",
            "msdn",
            "masothuedoanhnghiep",
            "taxcode",
            "taxid",
            "taxnumber",
            "tin",
        }
    ),
    NAME: frozenset(
        {
            "tendoanhnghiep",
            "tendn",
            "ten",
            "doanhnghiep",
            "tencongty",
            "congty",
            "tendonvi",
            "donvi",
            "name",
            "enterprise",
            "enterprisename",
            "company",
            "companyname",
        }
    ),
    ZONE: frozenset(
        {
            "kcn",
            "khucongnghiep",
            "tenkcn",
            "tenkhucongnghiep",
            "thuockcn",
            "zone",
            "industrialzone",
        }
    ),
    CLUSTER: frozenset({"cumthidua", "cum", "tencum", "cluster", "emulationcluster"}),
    EMAIL: frozenset(
        {
            "email",
            "thudientu",
            "emaildoanhnghiep",
            "emaildn",
            "emailcongty",
            "emaildonvi",
            "companyemail",
            "enterpriseemail",
        }
    ),
    PHONE: frozenset(
        {
            "dienthoai",
            "sodienthoai",
            "sdt",
            "dt",
            "dienthoaidoanhnghiep",
            "sdtdoanhnghiep",
            "dienthoaicongty",
            "phone",
            "telephone",
            "tel",
            "companyphone",
            "enterprisephone",
        }
    ),
    CONTACT_NAME: frozenset(
        {
            "nguoilienhe",
            "hotennguoilienhe",
            "tennguoilienhe",
            "nguoiphutrach",
            "nguoiphutrachthidua",
            "canbophutrach",
            "canbophutrachthidua",
            "canbothidua",
            "contact",
            "contactname",
            "contactperson",
        }
    ),
    CONTACT_POSITION: frozenset(
        {
            "chucvu",
            "chucvunguoilienhe",
            "chucdanh",
            "chucvunguoiphutrach",
            "position",
            "contactposition",
            "jobtitle",
        }
    ),
    CONTACT_EMAIL: frozenset(
        {
            "emailnguoilienhe",
            "emailnguoiphutrach",
            "emailcanbo",
            "emailcanbophutrach",
            "contactemail",
        }
    ),
    CONTACT_PHONE: frozenset(
        {
            "dienthoainguoilienhe",
            "sdtnguoilienhe",
            "dtnguoilienhe",
            "dienthoainguoiphutrach",
            "sdtnguoiphutrach",
            "dienthoaicanbo",
            "didong",
            "sodidong",
            "contactphone",
            "mobile",
        }
    ),
}
REQUIRED = (TAX_CODE, NAME)
FIELD_LABELS = {
    TAX_CODE: N_("tax code"),
    NAME: N_("enterprise name"),
    ZONE: N_("industrial zone"),
    CLUSTER: N_("emulation cluster"),
    **details.FIELD_LABELS,
}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (format, encoding, missing columns); nothing imported."""


@dataclass(frozen=True)
class RejectedRow:
    """A row left out of the import: its line in the file and why (untranslated)."""

    line: int
    tax_code: str
    msgid: str
    params: dict[str, object] = field(default_factory=dict)

    def reason(self, t: Translator) -> str:
        return render(t, self.msgid, self.params)


@dataclass
class ImportResult:
    """What an import did; `rejected` is in file order."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    zones_created: int = 0
    clusters_created: int = 0

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        return not self.rejected

    def tally(self) -> dict[str, int]:
        """How many rows went each way: what the audit log keeps and the CLI reports."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


@dataclass(frozen=True)
class EnterpriseRow:
    """An enterprise as listed for the office, with its zone and cluster names."""

    id: int
    organization: str
    tax_code: str
    name: str
    zone: str | None
    cluster: str | None
    active: bool
    officers: int


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]


def fold_header(text: str) -> str:
    """A header reduced to what identifies it: "Mã số thuế" -> "masothue"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed.casefold() if ch.isascii() and ch.isalnum())


def header_field(text: str) -> str | None:
    """Which field a header names, if any; a part in brackets counts on its own.

    "Mã số thuế (MST)", "Khu công nghiệp [KCN]" and "Tax code / MST" are all recognised.
    """
    outside = re.sub(r"[(\[].*?[)\]]", " ", text)
    candidates = [text, outside, *re.findall(r"[(\[](.*?)[)\]]", text), *text.split("/")]
    for candidate in candidates:
        folded = fold_header(candidate)
        for key, aliases in HEADER_ALIASES.items():
            if folded in aliases:
                return key
    return _contact_header(fold_header(text))


_PERSON_MARKERS = ("nguoilienhe", "nguoiphutrach", "canbo", "daumoi", "contact")
_EMAIL_MARKERS = ("email", "thudientu")
_PHONE_MARKERS = ("dienthoai", "sdt", "didong", "phone", "mobile")


def _contact_header(folded: str) -> str | None:
    """Longer spellings of the contact columns: "Số di động của người phụ trách thi đua"."""
    person = any(marker in folded for marker in _PERSON_MARKERS)
    if any(marker in folded for marker in _EMAIL_MARKERS):
        return CONTACT_EMAIL if person else EMAIL
    if any(marker in folded for marker in _PHONE_MARKERS):
        return CONTACT_PHONE if person or "didong" in folded or "mobile" in folded else PHONE
    return None


def _fold_name(name: str) -> str:
    """Zone and cluster names compare without case and extra spaces (not without diacritics)."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _cell_text(value: Any, column: str) -> str:
    """A spreadsheet cell as text; a tax code Excel turned into a number gets its 0 back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and column == TAX_CODE:
        digits = str(value)
        # Codes of Hà Nội (01...) and others lose their leading zero in a number cell.
        return digits.zfill(10) if len(digits) == 9 else digits
    return str(value)


def _map_header(cells: list[str]) -> dict[str, int] | None:
    """Column index of each known field, or None when this is not the header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = header_field(cell)
        if key is None:
            continue
        if key in found:
            raise ImportFileError(
                N_("Two columns, “{first}” and “{second}”, both look like the {field} column."),
                first=cells[found[key]].strip(),
                second=cell.strip(),
                field=_Nested(FIELD_LABELS[key], {}),
            )
        found[key] = index
    return found if all(key in found for key in REQUIRED) else None


def _rows(records: Iterable[tuple[int, list[Any]]]) -> Iterator[_Row]:
    """Find the header among the first rows (titles above it are skipped), then yield rows."""
    header: dict[str, int] | None = None
    for line, cells in records:
        if header is None:
            texts = ["" if c is None else str(c) for c in cells]
            header = _map_header(texts)
            if header is None and line >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {
            key: _clean(_cell_text(cells[index], key)) if index < len(cells) else ""
            for key, index in header.items()
        }
        if any(values.values()):
            yield _Row(line, values)
    if header is None:
        raise ImportFileError(
            N_(
                "No header row with a tax code column (e.g. “Mã số thuế”, “MST”, “Tax code”) and "
                "a name column (e.g. “Tên doanh nghiệp”, “Name”) was found."
            )
        )


def _csv_records(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            N_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” and try again.")
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(
            N_("The CSV file is malformed near line {line}: {error}"),
            line=reader.line_num,
            error=str(exc),
        ) from None


def _xlsx_records(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ImportFileError(N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, list(cells)
    except ParseError:
        # The sheet's XML is broken (e.g. a raw control character no spreadsheet writes).
        raise ImportFileError(N_("The file cannot be read as an Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()


def read_rows(path: Path) -> list[_Row]:
    """The data rows of a CSV or XLSX file, each with its line number in the file."""
    if not path.is_file():
        raise ImportFileError(N_("File not found: {path}"), path=str(path))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return list(_rows(_xlsx_records(path)))
    if suffix in (".csv", ".txt"):
        return list(_rows(_csv_records(path)))
    if suffix == ".xls":
        raise ImportFileError(
            N_("Old Excel files (.xls) are not supported: save the file as .xlsx or CSV UTF-8.")
        )
    raise ImportFileError(
        N_("Unsupported file type “{suffix}”: use .xlsx or .csv."), suffix=suffix or path.name
    )


class _Places:
    """The board's zones or clusters by folded name, created on first use."""

    def __init__(self, session: Session, model: type[Zone] | type[Cluster], org_id: int) -> None:
        self.session, self.model, self.org_id = session, model, org_id
        self.by_name: dict[str, int] = {}
        self.created = 0
        rows = cast(
            "Iterable[Zone | Cluster]",
            session.exec(select(model).where(model.organization_id == org_id)),
        )
        for place in rows:
            assert place.id is not None
            self.by_name.setdefault(_fold_name(place.name), place.id)

    def id_for(self, name: str) -> int:
        key = _fold_name(name)
        if key not in self.by_name:
            place = self.model(organization_id=self.org_id, name=name)
            self.session.add(place)
            self.session.flush()
            assert place.id is not None
            self.by_name[key] = place.id
            self.created += 1
        return self.by_name[key]


def _control_character(text: str) -> str | None:
    """The first control character left in a cleaned cell (line breaks and tabs are already
    spaces): NUL, bell, DEL, the C1 range. None when the text is clean."""
    return next((ch for ch in text if unicodedata.category(ch) == "Cc"), None)


def _check_row(row: _Row, seen: dict[str, int]) -> tuple[str, RejectedRow | None]:
    raw = row.values.get(TAX_CODE, "")
    name = row.values.get(NAME, "")

    def reject(msgid: str, **params: object) -> tuple[str, RejectedRow]:
        return raw, RejectedRow(row.line, raw, msgid, params)

    for key in (TAX_CODE, NAME, ZONE, CLUSTER):
        control = _control_character(row.values.get(key, ""))
        if control is not None:
            # A NUL byte aborted a whole import on PostgreSQL with a database error.
            return reject(
                N_("The {field} contains a control character ({code}); remove it."),
                field=_Nested(FIELD_LABELS[key], {}),
                code=f"U+{ord(control):04X}",
            )
    if not raw:
        return reject(N_("The tax code is missing."))
    try:
        code = normalize_tax_code(raw)
    except InvalidTaxCode as exc:
        return reject(
            N_("Tax code {code} is not valid: {reason}"),
            code=raw,
            reason=_Nested(exc.msgid, exc.params),
        )
    if not name:
        return reject(N_("The enterprise name is missing."))
    for key in (NAME, ZONE, CLUSTER):
        if len(row.values.get(key, "")) > NAME_MAX:
            return reject(
                N_("The {field} is longer than {max} characters."),
                field=_Nested(FIELD_LABELS[key], {}),
                max=NAME_MAX,
            )
    for key in details.FIELDS:
        try:
            details.normalize_value(key, row.values.get(key, ""))
        except ContactDetailError as exc:
            return reject(exc.msgid, **exc.params)
    if code in seen:
        return reject(
            N_("Tax code {code} already appears on line {first_line}."),
            code=code,
            first_line=seen[code],
        )
    seen[code] = row.line
    return code, None


def _row_details(row: _Row) -> dict[str, str | None]:
    """The contact values the row fills in (checked already); blank cells are left out."""
    return {
        key: details.normalize_value(key, row.values[key])
        for key in details.FIELDS
        if row.values.get(key, "")
    }


@dataclass(frozen=True)
class _Nested:
    """A translatable parameter (a reason inside a reason), localized with the message."""

    msgid: str
    params: dict[str, object]

    def localize(self, language: str) -> str:
        return render(Translator(language), self.msgid, self.params)


def import_enterprises(
    session: Session, organization: Organization, path: Path, act: Act
) -> ImportResult:
    """Create or update the board's enterprises from a CSV or XLSX file (see module docstring),
    as `act` (its time comes from the caller: no wall clock read here).

    Raises ImportFileError when the file as a whole is unusable; then nothing is changed.
    """
    assert organization.id is not None
    rows = read_rows(path)
    result = ImportResult()
    zones = _Places(session, Zone, organization.id)
    clusters = _Places(session, Cluster, organization.id)

    seen: dict[str, int] = {}
    valid: list[tuple[str, _Row]] = []
    for row in rows:
        code, rejected = _check_row(row, seen)
        if rejected is not None:
            result.rejected.append(rejected)
        else:
            valid.append((code, row))

    existing: dict[str, Enterprise] = {}
    codes = [code for code, _ in valid]
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        for found in session.exec(select(Enterprise).where(col(Enterprise.tax_code).in_(chunk))):
            existing[found.tax_code] = found
    boards = {
        org.id: org.name
        for org in session.exec(
            select(Organization).where(
                col(Organization.id).in_(
                    sorted({e.organization_id for e in existing.values()} - {organization.id})
                )
            )
        )
    }

    touched: list[Enterprise] = []
    for code, row in valid:
        enterprise = existing.get(code)
        if enterprise is not None and enterprise.organization_id != organization.id:
            result.rejected.append(
                RejectedRow(
                    row.line,
                    row.values[TAX_CODE],
                    N_("Tax code {code} is already registered by another board ({board})."),
                    {"code": code, "board": boards.get(enterprise.organization_id, "?")},
                )
            )
            continue
        zone_name = row.values.get(ZONE, "")
        cluster_name = row.values.get(CLUSTER, "")
        zone_id = zones.id_for(zone_name) if zone_name else None
        cluster_id = clusters.id_for(cluster_name) if cluster_name else None
        contacts = _row_details(row)
        if enterprise is None:
            enterprise = Enterprise(
                organization_id=organization.id,
                tax_code=code,
                name=row.values[NAME],
                zone_id=zone_id,
                cluster_id=cluster_id,
            )
            details.apply_details(enterprise, contacts)
            session.add(enterprise)
            touched.append(enterprise)
            result.created += 1
            continue
        touched.append(enterprise)
        changed = details.apply_details(enterprise, contacts)
        if enterprise.name != row.values[NAME]:
            enterprise.name, changed = row.values[NAME], True
        if zone_id is not None and enterprise.zone_id != zone_id:
            enterprise.zone_id, changed = zone_id, True
        if cluster_id is not None and enterprise.cluster_id != cluster_id:
            enterprise.cluster_id, changed = cluster_id, True
        if not enterprise.active:
            enterprise.active, changed = True, True
        if changed:
            session.add(enterprise)
            result.updated += 1
        else:
            result.unchanged += 1

    session.flush()
    details.sync_email_contacts(session, touched)
    result.rejected.sort(key=lambda r: r.line)
    result.zones_created, result.clusters_created = zones.created, clusters.created
    if result.created or result.updated:
        audit.record(
            session,
            "enterprise.import",
            act,
            subject=f"organization:{organization.id}",
            after={"file": path.name, **result.tally()},
        )
    session.flush()
    return result


def list_enterprises(
    session: Session, organization: Organization | None = None
) -> list[EnterpriseRow]:
    """Every enterprise (of one board, or of all), by board then name, with zone and cluster."""
    officers = (
        select(Contact.enterprise_id, func.count().label("n"))
        .where(
            Contact.role == Role.OFFICER,
            col(Contact.enterprise_id).is_not(None),
            Contact.channel != Channel.EMAIL,
        )
        .group_by(col(Contact.enterprise_id))
        .subquery()
    )
    query = (
        sa_select(
            Enterprise,
            col(Organization.slug),
            col(Zone.name),
            col(Cluster.name),
            func.coalesce(officers.c.n, 0),
        )
        .join(Organization, col(Organization.id) == Enterprise.organization_id)
        .outerjoin(Zone, col(Zone.id) == Enterprise.zone_id)
        .outerjoin(Cluster, col(Cluster.id) == Enterprise.cluster_id)
        .outerjoin(officers, officers.c.enterprise_id == Enterprise.id)
        .order_by(col(Organization.slug), col(Enterprise.name), col(Enterprise.tax_code))
    )
    if organization is not None:
        query = query.where(col(Enterprise.organization_id) == organization.id)
    rows: list[EnterpriseRow] = []
    for enterprise, slug, zone, cluster, count in session.execute(query):
        assert enterprise.id is not None
        rows.append(
            EnterpriseRow(
                id=enterprise.id,
                organization=slug,
                tax_code=enterprise.tax_code,
                name=enterprise.name,
                zone=zone,
                cluster=cluster,
                active=enterprise.active,
                officers=int(count),
            )
        )
    return rows


def find_enterprise(session: Session, raw_tax_code: str) -> Enterprise | None:
    """The enterprise with this tax code, or the board unit with this code ("DV-VP"), typed in
    any accepted style; InvalidTaxCode / InvalidUnit if malformed."""
    code = participant_code(raw_tax_code)
    return session.exec(select(Enterprise).where(Enterprise.tax_code == code)).first()
