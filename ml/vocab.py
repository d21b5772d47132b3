"""Reference vocabulary (codes and Japanese labels) shipped with the engine."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NotRequired, TypedDict

VOCAB_PATH: Path = Path(__file__).resolve().parent / "data" / "vocabulary.json"

# Sections that hold a list of {code, ja, en, aliases_ja?} entries.
SECTIONS: tuple[str, ...] = (
    "regions",
    "prefectures",
    "sectors",
    "capabilities",
    "certifications",
    "need_categories",
    "expert_types",
    "industries",
)


class VocabEntry(TypedDict):
    """One entry of a vocabulary section (keys beyond code/ja/en depend on the section)."""

    code: str
    ja: str
    en: str
    aliases_ja: NotRequired[list[str]]
    region: NotRequired[str]  # prefectures
    sme_max_capital_jpy: NotRequired[int]  # industries
    sme_max_employees: NotRequired[int]
    small_max_employees: NotRequired[int]


@lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, Any]:
    with VOCAB_PATH.open(encoding="utf-8") as fh:
        vocab: dict[str, Any] = json.load(fh)
        return vocab


@cache
def _entries(section: str) -> dict[str, VocabEntry]:
    vocab = load_vocabulary()
    if section not in vocab or not isinstance(vocab[section], list):
        raise KeyError(f"unknown vocabulary section {section!r}")
    return {entry["code"]: entry for entry in vocab[section]}


def codes(section: str) -> set[str]:
    """All codes of one vocabulary section (a fresh set each call)."""
    return set(_entries(section))


def code_list(section: str) -> list[str]:
    """Codes of one section in vocabulary order (stable column order for matrices)."""
    return list(_entries(section))


def label_ja(section: str, code: str) -> str:
    """Japanese label of a code; the code itself when unknown (never raises)."""
    entry = _entries(section).get(code)
    return entry["ja"] if entry else code


def aliases_ja(section: str, code: str) -> list[str]:
    entry = _entries(section).get(code)
    return list(entry.get("aliases_ja", [])) if entry else []


def prefecture_region(code: str) -> str | None:
    entry = _entries("prefectures").get(code)
    return entry.get("region") if entry else None
