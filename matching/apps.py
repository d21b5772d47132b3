from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, register
from django.utils.translation import gettext_lazy as _


def _on_query_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Refresh the recommendations of the changed query's group once the change is committed."""
    from matching.services.recommendations import recommendations_refresh_for_query

    # The signal fires inside the saving transaction; the job row rolls back with it
    # and the task itself is sent from transaction.on_commit.
    recommendations_refresh_for_query(query=instance)


def _on_profile_changed(sender: Any, organisation_id: int | None, expert_id: int | None, **kwargs: Any) -> None:
    """Refresh the groups where the changed profile can be a candidate, after commit."""
    from matching.services.recommendations import recommendations_refresh_for_profile

    recommendations_refresh_for_profile(expert_id=expert_id, organisation_id=organisation_id)


def _on_profiles_imported(sender: Any, kinds: list[str], **kwargs: Any) -> None:
    """A bulk import refreshes each group whose candidates it wrote, once."""
    from matching.services.recommendations import GROUPS, refresh_schedule

    for kind, target in GROUPS:
        if target in kinds:
            refresh_schedule(kind=kind, target=target, reason="import")


def _on_queries_imported(sender: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
    from matching.services.recommendations import refresh_schedule

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
    if conf.top_k() < 1:
        errors.append(Error("MATCHING_TOP_K must be at least 1", hint="Set MATCHING_TOP_K=10.", id="matching.E002"))
    return errors


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from accounts.signals import profile_changed, profiles_imported
        from matching import tasks  # noqa: F401  (registers the tasks that services send by name)
        from opportunities.signals import queries_imported, query_changed

        query_changed.connect(_on_query_changed, dispatch_uid="matching.refresh_on_query_changed")
        profile_changed.connect(_on_profile_changed, dispatch_uid="matching.refresh_on_profile_changed")
        profiles_imported.connect(_on_profiles_imported, dispatch_uid="matching.refresh_on_profiles_imported")
        queries_imported.connect(_on_queries_imported, dispatch_uid="matching.refresh_on_queries_imported")
        register(matching_settings_check)
