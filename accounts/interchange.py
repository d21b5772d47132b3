"""Profiles in the interchange format: export, and import as an idempotent upsert by id.

Rows created on the platform have no interchange id yet; they are exported
as `tsunagu-org-<pk>` / `tsunagu-expert-<pk>`, and importing such an id
updates the same row, so an export → import round trip never duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from accounts import rules, services
from accounts.models import ExpertProfile, Organisation
from accounts.rules import corporate_number_is_valid
from core.bulk import BulkRow
from core.interchange import Progress, Stopwatch, bulk_errors_as_lines, raise_if_errors, read_numbered
from ml.interchange import LineError, validate_profile
from reference.terms import codes

ORG_PREFIX = "tsunagu-org-"
EXPERT_PREFIX = "tsunagu-expert-"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def organisation_interchange_id(organisation: Organisation) -> str:
    return organisation.external_id or f"{ORG_PREFIX}{organisation.pk}"


def expert_interchange_id(expert: ExpertProfile) -> str:
    return expert.external_id or f"{EXPERT_PREFIX}{expert.pk}"


def organisation_to_profile(organisation: Organisation) -> dict[str, Any]:
    """An SME or buyer as an interchange profile (M2M terms must be prefetched)."""
    profile: dict[str, Any] = {
        "id": organisation_interchange_id(organisation),
        "kind": organisation.kind,
        "name": organisation.name,
        "prefecture": organisation.prefecture or None,
        "description": organisation.description,
        "sectors": codes(organisation.sectors),
        "capacity": organisation.capacity,
        "active_engagements": organisation.active_engagements,
    }
    if organisation.kind == Organisation.Kind.SME:
        profile.update(
            capabilities=codes(organisation.capabilities),
            certifications=codes(organisation.certifications),
            industry=organisation.industry or None,
            employees=organisation.employees,
            capital_jpy=organisation.capital_jpy,
        )
    if organisation.corporate_number:
        profile["corporate_number"] = organisation.corporate_number
    return {k: v for k, v in profile.items() if v is not None}


def expert_to_profile(expert: ExpertProfile) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": expert_interchange_id(expert),
        "kind": "expert",
        "name": expert.name,
        "prefecture": expert.prefecture or None,
        "description": expert.bio,
        "sectors": codes(expert.sectors),
        "expert_type": expert.expert_type,
        "skills": codes(expert.skills),
        "regions": codes(expert.regions),
        "capacity": expert.capacity,
        "active_engagements": expert.active_engagements,
    }
    return {k: v for k, v in profile.items() if v is not None}


def organisations_for_export() -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(kind__in=[Organisation.Kind.SME, Organisation.Kind.BUYER])
        .prefetch_related("sectors", "capabilities", "certifications")
        .order_by("pk")
    )


def experts_for_export() -> QuerySet[ExpertProfile]:
    return ExpertProfile.objects.prefetch_related("sectors", "skills", "regions").order_by("pk")


def profiles_export() -> Iterator[dict[str, Any]]:
    for organisation in organisations_for_export().iterator(chunk_size=500):
        yield organisation_to_profile(organisation)
    for expert in experts_for_export().iterator(chunk_size=500):
        yield expert_to_profile(expert)


def interchange_lookup(model: type[Any], prefix: str, ids: Iterable[str]) -> dict[str, Any]:
    """Rows of `model` by interchange id, in two queries: by external_id, then by `<prefix><pk>`."""
    wanted = set(ids)
    found: dict[str, Any] = {str(obj.external_id): obj for obj in model.objects.filter(external_id__in=wanted)}
    by_pk = {
        int(i[len(prefix) :]): i for i in wanted - found.keys() if i.startswith(prefix) and i[len(prefix) :].isdigit()
    }
    for obj in model.objects.filter(pk__in=by_pk):
        found.setdefault(by_pk[obj.pk], obj)
    return found


@dataclass
class _Existing:
    organisations: dict[str, Organisation]
    experts: dict[str, ExpertProfile]
    numbers: dict[str, tuple[int, str]]  # 法人番号 → (organisation pk, name) already registered


def _existing(rows: list[tuple[int, dict[str, Any]]]) -> _Existing:
    ids = [profile["id"] for _lineno, profile in rows]
    numbers = [p["corporate_number"] for _l, p in rows if isinstance(p.get("corporate_number"), str)]
    return _Existing(
        organisations=interchange_lookup(Organisation, ORG_PREFIX, ids),
        experts=interchange_lookup(ExpertProfile, EXPERT_PREFIX, ids),
        numbers={
            str(number): (pk, name)
            for pk, number, name in Organisation.objects.filter(corporate_number__in=numbers).values_list(
                "pk", "corporate_number", "name"
            )
        },
    )


# The platform's contact fields a profile line may carry (shown only after mutual acceptance).
CONTACT_FIELDS = ("contact_name", "email", "phone")


def _check_rows(path: str | Path, rows: list[tuple[int, dict[str, Any]]], existing: _Existing) -> list[LineError]:
    """Checks only the database can make, and of the platform's own fields, on every line before any write."""
    errors: list[LineError] = []
    name = str(path)
    numbers: dict[str, int] = {}
    for lineno, profile in rows:
        for field in CONTACT_FIELDS:  # not in the engine's contract, so not checked by ml.interchange
            value = profile.get(field)
            if value is not None and not isinstance(value, str):
                errors.append(LineError(name, lineno, f"field '{field}': expected a string"))
        number = profile.get("corporate_number")
        organisation = existing.organisations.get(profile["id"])
        if profile["kind"] == "expert":
            if organisation is not None:
                errors.append(LineError(name, lineno, f"id {profile['id']!r} already belongs to an organisation"))
            if not profile.get("expert_type"):
                errors.append(LineError(name, lineno, "field 'expert_type': required for experts"))
            continue
        if organisation is not None and organisation.kind != profile["kind"]:
            errors.append(
                LineError(
                    name, lineno, f"id {profile['id']!r} is a {organisation.kind} already, not a {profile['kind']}"
                )
            )
        if profile["id"] in existing.experts:
            errors.append(LineError(name, lineno, f"id {profile['id']!r} already belongs to an expert"))
        if number is None:
            continue
        if not isinstance(number, str) or not corporate_number_is_valid(number):
            errors.append(LineError(name, lineno, f"field 'corporate_number': {number!r} is not a valid 法人番号"))
            continue
        if number in numbers:
            errors.append(LineError(name, lineno, f"field 'corporate_number': {number} repeats line {numbers[number]}"))
        numbers.setdefault(number, lineno)
        holder = existing.numbers.get(number)
        if holder is not None and (organisation is None or holder[0] != organisation.pk):
            errors.append(
                LineError(name, lineno, f"field 'corporate_number': {number} is already registered to {holder[1]}")
            )
    return errors


