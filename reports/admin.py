from __future__ import annotations

from django.contrib import admin

from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "user", "state", "progress", "created_at", "finished_at")
    list_filter = ("kind", "state")
    search_fields = ("user__email",)
    readonly_fields = (
        "user",
        "kind",
        "filters",
        "language",
        "token",
        "file",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    )
