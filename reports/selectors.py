from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import NotFound
from reports.models import ExportJob


def export_job_get(*, user: User, job_id: int) -> ExportJob:
    """A job of this user; someone else's job is NotFound (same answer as a missing one, on purpose)."""
    job = ExportJob.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise NotFound(str(_("Export not found.")))
    return job


def export_job_recent(*, user: User, limit: int = 5) -> list[ExportJob]:
    return list(ExportJob.objects.filter(user=user, kind=ExportJob.Kind.BUREAU_REPORT)[:limit])


def export_job_path(*, job: ExportJob) -> Path:
    """Where the job's file is (or will be) on disk."""
    return Path(settings.MEDIA_ROOT) / job.file
