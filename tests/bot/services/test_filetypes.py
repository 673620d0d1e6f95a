"""Each accepted file type is recognised by its content; impostors are refused with their
reason; names lose bidirectional overrides (bot/services/filetypes.py)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.i18n import Translator
from bot.services.errors import InvalidFile
from bot.services.filetypes import DOCX, JPEG, PDF, PNG, XLSX, check_file, shown_name
from tests import files as real


@pytest.mark.parametrize(
    ("name", "make", "mime", "pages"),
    [
        ("bao-cao.pdf", lambda p: real.pdf(p, pages=3), PDF, 3),
        ("ke-hoach.docx", real.docx, DOCX, None),
        ("danh-sach.xlsx", lambda p: real.write(p, real.xlsx_bytes()), XLSX, None),
        ("trang-1.jpg", real.jpeg, JPEG, None),
        ("trang-2.png", real.png, PNG, None),
        ("scan", lambda p: real.pdf(p, pages=1), PDF, 1),  # no extension: content decides
        ("anh.pdf", real.png, PNG, None),  # a PNG named .pdf is a PNG
    ],
)
def test_each_type_is_read_from_its_content(
    tmp_path: Path, name: str, make: Callable[[Path], object], mime: str, pages: int | None
) -> None:
    path = tmp_path / "f"
    make(path)
    found = check_file(path, name)
    assert (found.mime, found.pages) == (mime, pages)


def _refusal(path: Path, name: str) -> str:
    with pytest.raises(InvalidFile) as caught:
        check_file(path, name)
    return caught.value.message(Translator("vi"))


def test_impostors_are_refused_with_their_reason(tmp_path: Path) -> None:
    fake = real.write(tmp_path / "fake.pdf", b"hello\n")
    assert "Nội dung tệp fake.pdf không phải PDF" in _refusal(fake, "fake.pdf")
    evil = real.write(tmp_path / "evil.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    assert "evil.pdf là một chương trình máy tính" in _refusal(evil, "evil.pdf")
    svg = real.write(tmp_path / "x.png", b'<?xml version="1.0"?>\n<svg xmlns="x"></svg>')
    assert "hình vẽ SVG" in _refusal(svg, "anh.png")
    broken = real.write(tmp_path / "broken.pdf", b"%PDF-1.4\n1 0 obj <<\n")
    assert "Không mở được broken.pdf như một tệp PDF" in _refusal(broken, "broken.pdf")
    cut = real.write(tmp_path / "cut.jpg", real.image_bytes("JPEG")[:40])
    assert "ảnh JPEG" in _refusal(cut, "cut.jpg")
    archive = tmp_path / "a.docx"
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("readme.txt", "not a document")
    assert "là tệp nén, không phải văn bản Word" in _refusal(archive, "a.docx")
    empty = real.write(tmp_path / "empty.pdf", b"")
    assert "không có nội dung" in _refusal(empty, "empty.pdf")


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    plain = real.pdf(tmp_path / "plain.pdf")
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    assert "có đặt mật khẩu" in _refusal(locked, "locked.pdf")


def test_shown_names_lose_bidirectional_controls() -> None:
    assert shown_name("bao-cao\u202egpj.exe") == "bao-caogpj.exe"
    assert shown_name("a\u2066b\u2069c\u200f.pdf") == "abc.pdf"
    assert shown_name("C:\\Users\\x\\bao cao.pdf") == "bao cao.pdf"
    assert shown_name("../../etc/passwd") == "passwd"
    assert shown_name("dòng\nmới.pdf") == "dòng mới.pdf"
