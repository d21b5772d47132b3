from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from frontend.forms import OpportunityFilterForm, OpportunityForm
from frontend.persona import Persona
from frontend.views.common import add_service_errors, buyer_required, filters_from, or_404, paginate
from frontend.views.matching import proposals_context
from matching import selectors as matching_selectors
from matching.services import introductions as introduction_services
from opportunities import selectors, services
from opportunities.models import Opportunity, Status
from reference.terms import codes

FIELDS = ("title", "description", "target", "prefecture", "deadline", "budget_jpy", "restricted", "status")
TERMS = ("sectors", "required_capabilities", "required_certifications")


@buyer_required
def opportunity_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    filter_form = OpportunityFilterForm(request.GET)
    filters = filters_from(filter_form)
    # The buyer pages manage the organisation's own opportunities only.
    opportunities = selectors.opportunity_list(user=persona.user, filters={**filters, "mine": True})
    return render(
        request,
        "frontend/opportunities/list.html",
        {"page": paginate(request, opportunities), "filter_form": filter_form, "filtered": bool(filters)},
    )


@buyer_required
def opportunity_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    opportunity = or_404(selectors.opportunity_get_for_owner, user=persona.user, opportunity_id=pk)
    if request.method == "POST":
        return _shortlist(request, persona, opportunity)
    return render(
        request,
        "frontend/opportunities/detail.html",
        {"opportunity": opportunity, "shortlist_enabled": True, **proposals_context(request, opportunity)},
    )


def _shortlist(request: HttpRequest, persona: Persona, opportunity: Opportunity) -> HttpResponse:
    """Put a proposed supplier on the buyer's shortlist.

    The shortlist is matching's "proposed" introduction: private to the buyer
    (the candidate is not told), kept across recommendation refreshes, and the
    starting point of a later request.
    """
    url = reverse("opportunity-detail", kwargs={"pk": opportunity.pk}) + "#proposals"
    try:
        recommendation_id = int(request.POST.get("shortlist", ""))
    except ValueError:
        raise Http404 from None
    recommendation = or_404(
        matching_selectors.recommendation_get_for_owner, user=persona.user, recommendation_id=recommendation_id
    )
    if recommendation.opportunity_id != opportunity.pk:
        raise Http404
    try:
        introduction_services.introduction_propose(actor=persona.user, recommendation=recommendation)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s added to your shortlist.") % {"name": recommendation.candidate_name})
    return redirect(url)


def _initial(opportunity: Opportunity) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(opportunity, f) for f in FIELDS}
    for relation in TERMS:
        initial[relation] = codes(getattr(opportunity, relation))
    return initial


@buyer_required
def opportunity_create(request: HttpRequest, persona: Persona) -> HttpResponse:
    assert persona.organisation is not None
    form = OpportunityForm(request.POST or None, initial={"prefecture": persona.organisation.prefecture})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data.get("prefecture"):
            data.pop("prefecture", None)  # the service defaults it to the organisation's
        try:
            opportunity = services.opportunity_create(actor=persona.user, data=data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("opportunity-detail", pk=opportunity.pk)
    return render(request, "frontend/opportunities/form.html", {"form": form, "opportunity": None})


@buyer_required
def opportunity_edit(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    opportunity = or_404(selectors.opportunity_get_for_owner, user=persona.user, opportunity_id=pk)
    form = OpportunityForm(
        request.POST or None, initial=_initial(opportunity), allow_closed=opportunity.status == Status.CLOSED
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(opportunity=opportunity, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Opportunity saved."))
            return redirect("opportunity-detail", pk=opportunity.pk)
    return render(request, "frontend/opportunities/form.html", {"form": form, "opportunity": opportunity})


@buyer_required
def opportunity_close(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    opportunity = or_404(selectors.opportunity_get_for_owner, user=persona.user, opportunity_id=pk)
    if request.method == "POST":
        services.opportunity_update(opportunity=opportunity, data={"status": Status.CLOSED})
        messages.success(request, _("Opportunity closed. It no longer receives proposals."))
        return redirect("opportunity-detail", pk=opportunity.pk)
    return render(
        request,
        "frontend/confirm.html",
        {
            "object": opportunity,
            "page_title": _("Close this opportunity?"),
            "explanation": _(
                "A closed opportunity is hidden from suppliers and no longer receives proposals. "
                "You can reopen it later by editing it."
            ),
            "submit_label": _("Close the opportunity"),
            "cancel_url": reverse("opportunity-detail", kwargs={"pk": opportunity.pk}),
        },
    )
