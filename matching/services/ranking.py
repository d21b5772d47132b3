"""Ranking queries against the candidate indexes and keeping their Recommendation rows stable.

A new or edited need/opportunity is ranked alone (relevance policy) by a
task as soon as it is saved: seconds, whatever the size of the index. The
capacity-aware market policy re-ranks a whole group in batch
(matching.services.recommendations), periodically and on demand.

Rows are upserted by (query, candidate), so a recommendation keeps its id
across rankings; a candidate that drops out is marked not current instead of
deleted, so an older page can still act on it or get a clear answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.interchange import EXPERT_PREFIX, ORG_PREFIX, interchange_lookup
from accounts.models import ExpertProfile, Organisation
from core.bulk import BATCH_SIZE, bulk_update_fields
from matching import conf
from matching.models import ModelVersion, Recommendation, candidate_key, query_key
from matching.selectors import candidate_allowed, conflict_pairs
from matching.services.index import CandidateIndex, index_for_ranking
from ml.engine import rank_index
from ml.learn import load_model
from opportunities.interchange import need_to_query, opportunity_to_query
from opportunities.models import Need, Opportunity, RecommendationsStatus, Status

logger = logging.getLogger(__name__)

Query = Need | Opportunity
RANKED_FIELDS = ("rank", "score", "relevance", "reasons", "evidence", "policy", "model_version", "generated_at")
Candidate = ExpertProfile | Organisation
# Queries written per transaction by recommendations_upsert.
UPSERT_CHUNK = 500


def active_model() -> tuple[str, Path | None]:
    model = ModelVersion.objects.filter(is_active=True).first()
    if model is None or not model.path:
        return "untrained", None
    path = Path(model.path)
    if not (path / "model.json").exists():
        logger.error("active model %s has no directory at %s; using the untrained ranker", model.version, path)
        return "untrained", None
    return model.version, path


def query_to_interchange(query: Query) -> dict[str, Any]:
    return need_to_query(query) if isinstance(query, Need) else opportunity_to_query(query)


def _query_model(kind: str) -> type[Need] | type[Opportunity]:
    return Need if kind == "need" else Opportunity


def query_load(*, kind: str, query_id: int) -> Query | None:
    model = _query_model(kind)
    related = ("sectors",) if kind == "need" else ("sectors", "required_capabilities", "required_certifications")
    return model.objects.select_related("organisation").prefetch_related(*related).filter(pk=query_id).first()


def rank_merged(
    index: CandidateIndex, queries: list[dict[str, Any]], *, top: int, policy: str, model_dir: Path | None
) -> list[list[dict[str, Any]]]:
    """Rank against the main index and the delta; the delta's rows replace the main index's stale ones."""
    scorer = load_model(model_dir).scorer()
    # Ask for more than needed: masked, deleted, conflicting or unvetted candidates are dropped afterwards.
    want = top * 2 + len(index.changed)
    main = rank_index(index.main, queries, top=want, policy=policy, scorer=scorer)
    extra = rank_index(index.delta, queries, top=top * 2, policy=policy, scorer=scorer) if index.delta else []
    merged: list[list[dict[str, Any]]] = []
    for position in range(len(queries)):
        items = [item for item in main[position]["results"] if item["id"] not in index.changed]
        if extra:
            items.extend(extra[position]["results"])
            items.sort(key=lambda item: -float(item["score"]))
        merged.append(items)
    return merged


@dataclass
class Ranked:
    query: Query
    items: list[dict[str, Any]]


def candidates_for(items: Sequence[dict[str, Any]]) -> dict[str, Candidate]:
    """Database rows of the ranked ids; ids whose row was deleted are simply absent."""
    ids = [item["id"] for item in items]
    found: dict[str, Candidate] = {}
    found.update(interchange_lookup(ExpertProfile, EXPERT_PREFIX, ids))
    found.update(interchange_lookup(Organisation, ORG_PREFIX, ids))
    return found


def recommendations_upsert(*, ranked: list[Ranked], policy: str, model_version: str, top: int) -> int:
    """Write the top `top` allowed candidates of each query; returns how many rows are current.

    Existing (query, candidate) rows are updated in place (stable ids); rows of
    these queries not in the new lists stay but stop being current. Queries
    are written in chunks, each in one transaction with its query rows locked,
    so a market re-rank of 10,000 queries issues a few statements per chunk
    instead of several per query.
    """
    candidates = candidates_for([item for r in ranked for item in r.items])
    conflicts = conflict_pairs()
    now = timezone.now()
    written = 0
    for start in range(0, len(ranked), UPSERT_CHUNK):
        chosen: list[tuple[Query, list[tuple[Candidate, dict[str, Any]]]]] = []
        for entry in ranked[start : start + UPSERT_CHUNK]:
            rows: list[tuple[Candidate, dict[str, Any]]] = []
            for item in entry.items:
                candidate = candidates.get(item["id"])
                if candidate is None or not candidate_allowed(
                    query=entry.query, candidate=candidate, conflicts=conflicts
                ):
                    continue
                rows.append((candidate, item))
                if len(rows) == top:
                    break
            chosen.append((entry.query, rows))
        written += _upsert_chunk(chosen, policy=policy, model_version=model_version, now=now)
    return written


def _key_of_query(query: Query) -> str:
    return query_key(need_id=query.pk) if isinstance(query, Need) else query_key(opportunity_id=query.pk)


def _key_of_candidate(candidate: Candidate) -> str:
    if isinstance(candidate, ExpertProfile):
        return candidate_key(expert_id=candidate.pk)
    return candidate_key(organisation_id=candidate.pk)


def _upsert_chunk(
    chosen: list[tuple[Query, list[tuple[Candidate, dict[str, Any]]]]], *, policy: str, model_version: str, now: Any
) -> int:
    ids: dict[type[Need] | type[Opportunity], list[int]] = {Need: [], Opportunity: []}
    for query, _rows in chosen:
        ids[type(query)].append(query.pk)
    with transaction.atomic():
        # Lock the query rows in key order: two rankings of one query write one after the other, without deadlock.
        for model, pks in ids.items():
            if pks:
                list(model.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))
        existing = {
            (r.query_key, r.candidate_key): r
            for r in Recommendation.objects.filter(query_key__in=[_key_of_query(q) for q, _ in chosen]).only(
                "pk", "query_key", "candidate_key", "is_current"
            )
        }
        keep: set[tuple[str, str]] = set()
        new: list[Recommendation] = []
        changed: list[Recommendation] = []
        for query, rows in chosen:
            qkey = _key_of_query(query)
            for rank, (candidate, item) in enumerate(rows, start=1):
                rec = existing.get((qkey, _key_of_candidate(candidate)))
                if rec is None:
                    rec = Recommendation(
                        need=query if isinstance(query, Need) else None,
                        opportunity=query if isinstance(query, Opportunity) else None,
                        expert=candidate if isinstance(candidate, ExpertProfile) else None,
                        organisation=candidate if isinstance(candidate, Organisation) else None,
                    )
                    rec.fill_keys()
                    new.append(rec)
                else:
                    changed.append(rec)
                keep.add((rec.query_key, rec.candidate_key))
                rec.rank = rank
                rec.score = float(item["score"])
                rec.relevance = float(item["relevance"]) if item.get("relevance") is not None else None
                rec.reasons = list(item.get("reasons", []))
                rec.evidence = list(item.get("evidence", []))
                rec.policy = policy
                rec.model_version = model_version
                rec.generated_at = now
                rec.is_current = True
        Recommendation.objects.bulk_create(new, batch_size=BATCH_SIZE)
        bulk_update_fields(Recommendation, changed, [*RANKED_FIELDS, "is_current"])
        dropped = [r.pk for pair, r in existing.items() if pair not in keep and r.is_current]
        for start in range(0, len(dropped), BATCH_SIZE):
            Recommendation.objects.filter(pk__in=dropped[start : start + BATCH_SIZE]).update(is_current=False)
        for model, pks in ids.items():
            if pks:
                model.objects.filter(pk__in=pks).update(
                    recommendations_status=RecommendationsStatus.READY, recommendations_at=now
                )
    return sum(len(rows) for _query, rows in chosen)


def query_rank(*, kind: str, query_id: int) -> int:
    """Rank one need or opportunity against the current index of its target kind; returns current proposals.

    Idempotent: a re-run upserts the same rows. A closed or deleted query
    keeps its rows, none current.
    """
    query = query_load(kind=kind, query_id=query_id)
    if query is None:
        return 0
    if query.status != Status.OPEN:
        with transaction.atomic():
            field = "need_id" if kind == "need" else "opportunity_id"
            Recommendation.objects.filter(**{field: query.pk}).update(is_current=False)
            type(query).objects.filter(pk=query.pk).update(recommendations_status=RecommendationsStatus.NONE)
        return 0
    index = index_for_ranking(kind=query.target)
    version, model_dir = active_model()
    top = conf.top_k()
    items = rank_merged(index, [query_to_interchange(query)], top=top, policy="relevance", model_dir=model_dir)[0]
    return recommendations_upsert(
        ranked=[Ranked(query=query, items=items)], policy="relevance", model_version=version, top=top
    )
