"""A province's people's committee: "UBND tỉnh …", or "UBND thành phố …" for a city."""

import unicodedata

import pytest

from bot.services.provinces import committee


@pytest.mark.parametrize(
    ("province", "short"),
    [
        ("Bắc Giang", "UBND tỉnh Bắc Giang"),
        ("  Bắc   Ninh ", "UBND tỉnh Bắc Ninh"),
        ("Hà Nội", "UBND thành phố Hà Nội"),
        ("Hải Phòng", "UBND thành phố Hải Phòng"),
        ("Huế", "UBND thành phố Huế"),
        ("TP. Hồ Chí Minh", "UBND thành phố Hồ Chí Minh"),
        ("Thành phố Cần Thơ", "UBND thành phố Cần Thơ"),
        ("tp Đà Nẵng", "UBND thành phố Đà Nẵng"),
        (unicodedata.normalize("NFD", "Hà Nội"), "UBND thành phố Hà Nội"),
    ],
)
def test_committee_names_provinces_and_cities(province: str, short: str) -> None:
    assert committee(province).short == short


def test_committee_words_used_by_documents() -> None:
    city = committee("Hà Nội")
    assert city.full == "Ủy ban nhân dân thành phố Hà Nội"
    assert city.chairman() == "Chủ tịch UBND thành phố Hà Nội"
    assert city.chairman(named=False) == "Chủ tịch UBND thành phố"
    assert committee("Bắc Giang").chairman(named=False) == "Chủ tịch UBND tỉnh"
