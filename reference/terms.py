"""Convert between vocabulary code lists and VocabularyTerm rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.bulk import BATCH_SIZE, BulkRow, insert_rows
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


def bulk_set_terms(rows: Sequence[BulkRow[Any]], term_map: TermMap | None = None) -> None:
    """Replace the M2M term rows of many saved objects with a few queries per field.

    Each row's `terms` maps an M2M field to (section, codes); the field's
    through rows of those objects are deleted and inserted again in batches.
    """
    if not rows:
        return
    term_map = term_map or TermMap()
    model = type(rows[0].obj)
    by_field: dict[str, list[BulkRow[Any]]] = {}
    for row in rows:
        for name in row.terms:
            by_field.setdefault(name, []).append(row)
    for name, field_rows in by_field.items():
        descriptor = getattr(model, name)
        through = descriptor.through
        source = descriptor.field.m2m_field_name()
        target = descriptor.field.m2m_reverse_field_name()
        links: list[tuple[int, int]] = []
        for row in field_rows:
            section, wanted = row.terms[name]
            links.extend(
                (row.obj.pk, term_id) for term_id in term_map.ids(section, list(dict.fromkeys(wanted)), field=name)
            )
        existing = [row.obj.pk for row in field_rows if not row.created]
        for start in range(0, len(existing), BATCH_SIZE):
            through.objects.filter(**{f"{source}_id__in": existing[start : start + BATCH_SIZE]}).delete()
        source_column = through._meta.get_field(source).column
        target_column = through._meta.get_field(target).column
        insert_rows(through._meta.db_table, (source_column, target_column), links)
