"""Metrics selectors for the bureau dashboard: plain functions over matching rows.

Every function takes the same keyword filters (all optional):

- ``since`` / ``until``: aware datetimes; an introduction counts when it was
  created in [since, until).
- ``prefecture``: JIS code of the query's prefecture ("04").
- ``sector``: sector code the query is tagged with.
- ``expert_type``: only introductions whose candidate is an expert of this type.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import ExpertProfile
from matching.models import Introduction
from opportunities.models import Need, Status, TargetKind

State = Introduction.State
ANSWERED = (State.ACCEPTED, State.DECLINED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)
ACCEPTED = (State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)


def _introductions(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    prefecture: str | None = None,
    sector: str | None = None,
    expert_type: str | None = None,
) -> QuerySet[Introduction]:
    qs = Introduction.objects.all()
    if since:
        qs = qs.filter(created_at__gte=since)
    if until:
        qs = qs.filter(created_at__lt=until)
    if prefecture:
        qs = qs.filter(Q(need__prefecture=prefecture) | Q(opportunity__prefecture=prefecture))
    if sector:
        qs = qs.filter(Q(need__sectors__code=sector) | Q(opportunity__sectors__code=sector)).distinct()
    if expert_type:
        qs = qs.filter(expert__expert_type=expert_type)
    return qs


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def funnel(**filters: Any) -> dict[str, int]:
    """Introductions per current state: {"proposed": n, "requested": n, …} with every state present (0 if none)."""
    counts = dict(_introductions(**filters).values_list("status").annotate(n=Count("id")).order_by())
    return {state: int(counts.get(state, 0)) for state in State.values}


def conversion_rates(**filters: Any) -> dict[str, float | None]:
    """Step conversion rates, None when the denominator is 0.

    {"request_rate": requested-or-later / all proposed,
     "acceptance_rate": accepted-or-later / answered,
     "engagement_rate": engaged-or-later / accepted-or-later,
     "deal_rate": completed / closed engagements (completed + no_deal),
     "expired_share": expired / requested-or-later}
    """
    f = funnel(**filters)
    requested = sum(f[s] for s in (State.REQUESTED, *ANSWERED, State.EXPIRED)) + _withdrawn_after_request(**filters)
    answered = sum(f[s] for s in ANSWERED)
    accepted = sum(f[s] for s in ACCEPTED)
    engaged = f[State.ENGAGED] + f[State.COMPLETED] + f[State.NO_DEAL]
    closed = f[State.COMPLETED] + f[State.NO_DEAL]
    total = sum(f.values())
    return {
        "request_rate": _rate(requested, total),
        "acceptance_rate": _rate(accepted, answered),
        "engagement_rate": _rate(engaged, accepted),
        "deal_rate": _rate(f[State.COMPLETED], closed),
        "expired_share": _rate(f[State.EXPIRED], requested),
    }


def _withdrawn_after_request(**filters: Any) -> int:
    return _introductions(**filters).filter(status=State.WITHDRAWN, requested_at__isnull=False).count()


def share_expired(**filters: Any) -> float | None:
    """Expired / all requested introductions (0.0–1.0), None when nothing was requested."""
    return conversion_rates(**filters)["expired_share"]


def median_time_to_first_answer(**filters: Any) -> float | None:
    """Median hours from request to the candidate's answer (accept or decline), None without answers."""
    rows = _introductions(**filters).filter(requested_at__isnull=False, answered_at__isnull=False)
    hours = [(a - r).total_seconds() / 3600 for r, a in rows.values_list("requested_at", "answered_at") if a and r]
    return round(statistics.median(hours), 2) if hours else None


def acceptance_by_rank_and_model(**filters: Any) -> list[dict[str, Any]]:
    """Acceptance rate per (model_version, rank) among answered introductions.

    [{"model_version": "untrained", "rank": 1, "answered": 12, "accepted": 7, "rate": 0.5833}, …]
    sorted by model version then rank; rank None (introductions without a recommendation) comes last.
    """
    rows = (
        _introductions(**filters)
        .filter(status__in=ANSWERED)
        .values("model_version", "rank")
        .annotate(answered=Count("id"), accepted=Count("id", filter=Q(status__in=ACCEPTED)))
        .order_by("model_version", "rank")
    )
    return [
        {
            "model_version": r["model_version"],
            "rank": r["rank"],
            "answered": r["answered"],
            "accepted": r["accepted"],
            "rate": _rate(r["accepted"], r["answered"]),
        }
        for r in rows
    ]


def coverage(
    *, prefecture: str | None = None, sector: str | None = None, expert_type: str | None = None, **_: Any
) -> dict[str, Any]:
    """Open needs looking for an expert that no expert serves in their prefecture.

    An expert serves a prefecture when it is in their regions, or when their
    regions are empty (nationwide). Returns
    {"open_needs": n, "uncovered": n, "uncovered_share": float|None,
     "uncovered_by_prefecture": {"04": n, …}, "uncovered_need_ids": [ids]}.
    """
    needs = Need.objects.filter(status=Status.OPEN, target=TargetKind.EXPERT)
    if prefecture:
        needs = needs.filter(prefecture=prefecture)
    if sector:
        needs = needs.filter(sectors__code=sector).distinct()
    experts = ExpertProfile.objects.all()
    if expert_type:
        experts = experts.filter(expert_type=expert_type)
    nationwide = experts.filter(regions__isnull=True).exists()
    served = set(experts.filter(regions__isnull=False).values_list("regions__code", flat=True))
    uncovered: list[tuple[int, str]] = []
    total = 0
    for need_id, need_pref in needs.values_list("id", "prefecture"):
        total += 1
        if nationwide or (need_pref and need_pref in served):
            continue
        uncovered.append((need_id, need_pref))
    by_pref: dict[str, int] = {}
    for _id, pref in uncovered:
        by_pref[pref] = by_pref.get(pref, 0) + 1
    return {
        "open_needs": total,
        "uncovered": len(uncovered),
        "uncovered_share": _rate(len(uncovered), total),
        "uncovered_by_prefecture": by_pref,
        "uncovered_need_ids": [i for i, _p in uncovered],
    }
