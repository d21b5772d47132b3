"""The market re-rank of a group: every open query of one kind and target, ranked together.

The capacity-aware market policy ranks all open queries of a group together
(one new need can change what the others are shown), so it runs as a batch:
periodically, after an import, and on demand, never after every save (a
single saved query is ranked alone, see matching.services.ranking). The
engine runs outside any database transaction; the group's rows are then
upserted in one transaction, guarded by the RefreshJob state so a
redelivered task (acks_late after a dead worker) never writes twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from django.db import transaction
from django.utils import timezone

from accounts.interchange import EXPERT_PREFIX, ORG_PREFIX
from accounts.models import ExpertProfile, Organisation
from matching import conf
from matching.models import Recommendation, RefreshJob
from matching.services.index import CandidateIndex, delta_size, index_active, index_build, index_for_ranking
from matching.services.introductions import candidate_open_load
from matching.services.ranking import Ranked, active_model, query_to_interchange, rank_merged, recommendations_upsert
from opportunities.models import Need, Opportunity, Status, TargetKind

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- running


def _open_queries(kind: str, target: str) -> list[Need | Opportunity]:
    if kind == "need":
        return list(
            Need.objects.filter(status=Status.OPEN, target=target)
            .select_related("organisation")
            .prefetch_related("sectors")
            .order_by("pk")
        )
    return list(
        Opportunity.objects.filter(status=Status.OPEN, target=target)
        .select_related("organisation")
        .prefetch_related("sectors", "required_capabilities", "required_certifications")
        .order_by("pk")
    )


def _with_current_load(index: CandidateIndex, kind: str) -> CandidateIndex:
    """The same index with today's load: external engagements (in the index) plus open ones on the platform."""
    load = candidate_open_load()["expert" if kind == TargetKind.EXPERT else "org"]
    if not load:
        return index
    model: type[ExpertProfile] | type[Organisation] = ExpertProfile if kind == TargetKind.EXPERT else Organisation
    rows = index.main.row_of
    active = index.main.active.astype(np.int32, copy=True)
    for pk, external_id in model.objects.filter(pk__in=load).values_list("pk", "external_id"):
        prefix = EXPERT_PREFIX if model is ExpertProfile else ORG_PREFIX
        row = rows.get(external_id or f"{prefix}{pk}")
        if row is not None:
            active[row] += load[pk]
    return replace(index, main=replace(index.main, active=active))


def refresh_job_run(*, job_id: int) -> RefreshJob:
    """Market re-rank of one group; a job already DONE is left alone, so redelivery is harmless.

    Pending profile changes are folded into a new index first, so the market
    policy sees one consistent candidate set with current capacity.
    """
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if job.state == RefreshJob.State.DONE:
            return job
        job.state = RefreshJob.State.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["state", "attempts", "started_at"])

    # Reads and the engine run outside any transaction (slow work, conventions #5).
    queries = _open_queries(job.kind, job.target)
    version, model_path = active_model()
    top = conf.top_k()
    ranked: list[Ranked] = []
    if queries:
        active_index = index_active(kind=job.target)
        if active_index is not None and delta_size(kind=job.target, version=active_index):
            index_build(kind=job.target, reason=f"market batch {job.kind}/{job.target}")
        index = _with_current_load(index_for_ranking(kind=job.target), job.target)
        lists = rank_merged(
            index, [query_to_interchange(q) for q in queries], top=top, policy="market", model_dir=model_path
        )
        ranked = [Ranked(query=q, items=items) for q, items in zip(queries, lists, strict=True)]

    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if job.state == RefreshJob.State.DONE:
            return job  # a redelivered copy finished first
        written = recommendations_upsert(ranked=ranked, policy="market", model_version=version, top=top)
        # Queries of the group that closed since keep their rows, none current.
        field_name = "need" if job.kind == "need" else "opportunity"
        Recommendation.objects.filter(**{f"{field_name}__target": job.target, "is_current": True}).exclude(
            **{f"{field_name}__status": Status.OPEN}
        ).update(is_current=False)
        job.state = RefreshJob.State.DONE
        job.queries = len(queries)
        job.recommendations = written
        job.model_version = version
        job.finished_at = timezone.now()
        job.error = ""
        job.save()
    return job


__all__ = ["refresh_job_run"]
