"""Reading the prefectural dispatch: each persona's requests, the experts to propose, the counts per prefecture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Organisation, User
from accounts.scope import BureauScope
from accounts.selectors import expert_directory_list, user_organisation_ids
from core.exceptions import NotFound
from matching.models import Recommendation
from programmes.models import (
    DeskConsultationCount,
    DispatchRequest,
    DispatchVisit,
    Programme,
    fiscal_year_bounds,
    fiscal_year_of,
)
from reference import vocabulary


def _requests() -> QuerySet[DispatchRequest]:
    return DispatchRequest.objects.select_related("programme", "organisation", "expert", "need").annotate(
        visit_count=Count("visits")
    )


def firm_visits_in_year(*, programme_id: int, organisation_id: int, fiscal_year: int) -> int:
    """Visits a firm received under a programme in one fiscal year (all its requests)."""
    first, last = fiscal_year_bounds(fiscal_year)
    return DispatchVisit.objects.filter(
        request__programme_id=programme_id,
        request__organisation_id=organisation_id,
        visited_on__gte=first,
        visited_on__lte=last,
    ).count()


def dispatch_programmes_for(*, organisation: Organisation) -> QuerySet[Programme]:
    """The dispatch programmes an SME may apply to: active, of its own prefecture."""
    if not organisation.prefecture:
        return Programme.objects.none()
    return Programme.objects.filter(
        is_active=True, is_dispatch=True, owner=Programme.Owner.PREFECTURE, prefecture=organisation.prefecture
    ).order_by("code")


def dispatch_list_for_sme(*, user: User) -> QuerySet[DispatchRequest]:
    """The requests of the organisations the user belongs to."""
    return _requests().filter(organisation_id__in=user_organisation_ids(user=user)).order_by("-created_at", "-id")


def dispatch_list_for_expert(*, user: User) -> QuerySet[DispatchRequest]:
    """The requests the user is assigned to as an expert (assigned, or reported)."""
    return _requests().filter(expert__user=user).order_by("-created_at", "-id")


def dispatch_list_for_bureau(*, scope: BureauScope, filters: dict[str, Any] | None = None) -> QuerySet[DispatchRequest]:
    """Requests of firms in the scope's jurisdiction (owners of a bureau and staff only; others see none).

    Filters: status (default: the open ones, oldest first, so the desk works through them in order),
    "all", or one status; prefecture; programme (code).
    """
    if not scope.can_see_records:
        return DispatchRequest.objects.none()
    filters = filters or {}
    qs = _requests()
    if scope.prefectures is not None:
        qs = qs.filter(organisation__prefecture__in=scope.prefectures)
    status = filters.get("status") or ""
    if status == "all":
        qs = qs.order_by("-created_at", "-id")
    elif status:
        qs = qs.filter(status=status).order_by("-created_at", "-id")
    else:
        qs = qs.filter(status__in=DispatchRequest.OPEN).order_by("created_at", "id")
    if filters.get("prefecture"):
        qs = qs.filter(organisation__prefecture=filters["prefecture"])
    if filters.get("programme"):
        qs = qs.filter(programme__code=filters["programme"])
    return qs


def _visible_q(user: User, scope: BureauScope | None) -> Q:
    q = Q(organisation_id__in=user_organisation_ids(user=user)) | Q(expert__user=user)
    if scope is not None and scope.can_see_records:
        q |= Q(pk__in=dispatch_list_for_bureau(scope=scope, filters={"status": "all"}).values("pk"))
    return q


def dispatch_list(*, user: User, scope: BureauScope | None = None) -> QuerySet[DispatchRequest]:
    """Every request the user takes part in (the firm's, assigned to them, or in their bureau's charge)."""
    return _requests().filter(_visible_q(user, scope)).order_by("-created_at", "-id")


def dispatch_get(*, user: User, request_id: int, scope: BureauScope | None = None) -> DispatchRequest:
    """One request the user takes part in (the firm, the assigned expert, or the bureau in charge); else NotFound."""
    request = _requests().filter(_visible_q(user, scope), pk=request_id).first()
    if request is None:
        raise NotFound("Dispatch request not found.")
    return request


def dispatch_roles(*, user: User, request: DispatchRequest, scope: BureauScope | None = None) -> frozenset[str]:
    """The parts the user plays in a request: "sme", "expert", "bureau" (the officer in charge)."""
    roles = set()
    if request.organisation_id in user_organisation_ids(user=user):
        roles.add("sme")
    if request.expert is not None and request.expert.user_id == user.pk:
        roles.add("expert")
    if scope is not None and scope.covers_records_in(request.organisation.prefecture):
        roles.add("bureau")
    return frozenset(roles)


@dataclass(frozen=True)
class VisitUse:
    used: int
    cap: int | None
    fiscal_year: int

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)


def visit_use(*, request: DispatchRequest, on: dt.date | None = None) -> VisitUse:
    """The firm's visits under the request's programme in the fiscal year of `on` (today), against the cap."""
    fiscal_year = fiscal_year_of(on or timezone.localdate())
    used = firm_visits_in_year(
        programme_id=request.programme_id, organisation_id=request.organisation_id, fiscal_year=fiscal_year
    )
    return VisitUse(used=used, cap=request.programme.visit_cap_per_firm, fiscal_year=fiscal_year)


@dataclass
class Proposal:
    """An expert the assignment form proposes, with why."""

    expert: ExpertProfile
    reasons: list[Any] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    rank: int | None = None
    free: int | None = None


def dispatch_proposals(*, request: DispatchRequest, limit: int = 10) -> list[Proposal]:
    """Experts to send: the recommender's current proposals for the request's need, best first; without a
    need (or with none proposed), experts serving the firm's prefecture who have capacity left.
    """
    proposals: list[Proposal] = []
    if request.need_id is not None:
        rows = (
            Recommendation.objects.filter(
                need_id=request.need_id, is_current=True, expert__isnull=False, expert__erased_at__isnull=True
            )
            .select_related("expert")
            .order_by("rank", "id")[:limit]
        )
        proposals = [
            Proposal(expert=r.expert, reasons=list(r.reasons or []), evidence=list(r.evidence or []), rank=r.rank)
            for r in rows
            if r.expert is not None
        ]
    if proposals:
        return proposals
    prefecture = request.organisation.prefecture
    label = vocabulary.label("prefectures", prefecture) or prefecture
    filters: dict[str, Any] = {"region": prefecture, "available": True}
    if request.need is not None and request.need.category:
        filters["skill"] = request.need.category
    experts = list(expert_directory_list(filters=filters)[:limit])
    if not experts and "skill" in filters:
        del filters["skill"]
        experts = list(expert_directory_list(filters=filters)[:limit])
    for expert in experts:
        reasons = [_("Serves %(prefecture)s") % {"prefecture": label}]
        if "skill" in filters:
            reasons.append(_("Skilled in %(skill)s") % {"skill": vocabulary.label("need_categories", filters["skill"])})
        proposals.append(Proposal(expert=expert, reasons=reasons, free=getattr(expert, "free", None)))
    return proposals


def dispatch_visits(*, request: DispatchRequest) -> QuerySet[DispatchVisit]:
    return request.visits.order_by("visited_on", "id")


# --- Counts per prefecture and fiscal year (the figures seed 003 reports) ---------------------------------------


@dataclass
class DispatchCounts:
    """One prefecture's year (programme None: every dispatch programme; desk consultations only there)."""

    prefecture: str
    programme: Programme | None
    applications: int = 0
    desk_consultations: int | None = None
    firms_dispatched: int = 0
    visits: int = 0
    visit_days: int = 0

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture) or self.prefecture


