"""SMEs browse the open opportunities of buyers (visibility enforced by the opportunities selectors)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from frontend.forms import BrowseFilterForm
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, paginate, sme_required
from opportunities import selectors
from opportunities.models import Status


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
    return render(request, "frontend/matching/browse_detail.html", {"opportunity": opportunity})
