from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from opportunities.models import Need, Opportunity, VocabularyTerm


@admin.register(VocabularyTerm)
class VocabularyTermAdmin(admin.ModelAdmin):
    list_display = ("section", "code", "label_ja", "label_en")
    list_filter = ("section",)
    search_fields = ("code", "label_ja", "label_en")

    # Reference data comes from the shipped vocabulary.json (`manage.py load_vocabulary`).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: VocabularyTerm | None = None) -> bool:
        return False


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "category", "prefecture", "target", "status", "created_at")
    list_filter = ("status", "target", "prefecture", "sectors")
    search_fields = ("title", "description", "organisation__name", "external_id")
    filter_horizontal = ("sectors",)
    autocomplete_fields = ("organisation",)
    date_hierarchy = "created_at"
    list_select_related = ("organisation",)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "prefecture", "deadline", "restricted", "status", "created_at")
    list_filter = ("status", "restricted", "prefecture", "sectors")
    search_fields = ("title", "description", "organisation__name", "external_id")
    filter_horizontal = ("sectors", "required_capabilities", "required_certifications")
    autocomplete_fields = ("organisation",)
    date_hierarchy = "created_at"
    list_select_related = ("organisation",)
