"""SMEs browse the open opportunities of buyers (visibility enforced by the opportunities selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from frontend.forms import BrowseFilterForm, InterestForm
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, paginate, sme_required
from matching import selectors as matching_selectors
from matching.services import introductions as introduction_services
from opportunities import selectors
from opportunities.models import Opportunity, Status


@sme_required
def opportunity_browse(request: HttpRequest, persona: Persona) -> HttpResponse:
    filter_form = BrowseFilterForm(request.GET)
    filters = filters_from(filter_form)
    opportunities = selectors.opportunity_list(user=persona.user, filters={**filters, "status": Status.OPEN})
    if persona.organisation is not None:
        opportunities = opportunities.exclude(organisation=persona.organisation)
    return render(
        request,
        "frontend/matching/browse.html",
        {"page": paginate(request, opportunities), "filter_form": filter_form, "filtered": bool(filters)},
    )


@sme_required
def opportunity_browse_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    opportunity = or_404(selectors.opportunity_get, user=persona.user, opportunity_id=pk)
    if opportunity.status != Status.OPEN or opportunity.organisation_id == getattr(persona.organisation, "pk", None):
        raise Http404  # a draft, closed or own opportunity is not on the market
    return _detail(request, persona, opportunity, InterestForm())


def _detail(request: HttpRequest, persona: Persona, opportunity: Opportunity, form: InterestForm) -> HttpResponse:
    existing = matching_selectors.introduction_for_pair(query=opportunity, organisation=persona.organisation)
    return render(
        request,
        "frontend/matching/browse_detail.html",
        {"opportunity": opportunity, "interest_form": form, "existing": existing},
    )


@sme_required
def opportunity_interest(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    opportunity = or_404(selectors.opportunity_get, user=persona.user, opportunity_id=pk)
    if opportunity.organisation_id == getattr(persona.organisation, "pk", None):
        raise Http404
    form = InterestForm(request.POST)
    if form.is_valid():
        try:
            introduction = introduction_services.opportunity_interest(
                actor=persona.user, opportunity=opportunity, message=form.cleaned_data["message"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Sent. The buyer will accept or decline; you will be notified."))
            return redirect("introduction-detail", pk=introduction.pk)
    return _detail(request, persona, opportunity, form)
