"""Reading programmes: the catalogue, what an SME qualifies for, engagement totals and statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum

from accounts.models import ExpertProfile, Organisation, User
from accounts.selectors import expert_directory_list as accounts_expert_directory_list
from accounts.selectors import user_organisation_ids
from core.exceptions import NotFound
from programmes.eligibility import Eligibility, evaluate
from programmes.models import PaidEngagement, Programme, WorkLogEntry

COUNTED = (WorkLogEntry.Status.SUBMITTED, WorkLogEntry.Status.CONFIRMED)


def programme_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Programme]:
    filters = filters or {}
    qs = Programme.objects.filter(is_active=True).prefetch_related("rounds")
    if filters.get("owner"):
        qs = qs.filter(owner=filters["owner"])
    if filters.get("paid"):
        qs = qs.filter(hourly_rate_jpy__isnull=False)
    for word in (filters.get("q") or "").split():
        qs = qs.filter(Q(name_ja__icontains=word) | Q(name_en__icontains=word) | Q(purpose_ja__icontains=word))
    return qs


def programme_get(*, code: str) -> Programme:
    programme = programme_list().filter(code=code).first()
    if programme is None:
        raise NotFound("Programme not found.")
    return programme


def programmes_for(
    *, organisation: Organisation, category: str = "", include_ineligible: bool = False
) -> list[Eligibility]:
    """Programmes serving `category` (all when empty), each checked against `organisation`; eligible first.

    Programmes of a prefecture are offered only to firms of that prefecture.
    """
    results = []
    for programme in programme_list():
        if category and programme.need_categories and category not in programme.need_categories:
            continue
        if programme.prefecture and programme.prefecture != organisation.prefecture:
            continue
        result = evaluate(programme, organisation)
        if result.eligible or include_ineligible:
            results.append(result)
    results.sort(key=lambda r: (not r.eligible, len(r.to_arrange), r.next_deadline or dt.date.max))
    return results


def programme_find(*, key: str) -> Programme:
    """An active programme by its code or, failing that, its id (the API's `?programme=` takes either)."""
    active = Programme.objects.filter(is_active=True)
    programme = active.filter(code=key).first()
    if programme is None and key.isdigit():
        programme = active.filter(pk=int(key)).first()
    if programme is None:
        raise NotFound("Programme not found.")
    return programme


def expert_directory_list(*, filters: dict[str, Any] | None = None) -> QuerySet[ExpertProfile]:
    """accounts' expert directory with one more filter: `programme` (a Programme), its registered experts.

    The filter lives here because accounts may not know programmes; like accounts'
    relation filters it goes through a `pk__in` subquery, so the annotated load is
    never multiplied by joined rows.
    """
    filters = dict(filters or {})
    programme: Programme | None = filters.pop("programme", None)
    qs = accounts_expert_directory_list(filters=filters)
    if programme is not None:
        qs = qs.filter(pk__in=programme.registered_experts.values("pk"))
    return qs


def expert_programmes(*, expert: ExpertProfile) -> QuerySet[Programme]:
    """The active programmes an expert is registered with (the directory's profile page)."""
    return Programme.objects.filter(is_active=True, registered_experts=expert).order_by("owner", "code")


def paid_engagement_list(*, user: User) -> QuerySet[PaidEngagement]:
    """The engagements a user takes part in: as the expert, or as a member of the SME."""
    return (
        PaidEngagement.objects.filter(Q(expert__user=user) | Q(organisation_id__in=user_organisation_ids(user=user)))
        .select_related("programme", "organisation", "expert")
        .order_by("-created_at", "-id")
    )


def paid_engagement_get(*, user: User, engagement_id: int) -> PaidEngagement:
    engagement = paid_engagement_list(user=user).filter(pk=engagement_id).first()
    if engagement is None:
        raise NotFound("Engagement not found.")
    return engagement


def paid_engagement_for_introduction(*, introduction_id: int) -> PaidEngagement | None:
    """The paid engagement an introduction runs under, if any (the caller checked the introduction's access)."""
    return PaidEngagement.objects.filter(introduction_id=introduction_id).select_related("programme").first()


def entry_get(*, user: User, entry_id: int) -> WorkLogEntry:
    entry = (
        WorkLogEntry.objects.filter(engagement__in=paid_engagement_list(user=user), pk=entry_id)
        .select_related("engagement__programme", "engagement__expert", "engagement__organisation")
        .first()
    )
    if entry is None:
        raise NotFound("Work log entry not found.")
    return entry


def counted_amount(entries: QuerySet[WorkLogEntry]) -> int:
    return int(entries.filter(status__in=COUNTED).aggregate(total=Sum("amount_jpy"))["total"] or 0)


@dataclass(frozen=True)
class CapUse:
    """How much of each cap one engagement's firm, expert and programme have used (yen; visits)."""

    firm_jpy: int
    expert_jpy: int
    programme_jpy: int
    firm_visits: int


def cap_use(engagement: PaidEngagement) -> CapUse:
    programme_entries = WorkLogEntry.objects.filter(engagement__programme=engagement.programme)
    firm = programme_entries.filter(engagement__organisation=engagement.organisation)
    return CapUse(
        firm_jpy=counted_amount(firm),
        expert_jpy=counted_amount(programme_entries.filter(engagement__expert=engagement.expert)),
        programme_jpy=counted_amount(programme_entries),
        firm_visits=firm.filter(status__in=COUNTED).values("worked_on", "engagement").distinct().count(),
    )


def budget_use() -> list[dict[str, Any]]:
    """Per paid programme: budget, confirmed and waiting amounts (the bureau dashboard's card)."""
    rows = []
    for programme in Programme.objects.filter(hourly_rate_jpy__isnull=False).order_by("code"):
        entries = WorkLogEntry.objects.filter(engagement__programme=programme)
        confirmed = counted_amount(entries.filter(status=WorkLogEntry.Status.CONFIRMED))
        waiting = counted_amount(entries.filter(status=WorkLogEntry.Status.SUBMITTED))
        rows.append(
            {
                "programme": programme,
                "budget_jpy": programme.budget_jpy,
                "confirmed_jpy": confirmed,
                "waiting_jpy": waiting,
                "share": (confirmed + waiting) / programme.budget_jpy if programme.budget_jpy else None,
                "engagements": programme.engagements.count(),
            }
        )
    return rows


STATEMENT_COLUMNS = (
    "month",
    "programme",
    "expert",
    "sme",
    "date",
    "hours",
    "hourly_rate_jpy",
    "amount_jpy",
    "copay_jpy",
    "paid_by_programme_jpy",
    "status",
)


def statement_rows(
    *, month: dt.date, programme: Programme | None = None, expert: ExpertProfile | None = None
) -> Iterator[tuple[Any, ...]]:
    """Confirmed work of one month (first day given), per expert and SME: a monthly statement.

    Values keep their types (a date, Decimal hours, integer yen) so the XLSX has numbers; the CSV
    writes them as before the XLSX existed (str of a date is its ISO form, of a Decimal its digits).
    """
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    qs = WorkLogEntry.objects.filter(
        status=WorkLogEntry.Status.CONFIRMED, worked_on__gte=first, worked_on__lt=following
    ).select_related("engagement__programme", "engagement__expert", "engagement__organisation")
    if programme is not None:
        qs = qs.filter(engagement__programme=programme)
    if expert is not None:
        qs = qs.filter(engagement__expert=expert)
    for entry in qs.order_by("engagement__expert__name", "worked_on", "id").iterator():
        engagement = entry.engagement
        yield (
            first.strftime("%Y-%m"),
            engagement.programme.code,
            engagement.expert.name,
            engagement.organisation.name,
            entry.worked_on,
            entry.hours,
            engagement.hourly_rate_jpy,
            entry.amount_jpy,
            entry.copay_jpy,
            entry.amount_jpy - entry.copay_jpy,
            entry.status,
        )
