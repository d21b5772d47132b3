"""The learning loop: outcome labels → ml.api.train → held-out evaluation → promote only if better."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from typing import Any

from django.db import transaction
from django.utils import timezone

import ml.api
from accounts.interchange import expert_interchange_id, organisation_interchange_id
from matching import conf
from matching.models import Introduction, ModelVersion, Outcome
from matching.services.index import index_for_ranking
from ml.index import Index
from ml.interchange import InterchangeError
from opportunities.interchange import (
    need_interchange_id,
    need_to_query,
    opportunity_interchange_id,
    opportunity_to_query,
)
from opportunities.models import Need, Opportunity

logger = logging.getLogger(__name__)
State = Introduction.State

ACCEPTED_STATES = (State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)
HOLDOUT_FRACTION = 0.3
MIN_LABELS = 20


def labels_export() -> list[dict[str, str]]:
    """One label per answered introduction: declined, accepted, or deal (completed / an outcome with a deal)."""
    deals = set(Outcome.objects.filter(deal=True).values_list("introduction_id", flat=True))
    labels: list[dict[str, str]] = []
    rows = (
        Introduction.objects.filter(answered_at__isnull=False)
        .select_related("need", "opportunity", "expert", "organisation")
        .order_by("pk")
    )
    for intro in rows.iterator(chunk_size=500):
        if intro.status == State.DECLINED:
            label = "declined"
        elif intro.status == State.COMPLETED or intro.pk in deals:
            label = "deal"
        elif intro.status in ACCEPTED_STATES or intro.status == State.WITHDRAWN:
            label = "accepted"
        else:
            continue
        query_id = need_interchange_id(intro.query) if intro.need_id else opportunity_interchange_id(intro.query)
        cand_id = (
            expert_interchange_id(intro.candidate) if intro.expert_id else organisation_interchange_id(intro.candidate)
        )
        labels.append({"query": query_id, "id": cand_id, "label": label})
    return labels


def _queries() -> list[dict[str, Any]]:
    """The needs and opportunities that have labels (answered introductions), as interchange queries."""
    answered = Introduction.objects.filter(answered_at__isnull=False)
    need_ids = answered.filter(need__isnull=False).values("need_id")
    opportunity_ids = answered.filter(opportunity__isnull=False).values("opportunity_id")
    queries = [
        need_to_query(need)
        for need in Need.objects.filter(pk__in=need_ids).select_related("organisation").prefetch_related("sectors")
    ]
    opportunities = (
        Opportunity.objects.filter(pk__in=opportunity_ids)
        .select_related("organisation")
        .prefetch_related("sectors", "required_capabilities", "required_certifications")
    )
    queries += [opportunity_to_query(opportunity) for opportunity in opportunities]
    return queries


def _indexes(queries: list[dict[str, Any]]) -> tuple[dict[str, Index], dict[str, str]]:
    """The active index of every candidate kind the queries target (the ones ranking uses), and their versions."""
    loaded = {kind: index_for_ranking(kind=kind) for kind in sorted({q["target"] for q in queries})}
    return {kind: c.main for kind, c in loaded.items()}, {kind: c.version.version for kind, c in loaded.items()}


def _held_out(query_id: str) -> bool:
    # Split by query (never by pair), with a stable hash so reruns split alike.
    return int(hashlib.md5(query_id.encode()).hexdigest(), 16) % 1000 < HOLDOUT_FRACTION * 1000  # noqa: S324


def labels_split(labels: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    train = [lab for lab in labels if not _held_out(lab["query"])]
    held = [lab for lab in labels if _held_out(lab["query"])]
    if not train or not held:
        queries = sorted({lab["query"] for lab in labels})
        held_q = set(queries[::3])
        train = [lab for lab in labels if lab["query"] not in held_q]
        held = [lab for lab in labels if lab["query"] in held_q]
    return train, held


def model_train_and_promote(*, min_labels: int = MIN_LABELS) -> dict[str, Any]:
    """Train a model on exported labels; promote it only if it beats the active one on held-out labels.

    Training and evaluation run outside database transactions; only the final
    bookkeeping (record the version, switch the active flag) is atomic.
    Returns {"status": "skipped"|"promoted"|"refused", "version": …, "evaluation": …}.
    """
    labels = labels_export()
    if len(labels) < min_labels or len({lab["label"] == "declined" for lab in labels}) < 2:
        return {"status": "skipped", "reason": f"{len(labels)} labels, need {min_labels} of both kinds"}
    queries = _queries()
    # Learning reads the same persistent indexes as ranking: nothing to load or build.
    indexes, versions = _indexes(queries)
    train, held = labels_split(labels)
    digest = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()
    data_digest = hashlib.sha256(json.dumps([labels, versions], sort_keys=True).encode()).hexdigest()
    version = timezone.now().strftime("%Y%m%d-%H%M%S-%f") + "-" + digest[:8]
    out_dir = conf.model_dir() / version
    current = ModelVersion.objects.filter(is_active=True).first()
    current_dir = current.path if current is not None and current.path else None
    try:
        meta = ml.api.train_on_indexes(indexes, queries, train, out_dir, data_digest=data_digest)
        evaluation = ml.api.evaluate_on_indexes(current_dir, out_dir, indexes, queries, held)
        evaluation["index_versions"] = versions
    except (ValueError, InterchangeError) as exc:
        shutil.rmtree(out_dir, ignore_errors=True)
        ModelVersion.objects.create(
            version=version,
            training_data_hash=digest,
            label_count=len(labels),
            decision=ModelVersion.Decision.FAILED,
            evaluation={"error": str(exc)},
        )
        logger.warning("training failed: %s", exc)
        return {"status": "failed", "version": version, "error": str(exc)}

    better = bool(evaluation.get("better"))
    with transaction.atomic():
        model = ModelVersion.objects.create(
            version=version,
            path=str(out_dir),
            metrics=meta.get("metrics", {}),
            evaluation=evaluation,
            training_data_hash=digest,
            label_count=len(labels),
            decision=ModelVersion.Decision.PROMOTED if better else ModelVersion.Decision.REFUSED,
        )
        if better:
            # Lock the active row so two concurrent promotions cannot both win.
            list(ModelVersion.objects.select_for_update().filter(is_active=True))
            ModelVersion.objects.filter(is_active=True).update(is_active=False)
            ModelVersion.objects.filter(pk=model.pk).update(is_active=True, promoted_at=timezone.now())
    if not better:
        # Refused models are kept on record (metrics in admin) but their files are not needed.
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"status": "promoted" if better else "refused", "version": version, "evaluation": evaluation}
