from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matching.models import (
    ConflictOfInterest,
    Engagement,
    IndexVersion,
    Introduction,
    IntroductionEvent,
    ModelVersion,
    Notification,
    Outcome,
    Recommendation,
    RefreshJob,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Rows written only by services (audit trail, engine output): visible, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "is_active", "decision", "label_count", "auc", "created_at", "promoted_at")
    list_filter = ("is_active", "decision")
    readonly_fields = (
        "version",
        "path",
        "metrics",
        "evaluation",
        "training_data_hash",
        "label_count",
        "decision",
        "is_active",
        "created_at",
        "promoted_at",
    )

    @admin.display(description="AUC (held-out)")
    def auc(self, obj: ModelVersion) -> Any:
        return (obj.evaluation.get("b") or {}).get("auc")


@admin.register(IndexVersion)
class IndexVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "kind", "state", "is_active", "rows", "size_bytes", "build_seconds", "watermark")
    list_filter = ("kind", "state", "is_active")


@admin.register(RefreshJob)
class RefreshJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "target", "state", "attempts", "recommendations", "model_version", "created_at")
    list_filter = ("state", "kind", "target")


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("query_key", "candidate_key", "rank", "score", "model_version", "generated_at")
    list_filter = ("model_version", "policy")
    search_fields = ("query_key", "candidate_key")


class EventInline(admin.TabularInline[IntroductionEvent, Introduction]):
    model = IntroductionEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "actor_side", "from_state", "to_state", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Introduction)
class IntroductionAdmin(ReadOnlyAdmin):
    list_display = ("id", "query_key", "candidate_key", "status", "rank", "model_version", "requested_at")
    list_filter = ("status", "model_version")
    search_fields = ("query_key", "candidate_key")
    inlines = (EventInline,)


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdmin):
    list_display = ("introduction", "expert", "organisation", "accepted_at", "started_at", "closed_at")


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ("introduction", "side", "deal", "value_jpy", "feedback", "created_at")


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin[ConflictOfInterest]):
    list_display = ("organisation", "expert", "declared_by_organisation", "reason", "created_at")
    raw_id_fields = ("expert", "declared_by_organisation", "organisation", "created_by")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "title", "created_at", "emailed_at", "read_at")
    list_filter = ("kind",)


@admin.register(IntroductionEvent)
class IntroductionEventAdmin(ReadOnlyAdmin):
    list_display = ("introduction", "from_state", "to_state", "actor_side", "created_at")
    list_filter = ("to_state", "actor_side")
