"""Pages of paid expert work under a programme: start it, log hours, confirm them, statements, budget use."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scope import bureau_scope_for_user
from core.exceptions import ApplicationError
from frontend.forms import (
    FollowUpForm,
    KpiTargetForm,
    PaidEngagementStartForm,
    ParticipationForm,
    WorkDisputeForm,
    WorkLogForm,
)
from frontend.persona import Persona
from frontend.views.common import add_service_errors, or_404, paginate, persona_required
from matching import selectors as matching_selectors
from programmes import kpis, selectors, services
from programmes.statements import parse_month, statement_response

takes_part_required = persona_required(lambda p: p.expert is not None or p.is_sme)
bureau_or_staff_required = persona_required(lambda p: p.is_bureau)


def paid_programmes_for(organisation: Any) -> list[Any]:
    """The paid-work programmes an SME qualifies for (the introduction page's choice)."""
    return [r.programme for r in selectors.programmes_for(organisation=organisation) if r.programme.is_paid_work]


@takes_part_required
def paid_engagement_start(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    introduction = or_404(matching_selectors.introduction_get, user=persona.user, introduction_id=pk)
    need = introduction.need
    if need is None:
        raise Http404
    form = PaidEngagementStartForm(request.POST, programmes=paid_programmes_for(need.organisation))
    if form.is_valid():
        try:
            programme = selectors.programme_get(code=form.cleaned_data["programme"])
            engagement = services.paid_engagement_start(
                actor=persona.user, introduction=introduction, programme=programme
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Paid support started under %(name)s.") % {"name": programme.name_ja})
            return redirect("paid-engagement-detail", pk=engagement.pk)
    else:
        messages.error(request, _("Choose a programme."))
    return redirect("introduction-detail", pk=pk)


@takes_part_required
def paid_engagement_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    engagements = selectors.paid_engagement_list(user=persona.user)
    return render(
        request,
        "frontend/programmes/engagement_list.html",
        {"page": paginate(request, engagements), "month": timezone.localdate().strftime("%Y-%m"), "persona": persona},
    )


def _engagement_page(request: HttpRequest, persona: Persona, pk: int, **forms: Any) -> HttpResponse:
    engagement = or_404(selectors.paid_engagement_get, user=persona.user, engagement_id=pk)
    is_expert = engagement.expert.user_id == persona.user.pk
    programme = engagement.programme
    use = selectors.cap_use(engagement)
    caps = [
        (_("This firm"), use.firm_jpy, programme.cap_per_firm_jpy),
        (_("This expert"), use.expert_jpy, programme.cap_per_expert_jpy),
        (_("Programme budget"), use.programme_jpy, programme.budget_jpy),
    ]
    context = {
        "engagement": engagement,
        "entries": engagement.entries.all(),
        "is_expert": is_expert,
        "is_sme": not is_expert,
        "caps": [(label, used, cap, (used * 100 // cap) if cap else None) for label, used, cap in caps],
        "visits": (use.firm_visits, programme.visit_cap_per_firm),
        "log_form": forms.get("log_form") or WorkLogForm(initial={"worked_on": timezone.localdate()}),
        "dispute_form": forms.get("dispute_form") or WorkDisputeForm(),
        "month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "frontend/programmes/engagement.html", context)


@takes_part_required
def paid_engagement_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    if request.method == "POST":
        engagement = or_404(selectors.paid_engagement_get, user=persona.user, engagement_id=pk)
        form = WorkLogForm(request.POST)
        if form.is_valid():
            try:
                services.worklog_submit(actor=persona.user, engagement=engagement, **form.cleaned_data)
            except (ApplicationError, ValidationError) as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Work logged. The SME will confirm it."))
                return redirect("paid-engagement-detail", pk=pk)
        return _engagement_page(request, persona, pk, log_form=form)
    return _engagement_page(request, persona, pk)


@takes_part_required
def work_entry_decide(request: HttpRequest, persona: Persona, pk: int, action: str) -> HttpResponse:
    if action not in ("confirm", "dispute"):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    entry = or_404(selectors.entry_get, user=persona.user, entry_id=pk)
    confirm = action == "confirm"
    form = WorkDisputeForm(request.POST) if not confirm else None
    if form is not None and not form.is_valid():
        return _engagement_page(request, persona, entry.engagement_id, dispute_form=form)
    try:
        services.worklog_decide(
            actor=persona.user, entry=entry, confirm=confirm, reason=form.cleaned_data["reason"] if form else ""
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Entry confirmed.") if confirm else _("Entry disputed."))
    return redirect("paid-engagement-detail", pk=entry.engagement_id)


def _month(request: HttpRequest) -> dt.date:
    try:
        return parse_month(request.GET.get("month", ""))
    except ApplicationError:
        return timezone.localdate().replace(day=1)  # a page falls back to this month


STATEMENT_HEADERS = (
    _("Month"),
    _("Programme"),
    _("Expert"),
    _("SME"),
    _("Date"),
    _("Hours"),
    _("Hourly rate (yen)"),
    _("Amount (yen)"),
    _("SME co-payment (yen)"),
    _("Paid by the programme (yen)"),
    _("State"),
)


@persona_required(lambda p: p.expert is not None)
@require_GET
def expert_statement(request: HttpRequest, persona: Persona, fmt: str = "csv") -> HttpResponse:
    month = _month(request)
    rows = selectors.statement_rows(month=month, expert=persona.expert)
    return statement_response(rows, fmt=fmt, stem=f"statement-{month:%Y-%m}", header=STATEMENT_HEADERS, month=month)


@bureau_or_staff_required
@require_GET
def programme_statement(request: HttpRequest, persona: Persona, code: str, fmt: str = "csv") -> HttpResponse:
    programme = or_404(selectors.programme_get, code=code)
    month = _month(request)
    rows = selectors.statement_rows(month=month, programme=programme)
    return statement_response(rows, fmt=fmt, stem=f"{code}-{month:%Y-%m}", header=STATEMENT_HEADERS, month=month)


@bureau_or_staff_required
def programme_budgets(request: HttpRequest, persona: Persona) -> HttpResponse:
    return render(
        request,
        "frontend/programmes/budgets.html",
        {
            "rows": selectors.budget_use(),
            "month": timezone.localdate().strftime("%Y-%m"),
            "tab": "programmes",
            "scope": bureau_scope_for_user(user=persona.user),
        },
    )


# --- Outcome follow-ups (the SME) and programme KPIs (the bureau) -------------------------------------------


def _follow_up_initial(follow_up: Any) -> dict[str, Any]:
    initial: dict[str, Any] = {name: getattr(follow_up, name) for name in kpis.FIGURES}
    for name in kpis.FLAGS:
        value = getattr(follow_up, name)
        initial[name] = "" if value is None else ("yes" if value else "no")
    return initial


@persona_required(lambda p: p.is_sme)
def follow_up_list(request: HttpRequest, persona: Persona) -> HttpResponse:
    """The programmes the SME took part in, with each follow-up's due date and state."""
    assert persona.organisation is not None
    return render(
        request,
        "frontend/programmes/follow_ups.html",
        {
            "page": paginate(request, kpis.participation_list(organisation=persona.organisation)),
            "today": timezone.localdate(),
        },
    )


@persona_required(lambda p: p.is_sme)
def participation_new(request: HttpRequest, persona: Persona) -> HttpResponse:
    """Record a programme the SME took part in; its follow-ups are then due one, three or five years later."""
    assert persona.organisation is not None
    programmes = kpis.programmes_followed_up()
    form = ParticipationForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            participation = kpis.participation_record(
                actor=persona.user,
                organisation=persona.organisation,
                programme=form.cleaned_data["programme"],
                ended_on=form.cleaned_data["ended_on"],
                **form.figures(),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            dates = ", ".join(f.due_on.isoformat() for f in participation.follow_ups.order_by("due_on"))
            messages.success(request, _("Recorded. You will be asked for the follow-up figures on %s.") % dates)
            return redirect("follow-up-list")
    return render(
        request,
        "frontend/programmes/participation_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@persona_required(lambda p: p.is_sme)
def follow_up_detail(request: HttpRequest, persona: Persona, pk: int) -> HttpResponse:
    follow_up = or_404(kpis.follow_up_get, user=persona.user, follow_up_id=pk)
    measures = kpis.follow_up_measures(follow_up)
    if request.method == "POST":
        form = FollowUpForm(request.POST, measures=measures)
        if form.is_valid():
            try:
                kpis.follow_up_answer(actor=persona.user, follow_up=follow_up, **form.answers())
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you. Your answer was recorded."))
                return redirect("follow-up-detail", pk=pk)
    else:
        form = FollowUpForm(initial=_follow_up_initial(follow_up), measures=measures)
    return render(
        request,
        "frontend/programmes/follow_up.html",
        {
            "follow_up": follow_up,
            "participation": follow_up.participation,
            "form": form,
        },
    )


@bureau_or_staff_required
def programme_kpis(request: HttpRequest, persona: Persona) -> HttpResponse:
    scope = bureau_scope_for_user(user=persona.user)
    can_set = scope.can_see_records and (scope.organisation is not None or persona.user.is_staff)
    sections = [
        (programme, kpis.programme_kpis(programme=programme, prefectures=scope.prefectures, bureau=scope.organisation))
        for programme in kpis.programmes_with_kpis()
    ]
    return render(
        request,
        "frontend/programmes/kpis.html",
        {"sections": sections, "tab": "kpis", "scope": scope, "can_set": can_set},
    )


@bureau_or_staff_required
def kpi_target_set(request: HttpRequest, persona: Persona, code: str, index: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    programme = or_404(selectors.programme_get, code=code)
    form = KpiTargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a percentage between 0 and 1000."))
        return redirect("programme-kpis")
    try:
        kpis.kpi_target_set(
            actor=persona.user, programme=programme, kpi_index=index, target_percent=form.cleaned_data["target_percent"]
        )
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Target saved."))
    return redirect("programme-kpis")
