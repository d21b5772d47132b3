from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from programmes.models import (
    DeskConsultationCount,
    DispatchRequest,
    DispatchVisit,
    PaidEngagement,
    Programme,
    Round,
    WorkLogEntry,
)


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
    autocomplete_fields = ("registered_experts",)
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


# --- The prefectural dispatch: read-mostly (the steps are taken on the bureau, SME and expert pages) ------------


class DispatchVisitInline(admin.TabularInline[DispatchVisit, DispatchRequest]):
    model = DispatchVisit
    extra = 0
    can_delete = False
    readonly_fields = ("visited_on", "summary", "recorded_by", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: DispatchRequest | None = None) -> bool:
        return False


@admin.register(DispatchRequest)
class DispatchRequestAdmin(admin.ModelAdmin[DispatchRequest]):
    """Read-only: every change goes through programmes.dispatch, which checks the cap and writes the audit trail."""

    list_display = ("programme", "organisation", "status", "expert", "created_at", "reported_at")
    list_filter = ("status", "programme")
    search_fields = ("organisation__name", "description")
    inlines = (DispatchVisitInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DispatchRequest | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DispatchRequest | None = None) -> bool:
        return False


@admin.register(DeskConsultationCount)
class DeskConsultationCountAdmin(admin.ModelAdmin[DeskConsultationCount]):
    list_display = ("prefecture", "month", "count", "entered_by", "entered_at")
    list_filter = ("prefecture",)

    # Entered on the bureau dispatch page (audited there); the admin only shows them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeskConsultationCount | None = None) -> bool:
        return False
