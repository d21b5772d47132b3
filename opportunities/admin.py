from __future__ import annotations

from django.contrib import admin

from opportunities.models import Need, Opportunity


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin[Need]):
    list_display = ("title", "organisation", "category", "prefecture", "target", "status", "created_at")
    list_filter = ("status", "target", "prefecture", "sectors")
    search_fields = ("title", "description", "organisation__name", "external_id")
    filter_horizontal = ("sectors",)
    autocomplete_fields = ("organisation",)
    date_hierarchy = "created_at"
    list_select_related = ("organisation",)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin[Opportunity]):
    list_display = ("title", "organisation", "prefecture", "deadline", "restricted", "status", "created_at")
    list_filter = ("status", "restricted", "prefecture", "sectors")
    search_fields = ("title", "description", "organisation__name", "external_id")
    filter_horizontal = ("sectors", "required_capabilities", "required_certifications")
    autocomplete_fields = ("organisation",)
    date_hierarchy = "created_at"
    list_select_related = ("organisation",)
