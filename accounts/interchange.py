"""Profiles in the interchange format: export, and import as an idempotent upsert by id.

Rows created on the platform have no interchange id yet; they are exported
as `tsunagu-org-<pk>` / `tsunagu-expert-<pk>`, and importing such an id
updates the same row, so an export → import round trip never duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import ExpertProfile, Organisation
from accounts.rules import corporate_number_is_valid
from core.interchange import raise_if_errors, read_numbered
from ml.interchange import LineError, validate_profile
from reference.terms import TermMap, codes

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


def _lookup(model: type[Any], prefix: str, profile_id: str) -> Any:
    obj = model.objects.filter(external_id=profile_id).first()
    if obj is None and profile_id.startswith(prefix) and profile_id[len(prefix) :].isdigit():
        obj = model.objects.filter(pk=int(profile_id[len(prefix) :])).first()
    return obj


def _check_rows(path: str | Path, rows: list[tuple[int, dict[str, Any]]]) -> list[LineError]:
    """Checks only the database can make, on every line before any write."""
    errors: list[LineError] = []
    name = str(path)
    numbers: dict[str, int] = {}
    for lineno, profile in rows:
        number = profile.get("corporate_number")
        if profile["kind"] == "expert":
            if _lookup(Organisation, ORG_PREFIX, profile["id"]) is not None:
                errors.append(LineError(name, lineno, f"id {profile['id']!r} already belongs to an organisation"))
            if not profile.get("expert_type"):
                errors.append(LineError(name, lineno, "field 'expert_type': required for experts"))
            continue
        existing = _lookup(Organisation, ORG_PREFIX, profile["id"])
        if existing is not None and existing.kind != profile["kind"]:
            errors.append(
                LineError(name, lineno, f"id {profile['id']!r} is a {existing.kind} already, not a {profile['kind']}")
            )
        if _lookup(ExpertProfile, EXPERT_PREFIX, profile["id"]) is not None:
            errors.append(LineError(name, lineno, f"id {profile['id']!r} already belongs to an expert"))
        if number is None:
            continue
        if not isinstance(number, str) or not corporate_number_is_valid(number):
            errors.append(LineError(name, lineno, f"field 'corporate_number': {number!r} is not a valid 法人番号"))
            continue
        if number in numbers:
            errors.append(LineError(name, lineno, f"field 'corporate_number': {number} repeats line {numbers[number]}"))
        numbers.setdefault(number, lineno)
        holders = Organisation.objects.filter(corporate_number=number)
        if existing is not None:
            holders = holders.exclude(pk=existing.pk)
        holder = holders.first()
        if holder is not None:
            errors.append(
                LineError(name, lineno, f"field 'corporate_number': {number} is already registered to {holder.name}")
            )
    return errors


@transaction.atomic
def profiles_import(path: str | Path) -> ImportResult:
    """Import a profiles file; raises InterchangeError (nothing written) on any bad line."""
    rows, errors = read_numbered(path, validate_profile)
    errors += _check_rows(path, rows)
    raise_if_errors(errors)

    result = ImportResult()
    term_map = TermMap()
    for _lineno, profile in rows:
        if profile["kind"] == "expert":
            created = _upsert_expert(profile, term_map)
        else:
            created = _upsert_organisation(profile, term_map)
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result


def _upsert_organisation(profile: dict[str, Any], term_map: TermMap) -> bool:
    organisation = _lookup(Organisation, ORG_PREFIX, profile["id"])
    created = organisation is None
    if organisation is None:
        organisation = Organisation(external_id=profile["id"], kind=profile["kind"])
    organisation.name = profile["name"]
    organisation.prefecture = profile.get("prefecture") or ""
    organisation.description = profile.get("description") or ""
    organisation.industry = profile.get("industry") or ""
    organisation.employees = profile.get("employees")
    organisation.capital_jpy = profile.get("capital_jpy")
    organisation.capacity = profile.get("capacity", 3)
    organisation.active_engagements = profile.get("active_engagements", 0)
    organisation.corporate_number = profile.get("corporate_number") or organisation.corporate_number
    organisation.contact_name = profile.get("contact_name", organisation.contact_name)
    organisation.contact_email = profile.get("email", organisation.contact_email)
    organisation.contact_phone = profile.get("phone", organisation.contact_phone)
    organisation.save()
    organisation.sectors.set(term_map.ids("sectors", profile.get("sectors", []), field="sectors"))
    organisation.capabilities.set(term_map.ids("capabilities", profile.get("capabilities", []), field="capabilities"))
    organisation.certifications.set(
        term_map.ids("certifications", profile.get("certifications", []), field="certifications")
    )
    return created


def _upsert_expert(profile: dict[str, Any], term_map: TermMap) -> bool:
    expert = _lookup(ExpertProfile, EXPERT_PREFIX, profile["id"])
    created = expert is None
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
    expert.save()
    expert.sectors.set(term_map.ids("sectors", profile.get("sectors", []), field="sectors"))
    expert.skills.set(term_map.ids("need_categories", profile.get("skills", []), field="skills"))
    expert.regions.set(term_map.ids("prefectures", profile.get("regions", []), field="regions"))
    return created
