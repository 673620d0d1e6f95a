"""Real files of each accepted type (and impostors) for the tests: the bot checks a file's
content, so a test file must be what it claims."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _package(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


def docx_bytes(text: str = "Kế hoạch phát động") -> bytes:
    return _package(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "word/document.xml": f'<?xml version="1.0"?><document>{text}</document>',
        }
    )


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Danh sách"  # type: ignore[index]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def image_bytes(kind: str = "JPEG", shade: int = 128) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, shade, shade)).save(buffer, kind)
    return buffer.getvalue()


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def pdf(path: Path, pages: int = 1) -> Path:
    return write(path, pdf_bytes(pages))


def docx(path: Path, text: str = "Kế hoạch phát động") -> Path:
    return write(path, docx_bytes(text))


def jpeg(path: Path, shade: int = 128) -> Path:
    return write(path, image_bytes("JPEG", shade))


def png(path: Path, shade: int = 128) -> Path:
    return write(path, image_bytes("PNG", shade))
