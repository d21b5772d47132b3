from __future__ import annotations

from django.db.models import QuerySet

from reference.models import VocabularyTerm


def vocabulary_term_list(*, section: str | None = None) -> QuerySet[VocabularyTerm]:
    terms = VocabularyTerm.objects.all()
    if section:
        terms = terms.filter(section=section)
    return terms
