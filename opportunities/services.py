from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import user_organisation
from core.exceptions import ApplicationError
from opportunities import signals
from opportunities.models import Need, Opportunity, Status
from reference import vocabulary
from reference.terms import set_terms

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


def _apply(obj: Need | Opportunity, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    _check_codes(data)
    previous = obj.status
    for field in fields:
        if field in data:
            setattr(obj, field, data[field])
    if obj.status == Status.CLOSED and previous != Status.CLOSED:
        obj.closed_at = timezone.now()
    elif obj.status != Status.CLOSED:
        obj.closed_at = None
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
    signals.query_changed.send(sender=Need, instance=need)
    return need


@transaction.atomic
def need_update(*, need: Need, data: dict[str, Any]) -> Need:
    # The caller got `need` through need_get, which already checked membership.
    need = Need.objects.select_for_update().get(pk=need.pk)
    _apply(need, NEED_FIELDS, data)
    need.save()
    set_terms(need, {"sectors": ("sectors", data.get("sectors"))})
    signals.query_changed.send(sender=Need, instance=need)
    return need


@transaction.atomic
def opportunity_create(*, actor: User, data: dict[str, Any]) -> Opportunity:
    organisation = _actor_organisation(actor, Organisation.Kind.BUYER)
    opportunity = Opportunity(organisation=organisation, created_by=actor, prefecture=organisation.prefecture)
    _apply(opportunity, OPPORTUNITY_FIELDS, data)
    opportunity.save()
    _set_opportunity_terms(opportunity, data)
    signals.query_changed.send(sender=Opportunity, instance=opportunity)
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, data: dict[str, Any]) -> Opportunity:
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _apply(opportunity, OPPORTUNITY_FIELDS, data)
    opportunity.save()
    _set_opportunity_terms(opportunity, data)
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
