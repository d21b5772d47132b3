"""Metrics selectors for the bureau dashboard and its exports: read-side aggregations over matching rows.

The one implementation: the bureau pages, the CSV/XLSX files (``reports``) and
the background full report all read these functions. Every function takes a
``Filters`` (period, a set of prefectures, sector, expert type), already
restricted to what the user may see (``accounts.scope``).

Introduction states are grouped once: ANSWERED (the candidate said yes or no)
and ACCEPTED (yes, whatever happened next), so every rate on every page and
file agrees.

Every section function runs a fixed number of queries (grouped with
values/annotate/Count/Sum/TruncMonth), whatever the amount of data.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import ExpertProfile, Organisation
from matching.models import Engagement, Introduction, ModelVersion, Outcome
from opportunities.models import Need, Opportunity, Status, TargetKind
from reference import vocabulary

State = Introduction.State
ANSWERED = (State.ACCEPTED, State.DECLINED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)
ACCEPTED = (State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)
REQUESTED_OR_LATER = (State.REQUESTED, *ANSWERED, State.EXPIRED)
ENGAGED = (State.ENGAGED, State.COMPLETED, State.NO_DEAL)
SECTIONS = ("registrations", "funnel", "responsiveness", "coverage", "quality", "outcomes")
UNKNOWN = ""  # prefecture or sector not recorded


# --- Filters ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Effective filters of one dashboard view; already restricted to the user's scope.

    ``prefectures`` None means the whole country. ``records`` says whether
    individual records may be included (owner / staff). JSON round-trip for
    the background export task.
    """

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    prefectures: tuple[str, ...] | None = None
    sector: str = ""
    expert_type: str = ""
    records: bool = False
    description: dict[str, str] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "prefectures": list(self.prefectures) if self.prefectures is not None else None,
            "sector": self.sector,
            "expert_type": self.expert_type,
            "records": self.records,
            "description": dict(self.description),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Filters:
        def when(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        prefectures = data.get("prefectures")
        return cls(
            since=when(data.get("since")),
            until=when(data.get("until")),
            prefectures=tuple(prefectures) if prefectures is not None else None,
            sector=data.get("sector") or "",
            expert_type=data.get("expert_type") or "",
            records=bool(data.get("records")),
            description=dict(data.get("description") or {}),
        )

    def months(self) -> list[date]:
        """First day of every month in [since, until), in the current time zone (at most 10 years)."""
        until = timezone.localtime(self.until) if self.until else timezone.localtime()
        since = timezone.localtime(self.since) if self.since else until - timedelta(days=365)
        last = (until - timedelta(microseconds=1)).date().replace(day=1)
        month = since.date().replace(day=1)
        months: list[date] = []
        while month <= last and len(months) < 120:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def prefecture_codes(self) -> list[str]:
        """Prefectures to list in breakdowns: the filtered ones, or all in vocabulary order."""
        codes = list(vocabulary.entries("prefectures"))
        return [c for c in codes if c in self.prefectures] if self.prefectures is not None else codes


def _month_key(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date().replace(day=1) if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _in_period(qs: QuerySet[Any], f: Filters, date_field: str) -> QuerySet[Any]:
    if f.since:
        qs = qs.filter(**{f"{date_field}__gte": f.since})
    if f.until:
        qs = qs.filter(**{f"{date_field}__lt": f.until})
    return qs


def _by_month(rows: Iterable[dict[str, Any]], months: list[date], keys: Iterable[str]) -> list[dict[str, Any]]:
    """Rows grouped by "month" → one row per month of the period, zeros filled in."""
    keys = list(keys)
    found: dict[date, dict[str, Any]] = {}
    for row in rows:
        month = _month_key(row["month"])
        if month is None:
            continue
        bucket = found.setdefault(month, dict.fromkeys(keys, 0))
        for k in keys:
            bucket[k] += row.get(k) or 0
    return [{"month": m, **found.get(m, dict.fromkeys(keys, 0))} for m in months]


# --- Introductions (funnel, responsiveness, quality, outcomes) --------------------------------------------------

QUERY_PREFECTURE = Coalesce("need__prefecture", "opportunity__prefecture")
QUERY_SECTOR = Coalesce("need__sectors__code", "opportunity__sectors__code")


def _introductions(f: Filters, *, date_field: str = "created_at") -> QuerySet[Introduction]:
    """Introductions in scope: created (or `date_field`) in the period, whose query is in the prefectures."""
    qs = _in_period(Introduction.objects.all(), f, date_field)
    if f.prefectures is not None:
        qs = qs.filter(Q(need__prefecture__in=f.prefectures) | Q(opportunity__prefecture__in=f.prefectures))
    if f.sector:
        # A subquery rather than a join, so grouped counts are never multiplied by the M2M rows.
        tagged = Introduction.objects.filter(Q(need__sectors__code=f.sector) | Q(opportunity__sectors__code=f.sector))
        qs = qs.filter(pk__in=tagged.values("pk"))
    if f.expert_type:
        qs = qs.filter(expert__expert_type=f.expert_type)
    return qs


def _stage_counts() -> dict[str, Count]:
    return {
        "proposed": Count("id", distinct=True),
        "requested": Count(
            "id",
            distinct=True,
            filter=Q(status__in=REQUESTED_OR_LATER) | Q(status=State.WITHDRAWN, requested_at__isnull=False),
        ),
        "accepted": Count("id", distinct=True, filter=Q(status__in=ACCEPTED)),
        "engaged": Count("id", distinct=True, filter=Q(status__in=ENGAGED)),
        "deal": Count("id", distinct=True, filter=Q(status=State.COMPLETED)),
    }


STAGES = ("proposed", "requested", "accepted", "engaged", "deal")


def funnel(f: Filters) -> dict[str, Any]:
    """Funnel proposal → request → accepted → engaged → deal (cohort: introductions created in the period).

    {"stages": [{"stage", "count", "step_rate", "share"}], "states": {state: n},
     "acceptance_rate": accepted / answered, "deal_rate": deals / closed engagements,
     "by_month": [{"month", stage…}], "by_prefecture": [{"prefecture", stage…}], "by_sector": [...]}
    """
    qs = _introductions(f)
    state_counts = {s: Count("id", filter=Q(status=s)) for s in State.values}
    totals = qs.aggregate(**_stage_counts(), **{f"state_{s}": c for s, c in state_counts.items()})
    states = {s: int(totals[f"state_{s}"] or 0) for s in State.values}
    stages = []
    previous: int | None = None
    for stage in STAGES:
        count = int(totals[stage] or 0)
        stages.append(
            {
                "stage": stage,
                "count": count,
                "step_rate": _rate(count, previous) if previous is not None else None,
                "share": _rate(count, int(totals["proposed"] or 0)),
            }
        )
        previous = count
    answered = sum(states[s] for s in ANSWERED)
    closed = states[State.COMPLETED] + states[State.NO_DEAL]
    months = _by_month(
        qs.annotate(month=TruncMonth("created_at")).values("month").annotate(**_stage_counts()).order_by(),
        f.months(),
        STAGES,
    )
    by_pref = {
        r["prefecture"] or UNKNOWN: r
        for r in qs.annotate(prefecture=QUERY_PREFECTURE).values("prefecture").annotate(**_stage_counts()).order_by()
    }
    by_sector = {
        r["sector"] or UNKNOWN: r
        for r in qs.annotate(sector=QUERY_SECTOR).values("sector").annotate(**_stage_counts()).order_by()
    }
    return {
        "stages": stages,
        "states": states,
        "acceptance_rate": _rate(sum(states[s] for s in ACCEPTED), answered),
        "deal_rate": _rate(states[State.COMPLETED], closed),
        "by_month": months,
        "by_prefecture": _breakdown(by_pref, _prefecture_keys(f, by_pref), STAGES),
        "by_sector": _breakdown(by_sector, _sector_keys(f, by_sector), STAGES),
    }


def _prefecture_keys(f: Filters, found: Iterable[str]) -> list[str]:
    found = set(found)
    keys = f.prefecture_codes()
    if f.prefectures is None and UNKNOWN in found:
        keys.append(UNKNOWN)
    return keys


def _sector_keys(f: Filters, found: Iterable[str]) -> list[str]:
    """Sectors in vocabulary order, only those with data (26 sectors of zeros help nobody)."""
    found = set(found)
    keys = [c for c in vocabulary.entries("sectors") if c in found and (not f.sector or c == f.sector)]
    if UNKNOWN in found and not f.sector:
        keys.append(UNKNOWN)
    return keys


def _breakdown(found: dict[str, dict[str, Any]], keys: list[str], columns: Iterable[str]) -> list[dict[str, Any]]:
    columns = list(columns)
    return [{"key": k, **{c: (found.get(k) or {}).get(c) or 0 for c in columns}} for k in keys]


def responsiveness(f: Filters) -> dict[str, Any]:
    """Median hours from request to answer and the share of requests that expired unanswered.

    Medians are computed in Python from one query's (prefecture, month, requested, answered) rows:
    SQLite has no percentile function.
    """
    qs = _introductions(f)
    requested = qs.filter(
        Q(status__in=REQUESTED_OR_LATER) | Q(status=State.WITHDRAWN, requested_at__isnull=False)
    ).annotate(prefecture=QUERY_PREFECTURE, month=TruncMonth("created_at"))
    rows = list(requested.values_list("prefecture", "month", "status", "requested_at", "answered_at"))
    hours_all: list[float] = []
    per_month: dict[date, dict[str, Any]] = defaultdict(lambda: {"hours": [], "requested": 0, "expired": 0})
    per_pref: dict[str, dict[str, Any]] = defaultdict(lambda: {"hours": [], "requested": 0, "expired": 0})
    waiting = expired = 0
    for prefecture, month, status, requested_at, answered_at in rows:
        buckets = [per_pref[prefecture or UNKNOWN]]
        month_key = _month_key(month)
        if month_key is not None:
            buckets.append(per_month[month_key])
        hours = None
        if requested_at and answered_at and status in ANSWERED:
            hours = (answered_at - requested_at).total_seconds() / 3600
            hours_all.append(hours)
        expired += status == State.EXPIRED
        waiting += status == State.REQUESTED
        for bucket in buckets:
            bucket["requested"] += 1
            bucket["expired"] += status == State.EXPIRED
            if hours is not None:
                bucket["hours"].append(hours)

    def summary(bucket: dict[str, Any]) -> dict[str, Any]:
        return {
            "requested": bucket["requested"],
            "answered": len(bucket["hours"]),
            "median_hours": round(statistics.median(bucket["hours"]), 2) if bucket["hours"] else None,
            "expired": bucket["expired"],
            "expired_share": _rate(bucket["expired"], bucket["requested"]),
        }

    empty = {"hours": [], "requested": 0, "expired": 0}
    return {
        "requested": len(rows),
        "answered": len(hours_all),
        "waiting": waiting,
        "expired": expired,
        "median_hours": round(statistics.median(hours_all), 2) if hours_all else None,
        "expired_share": _rate(expired, len(rows)),
        "by_month": [{"month": m, **summary(per_month.get(m, empty))} for m in f.months()],
        "by_prefecture": [
            {"key": k, **summary(per_pref.get(k, empty))} for k in _prefecture_keys(f, per_pref) if k in per_pref
        ],
    }


def quality(f: Filters) -> dict[str, Any]:
    """Acceptance rate (accepted-or-later / answered) by recommendation rank and by model version."""
    rows = list(
        _introductions(f)
        .filter(status__in=ANSWERED)
        .values("model_version", "rank")
        .annotate(answered=Count("id"), accepted=Count("id", filter=Q(status__in=ACCEPTED)))
        .order_by("model_version", "rank")
    )
    active = set(ModelVersion.objects.filter(is_active=True).values_list("version", flat=True))
    by_rank: dict[int | None, dict[str, int]] = defaultdict(lambda: {"answered": 0, "accepted": 0})
    by_model: dict[str, dict[str, int]] = defaultdict(lambda: {"answered": 0, "accepted": 0})
    detail = []
    for r in rows:
        version = r["model_version"] or ""
        for bucket in (by_rank[r["rank"]], by_model[version]):
            bucket["answered"] += r["answered"]
            bucket["accepted"] += r["accepted"]
        detail.append({**r, "model_version": version, "rate": _rate(r["accepted"], r["answered"])})
    ranks = sorted((k for k in by_rank if k is not None), key=int)
    rank_rows = [
        {"rank": k, **by_rank[k], "rate": _rate(by_rank[k]["accepted"], by_rank[k]["answered"])} for k in ranks
    ]
    if None in by_rank:
        b = by_rank[None]
        rank_rows.append({"rank": None, **b, "rate": _rate(b["accepted"], b["answered"])})
    model_rows = [
        {"model_version": v, "active": v in active, **b, "rate": _rate(b["accepted"], b["answered"])}
        for v, b in sorted(by_model.items())
    ]
    answered = sum(b["answered"] for b in by_model.values())
    accepted = sum(b["accepted"] for b in by_model.values())
    return {
        "answered": answered,
        "accepted": accepted,
        "rate": _rate(accepted, answered),
        "by_rank": rank_rows,
        "by_model": model_rows,
        "detail": detail,
    }


def outcomes(f: Filters) -> dict[str, Any]:
    """Deals closed in the period (introductions closed as completed) and their value.

    Both sides may record an outcome with a value; an introduction's value is
    the larger of the two, so a deal is never counted twice.
    """
    value = Subquery(
        Outcome.objects.filter(introduction=OuterRef("pk"), deal=True)
        .values("introduction")
        .annotate(v=Max("value_jpy"))
        .values("v"),
        output_field=IntegerField(),
    )
    closed = _introductions(f, date_field="closed_at").filter(status__in=(State.COMPLETED, State.NO_DEAL))
    closed = closed.annotate(deal_value=value)
    counts = {
        "deals": Count("id", distinct=True, filter=Q(status=State.COMPLETED)),
        "no_deal": Count("id", distinct=True, filter=Q(status=State.NO_DEAL)),
        "value_jpy": Sum("deal_value", filter=Q(status=State.COMPLETED)),
        "valued": Count("deal_value", filter=Q(status=State.COMPLETED)),
    }
    totals = closed.aggregate(**counts)
    feedback = Outcome.objects.filter(introduction__in=closed.values("pk"), feedback__isnull=False).aggregate(
        avg=Avg("feedback"), n=Count("id")
    )
    columns = ("deals", "no_deal", "value_jpy", "valued")
    months = _by_month(
        closed.annotate(month=TruncMonth("closed_at")).values("month").annotate(**counts).order_by(),
        f.months(),
        columns,
    )
    # Breakdowns group on the query's prefecture/sector; the value subquery is per row, so a
    # join on sectors repeats a deal once per sector of its query, which is what a per-sector table wants.
    by_pref = {
        r["prefecture"] or UNKNOWN: r
        for r in closed.annotate(prefecture=QUERY_PREFECTURE).values("prefecture").annotate(**counts).order_by()
    }
    by_sector = {
        r["sector"] or UNKNOWN: r
        for r in closed.annotate(sector=QUERY_SECTOR).values("sector").annotate(**counts).order_by()
    }
    deals = int(totals["deals"] or 0)
    value_total = int(totals["value_jpy"] or 0)
    valued = int(totals["valued"] or 0)
    return {
        "deals": deals,
        "no_deal": int(totals["no_deal"] or 0),
        "deal_rate": _rate(deals, deals + int(totals["no_deal"] or 0)),
        "value_jpy": value_total,
        "valued": valued,
        "average_value_jpy": round(value_total / valued) if valued else None,
        "feedback_average": round(float(feedback["avg"]), 2) if feedback["avg"] is not None else None,
        "feedback_count": int(feedback["n"] or 0),
        "by_month": months,
        "by_prefecture": [r for r in _breakdown(by_pref, _prefecture_keys(f, by_pref), columns) if r["key"] in by_pref],
        "by_sector": _breakdown(by_sector, _sector_keys(f, by_sector), columns),
    }


# --- Registrations ----------------------------------------------------------------------------------------------


def _registered(qs: QuerySet[Any], f: Filters, *, date_field: str = "created_at") -> QuerySet[Any]:
    qs = _in_period(qs, f, date_field)
    if f.prefectures is not None:
        qs = qs.filter(prefecture__in=f.prefectures)
    if f.sector:
        qs = qs.filter(pk__in=qs.model.objects.filter(sectors__code=f.sector).values("pk"))
    return qs


def registrations(f: Filters) -> dict[str, Any]:
    """Organisations (by kind) and experts (by type) registered in the period; needs and opportunities
    opened (created, not draft) and closed in the period. The expert-type filter applies to experts only."""
    organisations = _registered(Organisation.objects.exclude(kind=Organisation.Kind.BUREAU), f)
    experts = _registered(ExpertProfile.objects.all(), f)
    if f.expert_type:
        experts = experts.filter(expert_type=f.expert_type)
    needs_opened = _registered(Need.objects.exclude(status=Status.DRAFT), f)
    needs_closed = _registered(Need.objects.filter(status=Status.CLOSED), f, date_field="closed_at")
    opps_opened = _registered(Opportunity.objects.exclude(status=Status.DRAFT), f)
    opps_closed = _registered(Opportunity.objects.filter(status=Status.CLOSED), f, date_field="closed_at")

    by_kind = dict(organisations.values_list("kind").annotate(n=Count("id")).order_by())
    by_type = dict(experts.values_list("expert_type").annotate(n=Count("id")).order_by())

    def monthly(qs: QuerySet[Any], date_field: str = "created_at") -> dict[date, int]:
        out: dict[date, int] = defaultdict(int)
        for month, n in qs.annotate(month=TruncMonth(date_field)).values_list("month").annotate(n=Count("id")):
            key = _month_key(month)
            if key is not None:
                out[key] += n
        return out

    org_months: dict[tuple[date, str], int] = defaultdict(int)
    for month, kind, n in (
        organisations.annotate(month=TruncMonth("created_at")).values_list("month", "kind").annotate(n=Count("id"))
    ):
        key = _month_key(month)
        if key is not None:
            org_months[(key, kind)] += n
    series = {
        "experts": monthly(experts),
        "needs_opened": monthly(needs_opened),
        "needs_closed": monthly(needs_closed, "closed_at"),
        "opportunities_opened": monthly(opps_opened),
        "opportunities_closed": monthly(opps_closed, "closed_at"),
    }
    kinds = [k for k in Organisation.Kind.values if k != Organisation.Kind.BUREAU]
    by_month = [
        {
            "month": m,
            **{f"org_{k}": org_months.get((m, k), 0) for k in kinds},
            **{name: values.get(m, 0) for name, values in series.items()},
        }
        for m in f.months()
    ]

    def per_prefecture(qs: QuerySet[Any]) -> dict[str, int]:
        return {p or UNKNOWN: n for p, n in qs.values_list("prefecture").annotate(n=Count("id")).order_by()}

    prefs = {
        "organisations": per_prefecture(organisations),
        "experts": per_prefecture(experts),
        "needs_opened": per_prefecture(needs_opened),
        "opportunities_opened": per_prefecture(opps_opened),
    }
    found = {p for values in prefs.values() for p in values}
    by_prefecture = [
        {"key": p, **{name: values.get(p, 0) for name, values in prefs.items()}}
        for p in _prefecture_keys(f, found)
        if p in found or f.prefectures is not None
    ]
    return {
        "organisations_by_kind": {k: int(by_kind.get(k, 0)) for k in Organisation.Kind.values},
        "experts_by_type": {k: int(by_type.get(k, 0)) for k in vocabulary.entries("expert_types") if by_type.get(k)},
        "organisations": sum(by_kind.values()),
        "experts": sum(by_type.values()),
        "needs_opened": needs_opened.count(),
        "needs_closed": needs_closed.count(),
        "opportunities_opened": opps_opened.count(),
        "opportunities_closed": opps_closed.count(),
        "by_month": by_month,
        "by_prefecture": by_prefecture,
    }


# --- Coverage and capacity (a snapshot: the period filter does not apply) ---------------------------------------


def _open_engagements() -> Subquery:
    return Subquery(
        Engagement.objects.filter(expert=OuterRef("pk"), closed_at__isnull=True)
        .values("expert")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


def _experts_serving(f: Filters) -> QuerySet[ExpertProfile]:
    """Experts who serve at least one prefecture in scope (empty regions = nationwide), with their load."""
    experts = ExpertProfile.objects.all()
    if f.expert_type:
        experts = experts.filter(expert_type=f.expert_type)
    if f.prefectures is not None:
        serving = ExpertProfile.objects.filter(Q(regions__code__in=f.prefectures) | Q(regions__isnull=True))
        experts = experts.filter(pk__in=serving.values("pk"))
    experts = experts.annotate(load=F("active_engagements") + Coalesce(_open_engagements(), Value(0)))
    # Case rather than Greatest: SQLite's two-argument MAX() inside SUM() is taken for an aggregate.
    free = Case(When(capacity__gt=F("load"), then=F("capacity") - F("load")), default=Value(0))
    return experts.annotate(free=free)


def _open_expert_needs(f: Filters) -> QuerySet[Need]:
    needs = Need.objects.filter(status=Status.OPEN, target=TargetKind.EXPERT)
    if f.prefectures is not None:
        needs = needs.filter(prefecture__in=f.prefectures)
    if f.sector:
        needs = needs.filter(pk__in=Need.objects.filter(sectors__code=f.sector).values("pk"))
    return needs


def _suitable_expert_exists(f: Filters) -> Case:
    """Per open need (the outer row): is there an expert who could take it now?

    Suitable means all three (domain.md, "needs with no suitable expert"):
    - serves the need's prefecture (listed in regions, or no regions = nationwide);
    - fits it: the need's category is among their skills; for a need without a
      category, they share a sector with it; a need with neither fits anyone;
    - has free capacity: capacity > load outside the platform + open engagements.
    An EXISTS per need, so the whole count stays one query whatever the number of experts.
    """
    experts = ExpertProfile.objects.annotate(load=F("active_engagements") + Coalesce(_open_engagements(), Value(0)))
    experts = experts.filter(capacity__gt=F("load"))
    if f.expert_type:
        experts = experts.filter(expert_type=f.expert_type)
    serving = experts.filter(Q(regions__isnull=True) | Q(regions__code=OuterRef("prefecture")))
    need_sectors = Need.sectors.through.objects.filter(need_id=OuterRef(OuterRef("pk"))).values("vocabularyterm_id")
    has_sectors = Exists(Need.sectors.through.objects.filter(need_id=OuterRef("pk")))
    return Case(
        When(~Q(category=""), then=Exists(serving.filter(skills__code=OuterRef("category")))),
        When(has_sectors, then=Exists(serving.filter(sectors__in=Subquery(need_sectors)))),
        default=Exists(serving),
        output_field=BooleanField(),
    )


def _open_needs_with_cover(f: Filters) -> QuerySet[Need]:
    return _open_expert_needs(f).annotate(covered=_suitable_expert_exists(f))


def uncovered_needs(f: Filters) -> QuerySet[Need]:
    """Individual open needs without a suitable expert (records: owners and staff only), oldest first."""
    uncovered = _open_needs_with_cover(f).filter(Q(covered=False))  # Q: the plugin cannot see annotations
    return uncovered.select_related("organisation").order_by("created_at", "id")


def coverage(f: Filters) -> dict[str, Any]:
    """Open needs looking for an expert that no suitable expert (region, skill, free capacity) could take;
    sector demand vs free expert capacity; expert load vs capacity by expert type. Current state, whatever
    the period."""
    needs = _open_expert_needs(f)
    per_pref = {
        p or UNKNOWN: (n, u)
        for p, n, u in _open_needs_with_cover(f)
        .values("prefecture")
        .annotate(n=Count("id"), u=Count("id", filter=Q(covered=False)))
        .values_list("prefecture", "n", "u")
        .order_by()
    }
    open_by_pref = {p: n for p, (n, _u) in per_pref.items()}
    uncovered_by_pref = {p: int(u or 0) for p, (_n, u) in per_pref.items()}
    open_needs = sum(open_by_pref.values())
    uncovered_count = sum(uncovered_by_pref.values())
    by_prefecture = [
        {"key": p, "open_needs": open_by_pref.get(p, 0), "uncovered": uncovered_by_pref.get(p, 0)}
        for p in _prefecture_keys(f, open_by_pref)
        if p in open_by_pref
    ]

    experts = _experts_serving(f)
    demand = dict(
        needs.values_list("sectors__code").annotate(n=Count("id", distinct=True)).order_by()
    )  # a need with two sectors is demand in both
    supply = {
        r["sectors__code"]: r
        for r in experts.values("sectors__code")
        .annotate(
            experts=Count("id"),
            capacity_total=Sum("capacity"),
            load_total=Sum("load"),
            free_total=Sum("free"),
        )
        .order_by()
    }
    sectors = []
    for code in [*vocabulary.entries("sectors"), None]:
        d = int(demand.get(code, 0))
        s = supply.get(code) or {}
        if code is None and not d:
            continue
        if not d and not s:
            continue
        if f.sector and code != f.sector:
            continue
        free = int(s.get("free_total") or 0)
        sectors.append(
            {
                "key": code or UNKNOWN,
                "open_needs": d,
                "experts": int(s.get("experts") or 0),
                "capacity": int(s.get("capacity_total") or 0),
                "load": int(s.get("load_total") or 0),
                "free": free,
                "gap": max(d - free, 0),
                "short": d > free,
            }
        )
    load_rows = []
    for r in (
        experts.values("expert_type")
        .annotate(
            experts=Count("id"),
            capacity_total=Sum("capacity"),
            load_total=Sum("load"),
            full=Count("id", filter=Q(load__gte=F("capacity"))),
        )
        .order_by("expert_type")
    ):
        load_rows.append(
            {
                "key": r["expert_type"],
                "experts": r["experts"],
                "capacity": int(r["capacity_total"] or 0),
                "load": int(r["load_total"] or 0),
                "utilisation": _rate(int(r["load_total"] or 0), int(r["capacity_total"] or 0)),
                "full": r["full"],
            }
        )
    capacity = sum(r["capacity"] for r in load_rows)
    load = sum(r["load"] for r in load_rows)
    return {
        "open_needs": open_needs,
        "uncovered": uncovered_count,
        "uncovered_share": _rate(uncovered_count, open_needs),
        "by_prefecture": by_prefecture,
        "sectors": sectors,
        "short_sectors": [s["key"] for s in sectors if s["short"]],
        "expert_load": load_rows,
        "experts": sum(r["experts"] for r in load_rows),
        "capacity": capacity,
        "load": load,
        "utilisation": _rate(load, capacity),
        "full": sum(r["full"] for r in load_rows),
    }


SECTION_FUNCTIONS = {
    "registrations": registrations,
    "funnel": funnel,
    "responsiveness": responsiveness,
    "coverage": coverage,
    "quality": quality,
    "outcomes": outcomes,
}


def section_data(section: str, f: Filters) -> dict[str, Any]:
    return SECTION_FUNCTIONS[section](f)


def figures_cache_key(section: str, f: Filters) -> str:
    """The cache key of one section's figures for these filters (and whatever is drawn from them)."""
    # Labels inside the figures are translated when computed: the language is part of the key.
    parts = (section, f.since, f.until, f.prefectures, f.sector, f.expert_type, f.records, get_language())
    return "bureau-figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def section_data_recent(section: str, f: Filters) -> tuple[dict[str, Any], datetime]:
    """A section's figures as computed at most BUREAU_FIGURES_MAX_AGE seconds ago, and when.

    The dashboard computes all six sections on every view (about 60 ms of
    queries on the demo, growing with the data) and officers re-open and
    re-filter it often; figures a minute old are fine for a dashboard that says
    when they were computed. Exports of the same section read the same entry, so
    a page and its CSV always agree. 0 turns the cache off.
    """
    max_age = settings.BUREAU_FIGURES_MAX_AGE
    if max_age <= 0:
        return section_data(section, f), timezone.now()
    key = figures_cache_key(section, f)
    cached: tuple[dict[str, Any], datetime] | None = cache.get(key)
    if cached is None:
        cached = (section_data(section, f), timezone.now())
        cache.set(key, cached, max_age)
    return cached
