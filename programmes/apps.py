from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Support programmes")

    def ready(self) -> None:
        from programmes import tasks  # noqa: F401  (registers the beat's reminder task by name)
