"""A province's people's committee, named as official documents name it.

Six provinces are centrally run cities (Huế since 2025): their committee is "UBND thành phố
Hà Nội", not "UBND tỉnh". Every document that names the body above a board, or the
chairman who signs a provincial commendation, asks here, so the rule lives once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Centrally run cities (thành phố trực thuộc trung ương), by their bare names folded to lower case.
CITIES = frozenset({"hà nội", "hồ chí minh", "hải phòng", "đà nẵng", "cần thơ", "huế"})
_CITY_PREFIX = re.compile(r"^(?:tp\.?|thành phố)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Committee:
    """The people's committee (Ủy ban nhân dân) of one province or centrally run city."""

    kind: str  # "tỉnh" or "thành phố"
    province: str

    @property
    def short(self) -> str:
        """ "UBND tỉnh Bắc Giang" / "UBND thành phố Hà Nội"."""
        return f"UBND {self.kind} {self.province}"

    @property
    def full(self) -> str:
        """ "Ủy ban nhân dân tỉnh Bắc Giang", as the addressee of a Tờ trình is written."""
        return f"Ủy ban nhân dân {self.kind} {self.province}"

    def chairman(self, *, named: bool = True) -> str:
        """ "Chủ tịch UBND tỉnh Bắc Giang", who decides a provincial commendation; without
        the name ("Chủ tịch UBND tỉnh") where a sentence or a heading says it again."""
        return f"Chủ tịch {self.short}" if named else f"Chủ tịch UBND {self.kind}"


def committee(province: str) -> Committee:
    """The committee of `province` as a board's data spells it ("Bắc Giang", "Hà Nội",
    "TP. Hồ Chí Minh", "Thành phố Cần Thơ"): the city prefix is dropped from the name, so it
    is never said twice ("UBND thành phố Thành phố …")."""
    name = " ".join(unicodedata.normalize("NFC", province).split())
    bare = _CITY_PREFIX.sub("", name)
    kind = "thành phố" if bare.casefold() in CITIES else "tỉnh"
    return Committee(kind, bare if kind == "thành phố" else name)
