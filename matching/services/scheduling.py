"""Asking for rankings and noticing the ones that never came: the light half of the pipeline.

This module imports no part of the engine (numpy, scipy, ml): the web
process calls it on every save of a need or opportunity, and importing the
ranker there cost 2.4 s and 72 MiB on the first save of each process.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.tasks import task_send, task_send_on_commit
from matching import conf
from matching.models import RefreshJob
from opportunities.models import Need, Opportunity, RecommendationsStatus, TargetKind

GROUPS: tuple[tuple[str, str], ...] = (
    ("need", TargetKind.EXPERT),
    ("need", TargetKind.BUYER),
    ("opportunity", TargetKind.SME),
    ("opportunity", TargetKind.EXPERT),
    ("opportunity", TargetKind.BUYER),
)
# A pending job younger than this absorbs new triggers for its group (a burst of edits = one refresh).
COALESCE = timedelta(minutes=2)
# A query still "being computed" after this was lost on the way (broker down, worker killed): ask again.
PENDING_RETRY_AFTER = timedelta(minutes=10)
# A group refresh running past its hard time limit (1900 s) plus a margin died with its worker.
RUNNING_GIVE_UP_AFTER = timedelta(seconds=1900 + 300)
SWEEP_BATCH = 1000


def query_rank_schedule(*, query: Need | Opportunity) -> None:
    """Mark the query's proposals as being computed and send the ranking task after commit."""
    kind = "need" if isinstance(query, Need) else "opportunity"
    type(query).objects.filter(pk=query.pk).update(recommendations_status=RecommendationsStatus.PENDING)
    task_send_on_commit("matching.query_rank", queue=conf.task_queue(), kind=kind, query_id=query.pk)


def query_rank_fail(*, kind: str, query_id: int) -> None:
    model = Need if kind == "need" else Opportunity
    model.objects.filter(pk=query_id).update(recommendations_status=RecommendationsStatus.FAILED)


def refresh_schedule(*, kind: str, target: str, reason: str = "") -> RefreshJob:
    """Create (or reuse) a pending market re-rank of one group; the task is sent after commit."""
    recent = (
        RefreshJob.objects.filter(
            kind=kind, target=target, state=RefreshJob.State.PENDING, created_at__gte=timezone.now() - COALESCE
        )
        .order_by("-id")
        .first()
    )
    if recent is not None:
        return recent
    job = RefreshJob.objects.create(kind=kind, target=target, reason=reason[:100])
    task_send_on_commit("matching.recommendations_refresh", queue=conf.task_queue(), job_id=job.pk)
    return job


def refresh_job_fail(*, job_id: int, error: str) -> None:
    RefreshJob.objects.filter(pk=job_id).exclude(state=RefreshJob.State.DONE).update(
        state=RefreshJob.State.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def recommendations_refresh_all(*, reason: str = "periodic") -> list[RefreshJob]:
    return [refresh_schedule(kind=k, target=t, reason=reason) for k, t in GROUPS]


def pending_sweep(*, now: Any = None) -> dict[str, int]:
    """Re-send rankings and group refreshes lost on the way; close refreshes whose worker died and re-run them.

    Re-sending is safe: query_rank is idempotent. Without this, a page whose
    ranking message was lost would say "being computed" for ever.
    """
    now = now or timezone.now()
    resent = 0
    for kind, model in (("need", Need), ("opportunity", Opportunity)):
        stuck = model.objects.filter(
            recommendations_status=RecommendationsStatus.PENDING, updated_at__lt=now - PENDING_RETRY_AFTER
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
        for pk in stuck:
            task_send("matching.query_rank", queue=conf.task_queue(), kind=kind, query_id=pk)
            resent += 1
        # The next sweep waits another PENDING_RETRY_AFTER before asking again.
        model.objects.filter(pk__in=list(stuck)).update(updated_at=now)
    waiting = list(
        RefreshJob.objects.filter(state=RefreshJob.State.PENDING, created_at__lt=now - PENDING_RETRY_AFTER).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    for pk in waiting:
        # Idempotent: the job's state makes a second copy of the message a no-op.
        task_send("matching.recommendations_refresh", queue=conf.task_queue(), job_id=pk)
    died = list(
        RefreshJob.objects.filter(
            Q(state=RefreshJob.State.RUNNING, started_at__lt=now - RUNNING_GIVE_UP_AFTER)
        ).values_list("pk", "kind", "target")[:SWEEP_BATCH]
    )
    RefreshJob.objects.filter(pk__in=[pk for pk, _kind, _target in died], state=RefreshJob.State.RUNNING).update(
        state=RefreshJob.State.FAILED,
        error="The worker stopped before finishing (past the task's time limit).",
        finished_at=now,
    )
    # The group's proposals are still as old as before the dead run: re-rank it now rather than at
    # the next periodic refresh (its message may sit unacknowledged in the broker for hours).
    for kind, target in sorted({(kind, target) for _pk, kind, target in died}):
        refresh_schedule(kind=kind, target=target, reason="re-run: the worker died")
    return {"resent": resent, "refreshes_resent": len(waiting), "failed_jobs": len(died)}
