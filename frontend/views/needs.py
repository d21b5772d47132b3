from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from frontend.forms import NeedFilterForm, NeedForm
from frontend.persona import Persona
from frontend.views.common import add_service_errors, filters_from, or_404, paginate, sme_required
from frontend.views.matching import proposals_context
from opportunities import selectors, services
from opportunities.models import Need, Status
from reference.terms import codes


@sme_required
def need_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    filter_form = NeedFilterForm(request.GET)
    filters = filters_from(filter_form)
    needs = selectors.need_list(user=persona.user, filters=filters)
    return render(
        request,
        "frontend/needs/list.html",
        {"page": paginate(request, needs), "filter_form": filter_form, "filtered": bool(filters)},
    )


@sme_required
def need_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    need = or_404(selectors.need_get, user=persona.user, need_id=pk)
    return render(request, "frontend/needs/detail.html", {"need": need, **proposals_context(request, need)})


def _initial(need: Need) -> dict[str, Any]:
    initial: dict[str, Any] = {
        f: getattr(need, f) for f in ("title", "category", "description", "target", "prefecture")
    }
    initial["status"] = need.status
    initial["sectors"] = codes(need.sectors)
    return initial


@sme_required
def need_create(request: HttpRequest, persona: Persona) -> HttpResponse:
    assert persona.organisation is not None
    form = NeedForm(request.POST or None, initial={"prefecture": persona.organisation.prefecture})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data.get("prefecture"):
            data.pop("prefecture", None)  # the service defaults it to the organisation's
        try:
            need = services.need_create(actor=persona.user, data=data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Need saved."))
            return redirect("need-detail", pk=need.pk)
    return render(request, "frontend/needs/form.html", {"form": form, "need": None})


@sme_required
def need_edit(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    need = or_404(selectors.need_get, user=persona.user, need_id=pk)
    form = NeedForm(request.POST or None, initial=_initial(need), allow_closed=need.status == Status.CLOSED)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_update(need=need, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Need saved."))
            return redirect("need-detail", pk=need.pk)
    return render(request, "frontend/needs/form.html", {"form": form, "need": need})


@sme_required
def need_close(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    need = or_404(selectors.need_get, user=persona.user, need_id=pk)
    if request.method == "POST":
        services.need_update(need=need, data={"status": Status.CLOSED})
        messages.success(request, _("Need closed. It no longer receives proposals."))
        return redirect("need-detail", pk=need.pk)
    return render(
        request,
        "frontend/confirm.html",
        {
            "object": need,
            "page_title": _("Close this need?"),
            "explanation": _("A closed need no longer receives proposals. You can reopen it later by editing it."),
            "submit_label": _("Close the need"),
            "cancel_url": reverse("need-detail", kwargs={"pk": need.pk}),
        },
    )
