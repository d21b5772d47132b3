"""Proposals (recommendations) for a need or opportunity, and the candidate's inbox of requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from frontend.forms import IntroductionFilterForm, IntroductionMessageForm
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, organisation_required, paginate, persona_required
from matching import selectors
from matching.services import introductions as introduction_services
from opportunities.models import Need, Opportunity, Status

candidate_required = persona_required(lambda p: p.expert is not None or p.organisation is not None)


def proposals_context(request: HttpRequest, query: Need | Opportunity) -> dict[str, Any]:
    """Context for the proposals block of a need or opportunity page (owner already checked)."""
    recommendations = selectors.recommendation_list(query=query)
    page = paginate(request, recommendations)
    keys = list({r.query_key for r in page.object_list})
    introductions = selectors.introductions_by_key(query_keys=keys)
    rows = [(r, introductions.get((r.query_key, r.candidate_key))) for r in page.object_list]
    return {
        "proposals_page": page,
        "proposals": rows,
        "query_open": query.status == Status.OPEN,
        "message_form": IntroductionMessageForm(),
    }


def _query_url(query: Need | Opportunity) -> str:
    name = "need-detail" if isinstance(query, Need) else "opportunity-detail"
    return reverse(name, kwargs={"pk": query.pk}) + "#proposals"


@organisation_required
def recommendation_request(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    recommendation = or_404(selectors.recommendation_get_for_owner, user=persona.user, recommendation_id=pk)
    form = IntroductionMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The message is too long."))
        return redirect(_query_url(recommendation.query))
    try:
        introduction_services.recommendation_request(
            actor=persona.user, recommendation=recommendation, message=form.cleaned_data["message"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Introduction requested. %(name)s will be asked to accept; contacts are shared once they do.")
            % {"name": recommendation.candidate_name},
        )
    return redirect(_query_url(recommendation.query))


@candidate_required
def introduction_inbox(request: HttpRequest, persona: Persona) -> HttpResponse:
    filter_form = IntroductionFilterForm(request.GET)
    filters = filters_from(filter_form)
    introductions = selectors.introduction_list(user=persona.user, filters={**filters, "role": selectors.CANDIDATE})
    return render(
        request,
        "frontend/matching/inbox.html",
        {
            "page": paginate(request, introductions),
            "filter_form": filter_form,
            "filtered": bool(filters),
            "message_form": IntroductionMessageForm(),
        },
    )


@candidate_required
def introduction_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    sides = selectors.introduction_sides(user=persona.user, introduction=introduction)
    return render(
        request,
        "frontend/matching/introduction.html",
        {
            "introduction": introduction,
            "is_candidate": selectors.CANDIDATE in sides,
            "contacts": selectors.introduction_contacts(introduction=introduction),
            "message_form": IntroductionMessageForm(),
        },
    )


def _answer(request: HttpRequest, persona: Persona, pk: int, *, accept: bool) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    form = IntroductionMessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    service = introduction_services.introduction_accept if accept else introduction_services.introduction_decline
    try:
        service(actor=persona.user, introduction=introduction, message=message)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])))
    else:
        if accept:
            messages.success(request, _("Accepted. You can now see each other's contact details."))
        else:
            messages.success(request, _("Declined. The requester has been told."))
    return redirect("introduction-detail", pk=introduction.pk)


@candidate_required
def introduction_accept(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _answer(request, persona, pk, accept=True)


@candidate_required
def introduction_decline(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _answer(request, persona, pk, accept=False)
