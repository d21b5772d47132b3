"""Convert between vocabulary code lists and VocabularyTerm rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from reference.models import VocabularyTerm


class TermMap:
    """All terms of the vocabulary, loaded with one query (for bulk work)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], int] = {
            (section, code): pk for pk, section, code in VocabularyTerm.objects.values_list("pk", "section", "code")
        }

    def ids(self, section: str, codes: Iterable[str], *, field: str) -> list[int]:
        found: list[int] = []
        unknown: list[str] = []
        for code in codes:
            pk = self._ids.get((section, code))
            if pk is None:
                unknown.append(code)
            else:
                found.append(pk)
        if unknown:
            raise ApplicationError(
                _("Unknown code(s) in %(field)s: %(codes)s") % {"field": field, "codes": ", ".join(unknown)},
                extra={"fields": {field: [_("Unknown code: %(code)s") % {"code": c} for c in unknown]}},
            )
        return found


def set_terms(
    obj: object, fields: Mapping[str, tuple[str, Iterable[str] | None]], term_map: TermMap | None = None
) -> None:
    """Set M2M term fields on a saved object: {field: (section, codes)}; None leaves a field alone."""
    term_map = term_map or TermMap()
    for field, (section, codes) in fields.items():
        if codes is None:
            continue
        getattr(obj, field).set(term_map.ids(section, list(dict.fromkeys(codes)), field=field))


def codes(manager: object) -> list[str]:
    """Codes of a prefetched M2M term manager, in vocabulary order."""
    terms = sorted(manager.all(), key=lambda t: t.position)  # type: ignore[attr-defined]
    return [t.code for t in terms]
