"""Celery tasks of the programmes app: thin wrappers that call one service."""

from __future__ import annotations

from celery.app.task import Task
from django.db import InterfaceError, OperationalError

from core.exceptions import ApplicationError
from core.tasks import shared_task


@shared_task(
    name="programmes.follow_ups_remind",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    default_retry_delay=60,
    throws=(ApplicationError,),
)
def follow_ups_remind(self: Task) -> int:
    from programmes.kpis import follow_ups_remind as remind

    try:
        return remind()
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc) from exc
