"""Engagements: accepted introductions being worked on or closed, with the outcome each side recorded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst

from accounts import selectors as account_selectors
from frontend.forms import ENGAGEMENT_STATES, EngagementFilterForm
from frontend.persona import Persona
from frontend.views.common import filters_from, paginate
from frontend.views.matching import candidate_required
from matching import selectors
from matching.models import Engagement
from matching.services import introductions as introduction_services


@candidate_required
def engagement_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    requester = persona.organisation is not None
    filter_form = EngagementFilterForm(request.GET, requester=requester)
    filters = filters_from(filter_form)
    role = filters.get("side") if requester else selectors.CANDIDATE
    introductions = (
        selectors.introduction_list(user=persona.user, filters={"state": filters.get("state"), "role": role})
        .filter(status__in=ENGAGEMENT_STATES)
        .select_related("engagement")
        .prefetch_related("outcomes")
    )
    page = paginate(request, introductions)
    org_ids = set(account_selectors.user_organisation_ids(user=persona.user)) if requester else set()
    rows = []
    for introduction in page.object_list:
        side = selectors.REQUESTER if introduction.query_organisation_id in org_ids else selectors.CANDIDATE
        outcomes = {o.side: o for o in introduction.outcomes.all()}
        rows.append(
            {
                "introduction": introduction,
                "side": side,
                "own_outcome": outcomes.get(side),
                "other_recorded": any(s != side for s in outcomes),
            }
        )
    context: dict[str, Any] = {
        "page": page,
        "rows": rows,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "requester": requester,
        "heading": capfirst(Engagement._meta.verbose_name_plural),
    }
    if persona.expert is not None:
        load = introduction_services.expert_load(expert=persona.expert)
        context.update(load=load, capacity=persona.expert.capacity, free=max(persona.expert.capacity - load, 0))
    return render(request, "frontend/engagements/list.html", context)
