"""Celery tasks of the matching app: thin wrappers that take IDs and call one service.

All tasks are acks_late (set globally too): a worker that dies mid-task
leaves the message unacknowledged and the broker redelivers it; the services
are idempotent (job state, compare-and-set, dedup keys), so a re-run has no
second effect. Only transient database/broker errors are retried.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.app.task import Task
from django.db import DatabaseError, InterfaceError, OperationalError

from core.exceptions import ApplicationError
from core.tasks import shared_task
from matching import conf

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
COMMON: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": 5,
    "default_retry_delay": 30,
    "throws": (ApplicationError,),
}


# A group's market re-rank at 100,000 SMEs took 370 s (mostly writing rows): past the global 300 s limit.
@shared_task(name="matching.recommendations_refresh", soft_time_limit=1800, time_limit=1900, **COMMON)
def recommendations_refresh(self: Task, job_id: int) -> dict[str, Any]:
    from matching.services.scheduling import refresh_job_fail

    try:
        # Imported inside the try: a broken engine import fails the job instead of leaving it pending.
        from matching.services.recommendations import refresh_job_run

        job = refresh_job_run(job_id=job_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc
    except DatabaseError:
        raise
    except Exception as exc:
        refresh_job_fail(job_id=job_id, error=repr(exc))
        raise
    return {"job": job.pk, "state": job.state, "recommendations": job.recommendations}


@shared_task(name="matching.query_rank", **COMMON)
def query_rank(self: Task, kind: str, query_id: int) -> int:
    """Rank one saved need or opportunity against the current index (seconds, not a group refresh)."""
    from matching.services.scheduling import query_rank_fail

    try:
        from matching.services.ranking import query_rank as rank

        return rank(kind=kind, query_id=query_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc
    except Exception:
        # The page stops saying "being computed"; the error itself is logged by Celery.
        query_rank_fail(kind=kind, query_id=query_id)
        raise


@shared_task(name="matching.index_build", soft_time_limit=1800, time_limit=1900, **COMMON)
def index_build(self: Task, kind: str, reason: str = "") -> int:
    """Build and activate a new candidate index of `kind` (1M profiles: minutes, hence its own limits)."""
    from matching.services.index import index_build as build

    try:
        return build(kind=kind, reason=reason).pk
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="matching.index_compact", soft_time_limit=1800, time_limit=1900, **COMMON)
def index_compact(self: Task) -> list[int]:
    """Fold each kind's delta into a new index version where it is due."""
    from matching.services.index import KINDS
    from matching.services.index import index_compact as compact

    built = []
    for kind in KINDS:
        version = compact(kind=kind)
        if version is not None:
            built.append(version.pk)
    return built


@shared_task(name="matching.recommendations_refresh_all", **COMMON)
def recommendations_refresh_all(self: Task) -> list[int]:
    from matching.services.scheduling import recommendations_refresh_all as refresh_all

    try:
        return [job.pk for job in refresh_all(reason="periodic")]
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="matching.pending_sweep", **COMMON)
def pending_sweep(self: Task) -> dict[str, int]:
    """The outbox sweep: rankings, refreshes, notifications and e-mails whose message was lost or failed."""
    from matching.services.notifications import notifications_sweep
    from matching.services.scheduling import pending_sweep as sweep

    try:
        return {**sweep(), **notifications_sweep()}
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="matching.notifications_send_for_event", **COMMON)
def notifications_send_for_event(self: Task, event_id: int) -> int:
    from matching.services.notifications import notification_send_for_event

    try:
        return len(notification_send_for_event(event_id=event_id))
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="matching.introductions_remind", **COMMON)
def introductions_remind(self: Task) -> int:
    from matching.services.introductions import introductions_remind as remind

    try:
        return remind()
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(name="matching.introductions_expire", **COMMON)
def introductions_expire(self: Task) -> int:
    from matching.services.introductions import introductions_expire as expire

    try:
        return expire()
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc


@shared_task(
    name="matching.model_train_and_promote",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=2,
    default_retry_delay=600,
    throws=(ApplicationError,),
    # Training is the one long task: its own limits, above the global ones.
    soft_time_limit=conf.TRAINING_TIME_LIMIT - 300,
    time_limit=conf.TRAINING_TIME_LIMIT,
)
def model_train_and_promote(self: Task) -> dict[str, Any]:
    from matching.services.learning import model_train_and_promote as train_and_promote

    try:
        return train_and_promote()
    except TRANSIENT as exc:
        raise self.retry(exc=exc) from exc