def profiles_import(path: str | Path, *, progress: Progress | None = None) -> ImportResult:
    """Import a profiles file; raises InterchangeError (nothing written) on any bad line."""
    rows, errors = read_numbered(path, validate_profile, progress=progress)
    existing = _existing(rows)
    errors += _check_rows(path, rows, existing)
    raise_if_errors(errors)

    organisations: list[BulkRow[Organisation]] = []
    experts: list[BulkRow[ExpertProfile]] = []
    for lineno, profile in rows:
        if profile["kind"] == "expert":
            experts.append(_expert_row(lineno, profile, existing.experts.get(profile["id"])))
        else:
            organisations.append(_organisation_row(lineno, profile, existing.organisations.get(profile["id"])))
    watch = Stopwatch(progress)
    # One outer transaction, so the count is reported before the index update that runs on commit.
    with transaction.atomic():
        with bulk_errors_as_lines(path):
            created, updated = services.profiles_bulk_upsert(organisations=organisations, experts=experts)
        watch.report(created + updated, "rows written")
    return ImportResult(created=created, updated=updated)


def _organisation_row(lineno: int, profile: dict[str, Any], organisation: Organisation | None) -> BulkRow[Organisation]:
    if organisation is None:
        organisation = Organisation(external_id=profile["id"], kind=profile["kind"])
    organisation.name = profile["name"]
    organisation.prefecture = profile.get("prefecture") or ""
    organisation.description = profile.get("description") or ""
    organisation.industry = profile.get("industry") or ""
    exception = rules.INDUSTRY_EXCEPTIONS.get(organisation.industry_detail)
    if exception is not None and exception.industry != organisation.industry:
        # The interchange has no sub-industry: keep the one set on the platform unless the industry changed.
        organisation.industry_detail = ""
    organisation.employees = profile.get("employees")
    organisation.capital_jpy = profile.get("capital_jpy")
    organisation.capacity = profile.get("capacity", 3)
    organisation.active_engagements = profile.get("active_engagements", 0)
    organisation.corporate_number = profile.get("corporate_number") or organisation.corporate_number
    organisation.contact_name = profile.get("contact_name", organisation.contact_name)
    organisation.contact_email = profile.get("email", organisation.contact_email)
    organisation.contact_phone = profile.get("phone", organisation.contact_phone)
    return BulkRow(
        obj=organisation,
        key=lineno,
        terms={
            "sectors": ("sectors", profile.get("sectors", [])),
            "capabilities": ("capabilities", profile.get("capabilities", [])),
            "certifications": ("certifications", profile.get("certifications", [])),
        },
    )


def _expert_row(lineno: int, profile: dict[str, Any], expert: ExpertProfile | None) -> BulkRow[ExpertProfile]:
    if expert is None:
        expert = ExpertProfile(external_id=profile["id"])
    expert.name = profile["name"]
    expert.expert_type = profile["expert_type"]
    expert.prefecture = profile.get("prefecture") or ""
    expert.bio = profile.get("description") or ""
    expert.capacity = profile.get("capacity", 3)
    expert.active_engagements = profile.get("active_engagements", 0)
    expert.contact_email = profile.get("email", expert.contact_email)
    expert.contact_phone = profile.get("phone", expert.contact_phone)
    return BulkRow(
        obj=expert,
        key=lineno,
        terms={
            "sectors": ("sectors", profile.get("sectors", [])),
            "skills": ("need_categories", profile.get("skills", [])),
            "regions": ("prefectures", profile.get("regions", [])),
        },
    )
