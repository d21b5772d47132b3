"""Concept space: vocabulary codes as columns, found in codes or in free text.

Every profile and query gets a soft vector over the concept columns
(sectors, capabilities, need categories, certifications). Explicit codes
weigh 1.0; a label or alias found in the text weighs ``DETECTED``; the
learned text classifier (``ml.index``) adds its probability for documents
whose codes are missing. Matching on these columns is what lets a profile
without codes still meet a query with codes, and the reverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ml.text import compact
from ml.vocab import VocabEntry, code_list, label_ja, load_vocabulary

# Sections of the concept space, in column order.
CONCEPT_SECTIONS: tuple[str, ...] = ("sectors", "capabilities", "need_categories", "certifications")
DETECTED = 0.85

_ASCII_ALIAS = re.compile(r"^[a-z0-9 .+/\-]+$")


@dataclass(frozen=True)
class ConceptSpace:
    sections: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (section, code) per column
    offsets: dict[str, tuple[int, int]]  # section -> [start, end)
    index: dict[tuple[str, str], int]

    @property
    def size(self) -> int:
        return len(self.columns)

    def col(self, section: str, code: str) -> int | None:
        return self.index.get((section, code))


@lru_cache(maxsize=1)
def concept_space() -> ConceptSpace:
    cols: list[tuple[str, str]] = []
    offsets: dict[str, tuple[int, int]] = {}
    for section in CONCEPT_SECTIONS:
        start = len(cols)
        cols.extend((section, c) for c in code_list(section))
        offsets[section] = (start, len(cols))
    return ConceptSpace(
        sections=CONCEPT_SECTIONS,
        columns=tuple(cols),
        offsets=offsets,
        index={c: i for i, c in enumerate(cols)},
    )


def _surface_forms(entry: VocabEntry) -> set[str]:
    forms = {entry["ja"], *entry.get("aliases_ja", [])}
    # "めっき・表面処理" and "化合物半導体（SiC・GaN）" name several things; each
    # part is a fair alias on its own when it is long enough to be specific.
    for f in list(forms):
        for part in re.split(r"[・（）()/、]", f):
            if len(part) >= 2 and part != f:
                forms.add(part)
    out = set()
    for f in forms:
        c = compact(f)
        if len(c) >= 2:
            out.add(c)
    return out


@lru_cache(maxsize=1)
def _matchers() -> list[tuple[str, int, re.Pattern[str] | None]]:
    """(form, column, regex-or-None) for every surface form of every code."""
    space = concept_space()
    vocab = load_vocabulary()
    result: list[tuple[str, int, re.Pattern[str] | None]] = []
    for section in space.sections:
        for entry in vocab[section]:
            col = space.col(section, entry["code"])
            assert col is not None
            for form in _surface_forms(entry):
                # Short Latin aliases (AM, RF, EV, IT) must stand alone: "am"
                # occurs inside "program", "it" inside "with".
                pat = None
                if _ASCII_ALIAS.match(form):
                    pat = re.compile(r"(?<![a-z0-9])" + re.escape(form) + r"(?![a-z0-9])")
                result.append((form, col, pat))
    # Longest first, so reasons can prefer the most specific form.
    result.sort(key=lambda x: -len(x[0]))
    return result


@lru_cache(maxsize=1)
def _matchers_by_head() -> dict[str, list[tuple[int, str, int, re.Pattern[str] | None]]]:
    """Matchers grouped by their first two characters, each with its rank in ``_matchers()``."""
    by_head: dict[str, list[tuple[int, str, int, re.Pattern[str] | None]]] = {}
    for rank, (form, col, pat) in enumerate(_matchers()):
        by_head.setdefault(form[:2], []).append((rank, form, col, pat))
    return by_head


def detect_concepts(text: str | None) -> dict[int, str]:
    """Concept columns whose label or alias occurs in the text -> matched form."""
    if not text:
        return {}
    c = compact(text)
    if not c:
        return {}
    by_head = _matchers_by_head()
    # only forms whose first two characters occur in the text can match
    cands = [m for h in {c[i : i + 2] for i in range(len(c) - 1)} for m in by_head.get(h, ())]
    cands.sort()  # longest form first, as in _matchers(): reasons name the most specific form
    found: dict[int, str] = {}
    for _, form, col, pat in cands:
        if col in found:
            continue
        if form in c and (pat is None or pat.search(c)):
            found[col] = form
    return found


@lru_cache(maxsize=1)
def _prefecture_forms() -> list[tuple[str, str]]:
    forms: list[tuple[str, str]] = []
    for p in load_vocabulary()["prefectures"]:
        full = p["ja"]
        forms.append((full, p["code"]))
        bare = re.sub(r"[都道府県]$", "", full)
        if bare != full and len(bare) >= 2:
            forms.append((bare, p["code"]))
    forms.sort(key=lambda x: -len(x[0]))
    return forms


def detect_prefectures(text: str | None) -> list[str]:
    """Prefecture codes named in the text (full names or bare: 宮城県 / 宮城)."""
    if not text:
        return []
    c = compact(text)
    found: list[str] = []
    for form, code in _prefecture_forms():
        if form in c:
            found.append(code)
            c = c.replace(form, "|")  # 東京都 must not also count as 京都
    return sorted(set(found))


def concept_label(col: int) -> str:
    section, code = concept_space().columns[col]
    return label_ja(section, code)
