"""The pages of a query (an SME's need or a buyer's opportunity): list, detail, create, edit and close.

Both kinds go through the same flow, written once here. needs.py and opportunities.py each describe
their kind with a QuerySpec and take the five views from query_views(). The templates are split the
same way: frontend/queries/ holds the pages, frontend/needs/ and frontend/opportunities/ fill in the
columns, facts and texts that differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise

from core.exceptions import ApplicationError
from frontend.persona import Persona
from frontend.views.common import View, add_service_errors, filters_from, or_404, paginate
from frontend.views.matching import proposals_context
from matching import selectors as matching_selectors
from opportunities.models import Need, Opportunity, Status
from programmes import selectors as programme_selectors
from reference.terms import codes

Q = TypeVar("Q", Need, Opportunity)
PAGES = ("list", "create", "detail", "edit", "close")


@dataclass(frozen=True, kw_only=True)
class QuerySpec(Generic[Q]):
    """What differs between the need pages and the opportunity pages."""

    name: str  # "need": the URL names need-list, need-detail, …
    gate: Callable[[View], View]  # the persona the pages are for
    templates: str  # "frontend/needs": the folder holding list.html, detail.html and form.html
    # The create and edit form (a StatusFormMixin form, so it takes allow_closed=), and what it starts
    # with when editing: plain model fields, and vocabulary relations as their codes.
    form_class: Callable[..., forms.Form]
    fields: tuple[str, ...]
    terms: tuple[str, ...]
    filter_form_class: type[forms.Form]
    # Keyword-only adapters of the kind's selectors and services:
    query_list: Callable[..., QuerySet[Q]]  # (user=, filters=): the rows the list shows
    query_get: Callable[..., Q]  # (user=, pk=): raises NotFound unless the user's organisation owns it
    create: Callable[..., Q]  # (actor=, data=)
    update: Callable[..., Q]  # (query=, data=, actor=)
    # Answers a POST to the detail page: the buyer's shortlist. Without it the page is read-only.
    shortlist: Callable[[HttpRequest, Persona, Q], HttpResponse] | None = None
    # The messages after saving and closing, and the texts of the close confirmation page.
    saved: str | Promise
    closed: str | Promise
    close_title: str | Promise
    close_explanation: str | Promise
    close_submit: str | Promise

    @property
    def urls(self) -> dict[str, str]:
        """URL names by page, for the templates: {"list": "need-list", …}."""
        return {page: f"{self.name}-{page}" for page in PAGES}

    def template(self, page: str) -> str:
        return f"{self.templates}/{page}.html"


class QueryViews(NamedTuple):
    list: View
    detail: View
    create: View
    edit: View
    close: View


def query_views(spec: QuerySpec[Any]) -> QueryViews:
    """The five views of one kind of query, each behind the spec's persona gate."""
    views = (query_list, query_detail, query_create, query_edit, query_close)
    return QueryViews(*(_bind(spec, view) for view in views))


def _bind(spec: QuerySpec[Any], view: View) -> View:
    def bound(request: HttpRequest, persona: Persona, **kwargs: Any) -> HttpResponse:
        return view(request, persona, spec, **kwargs)

    # need_edit rather than bound in tracebacks and logs.
    bound.__name__ = bound.__qualname__ = view.__name__.replace("query", spec.name, 1)
    return spec.gate(bound)


def _render(request: HttpRequest, spec: QuerySpec[Q], page: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, spec.template(page), {**context, "urls": spec.urls})


def query_list(request: HttpRequest, persona: Persona, spec: QuerySpec[Q]) -> HttpResponse:
    filter_form = spec.filter_form_class(request.GET)
    filters = filters_from(filter_form)
    page = paginate(request, spec.query_list(user=persona.user, filters=filters))
    return _render(request, spec, "list", {"page": page, "filter_form": filter_form, "filtered": bool(filters)})


def query_detail(request: HttpRequest, persona: Persona, spec: QuerySpec[Q], pk: int) -> HttpResponse:
    query = or_404(spec.query_get, user=persona.user, pk=pk)
    if request.method == "POST" and spec.shortlist is not None:
        return spec.shortlist(request, persona, query)
    context = {"query": query, "shortlist_enabled": spec.shortlist is not None, **proposals_context(request, query)}
    if spec.shortlist is not None:
        context["shortlist"] = matching_selectors.shortlist(query=query)
    if isinstance(query, Need):
        show_all = request.GET.get("programmes") == "all"
        context["show_all_programmes"] = show_all
        context["programmes"] = programme_selectors.programmes_for(
            organisation=query.organisation, category=query.category, include_ineligible=show_all
        )
    return _render(request, spec, "detail", context)


def query_create(request: HttpRequest, persona: Persona, spec: QuerySpec[Q]) -> HttpResponse:
    assert persona.organisation is not None  # the gates admit organisation members only
    form = spec.form_class(request.POST or None, initial={"prefecture": persona.organisation.prefecture})

    def create(data: dict[str, Any]) -> Q:
        if not data.get("prefecture"):
            data.pop("prefecture", None)  # the service defaults it to the organisation's
        return spec.create(actor=persona.user, data=data)

    return _form_page(request, spec, form, None, create)


def query_edit(request: HttpRequest, persona: Persona, spec: QuerySpec[Q], pk: int) -> HttpResponse:
    query = or_404(spec.query_get, user=persona.user, pk=pk)
    initial = {f: getattr(query, f) for f in spec.fields} | {t: codes(getattr(query, t)) for t in spec.terms}
    form = spec.form_class(request.POST or None, initial=initial, allow_closed=query.status == Status.CLOSED)
    return _form_page(request, spec, form, query, lambda data: spec.update(query=query, data=data, actor=persona.user))


def _form_page(
    request: HttpRequest, spec: QuerySpec[Q], form: forms.Form, query: Q | None, save: Callable[[dict[str, Any]], Q]
) -> HttpResponse:
    """Show the form; on a valid POST save it through the service and go to the saved query."""
    if request.method == "POST" and form.is_valid() and (saved := _submit(form, save)) is not None:
        messages.success(request, str(spec.saved))
        return redirect(spec.urls["detail"], pk=saved.pk)
    return _render(request, spec, "form", {"form": form, "query": query})


def _submit(form: forms.Form, save: Callable[[dict[str, Any]], Q]) -> Q | None:
    """The saved query, or None with the service's refusal shown on the form."""
    try:
        return save(dict(form.cleaned_data))
    except (ApplicationError, ValidationError) as exc:
        add_service_errors(form, exc)
        return None


def query_close(request: HttpRequest, persona: Persona, spec: QuerySpec[Q], pk: int) -> HttpResponse:
    query = or_404(spec.query_get, user=persona.user, pk=pk)
    if request.method == "POST":
        spec.update(query=query, data={"status": Status.CLOSED}, actor=persona.user)
        messages.success(request, str(spec.closed))
        return redirect(spec.urls["detail"], pk=query.pk)
    return render(
        request,
        "frontend/confirm.html",
        {
            "object": query,
            "page_title": spec.close_title,
            "explanation": spec.close_explanation,
            "submit_label": spec.close_submit,
            "cancel_url": reverse(spec.urls["detail"], kwargs={"pk": query.pk}),
        },
    )
