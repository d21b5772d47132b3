"""Pages of the prefectural expert dispatch: the SME applies, the bureau screens and assigns, the expert
visits and reports; the bureau's counts per prefecture and fiscal year, with the desk's own figures."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import ExpertProfile
from accounts.scope import BureauScope, bureau_scope_for_user
from core.exceptions import ApplicationError
from frontend.dispatch_forms import (
    DeskConsultationForm,
    DispatchApplyForm,
    DispatchAssignForm,
    DispatchFilterForm,
    DispatchReportForm,
    DispatchScreenForm,
    DispatchVisitForm,
    FiscalYearForm,
)
from frontend.persona import Persona
from frontend.views.common import add_service_errors, filters_from, or_404, paginate, persona_required
from opportunities.models import Need
from programmes import dispatch, dispatch_selectors
from programmes.models import DispatchRequest, fiscal_year_of
from reference import vocabulary

takes_part_required = persona_required(lambda p: p.is_sme or p.expert is not None or p.is_bureau)
sme_required = persona_required(lambda p: p.is_sme)
bureau_records_required = persona_required(lambda p: p.is_bureau)


def _scope(persona: Persona) -> BureauScope | None:
    return bureau_scope_for_user(user=persona.user) if persona.is_bureau else None


def _records_scope(persona: Persona) -> BureauScope:
    """The bureau pages of individual requests: owners of a bureau and staff (as vetting); others 403."""
    scope = bureau_scope_for_user(user=persona.user)
    if not scope.can_see_records:
        raise PermissionDenied
    return scope


# --- The SME and the expert ---------------------------------------------------------------------------------------


@takes_part_required
def dispatch_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    """The firm's requests (an SME) or the assigned ones (an expert); the bureau has its own list."""
    if persona.is_bureau and not persona.is_sme and persona.expert is None:
        return redirect("bureau-dispatch")
    if persona.is_sme:
        requests = dispatch_selectors.dispatch_list_for_sme(user=persona.user)
    else:
        requests = dispatch_selectors.dispatch_list_for_expert(user=persona.user)
    page = paginate(request, requests)
    rows = [(r, dispatch_selectors.visit_use(request=r)) for r in page.object_list]
    programmes = (
        dispatch_selectors.dispatch_programmes_for(organisation=persona.organisation)
        if persona.is_sme and persona.organisation is not None
        else []
    )
    return render(
        request,
        "frontend/dispatch/list.html",
        {"page": page, "rows": rows, "persona": persona, "programmes": programmes},
    )


