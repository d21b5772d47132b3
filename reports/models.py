from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Job


def _token() -> str:
    return secrets.token_urlsafe(16)


class ExportJob(Job):
    """One background export (the bureau's full report) and its progress.

    A RUNNING job found again after a crash is run from the start, overwriting its file (see core.models.Job).
    """

    class Kind(models.TextChoices):
        BUREAU_REPORT = "bureau_report", _("Bureau full report")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BUREAU_REPORT)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ja")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Random part of the file name: exports may sit under a publicly served MEDIA_ROOT.
    token = models.CharField(max_length=32, default=_token, editable=False)
    file = models.CharField(_("file (relative to MEDIA_ROOT)"), max_length=200, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="exportjob_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"
