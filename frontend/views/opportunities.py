"""A buyer's opportunities; the pages are the shared query pages (queries.py) plus the shortlist."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from frontend.forms import OpportunityFilterForm, OpportunityForm
from frontend.persona import Persona
from frontend.views.common import buyer_required, or_404
from frontend.views.queries import QuerySpec, query_views
from matching import selectors as matching_selectors
from matching.services import introductions as introduction_services
from opportunities import selectors, services
from opportunities.models import Opportunity


def _shortlist(request: HttpRequest, persona: Persona, opportunity: Opportunity) -> HttpResponse:
    """Put a proposed supplier on the buyer's shortlist.

    The shortlist is matching's "proposed" introduction: private to the buyer
    (the candidate is not told), kept across recommendation refreshes, and the
    starting point of a later request.
    """
    url = reverse("opportunity-detail", kwargs={"pk": opportunity.pk}) + "#proposals"
    if "unshortlist" in request.POST or "ask" in request.POST:
        return _shortlist_act(request, persona, opportunity)
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
        messages.success(
            request, gettext("%(name)s added to your shortlist.") % {"name": recommendation.candidate_name}
        )
    return redirect(url)


def _shortlist_act(request: HttpRequest, persona: Persona, opportunity: Opportunity) -> HttpResponse:
    """Remove a supplier from the shortlist, or ask it for an introduction."""
    asking = "ask" in request.POST
    try:
        introduction_id = int(request.POST.get("ask" if asking else "unshortlist", ""))
    except ValueError:
        raise Http404 from None
    introduction = or_404(matching_selectors.introduction_get, user=persona.user, introduction_id=introduction_id)
    if introduction.opportunity_id != opportunity.pk:
        raise Http404
    try:
        if asking:
            introduction_services.introduction_request(actor=persona.user, introduction=introduction)
        else:
            introduction_services.introduction_dismiss(actor=persona.user, introduction=introduction)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("opportunity-detail", kwargs={"pk": opportunity.pk}) + "#shortlist")
    if asking:
        messages.success(
            request, gettext("Introduction requested from %(name)s.") % {"name": introduction.candidate_name}
        )
        return redirect("introduction-detail", pk=introduction.pk)
    messages.success(request, gettext("%(name)s removed from your shortlist.") % {"name": introduction.candidate_name})
    return redirect(reverse("opportunity-detail", kwargs={"pk": opportunity.pk}) + "#shortlist")


OPPORTUNITIES: QuerySpec[Opportunity] = QuerySpec(
    name="opportunity",
    gate=buyer_required,
    templates="frontend/opportunities",
    form_class=OpportunityForm,
    fields=("title", "description", "target", "prefecture", "deadline", "budget_jpy", "restricted", "status"),
    terms=("sectors", "required_capabilities", "required_certifications"),
    filter_form_class=OpportunityFilterForm,
    # The buyer pages manage the organisation's own opportunities only; others' open ones are under browse.
    query_list=lambda *, user, filters: selectors.opportunity_list(user=user, filters={**filters, "mine": True}),
    query_get=lambda *, user, pk: selectors.opportunity_get_for_owner(user=user, opportunity_id=pk),
    create=services.opportunity_create,
    update=lambda *, query, data, actor: services.opportunity_update(opportunity=query, data=data, actor=actor),
    shortlist=_shortlist,
    saved=_("Opportunity saved."),
    closed=_("Opportunity closed. It no longer receives proposals."),
    close_title=_("Close this opportunity?"),
    close_explanation=_(
        "A closed opportunity is hidden from suppliers and no longer receives proposals. "
        "You can reopen it later by editing it."
    ),
    close_submit=_("Close the opportunity"),
)

opportunity_list, opportunity_detail, opportunity_create, opportunity_edit, opportunity_close = query_views(
    OPPORTUNITIES
)
