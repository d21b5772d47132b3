from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reference.models import VocabularyTerm


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin[VocabularyTerm]):
    list_display = ("section", "code", "label_ja", "label_en")
    list_filter = ("section",)
    search_fields = ("code", "label_ja", "label_en")

    # Reference data comes from the shipped vocabulary.json (`manage.py load_vocabulary`).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: VocabularyTerm | None = None) -> bool:
        return False
