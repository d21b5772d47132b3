"""Proposals (recommendations) for a need or opportunity, and the candidate's inbox of requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from core.exceptions import ApplicationError, PermissionDenied
from frontend.forms import (
    CloseForm,
    DeclineForm,
    IntroductionListFilterForm,
    IntroductionMessageForm,
    OutcomeForm,
    PaidEngagementStartForm,
    StartForm,
    WithdrawForm,
)
from frontend.persona import Persona
from frontend.views.common import (
    add_service_errors,
    filters_from,
    or_404,
    organisation_required,
    paginate,
    persona_required,
)
from frontend.views.programmes import paid_programmes_for
from matching import selectors
from matching.models import Introduction, Outcome
from matching.services import introductions as introduction_services
from opportunities.models import Need, Opportunity, RecommendationsStatus, Status
from programmes import selectors as programme_selectors

State = Introduction.State


candidate_required = persona_required(lambda p: p.expert is not None or p.organisation is not None)


def proposals_context(request: HttpRequest, query: Need | Opportunity) -> dict[str, Any]:
    """Context for the proposals block of a need or opportunity page (owner already checked)."""
    recommendations = selectors.recommendation_list(query=query)
    page = paginate(request, recommendations)
    keys = list({r.query_key for r in page.object_list})
    introductions = selectors.introductions_by_key(query_keys=keys)
    rows = [(r, introductions.get((r.query_key, r.candidate_key))) for r in page.object_list]
    busy = selectors.recommendations_busy(recommendations=list(page.object_list))
    api = "api-need-detail" if isinstance(query, Need) else "api-opportunity-detail"
    api_kwargs = {"need_id": query.pk} if isinstance(query, Need) else {"opportunity_id": query.pk}
    return {
        "proposals_page": page,
        "proposals": rows,
        "query_open": query.status == Status.OPEN,
        "message_form": IntroductionMessageForm(),
        "proposals_busy": busy,
        "proposals_pending": query.recommendations_status == RecommendationsStatus.PENDING,
        "proposals_failed": query.recommendations_status == RecommendationsStatus.FAILED,
        "proposals_poll_url": reverse(api, kwargs=api_kwargs),
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


def _rows_with_side(persona: Persona, introductions: Any) -> list[tuple[Introduction, str]]:
    """Each introduction with the viewer's side, from the organisation ids read once (no query per row)."""
    org_ids = set(account_selectors.user_organisation_ids(user=persona.user)) if persona.organisation else set()
    return [
        (i, selectors.REQUESTER if i.query_organisation_id in org_ids else selectors.CANDIDATE) for i in introductions
    ]


@candidate_required
def introduction_inbox(request: HttpRequest, persona: Persona) -> HttpResponse:
    """Every introduction the viewer is part of: requested by their organisation, or addressed to them."""
    requester = persona.organisation is not None
    filter_form = IntroductionListFilterForm(request.GET, requester=requester)
    filters = filters_from(filter_form)
    filtered = bool(filters)
    role = filters.pop("side", None) if requester else selectors.CANDIDATE
    introductions = selectors.introduction_list(
        user=persona.user, filters={**filters, "role": role, "hide_shortlist": True}
    )
    page = paginate(request, introductions)
    return render(
        request,
        "frontend/matching/inbox.html",
        {
            "page": page,
            "rows": _rows_with_side(persona, page.object_list),
            "filter_form": filter_form,
            "filtered": filtered,
            "requester": requester,
            "message_form": IntroductionMessageForm(),
        },
    )


# --- The introduction page: timeline and the actions open to the viewer ----------------------------


def _timeline(introduction: Introduction, persona: Persona) -> list[dict[str, Any]]:
    """Events for display: the actor shown by side (names of people stay private until contacts are shared)."""
    parties = {
        selectors.REQUESTER: introduction.query.organisation.name,
        selectors.CANDIDATE: introduction.candidate_name,
    }
    side_labels = {
        selectors.REQUESTER: Outcome.Side.REQUESTER.label,
        selectors.CANDIDATE: Outcome.Side.CANDIDATE.label,
    }
    rows = []
    for event in introduction.events.all():
        rows.append(
            {
                "event": event,
                "by_viewer": event.actor_id is not None and event.actor_id == persona.user.pk,
                "side": side_labels.get(event.actor_side, _("System")),
                "party": parties.get(event.actor_side, ""),
                "from": State(event.from_state).label if event.from_state in State.values else "",
                "to": State(event.to_state).label if event.to_state in State.values else event.to_state,
            }
        )
    return rows


def _paid_support(introduction: Introduction, *, requester: bool) -> dict[str, Any]:
    """The introduction page's paid-support card: the running engagement, or the SME's choice of programme."""
    paid = programme_selectors.paid_engagement_for_introduction(introduction_id=introduction.pk)
    if paid is not None:
        return {"paid_engagement": paid}
    if not requester or introduction.need is None or introduction.expert_id is None:
        return {}
    if introduction.status not in (State.ACCEPTED, State.ENGAGED):
        return {}
    programmes = paid_programmes_for(introduction.need.organisation)
    return {"paid_form": PaidEngagementStartForm(programmes=programmes)} if programmes else {}


