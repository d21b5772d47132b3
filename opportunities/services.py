from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import user_organisation
from core.audit import audit_record, audit_snapshot
from core.bulk import BulkRow, bulk_clean, bulk_save
from core.exceptions import ApplicationError
from opportunities import signals
from opportunities.models import Need, Opportunity
from reference import vocabulary
from reference.terms import TermMap, bulk_set_terms, codes, set_terms

NEED_FIELDS = ("category", "title", "description", "prefecture", "target", "status")
OPPORTUNITY_FIELDS = (
    "title",
    "description",
    "prefecture",
    "target",
    "deadline",
    "budget_jpy",
    "restricted",
    "status",
)


def _check_codes(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if data.get("prefecture") and not vocabulary.is_valid("prefectures", data["prefecture"]):
        errors["prefecture"] = [_("Unknown prefecture code: %(code)s") % {"code": data["prefecture"]}]
    if data.get("category") and not vocabulary.is_valid("need_categories", data["category"]):
        errors["category"] = [_("Unknown need category: %(code)s") % {"code": data["category"]}]
    if errors:
        raise ApplicationError(_("Validation error"), extra={"fields": errors})


NEED_TERMS = ("sectors",)
OPPORTUNITY_TERMS = ("sectors", "required_capabilities", "required_certifications")


def _snapshot(obj: Need | Opportunity, fields: tuple[str, ...], terms: tuple[str, ...]) -> dict[str, Any]:
    return audit_snapshot(obj, fields, **{name: codes(getattr(obj, name)) for name in terms})


def _apply(obj: Need | Opportunity, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    _check_codes(data)
    for field in fields:
        if field in data and field != "status":
            setattr(obj, field, data[field])
    if "status" in data:
        obj.set_status(data["status"])
    if not obj.title:
        raise ApplicationError(_("Validation error"), extra={"fields": {"title": [_("A title is required.")]}})


def _actor_organisation(actor: User, kind: str) -> Organisation:
    organisation = user_organisation(user=actor)
    if organisation is None or organisation.kind != kind:
        raise ApplicationError(
            _("Only members of an SME can raise needs.")
            if kind == Organisation.Kind.SME
            else _("Only members of a buyer organisation can post opportunities.")
        )
    return organisation


@transaction.atomic
def need_create(*, actor: User, data: dict[str, Any]) -> Need:
    organisation = _actor_organisation(actor, Organisation.Kind.SME)
    need = Need(organisation=organisation, created_by=actor, prefecture=organisation.prefecture)
    _apply(need, NEED_FIELDS, data)
    need.save()
    set_terms(need, {"sectors": ("sectors", data.get("sectors"))})
    audit_record(actor=actor, action="need.create", obj=need, after=_snapshot(need, NEED_FIELDS, NEED_TERMS))
    signals.query_changed.send(sender=Need, instance=need)
    return need


@transaction.atomic
def need_update(*, need: Need, data: dict[str, Any], actor: User | None = None) -> Need:
    # The caller got `need` through need_get, which already checked membership.
    need = Need.objects.select_for_update().get(pk=need.pk)
    before = _snapshot(need, NEED_FIELDS, NEED_TERMS)
    _apply(need, NEED_FIELDS, data)
    need.save()
    set_terms(need, {"sectors": ("sectors", data.get("sectors"))})
    audit_record(
        actor=actor, action="need.update", obj=need, before=before, after=_snapshot(need, NEED_FIELDS, NEED_TERMS)
    )
    signals.query_changed.send(sender=Need, instance=need)
    return need


@transaction.atomic
def opportunity_create(*, actor: User, data: dict[str, Any]) -> Opportunity:
    organisation = _actor_organisation(actor, Organisation.Kind.BUYER)
    opportunity = Opportunity(organisation=organisation, created_by=actor, prefecture=organisation.prefecture)
    _apply(opportunity, OPPORTUNITY_FIELDS, data)
    opportunity.save()
    _set_opportunity_terms(opportunity, data)
    audit_record(
        actor=actor,
        action="opportunity.create",
        obj=opportunity,
        after=_snapshot(opportunity, OPPORTUNITY_FIELDS, OPPORTUNITY_TERMS),
    )
    signals.query_changed.send(sender=Opportunity, instance=opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, data: dict[str, Any], actor: User | None = None) -> Opportunity:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    before = _snapshot(opportunity, OPPORTUNITY_FIELDS, OPPORTUNITY_TERMS)
    _apply(opportunity, OPPORTUNITY_FIELDS, data)
    opportunity.save()
    _set_opportunity_terms(opportunity, data)
    audit_record(
        actor=actor,
        action="opportunity.update",
        obj=opportunity,
        before=before,
        after=_snapshot(opportunity, OPPORTUNITY_FIELDS, OPPORTUNITY_TERMS),
    )
    signals.query_changed.send(sender=Opportunity, instance=opportunity)
    return opportunity


def _set_opportunity_terms(opportunity: Opportunity, data: dict[str, Any]) -> None:
    set_terms(
        opportunity,
        {
            "sectors": ("sectors", data.get("sectors")),
            "required_capabilities": ("capabilities", data.get("required_capabilities")),
            "required_certifications": ("certifications", data.get("required_certifications")),
        },
    )


QUERY_IMPORT_FIELDS = (
    "organisation",
    "external_id",
    "title",
    "description",
    "prefecture",
    "target",
    "status",
    "closed_at",
)


@transaction.atomic
def queries_bulk_upsert(*, needs: list[BulkRow[Need]], opportunities: list[BulkRow[Opportunity]]) -> tuple[int, int]:
    """Write many needs and opportunities at once (the interchange import); returns (created, updated).

    Rows pass the model's validation first (every failure reported, nothing
    written); status changes go through `set_status` like single edits; one
    `queries_imported` signal names the (kind, target) groups that changed so
    matching refreshes each group once.
    """
    # The owner was looked up by the caller: skip the per-row foreign-key query of full_clean.
    bulk_clean([*needs, *opportunities], exclude=["created_by", "organisation"])
    term_map = TermMap()
    created, updated = bulk_save(Need, needs, fields=(*QUERY_IMPORT_FIELDS, "category"), key_field="external_id")
    bulk_set_terms(needs, term_map)
    new, old = bulk_save(
        Opportunity, opportunities, fields=(*QUERY_IMPORT_FIELDS, "deadline", "budget_jpy", "restricted")
    )
    bulk_set_terms(opportunities, term_map)
    created, updated = created + new, updated + old
    groups = {("need", row.obj.target) for row in needs} | {("opportunity", row.obj.target) for row in opportunities}
    if groups:
        signals.queries_imported.send(sender=Need, groups=sorted(groups))
    return created, updated