@sme_required
def dispatch_apply(request: HttpRequest, persona: Persona) -> HttpResponse:
    """専門家派遣を申し込む: from a need's programmes, or the list of the firm's requests."""
    organisation = persona.organisation
    assert organisation is not None
    code = request.POST.get("programme") or request.GET.get("programme") or ""
    programme = dispatch_selectors.dispatch_programmes_for(organisation=organisation).filter(code=code).first()
    if programme is None:
        raise Http404
    need: Need | None = None
    need_id = request.POST.get("need") or request.GET.get("need") or ""
    if need_id:
        need = Need.objects.filter(pk=int(need_id) if need_id.isdigit() else 0, organisation=organisation).first()
        if need is None:
            raise Http404
    initial = {"description": f"{need.title}\n\n{need.description}".strip()} if need is not None else {}
    form = DispatchApplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = dispatch.dispatch_apply(
                actor=persona.user,
                programme=programme,
                organisation=organisation,
                need=need,
                description=form.cleaned_data["description"],
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Application sent. The desk will screen it and tell you the result."))
            return redirect("dispatch-detail", pk=created.pk)
    return render(
        request,
        "frontend/dispatch/apply.html",
        {"form": form, "programme": programme, "need": need, "persona": persona},
    )


def _detail(request: HttpRequest, persona: Persona, pk: int, **forms: Any) -> HttpResponse:
    scope = _scope(persona)
    item = or_404(dispatch_selectors.dispatch_get, user=persona.user, request_id=pk, scope=scope)
    roles = dispatch_selectors.dispatch_roles(user=persona.user, request=item, scope=scope)
    is_bureau, is_expert = "bureau" in roles, "expert" in roles
    Status = DispatchRequest.Status
    context: dict[str, Any] = {
        "item": item,
        "roles": roles,
        "is_bureau": is_bureau,
        "is_expert": is_expert,
        "is_sme": "sme" in roles,
        "visits": dispatch_selectors.dispatch_visits(request=item),
        "use": dispatch_selectors.visit_use(request=item),
        "scope": scope,
        "tab": "dispatch",
    }
    if is_bureau and item.status in (Status.ACCEPTED, Status.ASSIGNED) and not item.visits.exists():
        proposals = dispatch_selectors.dispatch_proposals(request=item)
        context["proposals"] = proposals
        context["assign_form"] = forms.get("assign_form") or DispatchAssignForm(
            experts=[p.expert for p in proposals], initial={"expert": item.expert_id}
        )
    if item.status == Status.ASSIGNED and (is_bureau or is_expert):
        context["visit_form"] = forms.get("visit_form") or DispatchVisitForm()
    if item.status == Status.ASSIGNED and is_expert:
        context["report_form"] = forms.get("report_form") or DispatchReportForm()
    return render(request, "frontend/dispatch/detail.html", context)


@takes_part_required
def dispatch_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    return _detail(request, persona, pk)


def _post_item(persona: Persona, pk: int) -> DispatchRequest:
    return or_404(dispatch_selectors.dispatch_get, user=persona.user, request_id=pk, scope=_scope(persona))


@takes_part_required
@require_POST
def dispatch_withdraw(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    item = _post_item(persona, pk)
    try:
        dispatch.dispatch_withdraw(actor=persona.user, request=item)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect("dispatch-detail", pk=pk)


@takes_part_required
@require_POST
def dispatch_visit(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    item = _post_item(persona, pk)
    form = DispatchVisitForm(request.POST)
    if form.is_valid():
        try:
            dispatch.dispatch_visit_record(actor=persona.user, request=item, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("dispatch-detail", pk=pk)
    return _detail(request, persona, pk, visit_form=form)


@takes_part_required
@require_POST
def dispatch_report(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    item = _post_item(persona, pk)
    form = DispatchReportForm(request.POST)
    if form.is_valid():
        try:
            dispatch.dispatch_report(actor=persona.user, request=item, report=form.cleaned_data["report"])
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Report sent. The request is closed."))
            return redirect("dispatch-detail", pk=pk)
    return _detail(request, persona, pk, report_form=form)


# --- The bureau -----------------------------------------------------------------------------------------------------


@bureau_records_required
def bureau_dispatch(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope = _records_scope(persona)
    filter_form = DispatchFilterForm(request.GET)
    filters = filters_from(filter_form)
    page = paginate(request, dispatch_selectors.dispatch_list_for_bureau(scope=scope, filters=filters))
    return render(
        request,
        "frontend/dispatch/bureau_list.html",
        {"page": page, "filter_form": filter_form, "filtered": bool(filters), "scope": scope, "tab": "dispatch"},
    )


@bureau_records_required
def bureau_dispatch_screen(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    """Accept or reject, after a confirmation page that asks for the reason."""
    scope = _records_scope(persona)
    item = or_404(dispatch_selectors.dispatch_get, user=persona.user, request_id=pk, scope=scope)
    if "bureau" not in dispatch_selectors.dispatch_roles(user=persona.user, request=item, scope=scope):
        raise Http404
    decision = request.POST.get("decision") or request.GET.get("decision")
    if decision not in ("accept", "reject"):
        raise Http404
    accept = decision == "accept"
    form = DispatchScreenForm(request.POST or None, accept=accept)
    if request.method == "POST" and form.is_valid():
        try:
            dispatch.dispatch_screen(actor=persona.user, request=item, accept=accept, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Application accepted.") if accept else _("Application rejected."))
            return redirect("dispatch-detail", pk=pk)
    return render(
        request,
        "frontend/dispatch/screen_confirm.html",
        {"item": item, "form": form, "accept": accept, "decision": decision, "scope": scope, "tab": "dispatch"},
    )


@bureau_records_required
@require_POST
def bureau_dispatch_assign(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    item = _post_item(persona, pk)
    proposals = dispatch_selectors.dispatch_proposals(request=item)
    form = DispatchAssignForm(request.POST, experts=[p.expert for p in proposals])
    if form.is_valid():
        expert = ExpertProfile.objects.filter(pk=form.cleaned_data["expert"]).first()
        if expert is None:
            raise Http404
        try:
            dispatch.dispatch_assign(actor=persona.user, request=item, expert=expert)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is assigned.") % {"name": expert.name})
            return redirect("dispatch-detail", pk=pk)
    return _detail(request, persona, pk, assign_form=form)


def _fiscal_year(request: HttpRequest) -> int:
    form = FiscalYearForm(request.GET)
    if form.is_valid() and form.cleaned_data.get("fiscal_year"):
        return int(form.cleaned_data["fiscal_year"])
    return dispatch_selectors.current_fiscal_year()


def _prefecture_choices(scope: BureauScope) -> list[tuple[str, str]]:
    codes = scope.prefectures if scope.prefectures is not None else [c for c, _l in vocabulary.choices("prefectures")]
    return [(code, vocabulary.label("prefectures", code)) for code in codes]


@bureau_records_required
def bureau_dispatch_counts(request: HttpRequest, persona: Persona) -> HttpResponse:
    """Counts per prefecture for a fiscal year, and the form for the desk's monthly consultations."""
    scope = _records_scope(persona)
    fiscal_year = _fiscal_year(request)
    desk_form = DeskConsultationForm(request.POST or None, prefectures=_prefecture_choices(scope))
    if request.method == "POST" and desk_form.is_valid():
        try:
            dispatch.desk_consultations_record(actor=persona.user, **desk_form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_errors(desk_form, exc)
        else:
            messages.success(request, _("Desk consultations saved."))
            month: dt.date = desk_form.cleaned_data["month"]
            return redirect(f"{reverse('bureau-dispatch-counts')}?fiscal_year={fiscal_year_of(month)}")
    counts = dispatch_selectors.dispatch_counts(prefectures=scope.prefectures, fiscal_year=fiscal_year)
    return render(
        request,
        "frontend/dispatch/counts.html",
        {
            "counts": counts,
            "fiscal_year": fiscal_year,
            "year_form": FiscalYearForm(initial={"fiscal_year": fiscal_year}),
            "desk_form": desk_form,
            "desk_months": dispatch_selectors.desk_consultation_list(
                prefectures=scope.prefectures, fiscal_year=fiscal_year
            ),
            "scope": scope,
            "tab": "dispatch",
        },
    )


COUNT_HEADERS = (
    gettext_lazy("Fiscal year"),
    gettext_lazy("Prefecture"),
    gettext_lazy("Programme"),
    gettext_lazy("Applications on the platform"),
    gettext_lazy("Consultations at the desk"),
    gettext_lazy("Firms dispatched"),
    gettext_lazy("Visits"),
    gettext_lazy("Visit days"),
)


@bureau_records_required
@require_GET
def bureau_dispatch_counts_csv(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope = _records_scope(persona)
    fiscal_year = _fiscal_year(request)
    counts = dispatch_selectors.dispatch_counts(prefectures=scope.prefectures, fiscal_year=fiscal_year)
    rows = dispatch_selectors.dispatch_count_rows(counts=counts, fiscal_year=fiscal_year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dispatch-counts-FY{fiscal_year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Japanese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([str(label) for label in COUNT_HEADERS])
    writer.writerows(rows)
    return response
