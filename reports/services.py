"""Export jobs (the bureau's full report): submit → Celery task (reports.tasks) → poll the job's state → download."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from core.tasks import task_send, task_send_on_commit
from matching import metrics
from matching.metrics import Filters
from reports import tables
from reports.models import ExportJob
from reports.renderers import tables_xlsx
from reports.tables import SECTION_TITLES, Label, Table

logger = logging.getLogger(__name__)

EXPORT_TASK = "reports.bureau_report_export"


@transaction.atomic
def export_job_create(*, user: User, filters: Filters, language: str) -> ExportJob:
    """Record a full-report job and enqueue it after commit (the worker must see the row)."""
    job = ExportJob.objects.create(user=user, filters=filters.to_json(), language=language)
    task_send_on_commit(EXPORT_TASK, job_id=job.pk)
    return job


def _set_progress(job_id: int, progress: int) -> None:
    ExportJob.objects.filter(pk=job_id, state=ExportJob.State.RUNNING).update(progress=progress)


def export_job_run(*, job_id: int) -> ExportJob:
    """Build the full report (one sheet per section) for a job; idempotent.

    Compare-and-set claim: only a PENDING job, or a RUNNING one whose worker
    died (redelivered thanks to acks_late), is run; DONE and FAILED jobs are
    left alone. The file is written under a temporary name and renamed, so a
    re-run overwrites leftovers and a reader never sees half a file.
    """
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, state__in=(ExportJob.State.PENDING, ExportJob.State.RUNNING)).update(
        state=ExportJob.State.RUNNING, progress=0, started_at=now, error=""
    )
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if claimed != 1:
        return job
    f = Filters.from_json(job.filters)
    sheets: list[tuple[Label, list[Table]]] = []
    with translation.override(job.language):
        for i, section in enumerate(metrics.SECTIONS):
            sheets.append((SECTION_TITLES[section], tables.section_tables(section, f)))
            # The last 10 % is writing the file.
            _set_progress(job_id, int((i + 1) * 90 / len(metrics.SECTIONS)))
        content = tables_xlsx(sheets, f)
    relative = f"exports/bureau-report-{job.pk}-{job.token}.xlsx"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(content)
    os.replace(partial, target)
    ExportJob.objects.filter(pk=job_id, state=ExportJob.State.RUNNING).update(
        state=ExportJob.State.DONE, progress=100, file=relative, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def export_job_fail(*, job_id: int, error: str) -> None:
    logger.error("export job %s failed: %s", job_id, error)
    ExportJob.objects.filter(pk=job_id).exclude(state=ExportJob.State.DONE).update(
        state=ExportJob.State.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# A job still waiting after this lost its message (broker down when it was sent): send it again.
EXPORT_RETRY_AFTER = timedelta(minutes=10)
# The export task's hard limit (660 s) plus a margin: a job running longer died with its worker.
EXPORT_GIVE_UP_AFTER = timedelta(seconds=660 + 240)


def export_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-send exports whose message was lost; fail the ones whose worker died, so their page stops waiting."""
    now = now or timezone.now()
    waiting = list(
        ExportJob.objects.filter(state=ExportJob.State.PENDING, created_at__lt=now - EXPORT_RETRY_AFTER).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in waiting:
        task_send(EXPORT_TASK, job_id=pk)  # idempotent: the job's state claims it once
    died = ExportJob.objects.filter(state=ExportJob.State.RUNNING, started_at__lt=now - EXPORT_GIVE_UP_AFTER).update(
        state=ExportJob.State.FAILED,
        error="The worker stopped before finishing (past the task's time limit).",
        finished_at=now,
    )
    return {"resent": len(waiting), "failed": died}
