"""Reads of needs and opportunities, with every visibility rule in one place.

An organisation sees all of its own needs and opportunities. Another
organisation's needs are never visible; another organisation's opportunities
are visible only when open, and restricted ones only to vetted organisations.
Everything else answers 404, so outsiders cannot probe which ids exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Organisation, User
from accounts.selectors import user_organisation_ids
from core.exceptions import NotFound
from core.text import normalise
from opportunities.models import Need, Opportunity, Status

NEED_PREFETCH = ("sectors",)
OPPORTUNITY_PREFETCH = ("sectors", "required_capabilities", "required_certifications")


def _apply_common_filters(qs: QuerySet[Any], filters: dict[str, Any]) -> QuerySet[Any]:
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("prefecture"):
        qs = qs.filter(prefecture=filters["prefecture"])
    if filters.get("sector"):
        qs = qs.filter(sectors__section="sectors", sectors__code=filters["sector"])
    if filters.get("target"):
        qs = qs.filter(target=filters["target"])
    if filters.get("q"):
        for word in normalise(filters["q"]).split():
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return qs


def need_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Need]:
    filters = filters or {}
    qs = Need.objects.filter(organisation_id__in=user_organisation_ids(user=user))
    qs = _apply_common_filters(qs, filters)
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    return qs.select_related("organisation").prefetch_related(*NEED_PREFETCH).distinct()


def need_get(*, user: User, need_id: int) -> Need:
    need = need_list(user=user).filter(pk=need_id).first()
    if need is None:
        raise NotFound("Need not found.")
    return need


def _opportunity_visibility(user: User) -> Q:
    own_ids = user_organisation_ids(user=user)
    vetted = Organisation.objects.filter(pk__in=own_ids, vetting_status=Organisation.Vetting.VETTED).exists()
    others = Q(status=Status.OPEN)
    if not vetted:
        others &= Q(restricted=False)
    return Q(organisation_id__in=own_ids) | others


def opportunity_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Opportunity]:
    filters = filters or {}
    qs = Opportunity.objects.filter(_opportunity_visibility(user))
    qs = _apply_common_filters(qs, filters)
    if filters.get("mine"):
        qs = qs.filter(organisation_id__in=user_organisation_ids(user=user))
    if filters.get("capability"):
        qs = qs.filter(required_capabilities__code=filters["capability"])
    return qs.select_related("organisation").prefetch_related(*OPPORTUNITY_PREFETCH).distinct()


def opportunity_get(*, user: User, opportunity_id: int) -> Opportunity:
    opportunity = opportunity_list(user=user).filter(pk=opportunity_id).first()
    if opportunity is None:
        raise NotFound("Opportunity not found.")
    return opportunity


def opportunity_get_for_owner(*, user: User, opportunity_id: int) -> Opportunity:
    """Only members of the owning organisation may change an opportunity."""
    opportunity = (
        Opportunity.objects.filter(pk=opportunity_id, organisation_id__in=user_organisation_ids(user=user))
        .prefetch_related(*OPPORTUNITY_PREFETCH)
        .first()
    )
    if opportunity is None:
        raise NotFound("Opportunity not found.")
    return opportunity
