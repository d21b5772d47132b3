"""Bureau jurisdictions: which prefectures each 経済産業局 serves.

These are *not* the eight geographic regions of the vocabulary (``prefectures[].region``):
関東経済産業局 also serves 新潟・山梨・長野・静岡, 中部経済産業局 serves 富山・石川・
岐阜・愛知・三重, 近畿経済産業局 serves 福井 and 滋賀–和歌山, and 沖縄 is served by
内閣府沖縄総合事務局 (経済産業部) rather than 九州経済産業局. Source: 経済産業省設置法
施行令 / the METI list of regional bureaus (domain.md, "Reference facts").

The table is small, fixed by law and has no translations beyond the two names,
so it lives here as data rather than in vocabulary.json (which the engine ships).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language


@dataclass(frozen=True)
class Jurisdiction:
    code: str
    ja: str
    en: str
    bureau_ja: str
    bureau_en: str
    prefectures: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.en if (get_language() or "ja").startswith("en") else self.ja

    @property
    def bureau(self) -> str:
        return self.bureau_en if (get_language() or "ja").startswith("en") else self.bureau_ja


def _codes(first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{n:02d}" for n in range(first, last + 1))


JURISDICTIONS: tuple[Jurisdiction, ...] = (
    Jurisdiction("hokkaido", "北海道", "Hokkaido", "北海道経済産業局", "Hokkaido Bureau of METI", ("01",)),
    Jurisdiction("tohoku", "東北", "Tohoku", "東北経済産業局", "Tohoku Bureau of METI", _codes(2, 7)),
    Jurisdiction(
        "kanto",
        "関東",
        "Kanto",
        "関東経済産業局",
        "Kanto Bureau of METI",
        # 茨城–神奈川, 新潟, 山梨, 長野, 静岡
        (*_codes(8, 14), "15", "19", "20", "22"),
    ),
    Jurisdiction("chubu", "中部", "Chubu", "中部経済産業局", "Chubu Bureau of METI", ("16", "17", "21", "23", "24")),
    Jurisdiction("kinki", "近畿", "Kinki", "近畿経済産業局", "Kinki Bureau of METI", ("18", *_codes(25, 30))),
    Jurisdiction("chugoku", "中国", "Chugoku", "中国経済産業局", "Chugoku Bureau of METI", _codes(31, 35)),
    Jurisdiction("shikoku", "四国", "Shikoku", "四国経済産業局", "Shikoku Bureau of METI", _codes(36, 39)),
    Jurisdiction("kyushu", "九州", "Kyushu", "九州経済産業局", "Kyushu Bureau of METI", _codes(40, 46)),
    Jurisdiction(
        "okinawa",
        "沖縄",
        "Okinawa",
        "内閣府沖縄総合事務局",
        "Okinawa General Bureau (Cabinet Office)",
        ("47",),
    ),
)


@cache
def _by_code() -> dict[str, Jurisdiction]:
    return {j.code: j for j in JURISDICTIONS}


@cache
def _by_prefecture() -> dict[str, str]:
    return {prefecture: j.code for j in JURISDICTIONS for prefecture in j.prefectures}


def bureau_jurisdiction(prefecture_code: str | None) -> str | None:
    """The jurisdiction (bureau area) code serving a prefecture, or None for an unknown/empty code."""
    return _by_prefecture().get(prefecture_code or "")


def jurisdiction_prefectures(code: str) -> tuple[str, ...]:
    """Prefecture codes a jurisdiction serves, in code order; empty for an unknown code."""
    jurisdiction = _by_code().get(code)
    return jurisdiction.prefectures if jurisdiction else ()


def jurisdiction_label(code: str | None) -> str:
    """Short name in the active language (東北 / Tohoku); the code itself if unknown."""
    if not code:
        return ""
    jurisdiction = _by_code().get(code)
    return jurisdiction.label if jurisdiction else code


def jurisdiction_choices() -> list[tuple[str, str]]:
    """(code, label) pairs in the active language, for filters."""
    return [(j.code, j.label) for j in JURISDICTIONS]
