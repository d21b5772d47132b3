from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Organisation
from core.exceptions import ApplicationError
from frontend.forms import InvitationForm, OrganisationForm
from frontend.persona import Persona
from frontend.views.common import add_service_errors, organisation_required, paginate
from reference.terms import codes

PROFILE_FIELDS = (
    "name",
    "corporate_number",
    "prefecture",
    "industry",
    "industry_detail",
    "capital_jpy",
    "employees",
    "description",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _initial(organisation: Organisation) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(organisation, f) for f in PROFILE_FIELDS}
    initial["corporate_number"] = organisation.corporate_number or ""
    for relation in ("sectors", "capabilities", "certifications"):
        initial[relation] = codes(getattr(organisation, relation))
    return initial


@organisation_required
def organisation_edit(request: HttpRequest, persona: Persona) -> HttpResponse:
    organisation = account_selectors.organisation_get_for_user(user=persona.user)
    form = OrganisationForm(request.POST or None, initial=_initial(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            account_services.organisation_update(organisation=organisation, actor=persona.user, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Company information saved."))
            return redirect("organisation-edit")
    return render(
        request,
        "frontend/organisation/edit.html",
        {"form": form, "organisation": organisation, "persona": persona},
    )


@organisation_required
def organisation_members(request: HttpRequest, persona: Persona) -> HttpResponse:
    assert persona.organisation is not None  # organisation_required
    form = InvitationForm(request.POST or None) if persona.is_owner else None
    if request.method == "POST":
        if form is None:
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                invitation = account_services.invitation_create(
                    organisation=persona.organisation, actor=persona.user, **form.cleaned_data
                )
            except (ApplicationError, ValidationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("organisation-members")
    members = account_selectors.organisation_members(organisation=persona.organisation)
    return render(
        request,
        "frontend/organisation/members.html",
        {"form": form, "page": paginate(request, members, 50), "persona": persona},
    )
