"""Needs and opportunities as interchange queries: export, and idempotent import by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.interchange import ORG_PREFIX, ImportResult, _lookup, organisation_interchange_id
from accounts.models import Organisation
from core.interchange import raise_if_errors, read_numbered
from ml.interchange import LineError, validate_query
from opportunities.models import Need, Opportunity, Status
from reference.terms import TermMap, codes

NEED_PREFIX = "tsunagu-need-"
OPPORTUNITY_PREFIX = "tsunagu-opp-"
OWNER_KIND = {"need": Organisation.Kind.SME, "opportunity": Organisation.Kind.BUYER}


def need_interchange_id(need: Need) -> str:
    return need.external_id or f"{NEED_PREFIX}{need.pk}"


def opportunity_interchange_id(opportunity: Opportunity) -> str:
    return opportunity.external_id or f"{OPPORTUNITY_PREFIX}{opportunity.pk}"


def need_to_query(need: Need) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": need_interchange_id(need),
        "kind": "need",
        "owner": organisation_interchange_id(need.organisation),
        "target": need.target,
        "title": need.title,
        "description": need.description,
        "category": need.category or None,
        "sectors": codes(need.sectors),
        "prefecture": need.prefecture or None,
        "status": need.status,
    }
    return {k: v for k, v in query.items() if v is not None}


def opportunity_to_query(opportunity: Opportunity) -> dict[str, Any]:
    query: dict[str, Any] = {
        "id": opportunity_interchange_id(opportunity),
        "kind": "opportunity",
        "owner": organisation_interchange_id(opportunity.organisation),
        "target": opportunity.target,
        "title": opportunity.title,
        "description": opportunity.description,
        "sectors": codes(opportunity.sectors),
        "prefecture": opportunity.prefecture or None,
        "required_capabilities": codes(opportunity.required_capabilities),
        "required_certifications": codes(opportunity.required_certifications),
        "deadline": opportunity.deadline.isoformat() if opportunity.deadline else None,
        "budget_jpy": opportunity.budget_jpy,
        "restricted": opportunity.restricted,
        "status": opportunity.status,
    }
    return {k: v for k, v in query.items() if v is not None}


def queries_export() -> Iterator[dict[str, Any]]:
    needs = Need.objects.select_related("organisation").prefetch_related("sectors").order_by("pk")
    for need in needs.iterator(chunk_size=500):
        yield need_to_query(need)
    opportunities = (
        Opportunity.objects.select_related("organisation")
        .prefetch_related("sectors", "required_capabilities", "required_certifications")
        .order_by("pk")
    )
    for opportunity in opportunities.iterator(chunk_size=500):
        yield opportunity_to_query(opportunity)


def _query_lookup(kind: str, query_id: str) -> Any:
    if kind == "need":
        return _lookup(Need, NEED_PREFIX, query_id)
    return _lookup(Opportunity, OPPORTUNITY_PREFIX, query_id)


def _extra_reasons(query: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    status = query.get("status", Status.OPEN)
    if status not in Status.values:
        reasons.append(f"field 'status': must be one of {', '.join(Status.values)}")
    if query["kind"] == "opportunity":
        deadline = query.get("deadline")
        if deadline is not None:
            try:
                dt.date.fromisoformat(deadline)
            except (TypeError, ValueError):
                reasons.append(f"field 'deadline': {deadline!r} is not an ISO date (YYYY-MM-DD)")
        budget = query.get("budget_jpy")
        if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 0):
            reasons.append("field 'budget_jpy': must be an integer >= 0")
        if not isinstance(query.get("restricted", False), bool):
            reasons.append("field 'restricted': must be true or false")
    return reasons


def _check_rows(path: str | Path, rows: list[tuple[int, dict[str, Any]]]) -> list[LineError]:
    name = str(path)
    errors: list[LineError] = []
    for lineno, query in rows:
        reasons = _extra_reasons(query)
        owner = _lookup(Organisation, ORG_PREFIX, query["owner"])
        if owner is None:
            reasons.append(f"field 'owner': no profile with id {query['owner']!r} (import profiles first)")
        elif owner.kind != OWNER_KIND[query["kind"]]:
            reasons.append(
                f"field 'owner': {query['owner']!r} is a {owner.kind}, a {query['kind']} needs a "
                f"{OWNER_KIND[query['kind']]}"
            )
        other_kind = "opportunity" if query["kind"] == "need" else "need"
        if _query_lookup(other_kind, query["id"]) is not None:
            reasons.append(f"id {query['id']!r} already belongs to a {other_kind}")
        errors.extend(LineError(name, lineno, reason) for reason in reasons)
    return errors


@transaction.atomic
def queries_import(path: str | Path) -> ImportResult:
    """Import needs and opportunities; raises InterchangeError (nothing written) on any bad line."""
    rows, errors = read_numbered(path, validate_query)
    errors += _check_rows(path, rows)
    raise_if_errors(errors)

    result = ImportResult()
    term_map = TermMap()
    for _lineno, query in rows:
        obj = _query_lookup(query["kind"], query["id"])
        created = obj is None
        owner = _lookup(Organisation, ORG_PREFIX, query["owner"])
        if obj is None:
            model = Need if query["kind"] == "need" else Opportunity
            obj = model(external_id=query["id"])
        obj.organisation = owner
        obj.title = query.get("title") or query["id"]
        obj.description = query.get("description") or ""
        obj.prefecture = query.get("prefecture") or ""
        obj.target = query["target"]
        new_status = query.get("status", Status.OPEN)
        if new_status == Status.CLOSED and obj.status != Status.CLOSED:
            obj.closed_at = timezone.now()
        obj.status = new_status
        if isinstance(obj, Need):
            obj.category = query.get("category") or ""
        else:
            obj.deadline = dt.date.fromisoformat(query["deadline"]) if query.get("deadline") else None
            obj.budget_jpy = query.get("budget_jpy")
            obj.restricted = query.get("restricted", False)
        obj.save()
        obj.sectors.set(term_map.ids("sectors", query.get("sectors", []), field="sectors"))
        if isinstance(obj, Opportunity):
            obj.required_capabilities.set(
                term_map.ids("capabilities", query.get("required_capabilities", []), field="required_capabilities")
            )
            obj.required_certifications.set(
                term_map.ids(
                    "certifications", query.get("required_certifications", []), field="required_certifications"
                )
            )
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result
