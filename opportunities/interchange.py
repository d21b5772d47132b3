"""Needs and opportunities as interchange queries: export, and idempotent import by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.interchange import ORG_PREFIX, ImportResult, interchange_lookup, organisation_interchange_id
from accounts.models import Organisation
from core.bulk import BulkRow
from core.interchange import Progress, Stopwatch, bulk_errors_as_lines, raise_if_errors, read_numbered
from ml.interchange import LineError, validate_query
from opportunities import services
from opportunities.models import Need, Opportunity, Status
from reference.terms import codes

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


def _query_lookup(rows: list[tuple[int, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Existing needs and opportunities by interchange id: {"need": {...}, "opportunity": {...}}."""
    ids = [query["id"] for _lineno, query in rows]
    return {
        "need": interchange_lookup(Need, NEED_PREFIX, ids),
        "opportunity": interchange_lookup(Opportunity, OPPORTUNITY_PREFIX, ids),
    }


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


def _check_rows(
    path: str | Path,
    rows: list[tuple[int, dict[str, Any]]],
    owners: dict[str, Organisation],
    existing: dict[str, dict[str, Any]],
) -> list[LineError]:
    name = str(path)
    errors: list[LineError] = []
    for lineno, query in rows:
        reasons = _extra_reasons(query)
        owner = owners.get(query["owner"])
        if owner is None:
            reasons.append(f"field 'owner': no profile with id {query['owner']!r} (import profiles first)")
        elif owner.kind != OWNER_KIND[query["kind"]]:
            reasons.append(
                f"field 'owner': {query['owner']!r} is a {owner.kind}, a {query['kind']} needs a "
                f"{OWNER_KIND[query['kind']]}"
            )
        other_kind = "opportunity" if query["kind"] == "need" else "need"
        if query["id"] in existing[other_kind]:
            reasons.append(f"id {query['id']!r} already belongs to a {other_kind}")
        errors.extend(LineError(name, lineno, reason) for reason in reasons)
    return errors


def queries_import(path: str | Path, *, progress: Progress | None = None) -> ImportResult:
    """Import needs and opportunities; raises InterchangeError (nothing written) on any bad line."""
    rows, errors = read_numbered(path, validate_query, progress=progress)
    owners = interchange_lookup(Organisation, ORG_PREFIX, [query["owner"] for _lineno, query in rows])
    existing = _query_lookup(rows)
    errors += _check_rows(path, rows, owners, existing)
    raise_if_errors(errors)

    needs: list[BulkRow[Need]] = []
    opportunities: list[BulkRow[Opportunity]] = []
    for lineno, query in rows:
        obj = existing[query["kind"]].get(query["id"])
        if obj is None:
            obj = (Need if query["kind"] == "need" else Opportunity)(external_id=query["id"])
        obj.organisation = owners[query["owner"]]
        obj.title = query.get("title") or query["id"]
        obj.description = query.get("description") or ""
        obj.prefecture = query.get("prefecture") or ""
        obj.target = query["target"]
        obj.set_status(query.get("status", Status.OPEN))
        terms: dict[str, tuple[str, Sequence[str]]] = {"sectors": ("sectors", query.get("sectors", []))}
        if isinstance(obj, Need):
            obj.category = query.get("category") or ""
            needs.append(BulkRow(obj=obj, key=lineno, terms=terms))
            continue
        obj.deadline = dt.date.fromisoformat(query["deadline"]) if query.get("deadline") else None
        obj.budget_jpy = query.get("budget_jpy")
        obj.restricted = query.get("restricted", False)
        terms["required_capabilities"] = ("capabilities", query.get("required_capabilities", []))
        terms["required_certifications"] = ("certifications", query.get("required_certifications", []))
        opportunities.append(BulkRow(obj=obj, key=lineno, terms=terms))
    watch = Stopwatch(progress)
    # One outer transaction, so the count is reported before the index update that runs on commit.
    with transaction.atomic():
        with bulk_errors_as_lines(path):
            created, updated = services.queries_bulk_upsert(needs=needs, opportunities=opportunities)
        watch.report(created + updated, "rows written")
    return ImportResult(created=created, updated=updated)
