from __future__ import annotations

from django.contrib import admin

from programmes.models import PaidEngagement, Programme, Round, WorkLogEntry


class RoundInline(admin.TabularInline[Round, Programme]):
    model = Round
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin[Programme]):
    list_display = (
        "code",
        "name_ja",
        "owner",
        "prefecture",
        "subsidy_rate",
        "hourly_rate_jpy",
        "budget_jpy",
        "is_active",
    )
    list_filter = ("owner", "is_active")
    search_fields = ("code", "name_ja", "name_en")
    inlines = (RoundInline,)


@admin.register(PaidEngagement)
class PaidEngagementAdmin(admin.ModelAdmin[PaidEngagement]):
    list_display = ("programme", "organisation", "expert", "hourly_rate_jpy", "created_at", "closed_at")
    list_filter = ("programme",)
    raw_id_fields = ("organisation", "expert", "introduction")


@admin.register(WorkLogEntry)
class WorkLogEntryAdmin(admin.ModelAdmin[WorkLogEntry]):
    list_display = ("engagement", "worked_on", "hours", "amount_jpy", "status")
    list_filter = ("status", "engagement__programme")
    readonly_fields = ("amount_jpy", "copay_jpy", "submitted_by", "decided_by", "decided_at")
