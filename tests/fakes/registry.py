"""Test data for onboarding: valid tax codes and an office's enterprise list with contacts."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

from bot.services.taxcode import InvalidTaxCode, make_tax_code


def tax_codes(n: int, start: int = 240_010_000) -> list[str]:
    """`n` valid, distinct 10-digit tax codes from `start` on (prefixes without a check
    digit are skipped)."""
    found: list[str] = []
    prefix = start
    while len(found) < n:
        with contextlib.suppress(InvalidTaxCode):
            found.append(make_tax_code(f"{prefix:09d}"))
        prefix += 1
    return found


def _rows(n: int, email_every: int, start: int) -> Iterator[list[object]]:
    zones = ("KCN Quang Châu", "KCN Đình Trám", "KCN Vân Trung", "KCN Song Khê - Nội Hoàng")
    for i, code in enumerate(tax_codes(n, start)):
        has_mail = i % email_every != email_every - 1
        yield [
            code,
            f"Công ty TNHH Sản xuất số {i + 1:04d}",
            zones[i % len(zones)],
            f"Cụm thi đua số {i % 5 + 1}",
            f"vanphong{i}@congty{i}.vn" if has_mail else "",
            f"0204 38{i % 100000:05d}" if i % 3 else "",
            f"Nguyễn Văn {chr(65 + i % 26)}",
            "Trưởng phòng Hành chính - Nhân sự",
            f"thidua{i}@congty{i}.vn" if has_mail and i % 2 else "",
            f"09{i % 10}{i:07d}"[:10],
        ]


def write_registry(path: Path, n: int, *, email_every: int = 5, start: int = 240_010_000) -> Path:
    """An office's list of `n` enterprises with Vietnamese headers; every `email_every`-th
    enterprise has no e-mail address at all."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["DANH SÁCH DOANH NGHIỆP THAM GIA PHONG TRÀO THI ĐUA"])
    ws.append(
        [
            "Mã số thuế",
            "Tên doanh nghiệp",
            "KCN",
            "Cụm thi đua",
            "Email",
            "Điện thoại",
            "Người phụ trách thi đua",
            "Chức vụ",
            "Email người phụ trách",
            "Di động người phụ trách",
        ]
    )
    for row in _rows(n, email_every, start):
        ws.append(row)
    wb.save(path)
    return path
