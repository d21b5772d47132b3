"""The reference vocabulary: the shipped vocabulary.json, read once per process.

The file itself ships inside `ml` (the engine validates codes with the same
copy), so the platform and the engine can never disagree about a code.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ml.vocab import SECTIONS, load_vocabulary

# Sections whose entries are stored as VocabularyTerm rows: the engine's list, so the two never differ.
__all__ = ["SECTIONS", "choices", "entries", "is_valid", "label", "section_choices", "sync_terms"]

_SECTION_LABELS = {
    "regions": _("Region"),
    "prefectures": _("Prefecture"),
    "sectors": _("Sector"),
    "capabilities": _("Capability"),
    "certifications": _("Certification"),
    "need_categories": _("Need category"),
    "expert_types": _("Expert type"),
    "industries": _("Industry"),
}


def section_choices() -> list[tuple[str, Any]]:
    """(section, translated name) for every vocabulary section, in the engine's order."""
    return [(section, _SECTION_LABELS.get(section, section)) for section in SECTIONS]


@cache
def entries(section: str) -> dict[str, dict[str, Any]]:
    return {e["code"]: e for e in load_vocabulary()[section]}


def label(section: str, code: str | None) -> str:
    if not code:
        return ""
    entry = entries(section).get(code)
    if entry is None:
        return code
    if (get_language() or "ja").startswith("en"):
        return str(entry.get("en") or entry["ja"])
    return str(entry["ja"])


def choices(section: str) -> list[tuple[str, str]]:
    """(code, label) pairs in the active language, for forms and filters."""
    return [(code, label(section, code)) for code in entries(section)]


def is_valid(section: str, code: str) -> bool:
    return code in entries(section)


def sync_terms(term_model: Any) -> int:
    """Upsert every vocabulary entry into the VocabularyTerm table.

    Takes the model class so the data migration can pass its historical model.
    Codes are never deleted: rows may reference them.
    """
    count = 0
    data = load_vocabulary()
    for section in SECTIONS:
        for position, entry in enumerate(data[section]):
            extra = {k: v for k, v in entry.items() if k not in {"code", "ja", "en", "aliases_ja"}}
            term_model.objects.update_or_create(
                section=section,
                code=entry["code"],
                defaults={
                    "label_ja": entry["ja"],
                    "label_en": entry.get("en", ""),
                    "aliases_ja": entry.get("aliases_ja", []),
                    "extra": extra,
                    "position": position,
                },
            )
            count += 1
    return count
