"""Conflicts of interest: organisations an expert (or a buyer) must never be matched with."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.models import Organisation
from core.exceptions import ApplicationError
from frontend.forms import ConflictForm, OrganisationSearchForm, field_label
from frontend.persona import Persona
from frontend.views.common import add_service_errors, or_404, paginate, persona_required
from matching import selectors
from matching.models import ConflictOfInterest
from matching.services import conflicts as conflict_services

conflict_declarer_required = persona_required(lambda p: p.expert is not None or p.is_buyer)


@conflict_declarer_required
def conflict_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    search_form = OrganisationSearchForm(request.GET if "q" in request.GET else None)
    form = ConflictForm(request.POST or None)
    if request.method == "POST":
        search_form = OrganisationSearchForm({"q": request.POST.get("q", "")})
        if form.is_valid():
            try:
                conflict = conflict_services.conflict_create(
                    actor=persona.user,
                    organisation_id=form.cleaned_data["organisation"],
                    reason=form.cleaned_data["reason"],
                )
            except (ApplicationError, ValidationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Conflict of interest declared: you will not be matched with %(name)s.")
                    % {"name": conflict.organisation.name},
                )
                return redirect("conflict-list")
    query = search_form.cleaned_data.get("q", "").strip() if search_form.is_bound and search_form.is_valid() else ""
    results = None
    if query:
        own = account_selectors.user_organisation_ids(user=persona.user)
        organisations = (
            account_selectors.organisation_list().exclude(kind=Organisation.Kind.BUREAU).exclude(pk__in=own)
        ).order_by("name", "id")
        for word in query.split():
            organisations = organisations.filter(name__icontains=word)
        results = paginate(request, organisations, per_page=10)
    return render(
        request,
        "frontend/conflicts/list.html",
        {
            "conflicts": selectors.conflict_list(user=persona.user).order_by("organisation__name", "id"),
            "search_form": search_form,
            "form": form,
            "query": query,
            "page": results,
            "as_expert": persona.expert is not None,
            "heading": capfirst(ConflictOfInterest._meta.verbose_name_plural),
            "reason_label": field_label(ConflictOfInterest, "reason"),
        },
    )


@conflict_declarer_required
def conflict_delete(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    conflict = or_404(selectors.conflict_get, user=persona.user, conflict_id=pk)
    name = conflict.organisation.name
    conflict_services.conflict_delete(conflict=conflict, actor=persona.user)
    messages.success(request, _("Conflict of interest with %(name)s removed.") % {"name": name})
    return redirect("conflict-list")