def _detail(
    request: HttpRequest, persona: Persona, introduction: Introduction, forms_: dict[str, forms.Form] | None = None
) -> HttpResponse:
    sides = selectors.introduction_sides(user=persona.user, introduction=introduction)
    side = selectors.REQUESTER if selectors.REQUESTER in sides else selectors.CANDIDATE
    status = introduction.status
    own_outcome = next((o for o in introduction.outcomes.all() if o.side == side), None)
    outcome_initial = (
        {
            "deal": "yes" if own_outcome.deal else "no",
            "value_jpy": own_outcome.value_jpy,
            "feedback": own_outcome.feedback,
            "comment": own_outcome.comment,
        }
        if own_outcome
        else {}
    )
    context: dict[str, Any] = {
        "introduction": introduction,
        "is_candidate": selectors.CANDIDATE in sides,
        "is_requester": selectors.REQUESTER in sides,
        "timeline": _timeline(introduction, persona),
        "contacts": selectors.introduction_contacts(introduction=introduction),
        "message_form": IntroductionMessageForm(),
        "can_answer": introduction.answering_side in sides and status == State.REQUESTED,
        "can_withdraw": introduction.initiated_by in sides and status in introduction_services.OPEN_STATES,
        "can_start": status == State.ACCEPTED,
        "can_close": status == State.ENGAGED,
        "can_record_outcome": status in introduction_services.OUTCOME_STATES,
        "own_outcome": own_outcome,
        "withdraw_form": WithdrawForm(),
        "start_form": StartForm(),
        "close_form": CloseForm(),
        "outcome_form": OutcomeForm(initial=outcome_initial),
        "time_zone": persona.user.zone,
    }
    context.update(_paid_support(introduction, requester=selectors.REQUESTER in sides))
    context.update(forms_ or {})
    return render(request, "frontend/matching/introduction.html", context)


@candidate_required
def introduction_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    return _detail(request, persona, introduction)


def _act(
    request: HttpRequest,
    persona: Persona,
    pk: int,
    *,
    form_class: type[forms.Form],
    context_name: str,
    perform: Callable[[Introduction, dict[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """POST one transition: bind the form, call the service, show its error next to the fields or as a message.

    Outsiders get 404 from the selector; the wrong side gets 403 from the service's PermissionDenied.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _detail(request, persona, introduction, {context_name: form})
    try:
        perform(introduction, form.cleaned_data)
    except PermissionDenied:
        raise DjangoPermissionDenied from None
    except (ApplicationError, ValidationError) as exc:
        if isinstance(exc, ApplicationError) and not exc.extra.get("fields"):
            messages.error(request, exc.message)
            return redirect("introduction-detail", pk=introduction.pk)
        add_service_errors(form, exc)
        return _detail(request, persona, introduction, {context_name: form})
    messages.success(request, success)
    return redirect("introduction-detail", pk=introduction.pk)


@candidate_required
def introduction_withdraw(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _act(
        request,
        persona,
        pk,
        form_class=WithdrawForm,
        context_name="withdraw_form",
        perform=lambda i, data: introduction_services.introduction_withdraw(
            actor=persona.user, introduction=i, note=data["note"]
        ),
        success=_("Request withdrawn."),
    )


@candidate_required
def introduction_start(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _act(
        request,
        persona,
        pk,
        form_class=StartForm,
        context_name="start_form",
        perform=lambda i, data: introduction_services.introduction_start(
            actor=persona.user, introduction=i, note=data["note"]
        ),
        success=_("The engagement has started."),
    )


@candidate_required
def introduction_close(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _act(
        request,
        persona,
        pk,
        form_class=CloseForm,
        context_name="close_form",
        perform=lambda i, data: introduction_services.introduction_close(
            actor=persona.user, introduction=i, deal=data["result"] == State.COMPLETED, note=data["note"]
        ),
        success=_("The engagement is closed. Please record the outcome."),
    )


@candidate_required
def introduction_outcome(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _act(
        request,
        persona,
        pk,
        form_class=OutcomeForm,
        context_name="outcome_form",
        perform=lambda i, data: introduction_services.outcome_record(
            actor=persona.user,
            introduction=i,
            deal=data["deal"],
            value_jpy=data["value_jpy"],
            feedback=data["feedback"],
            comment=data["comment"],
        ),
        success=_("Outcome saved. Thank you."),
    )


@candidate_required
def introduction_accept(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    form = IntroductionMessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        introduction_services.introduction_accept(actor=persona.user, introduction=introduction, message=message)
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])))
    else:
        messages.success(request, _("Accepted. You can now see each other's contact details."))
    return redirect("introduction-detail", pk=introduction.pk)


@candidate_required
def introduction_decline(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    """GET: a confirmation page asking for a reason; POST: decline (it cannot be undone)."""
    introduction = or_404(selectors.introduction_get, user=persona.user, introduction_id=pk)
    if selectors.CANDIDATE not in selectors.introduction_sides(user=persona.user, introduction=introduction):
        raise DjangoPermissionDenied
    if introduction.status != State.REQUESTED:
        messages.error(request, _("This request is no longer waiting for an answer."))
        return redirect("introduction-detail", pk=introduction.pk)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            introduction_services.introduction_decline(
                actor=persona.user,
                introduction=introduction,
                reason=form.cleaned_data["reason"],
                message=form.cleaned_data["message"],
            )
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except ApplicationError as exc:
            if not exc.extra.get("fields"):
                messages.error(request, exc.message)
                return redirect("introduction-detail", pk=introduction.pk)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Declined. The requester has been told."))
            return redirect("introduction-detail", pk=introduction.pk)
    return render(request, "frontend/matching/decline.html", {"introduction": introduction, "form": form})
