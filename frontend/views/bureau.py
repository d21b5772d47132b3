"""Bureau pages: the metrics dashboard, its exports (CSV, XLSX, background full report) and vetting.

Who sees what is decided once, by ``accounts.scope.bureau_scope_for_user``
(see ``BureauScope``): aggregates for the bureau's region (whole country for
staff), individual records only for owners of the bureau organisation and
staff. The numbers come from ``matching.metrics``, their tables and files from
``reports``, the charts from ``frontend.charts``; these views parse the
filters, call them and render.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import scope as bureau_scope
from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Organisation
from accounts.scope import BureauScope
from core.exceptions import ApplicationError
from frontend.bureau_forms import VettingDecisionForm
from frontend.charts import TableView, format_value, table_view
from frontend.forms import BureauFilterForm, VettingFilterForm
from frontend.persona import Persona
from frontend.views.common import add_service_errors, filters_from, or_404, paginate, persona_required
from matching import metrics
from matching.metrics import Filters
from reference import vocabulary
from reference.jurisdictions import jurisdiction_label
from reports import renderers, tables
from reports import selectors as report_selectors
from reports import services as report_services
from reports.models import ExportJob

# Bureau persona: a member of a bureau organisation, or Django staff (who may also belong elsewhere).
bureau_staff_required = persona_required(lambda p: p.is_bureau or bool(p.user.is_staff))


# --- Filters ----------------------------------------------------------------------------------------------------


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve calendar months, this month included."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    for _i in range(11):
        month = (month - timedelta(days=1)).replace(day=1)
    return month, today


FILTER_FIELDS = ("since", "until", "region", "prefecture", "sector", "expert_type")


def filter_form(data: QueryDict, scope: BureauScope) -> BureauFilterForm:
    """The filter form, with the default period filled in so the inputs show what is counted."""
    data = data.copy()
    since, until = default_period()
    if not data.get("since"):
        data["since"] = since.isoformat()
    if not data.get("until"):
        data["until"] = until.isoformat()
    return BureauFilterForm(data, scope=scope)


def filters_for(form: BureauFilterForm, scope: BureauScope) -> Filters:
    """Effective filters: valid form values, restricted to the scope (an invalid value is ignored)."""
    values = filters_from(form)
    default_since, default_until = default_period()
    since_day: date = values.get("since") or default_since
    until_day: date = values.get("until") or default_until
    if since_day > until_day:
        since_day = until_day
    tz = timezone.get_current_timezone()
    prefecture, region = values.get("prefecture", ""), values.get("region", "")
    prefectures: tuple[str, ...] | None
    if prefecture:
        prefectures = (prefecture,)
        area = vocabulary.label("prefectures", prefecture)
    elif region:
        prefectures = bureau_scope.region_prefectures(region)
        area = jurisdiction_label(region)
    else:
        prefectures = scope.prefectures
        area = scope.region_label if scope.region else _("Whole country")
    description = {
        _("Period"): f"{since_day.isoformat()} – {until_day.isoformat()}",
        _("Area"): area,
        _("Sector"): vocabulary.label("sectors", values.get("sector")) or _("All"),
        _("Expert type"): vocabulary.label("expert_types", values.get("expert_type")) or _("All"),
    }
    return Filters(
        since=datetime.combine(since_day, time.min, tzinfo=tz),
        until=datetime.combine(until_day + timedelta(days=1), time.min, tzinfo=tz),
        prefectures=prefectures,
        sector=values.get("sector", ""),
        expert_type=values.get("expert_type", ""),
        records=scope.can_see_records,
        description=description,
    )


def _scope_and_filters(
    request: HttpRequest, persona: Persona, data: QueryDict
) -> tuple[BureauScope, BureauFilterForm, Filters]:
    scope = bureau_scope.bureau_scope_for_user(user=persona.user)
    form = filter_form(data, scope)
    return scope, form, filters_for(form, scope)


# --- Dashboard --------------------------------------------------------------------------------------------------


def _section_table_views(section: str, f: Filters, data: dict[str, Any]) -> list[TableView]:
    return [table_view(t) for t in tables.section_tables(section, f, data) if not t.records]


def _uncovered_view(f: Filters) -> TableView:
    return table_view(tables.uncovered_needs_table(f, limit=20))


@bureau_staff_required
@require_GET
def bureau_dashboard(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope, form, f = _scope_and_filters(request, persona, request.GET)
    if "until" in form.errors:
        # A reversed period has no figures: say what to fix instead of showing some other period's.
        return render(
            request,
            "frontend/bureau/dashboard_invalid.html",
            {"persona": persona, "scope": scope, "filter_form": form, "tab": "dashboard"},
        )
    recent = {section: metrics.section_data_recent(section, f) for section in metrics.SECTIONS}
    data = {section: figures for section, (figures, _computed) in recent.items()}
    # One section per page when asked (?section=funnel): a page that reads, and prints, as a brief.
    only = request.GET.get("section", "")
    shown = [only] if only in metrics.SECTIONS else list(metrics.SECTIONS)
    # A section's tables and charts are drawn only when its cached fragment is missing (templates call
    # callables): drawing all six took most of the page's time. The fragment key follows the figures'
    # own entry, so a fragment never outlives the figures it shows.
    links = sorted((k, v) for k, v in request.GET.lists() if k not in ("section", "page"))
    sections = [
        {
            "key": section,
            "title": tables.SECTION_TITLES[section],
            "tables": partial(_section_table_views, section, f, data[section]),
            "fragment": f"{metrics.figures_cache_key(section, f)}:{recent[section][1].timestamp()}:{links}",
        }
        for section in shown
    ]
    uncovered = partial(_uncovered_view, f) if scope.can_see_records else None
    funnel = {s["stage"]: s for s in data["funnel"]["stages"]}
    kpis = [
        (_("Introductions proposed"), format_value(funnel["proposed"]["count"], "int")),
        (_("Accepted, of the requests answered"), format_value(data["funnel"]["acceptance_rate"], "pct")),
        (_("Median time to first answer (hours)"), format_value(data["responsiveness"]["median_hours"], "hours")),
        (_("Share expired unanswered"), format_value(data["responsiveness"]["expired_share"], "pct")),
        (_("Open needs without a suitable expert"), format_value(data["coverage"]["uncovered"], "int")),
        (_("Deals"), format_value(data["outcomes"]["deals"], "int")),
        (_("Deal value"), format_value(data["outcomes"]["value_jpy"], "yen")),
    ]
    return render(
        request,
        "frontend/bureau/dashboard.html",
        {
            "persona": persona,
            "scope": scope,
            "filter_form": form,
            "filters": f,
            "filtered": any(request.GET.get(k) for k in FILTER_FIELDS),
            "sections": sections,
            "uncovered": uncovered,
            "kpis": kpis,
            "has_data": bool(funnel["proposed"]["count"] or data["registrations"]["organisations"]),
            "hidden_filters": [(k, form.data.get(k, "")) for k in FILTER_FIELDS if form.data.get(k)],
            "jobs": report_selectors.export_job_recent(user=persona.user),
            "tab": "dashboard",
            "section_titles": [(key, tables.SECTION_TITLES[key]) for key in metrics.SECTIONS],
            "current_section": only if only in metrics.SECTIONS else "",
            "computed_at": min(computed for _figures, computed in recent.values()),
            "figures_max_age": settings.BUREAU_FIGURES_MAX_AGE,
        },
    )


@bureau_staff_required
@require_GET
def bureau_export(request: HttpRequest, persona: Persona, fmt: str) -> HttpResponse:
    """One section as CSV (UTF-8 with BOM) or XLSX, with the dashboard's filters."""
    section = request.GET.get("section", "")
    if section not in metrics.SECTIONS or fmt not in ("csv", "xlsx"):
        raise Http404
    _scope, _form, f = _scope_and_filters(request, persona, request.GET)
    content, content_type, filename = renderers.section_file(section, f, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Full report in the background ------------------------------------------------------------------------------


@bureau_staff_required
@require_POST
def bureau_report_create(request: HttpRequest, persona: Persona) -> HttpResponse:
    _scope, _form, f = _scope_and_filters(request, persona, request.POST)
    job = report_services.export_job_create(user=persona.user, filters=f, language=translation.get_language() or "ja")
    return redirect("bureau-report", pk=job.pk)


def _job_status(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "progress": job.progress,
        "finished": job.is_finished,
        "download_url": reverse("bureau-report-download", args=[job.pk]) if job.state == ExportJob.State.DONE else None,
    }


@bureau_staff_required
@require_GET
def bureau_report(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    job = or_404(report_selectors.export_job_get, user=persona.user, job_id=pk)
    return render(
        request,
        "frontend/bureau/report.html",
        {"persona": persona, "job": job, "status": _job_status(job), "tab": "dashboard"},
    )


@bureau_staff_required
@require_GET
def bureau_report_status(request: HttpRequest, persona: Persona, pk: int) -> JsonResponse:
    job = or_404(report_selectors.export_job_get, user=persona.user, job_id=pk)
    return JsonResponse(_job_status(job))


# FileResponse streams (it is not an HttpResponse subclass, hence the ignore).
@bureau_staff_required  # type: ignore[arg-type]
@require_GET
def bureau_report_download(request: HttpRequest, persona: Persona, pk: int) -> FileResponse:
    job = or_404(report_selectors.export_job_get, user=persona.user, job_id=pk)
    path = report_selectors.export_job_path(job=job)
    if job.state != ExportJob.State.DONE or not job.file or not path.is_file():
        raise Http404
    filename = f"tsunagu-report-{timezone.localtime(job.created_at):%Y%m%d}-{job.pk}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=renderers.XLSX_TYPE)


# --- Vetting ----------------------------------------------------------------------------------------------------


def _records_scope(persona: Persona) -> BureauScope:
    scope = bureau_scope.bureau_scope_for_user(user=persona.user)
    if not scope.can_see_records:
        # Members of a bureau see aggregates only; individual organisations are for owners and staff.
        raise DjangoPermissionDenied
    return scope


@bureau_staff_required
@require_GET
def bureau_vetting(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope = _records_scope(persona)
    form = VettingFilterForm(request.GET, scope=scope)
    filters = filters_from(form)
    organisations = bureau_scope.vetting_list(scope=scope, filters=filters)
    return render(
        request,
        "frontend/bureau/vetting.html",
        {
            "persona": persona,
            "scope": scope,
            "filter_form": form,
            "filtered": bool(filters),
            "page": paginate(request, organisations),
            "tab": "vetting",
        },
    )


DECISIONS = {"vetted": Organisation.Vetting.VETTED, "rejected": Organisation.Vetting.REJECTED}


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return reverse("bureau-vetting")


@bureau_staff_required
def bureau_vetting_decide(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    """GET: the organisation's details, the decision's reasons and a confirmation; POST: record it.

    A POST without a valid reason shows the page again with the error (400), nothing recorded.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    scope = _records_scope(persona)
    organisation = or_404(bureau_scope.vetting_get, scope=scope, organisation_id=pk)
    data = request.POST if request.method == "POST" else request.GET
    decision = data.get("decision", "")
    status = DECISIONS.get(decision)
    next_url = _safe_next(request, data.get("next", ""))
    if status is None:
        if request.method == "GET":
            raise Http404
        messages.error(request, _("Choose approve or reject."))
        return redirect(next_url)
    form = VettingDecisionForm(request.POST if request.method == "POST" else None, status=status)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.organisation_set_vetting(
                organisation=organisation,
                actor=persona.user,
                status=status,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            if not exc.extra.get("fields"):
                messages.error(request, exc.message)
                return redirect(next_url)
            add_service_errors(form, exc)
        else:
            if status == Organisation.Vetting.VETTED:
                text = _("%(name)s may now see and answer restricted opportunities.")
            else:
                text = _("%(name)s was refused access to restricted opportunities.")
            messages.success(request, text % {"name": organisation.name})
            return redirect(next_url)
    return render(
        request,
        "frontend/bureau/vetting_confirm.html",
        {
            "organisation": organisation,
            "decision": decision,
            "approve": status == Organisation.Vetting.VETTED,
            "members": account_selectors.organisation_members(organisation=organisation).count(),
            "next": next_url,
            "form": form,
            "tab": "vetting",
        },
        status=400 if form.errors else 200,
    )
