from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.utils.translation import gettext_lazy as _

from core.tasks import task_send_on_commit


def _on_query_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Rank the saved query alone, once the change is committed (its page shows "being computed" until then)."""
    from matching.services.scheduling import query_rank_schedule

    query_rank_schedule(query=instance)


def _on_profiles_imported(sender: Any, kinds: list[str], **kwargs: Any) -> None:
    """A bulk import rebuilds the index of each candidate kind it wrote, once, after commit."""
    from matching import conf
    from matching.services.index import KINDS

    for kind in kinds:
        if kind in KINDS:
            task_send_on_commit("matching.index_build", queue=conf.task_queue(), kind=kind, reason="import")


def _on_queries_imported(sender: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
    """An imported batch of queries gets the group's market re-rank (one job per group)."""
    from matching.services.scheduling import refresh_schedule

    for kind, target in groups:
        refresh_schedule(kind=kind, target=target, reason="import")


def matching_settings_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from matching import conf

    errors: list[CheckMessage] = []
    if conf.expiry_days() <= conf.reminder_days():
        errors.append(
            Error(
                "MATCHING_EXPIRY_DAYS must be greater than MATCHING_REMINDER_DAYS",
                hint="A reminder is only useful before the request expires.",
                id="matching.E001",
            )
        )
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}).get("visibility_timeout", 3600)
    if visibility <= conf.TRAINING_TIME_LIMIT:
        errors.append(
            Error(
                f"CELERY_VISIBILITY_TIMEOUT ({visibility}s) must exceed the training task's limit "
                f"({conf.TRAINING_TIME_LIMIT}s)",
                hint="Otherwise Redis hands a running training task to a second worker. Set it to 14400.",
                id="matching.E003",
            )
        )
    if conf.top_k() < 1:
        errors.append(Error("MATCHING_TOP_K must be at least 1", hint="Set MATCHING_TOP_K=10.", id="matching.E002"))
    return errors


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from accounts.signals import profiles_imported, user_data_exported, user_erasing
        from matching import tasks  # noqa: F401  (registers the tasks that services send by name)
        from matching.services.privacy import matching_data_erase, matching_data_export
        from opportunities.signals import queries_imported, query_changed

        query_changed.connect(_on_query_changed, dispatch_uid="matching.refresh_on_query_changed")
        profiles_imported.connect(_on_profiles_imported, dispatch_uid="matching.refresh_on_profiles_imported")
        queries_imported.connect(_on_queries_imported, dispatch_uid="matching.refresh_on_queries_imported")
        user_data_exported.connect(matching_data_export, dispatch_uid="matching.user_data_exported")
        user_erasing.connect(matching_data_erase, dispatch_uid="matching.user_erasing")
        register(matching_settings_check)
