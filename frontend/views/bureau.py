"""Bureau pages: the metrics dashboard, its exports (CSV, XLSX, background full report) and vetting.

Who sees what is decided once, by ``bureau_metrics.bureau_scope_for_user``
(see ``BureauScope``): aggregates for the bureau's region (whole country for
staff), individual records only for owners of the bureau organisation and
staff. Charts are inline SVG computed here and drawn by templates; every
chart sits next to the table it was drawn from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import services as account_services
from accounts.models import Organisation
from core.exceptions import ApplicationError
from frontend import bureau_metrics as metrics
from frontend import exports
from frontend.bureau_metrics import BureauScope, Filters
from frontend.exports import Chart, Table
from frontend.forms import ALL, DateInput, prefecture_choices
from frontend.models import ExportJob
from frontend.persona import Persona
from frontend.views.common import filters_from, or_404, paginate, persona_required
from reference import vocabulary

# Bureau persona: a member of a bureau organisation, or Django staff (who may also belong elsewhere).
bureau_staff_required = persona_required(lambda p: p.is_bureau or bool(p.user.is_staff))


# --- Filters ----------------------------------------------------------------------------------------------------


class BureauFilterForm(forms.Form):
    since = forms.DateField(label=pgettext_lazy("period start", "From"), required=False, widget=DateInput())
    until = forms.DateField(label=pgettext_lazy("period end", "To"), required=False, widget=DateInput())
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    prefecture = forms.ChoiceField(label=gettext_lazy("Prefecture"), required=False)
    sector = forms.ChoiceField(label=gettext_lazy("Sector"), required=False)
    expert_type = forms.ChoiceField(label=gettext_lazy("Expert type"), required=False)

    def __init__(self, data: QueryDict | dict[str, Any], *, scope: BureauScope) -> None:
        super().__init__(data)
        self.scope = scope
        prefecture = self.fields["prefecture"]
        assert isinstance(prefecture, forms.ChoiceField)
        if scope.prefectures is None:
            region = self.fields["region"]
            assert isinstance(region, forms.ChoiceField)
            region.choices = [ALL, *vocabulary.choices("regions")]
            prefecture.choices = [ALL, *prefecture_choices()]
        else:
            # A regional bureau filters within its region; other prefectures are not even offered.
            del self.fields["region"]
            prefecture.choices = [ALL, *[(p, vocabulary.label("prefectures", p)) for p in scope.prefectures]]
        for name, section in (("sector", "sectors"), ("expert_type", "expert_types")):
            choice_field = self.fields[name]
            assert isinstance(choice_field, forms.ChoiceField)
            choice_field.choices = [ALL, *vocabulary.choices(section)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        region, prefecture = cleaned.get("region"), cleaned.get("prefecture")
        if region and prefecture and metrics.prefecture_region(prefecture) != region:
            self.add_error("prefecture", _("This prefecture is not in the selected region."))
        return cleaned


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
        prefectures = metrics.region_prefectures(region)
        area = vocabulary.label("regions", region)
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
    scope = metrics.bureau_scope_for_user(user=persona.user)
    form = filter_form(data, scope)
    return scope, form, filters_for(form, scope)


# --- Charts (inline SVG geometry; the templates draw it) --------------------------------------------------------

CHART_WIDTH = 640
SERIES = 5  # CSS classes series-0 … series-4 (colour and dash pattern in bureau.css)


def format_value(value: Any, kind: str) -> str:
    """A cell as shown on the page."""
    if value is None:
        return "—"
    if value == "":
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == "date" and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d")
    if kind == "pct":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    if kind == "yen":
        return f"¥{int(value):,}"
    if kind in ("int", "num") and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def nice_max(value: float) -> float:
    """Smallest 1/2/5 × 10^k at or above value (the top of the y axis)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


@dataclass
class Point:
    x: float
    y: float
    title: str


@dataclass
class Series:
    label: str
    css: str
    segments: list[str] = field(default_factory=list)  # polyline "x,y x,y …" runs between missing values
    points: list[Point] = field(default_factory=list)


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    text: str
    title: str

    @property
    def text_x(self) -> float:
        return round(self.x + self.width + 4, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height - 2, 1)


@dataclass
class ChartView:
    kind: str
    title: str
    width: int
    height: int
    legend: list[tuple[str, str]]
    empty: bool = False
    series: list[Series] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str, str]] = field(default_factory=list)  # y, short text, full text
    plot: dict[str, float] = field(default_factory=dict)


def _chart_title(table: Table, chart: Chart) -> str:
    names = ", ".join(str(table.column(c).label) for c in chart.columns)
    return f"{table.title}: {names}"


