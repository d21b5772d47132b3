"""Recommendation refresh: rows → interchange dicts → ml.api.rank → Recommendation rows.

Queries are refreshed by group (kind + target, e.g. needs looking for
experts), because the market policy ranks all open queries of a group
together: one new need can change what the others are shown. The engine runs
outside any database transaction; the group's rows are then replaced in one
short transaction, guarded by the RefreshJob state so a redelivered task
(acks_late after a dead worker) never writes twice.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

import ml.api
from accounts.interchange import expert_interchange_id, expert_to_profile, organisation_to_profile
from accounts.models import ExpertProfile, Organisation
from core.tasks import task_send_on_commit
from matching import conf
from matching.models import ModelVersion, Recommendation, RefreshJob, query_key
from matching.selectors import conflict_pairs
from matching.services.introductions import candidate_open_load
from ml.interchange import validate_profile
from opportunities.interchange import need_to_query, opportunity_to_query
from opportunities.models import Need, Opportunity, Status, TargetKind

logger = logging.getLogger(__name__)

GROUPS: tuple[tuple[str, str], ...] = (
    ("need", TargetKind.EXPERT),
    ("need", TargetKind.BUYER),
    ("opportunity", TargetKind.SME),
    ("opportunity", TargetKind.EXPERT),
    ("opportunity", TargetKind.BUYER),
)
# A pending job younger than this absorbs new triggers for its group (a burst of edits = one refresh).
COALESCE = timedelta(minutes=2)


# --------------------------------------------------------------------------- scheduling


def refresh_schedule(*, kind: str, target: str, reason: str = "") -> RefreshJob:
    """Create (or reuse) a pending refresh of one group; the task is sent after commit."""
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


def recommendations_refresh_for_query(*, query: Need | Opportunity) -> RefreshJob:
    kind = "need" if isinstance(query, Need) else "opportunity"
    return refresh_schedule(kind=kind, target=query.target, reason=f"{kind}:{query.pk}")


def recommendations_refresh_for_profile(
    *, expert_id: int | None = None, organisation_id: int | None = None
) -> list[RefreshJob]:
    """Refresh every group where this profile can be a candidate (call it from the accounts services)."""
    if expert_id:
        groups = [g for g in GROUPS if g[1] == TargetKind.EXPERT]
        reason = f"expert:{expert_id}"
    else:
        org = Organisation.objects.get(pk=int(organisation_id or 0))
        groups = [g for g in GROUPS if g[1] == org.kind]
        reason = f"org:{organisation_id}"
    return [refresh_schedule(kind=k, target=t, reason=reason) for k, t in groups]


def recommendations_refresh_all(*, reason: str = "periodic") -> list[RefreshJob]:
    return [refresh_schedule(kind=k, target=t, reason=reason) for k, t in GROUPS]


# --------------------------------------------------------------------------- running


@dataclass
class GroupInput:
    queries: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[dict[str, Any]] = field(default_factory=list)
    query_rows: dict[str, Need | Opportunity] = field(default_factory=dict)
    candidates: dict[str, ExpertProfile | Organisation] = field(default_factory=dict)
    query_keys: list[str] = field(default_factory=list)


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


def _group_input(kind: str, target: str) -> GroupInput:
    data = GroupInput()
    load = candidate_open_load()
    for row in _open_queries(kind, target):
        query = need_to_query(row) if isinstance(row, Need) else opportunity_to_query(row)
        data.queries.append(query)
        data.query_rows[query["id"]] = row
        data.query_keys.append(query_key(need_id=row.pk) if isinstance(row, Need) else query_key(opportunity_id=row.pk))
    if not data.queries:
        return data
    candidates: list[ExpertProfile | Organisation]
    if target == TargetKind.EXPERT:
        candidates = list(ExpertProfile.objects.prefetch_related("sectors", "skills", "regions").order_by("pk"))
    else:
        candidates = list(
            Organisation.objects.filter(kind=target)
            .prefetch_related("sectors", "capabilities", "certifications")
            .order_by("pk")
        )
    for cand in candidates:
        if isinstance(cand, ExpertProfile):
            profile = expert_to_profile(cand)
            open_here = load["expert"].get(cand.pk, 0)
        else:
            profile = organisation_to_profile(cand)
            open_here = load["org"].get(cand.pk, 0)
        # The engine's market policy needs the real remaining capacity: external load + open engagements here.
        profile["active_engagements"] = int(profile.get("active_engagements", 0)) + open_here
        problems = validate_profile(profile)
        if problems:
            # One bad profile must not stop recommendations for everybody else.
            logger.warning("skipping profile %s: %s", profile.get("id"), "; ".join(problems))
            continue
        data.profiles.append(profile)
        data.candidates[profile["id"]] = cand
    return data


def active_model() -> tuple[str, Path | None]:
    model = ModelVersion.objects.filter(is_active=True).first()
    if model is None or not model.path:
        return "untrained", None
    path = Path(model.path)
    if not (path / "model.json").exists():
        logger.error("active model %s has no directory at %s; using the untrained ranker", model.version, path)
        return "untrained", None
    return model.version, path


def _allowed(query_row: Need | Opportunity, cand: ExpertProfile | Organisation, conflicts: Any) -> bool:
    expert_pairs, org_pairs = conflicts
    owner_id = query_row.organisation_id
    if isinstance(cand, ExpertProfile):
        return (cand.pk, owner_id) not in expert_pairs
    if cand.pk == owner_id:
        return False
    if (cand.pk, owner_id) in org_pairs or (owner_id, cand.pk) in org_pairs:
        return False
    # Restricted opportunities are only for organisations vetted by the bureau.
    return not (isinstance(query_row, Opportunity) and query_row.restricted and not cand.is_vetted)


def _group_lock(kind: str, target: str) -> None:
    """Serialise writers of one group on PostgreSQL (SQLite serialises all writers anyway).

    Without it two refreshes could both delete the old rows and both insert,
    and the second insert would hit the unique (query, candidate) constraint.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(f"matching:{kind}:{target}".encode())])


