from __future__ import annotations

from typing import Any

from rest_framework import serializers

from reference.terms import codes


class CodeListField(serializers.ListField):
    """A list of vocabulary codes, read from a prefetched M2M of VocabularyTerm."""

    child = serializers.CharField()

    def to_representation(self, data: Any) -> list[str]:
        if hasattr(data, "all"):
            return codes(data)
        return list(data)