def line_chart(table: Table, chart: Chart) -> ChartView:
    left, right, top, bottom, height = 56, 32, 12, 40, 220
    plot_w, plot_h = CHART_WIDTH - left - right, height - top - bottom
    months = table.values("month")
    kind = table.column(chart.columns[0]).kind
    values = {c: table.values(c) for c in chart.columns}
    numbers = [float(v) for vs in values.values() for v in vs if v is not None]
    view = ChartView(
        kind="line",
        title=_chart_title(table, chart),
        width=CHART_WIDTH,
        height=height,
        legend=[(str(table.column(c).label), f"series-{i % SERIES}") for i, c in enumerate(chart.columns)],
        empty=not any(numbers),
        plot={
            "left": left,
            "right": CHART_WIDTH - right,
            "top": top,
            "bottom": top + plot_h,
            "tick_x": left - 6,
            "label_y": top + plot_h + 18,
        },
    )
    if view.empty or not months:
        view.empty = True
        return view
    top_value = nice_max(max(numbers))
    n = len(months)

    def x(i: int) -> float:
        return round(left + (i * plot_w / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h - v / top_value * plot_h, 1)

    view.y_ticks = [(y(top_value * k / 4), format_value(top_value * k / 4, kind)) for k in range(5)]
    step = max(1, math.ceil(n / 12))
    view.x_labels = [(x(i), format_value(m, "month")) for i, m in enumerate(months) if i % step == 0]
    for i, column in enumerate(chart.columns):
        label = str(table.column(column).label)
        series = Series(label=label, css=f"series-{i % SERIES}")
        run: list[str] = []
        for j, v in enumerate(values[column]):
            if v is None:
                if run:
                    series.segments.append(" ".join(run))
                run = []
                continue
            px, py = x(j), y(float(v))
            run.append(f"{px},{py}")
            series.points.append(Point(px, py, f"{format_value(months[j], 'month')} {label}: {format_value(v, kind)}"))
        if run:
            series.segments.append(" ".join(run))
        view.series.append(series)
    return view


def bar_chart(table: Table, chart: Chart) -> ChartView:
    label_w, value_w, top, bar_h, gap = 170, 90, 4, 14, 10
    area = CHART_WIDTH - label_w - value_w
    labels = [str(row[0]) for row in table.rows]
    kinds = {c: table.column(c).kind for c in chart.columns}
    values = {c: table.values(c) for c in chart.columns}
    # Rows without any value are left out of the chart (the table still lists them).
    keep = [i for i in range(len(labels)) if any(values[c][i] for c in chart.columns)]
    numbers = [float(values[c][i]) for c in chart.columns for i in keep if values[c][i] is not None]
    group_h = bar_h * len(chart.columns) + gap
    height = top * 2 + group_h * len(keep)
    view = ChartView(
        kind="bar",
        title=_chart_title(table, chart),
        width=CHART_WIDTH,
        height=max(height, 1),
        legend=[(str(table.column(c).label), f"series-{i % SERIES}") for i, c in enumerate(chart.columns)],
        empty=not keep,
        plot={"left": label_w, "top": top, "bottom": height - top, "label_x": label_w - 6},
    )
    if view.empty:
        return view
    top_value = max(numbers) or 1.0
    for row, i in enumerate(keep):
        y0 = top + row * group_h
        full = labels[i]
        short = full if len(full) <= 22 else full[:21] + "…"
        view.labels.append((y0 + bar_h * len(chart.columns) / 2 + 4, short, full))
        for s, column in enumerate(chart.columns):
            v = values[column][i]
            width = 0.0 if v is None else round(float(v) / top_value * area, 1)
            text = format_value(v, kinds[column])
            view.bars.append(
                Bar(
                    x=label_w,
                    y=y0 + s * bar_h,
                    width=max(width, 1.0 if v else 0.0),
                    height=bar_h - 2,
                    css=f"series-{s % SERIES}",
                    text=text,
                    title=f"{full} {table.column(column).label}: {text}",
                )
            )
    return view


@dataclass
class TableView:
    table: Table
    id: str
    rows: list[list[tuple[str, bool]]]  # (text, numeric?)
    charts: list[ChartView]

    @property
    def side_by_side(self) -> bool:
        # A narrow table fits beside its chart; wide ones (by month) go below it.
        return bool(self.charts) and len(self.table.columns) <= 3

    @property
    def truncated(self) -> bool:
        return self.table.total is not None and self.table.total > len(self.rows)


def table_view(table: Table) -> TableView:
    numeric = [c.kind not in ("text", "month", "date") for c in table.columns]
    rows = [
        [(format_value(v, c.kind), n) for v, c, n in zip(row, table.columns, numeric, strict=True)]
        for row in table.rows
    ]
    charts = [line_chart(table, c) if c.kind == "line" else bar_chart(table, c) for c in table.charts]
    return TableView(table=table, id=table.key.replace("_", "-"), rows=rows, charts=charts)


# --- Dashboard --------------------------------------------------------------------------------------------------


@bureau_staff_required
@require_GET
def bureau_dashboard(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope, form, f = _scope_and_filters(request, persona, request.GET)
    data = {section: metrics.section_data(section, f) for section in metrics.SECTIONS}
    sections = [
        {
            "key": section,
            "title": exports.SECTION_TITLES[section],
            "tables": [table_view(t) for t in exports.TABLE_BUILDERS[section](data[section], f) if not t.records],
        }
        for section in metrics.SECTIONS
    ]
    uncovered = table_view(exports.uncovered_needs_table(f, limit=20)) if scope.can_see_records else None
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
            "jobs": exports.export_job_recent(user=persona.user),
            "tab": "dashboard",
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
    content, content_type, filename = exports.section_file(section, f, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Full report in the background ------------------------------------------------------------------------------


@bureau_staff_required
@require_POST
def bureau_report_create(request: HttpRequest, persona: Persona) -> HttpResponse:
    _scope, _form, f = _scope_and_filters(request, persona, request.POST)
    job = exports.export_job_create(user=persona.user, filters=f, language=translation.get_language() or "ja")
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
    job = or_404(exports.export_job_get, user=persona.user, job_id=pk)
    return render(
        request,
        "frontend/bureau/report.html",
        {"persona": persona, "job": job, "status": _job_status(job), "tab": "dashboard"},
    )


@bureau_staff_required
@require_GET
def bureau_report_status(request: HttpRequest, persona: Persona, pk: int) -> JsonResponse:
    job = or_404(exports.export_job_get, user=persona.user, job_id=pk)
    return JsonResponse(_job_status(job))


# FileResponse streams (it is not an HttpResponse subclass, hence the ignore).
@bureau_staff_required  # type: ignore[arg-type]
@require_GET
def bureau_report_download(request: HttpRequest, persona: Persona, pk: int) -> FileResponse:
    job = or_404(exports.export_job_get, user=persona.user, job_id=pk)
    path = exports.export_job_path(job)
    if job.state != ExportJob.State.DONE or not job.file or not path.is_file():
        raise Http404
    filename = f"tsunagu-report-{timezone.localtime(job.created_at):%Y%m%d}-{job.pk}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=exports.XLSX_TYPE)


# --- Vetting ----------------------------------------------------------------------------------------------------


class VettingFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or corporate number"), required=False, max_length=200)
    status = forms.ChoiceField(label=gettext_lazy("Vetting status"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    prefecture = forms.ChoiceField(label=gettext_lazy("Prefecture"), required=False)

    def __init__(self, data: QueryDict, *, scope: BureauScope) -> None:
        super().__init__(data)
        status = self.fields["status"]
        kind = self.fields["kind"]
        prefecture = self.fields["prefecture"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(kind, forms.ChoiceField)
        assert isinstance(prefecture, forms.ChoiceField)
        status.choices = [
            ("", gettext_lazy("Awaiting a decision")),
            *Organisation.Vetting.choices,
            ("all", gettext_lazy("All")),
        ]
        kind.choices = [ALL, *[c for c in Organisation.Kind.choices if c[0] != Organisation.Kind.BUREAU]]
        if scope.prefectures is None:
            prefecture.choices = [ALL, *prefecture_choices()]
        else:
            prefecture.choices = [ALL, *[(p, vocabulary.label("prefectures", p)) for p in scope.prefectures]]


def _records_scope(persona: Persona) -> BureauScope:
    scope = metrics.bureau_scope_for_user(user=persona.user)
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
    organisations = metrics.vetting_list(scope=scope, filters=filters)
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


@bureau_staff_required
@require_POST
def bureau_vetting_decide(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    scope = _records_scope(persona)
    organisation = or_404(metrics.vetting_get, scope=scope, organisation_id=pk)
    status = DECISIONS.get(request.POST.get("decision", ""))
    if status is None:
        messages.error(request, _("Choose approve or reject."))
    else:
        try:
            account_services.organisation_set_vetting(organisation=organisation, actor=persona.user, status=status)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if status == Organisation.Vetting.VETTED:
                text = _("%(name)s may now see and answer restricted opportunities.")
            else:
                text = _("%(name)s was refused access to restricted opportunities.")
            messages.success(request, text % {"name": organisation.name})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("bureau-vetting")
