"""Celery tasks of the reports app: long exports (submit → background task → poll).

Thin wrappers that take a job id (JSON only) and call one service; the
ExportJob state machine makes redelivery (acks_late) safe. Services send
them by name (``core.tasks``) and never import this module; ``apps.ready``
registers it.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.app.task import Task
from django.db import InterfaceError, OperationalError

from core.exceptions import ApplicationError

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    name="reports.bureau_report_export",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=30,
    throws=(ApplicationError,),
    # A full report over years of data is the slowest thing a page can ask for.
    soft_time_limit=600,
    time_limit=660,
)
def bureau_report_export(self: Task, job_id: int) -> dict[str, Any]:
    """Build the bureau's full report (xlsx, one sheet per section) for ExportJob `job_id`."""
    from reports.services import export_job_fail, export_job_run

    try:
        job = export_job_run(job_id=job_id)
    except TRANSIENT as exc:
        if self.request.retries < (self.max_retries or 0):
            raise self.retry(exc=exc) from exc
        export_job_fail(job_id=job_id, error=repr(exc))
        raise
    except Exception as exc:
        # Mark the job failed so the polling page stops waiting; the error is logged by Celery too.
        export_job_fail(job_id=job_id, error=repr(exc))
        raise
    return {"job": job.pk, "state": job.state}


@shared_task(name="reports.export_jobs_sweep", bind=True, acks_late=True, max_retries=3, default_retry_delay=60)
def export_jobs_sweep(self: Task) -> dict[str, int]:
    """Re-send exports whose message was lost; fail the ones whose worker died."""
    from reports.services import export_jobs_sweep as sweep

    try:
        return sweep()
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc
