"""Turn interchange dicts into the pieces the index and the ranker need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ml.concepts import concept_space, detect_concepts, detect_prefectures
from ml.text import char_ngrams, tokenize
from ml.vocab import code_list, label_ja

if TYPE_CHECKING:
    from ml.interchange import JSONObject

KINDS: tuple[str, ...] = ("sme", "expert", "buyer")
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
DEFAULT_SME_CAPACITY = 3


def _pref_index() -> dict[str, int]:
    return {c: i for i, c in enumerate(code_list("prefectures"))}


PREF_INDEX = _pref_index()
EXPERT_TYPE_INDEX = {c: i for i, c in enumerate(code_list("expert_types"))}

# profile / query field -> concept section
PROFILE_CONCEPT_FIELDS = {
    "sectors": "sectors",
    "capabilities": "capabilities",
    "skills": "need_categories",
    "certifications": "certifications",
}
QUERY_CONCEPT_FIELDS = {
    "sectors": "sectors",
    "required_capabilities": "capabilities",
    "category": "need_categories",
    "required_certifications": "certifications",
}


@dataclass
class DocParts:
    words: list[str]
    grams: list[str]
    explicit: set[int]  # concept columns given as codes
    detected: dict[int, str]  # concept columns found in the text -> form
    explicit_sections: set[str] = field(default_factory=set)
    text_prefectures: list[str] = field(default_factory=list)
    text_expert_types: set[int] = field(default_factory=set)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _parts(text: str, code_text: str, fields: dict[str, str], obj: JSONObject, *, places: bool = True) -> DocParts:
    space = concept_space()
    explicit: set[int] = set()
    sections: set[str] = set()
    for fname, section in fields.items():
        for code in _as_list(obj.get(fname)):
            col = space.col(section, code)
            if col is not None:
                explicit.add(col)
                sections.add(section)
    # Code labels join the text: a coded query then shares words with an
    # uncoded profile that uses the same terms in its description.
    full = f"{text}\n{code_text}" if code_text else text
    detected = detect_concepts(text)
    return DocParts(
        words=tokenize(full),
        grams=char_ngrams(text) if text else char_ngrams(code_text),
        explicit=explicit,
        detected={c: f for c, f in detected.items() if c not in explicit},
        explicit_sections=sections,
        text_prefectures=detect_prefectures(text) if places else [],
    )


def _labels(obj: JSONObject, fields: dict[str, str]) -> str:
    out = []
    for fname, section in fields.items():
        for code in _as_list(obj.get(fname)):
            out.append(label_ja(section, code))
    return " ".join(out)


def profile_text(p: JSONObject) -> str:
    return "\n".join(x for x in (p.get("name") or "", p.get("description") or "") if x)


def profile_parts(p: JSONObject) -> DocParts:
    code_text = _labels(p, PROFILE_CONCEPT_FIELDS)
    if p.get("expert_type"):
        code_text += " " + label_ja("expert_types", p["expert_type"])
    # prefectures named in a profile's text are not used (its stated ones are)
    return _parts(profile_text(p), code_text, PROFILE_CONCEPT_FIELDS, p, places=False)


def query_text(q: JSONObject) -> str:
    return "\n".join(x for x in (q.get("title") or "", q.get("description") or "") if x)


def query_parts(q: JSONObject) -> DocParts:
    parts = _parts(query_text(q), _labels(q, QUERY_CONCEPT_FIELDS), QUERY_CONCEPT_FIELDS, q)
    parts.text_expert_types = _detect_expert_types(query_text(q))
    return parts


def _detect_expert_types(text: str) -> set[int]:
    from ml.text import compact
    from ml.vocab import load_vocabulary

    c = compact(text)
    found: set[int] = set()
    if not c:
        return found
    for e in load_vocabulary()["expert_types"]:
        for form in (e["ja"], *e.get("aliases_ja", [])):
            f = compact(form)
            if len(f) >= 2 and f in c:
                found.add(EXPERT_TYPE_INDEX[e["code"]])
                break
    return found


def capacity_of(p: JSONObject) -> int:
    # The contract makes capacity optional only for SMEs (default 3); a
    # profile of another kind that omits it is treated the same way rather
    # than as "full", which would silently hide it from every market list.
    cap = p.get("capacity")
    return DEFAULT_SME_CAPACITY if cap is None else int(cap)


def remaining_capacity(p: JSONObject) -> int:
    return max(0, capacity_of(p) - int(p.get("active_engagements") or 0))
