"""Bureau jurisdictions (経済産業局): every prefecture in exactly one, as the law draws them."""

from __future__ import annotations

import pytest

from reference import vocabulary
from reference.jurisdictions import (
    JURISDICTIONS,
    bureau_jurisdiction,
    jurisdiction_label,
    jurisdiction_prefectures,
)

EXPECTED = {
    "hokkaido": ["01"],
    "tohoku": ["02", "03", "04", "05", "06", "07"],
    "kanto": ["08", "09", "10", "11", "12", "13", "14", "15", "19", "20", "22"],
    "chubu": ["16", "17", "21", "23", "24"],
    "kinki": ["18", "25", "26", "27", "28", "29", "30"],
    "chugoku": ["31", "32", "33", "34", "35"],
    "shikoku": ["36", "37", "38", "39"],
    "kyushu": ["40", "41", "42", "43", "44", "45", "46"],
    "okinawa": ["47"],
}


def test_it_ships_the_meti_jurisdictions() -> None:
    assert {j.code: sorted(j.prefectures) for j in JURISDICTIONS} == EXPECTED


def test_every_prefecture_is_in_exactly_one_jurisdiction() -> None:
    all_codes = [p for j in JURISDICTIONS for p in j.prefectures]
    assert sorted(all_codes) == sorted(vocabulary.entries("prefectures"))
    assert len(all_codes) == len(set(all_codes)) == 47


@pytest.mark.parametrize(
    ("prefecture", "jurisdiction"),
    [
        *[("04", "tohoku"), ("15", "kanto"), ("19", "kanto"), ("20", "kanto"), ("22", "kanto"), ("24", "chubu")],
        *[("18", "kinki"), ("47", "okinawa"), ("46", "kyushu"), ("", None), ("99", None)],
    ],
)
def test_it_finds_the_bureau_of_a_prefecture(prefecture: str, jurisdiction: str | None) -> None:
    assert bureau_jurisdiction(prefecture) == jurisdiction


def test_it_labels_and_lists() -> None:
    assert jurisdiction_prefectures("nowhere") == ()
    assert jurisdiction_label("okinawa") in {"沖縄", "Okinawa"}
    assert jurisdiction_label("") == "" and jurisdiction_label("x") == "x"
