"""What a received file really is, read from its content, never from its name.

The board opens what officers send: a file is accepted only when its bytes are a PDF that
parses (its page count is kept and shown), a Word .docx or Excel .xlsx package, or a JPEG or
PNG picture that decodes. `echo hello > fake.pdf`, a Windows program named evil.pdf and an
SVG named .png are refused with the reason. Names shown back lose the bidirectional
controls that can disguise an extension ("report\u202egpj.exe").
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from bot.i18n import N_
from bot.services.errors import InvalidFile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", JPEG: ".jpg", PNG: ".png"}

# A .docx/.xlsx larger than this once unpacked is refused (a "zip bomb" is not a report).
MAX_UNPACKED = 400 * 1024 * 1024
_HEAD = 2048

# Bidirectional controls and other invisible format characters (Unicode category Cf):
# U+202A-202E embeddings/overrides, U+2066-2069 isolates, U+200E/F marks, U+061C, BOM...
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_ACCEPTED = N_(
    "Please send a PDF, Word (.docx) or Excel (.xlsx) file, or photos of the signed pages "
    "(JPEG or PNG)."
)


@dataclass(frozen=True)
class FileType:
    """A file as its content says: MIME type, and the page count of a PDF."""

    mime: str
    pages: int | None = None

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


def shown_name(name: str) -> str:
    """A file name safe to show and store: the last path part, one line, with no
    bidirectional overrides or other invisible format characters (category Cf)."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c) != "Cf")
    return " ".join(_CONTROL.sub(" ", base).split())


class _Accepted:
    """The list of accepted types, in the reader's language (a message parameter)."""

    def localize(self, language: str) -> str:
        from bot.i18n import Translator

        return Translator(language)(_ACCEPTED)


def _refuse(msgid: str, name: str) -> InvalidFile:
    return InvalidFile(msgid, name=name, accepted=_Accepted())


def check_file(path: Path, name: str) -> FileType:
    """The type of the file at `path` (sent as `name`), read from its content.

    Raises InvalidFile with the reason: empty, a program, an SVG drawing, a damaged or
    password-protected PDF, another kind of file.
    """
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    shown = shown_name(name)
    if not head:
        raise InvalidFile(N_("The file {name} is empty; please send it again."), name=shown)
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        raise _refuse(N_("{name} is a program, not a document. {accepted}"), shown)
    if b"%PDF-" in head[:1024]:
        return FileType(PDF, _pdf_pages(path, shown))
    if head.startswith(b"\xff\xd8\xff"):
        _check_image(path, shown, "JPEG")
        return FileType(JPEG)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(path, shown, "PNG")
        return FileType(PNG)
    if head.startswith(b"PK\x03\x04"):
        return FileType(_office_type(path, shown))
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith(b"<svg") or (lowered.startswith(b"<?xml") and b"<svg" in lowered):
        raise _refuse(N_("{name} is an SVG drawing, not a photo. {accepted}"), shown)
    raise _refuse(
        N_("The content of {name} is not a PDF, Word, Excel, JPEG or PNG file. {accepted}"),
        shown,
    )


def _pdf_pages(path: Path, shown: str) -> int:
    """The page count of a PDF that parses; InvalidFile when it does not open."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidFile(
                N_(
                    "{name} is protected by a password, so the board cannot open it. Please "
                    "send it without the password."
                ),
                name=shown,
            )
        pages = len(reader.pages)
    except InvalidFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise InvalidFile(
            N_("{name} cannot be opened as a PDF (it is damaged or incomplete). {accepted}"),
            name=shown,
            accepted=_Accepted(),
        ) from exc
    if pages < 1:
        raise InvalidFile(N_("{name} is a PDF without pages."), name=shown)
    return pages


def _check_image(path: Path, shown: str, kind: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise InvalidFile(
            N_("{name} cannot be opened as a {kind} picture (it is damaged or incomplete)."),
            name=shown,
            kind=kind,
        ) from exc


def _office_type(path: Path, shown: str) -> str:
    """DOCX or XLSX from the parts of the package; InvalidFile for any other zip."""
    try:
        with zipfile.ZipFile(path) as package:
            infos = package.infolist()
            names = {info.filename for info in infos}
            unpacked = sum(info.file_size for info in infos)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(N_("{name} is a damaged archive. {accepted}"), shown) from exc
    if unpacked > MAX_UNPACKED:
        raise _refuse(N_("{name} unpacks to an unreasonable size. {accepted}"), shown)
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    raise _refuse(
        N_("{name} is a compressed archive, not a Word or Excel document. {accepted}"), shown
    )