COUNT_COLUMNS = (
    "fiscal_year",
    "prefecture",
    "programme",
    "applications",
    "desk_consultations",
    "firms_dispatched",
    "visits",
    "visit_days",
)


def dispatch_counts(*, prefectures: tuple[str, ...] | list[str] | None, fiscal_year: int) -> list[DispatchCounts]:
    """Per prefecture (None: all) in one fiscal year: a total row, then one row per dispatch programme.

    - applications: requests made on the platform in the year (consultations that came through it);
    - desk consultations: the desk's monthly phone and counter figures (DeskConsultationCount);
    - firms dispatched: distinct firms with at least one visit in the year;
    - visits: visit records; visit days: distinct (firm, day) pairs, the seed's 延べ日数
      (equal to visits unless two programmes sent experts to one firm on the same day).

    Prefectures are the programmes' (the desk that sends the experts), six aggregate queries in all.
    """
    first, last = fiscal_year_bounds(fiscal_year)
    requests = DispatchRequest.objects.filter(programme__is_dispatch=True)
    visits = DispatchVisit.objects.filter(
        visited_on__gte=first, visited_on__lte=last, request__programme__is_dispatch=True
    )
    desk = DeskConsultationCount.objects.filter(month__gte=first, month__lte=last)
    if prefectures is not None:
        requests = requests.filter(programme__prefecture__in=prefectures)
        visits = visits.filter(request__programme__prefecture__in=prefectures)
        desk = desk.filter(prefecture__in=prefectures)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    applied = requests.filter(created_at__gte=start, created_at__lt=end)

    rows: dict[tuple[str, int | None], DispatchCounts] = {}
    programmes = {p.pk: p for p in Programme.objects.filter(pk__in=requests.values("programme_id"))}

    def row(prefecture: str, programme_id: int | None) -> DispatchCounts:
        key = (prefecture, programme_id)
        if key not in rows:
            rows[key] = DispatchCounts(
                prefecture=prefecture, programme=programmes.get(programme_id) if programme_id else None
            )
        return rows[key]

    for item in applied.values("programme__prefecture", "programme_id").annotate(n=Count("id")):
        row(item["programme__prefecture"], item["programme_id"]).applications = item["n"]
        row(item["programme__prefecture"], None).applications += item["n"]
    per_programme = visits.values("request__programme__prefecture", "request__programme_id").annotate(
        visits=Count("id"),
        firms=Count("request__organisation_id", distinct=True),
    )
    for item in per_programme:
        counts = row(item["request__programme__prefecture"], item["request__programme_id"])
        counts.visits, counts.firms_dispatched = item["visits"], item["firms"]
        row(item["request__programme__prefecture"], None).visits += item["visits"]
    days = visits.values("request__programme__prefecture", "request__programme_id", "request__organisation_id")
    for item in days.annotate(days=Count("visited_on", distinct=True)):
        row(item["request__programme__prefecture"], item["request__programme_id"]).visit_days += item["days"]
    # Across programmes a firm and a day count once: distinct pairs per prefecture.
    firm_days = visits.values("request__programme__prefecture", "request__organisation_id").annotate(
        days=Count("visited_on", distinct=True)
    )
    for firm in firm_days:
        total = row(firm["request__programme__prefecture"], None)
        total.visit_days += firm["days"]
        total.firms_dispatched += 1
    for item in desk.values("prefecture").annotate(n=Sum("count")):
        row(item["prefecture"], None).desk_consultations = int(item["n"] or 0)
    for key, counts in rows.items():
        if key[1] is None and counts.desk_consultations is None:
            counts.desk_consultations = 0
    return sorted(
        rows.values(), key=lambda r: (r.prefecture, r.programme is not None, r.programme.code if r.programme else "")
    )


def dispatch_count_rows(*, counts: list[DispatchCounts], fiscal_year: int) -> list[tuple[Any, ...]]:
    """The counts as CSV rows (COUNT_COLUMNS)."""
    return [
        (
            fiscal_year,
            c.prefecture_label,
            c.programme.name_ja if c.programme else _("All dispatch programmes"),
            c.applications,
            "" if c.desk_consultations is None else c.desk_consultations,
            c.firms_dispatched,
            c.visits,
            c.visit_days,
        )
        for c in counts
    ]


def desk_consultation_list(*, prefectures: tuple[str, ...] | None, fiscal_year: int) -> QuerySet[DeskConsultationCount]:
    first, last = fiscal_year_bounds(fiscal_year)
    qs = DeskConsultationCount.objects.filter(month__gte=first, month__lte=last).select_related("entered_by")
    if prefectures is not None:
        qs = qs.filter(prefecture__in=prefectures)
    return qs.order_by("prefecture", "month")


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())