def refresh_job_run(*, job_id: int) -> RefreshJob:
    """Run one refresh job; a job already DONE is left alone, so redelivery is harmless."""
    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if job.state == RefreshJob.State.DONE:
            return job
        job.state = RefreshJob.State.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["state", "attempts", "started_at"])

    # Reads and the engine run outside any transaction (slow work, conventions #5).
    data = _group_input(job.kind, job.target)
    version, model_path = active_model()
    results: list[dict[str, Any]] = []
    if data.queries and data.profiles:
        top = conf.top_k()
        # Ask for more than we show: conflicts and vetting may remove some afterwards.
        results = ml.api.rank(data.profiles, data.queries, top=top * 2, policy="market", model_dir=model_path)
    else:
        top = conf.top_k()

    conflicts = conflict_pairs()
    now = timezone.now()
    rows: list[Recommendation] = []
    for result in results:
        query_row = data.query_rows[result["query"]]
        rank = 0
        for item in result["results"]:
            cand = data.candidates.get(item["id"])
            if cand is None or not _allowed(query_row, cand, conflicts):
                continue
            rank += 1
            if rank > top:
                break
            rec = Recommendation(
                need=query_row if isinstance(query_row, Need) else None,
                opportunity=query_row if isinstance(query_row, Opportunity) else None,
                expert=cand if isinstance(cand, ExpertProfile) else None,
                organisation=cand if isinstance(cand, Organisation) else None,
                rank=rank,
                score=float(item["score"]),
                reasons=list(item.get("reasons", [])),
                policy="market",
                model_version=version,
                job=job,
                generated_at=now,
            )
            rec.fill_keys()
            rows.append(rec)

    with transaction.atomic():
        job = RefreshJob.objects.select_for_update().get(pk=job_id)
        if job.state == RefreshJob.State.DONE:
            return job  # a redelivered copy finished first
        _group_lock(job.kind, job.target)
        # Replace the whole group: closed queries lose their recommendations too.
        field_name = "need" if job.kind == "need" else "opportunity"
        Recommendation.objects.filter(**{f"{field_name}__isnull": False, f"{field_name}__target": job.target}).delete()
        Recommendation.objects.bulk_create(rows)
        job.state = RefreshJob.State.DONE
        job.queries = len(data.queries)
        job.recommendations = len(rows)
        job.model_version = version
        job.finished_at = timezone.now()
        job.error = ""
        job.save()
    return job


def refresh_job_fail(*, job_id: int, error: str) -> None:
    RefreshJob.objects.filter(pk=job_id).exclude(state=RefreshJob.State.DONE).update(
        state=RefreshJob.State.FAILED, error=error[:2000], finished_at=timezone.now()
    )


__all__ = [
    "GROUPS",
    "expert_interchange_id",
    "recommendations_refresh_all",
    "recommendations_refresh_for_profile",
    "recommendations_refresh_for_query",
    "refresh_job_run",
    "refresh_schedule",
]
