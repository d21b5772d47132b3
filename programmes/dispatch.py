"""The prefectural expert dispatch (seed 003): one service per step, each atomic, locked and audited.

The flow the seed describes (L102-105: ①県に応募 ②書類選考（派遣可否を審査）
③専門家の選定・派遣 ④報告（専門家による指導後）):

    applied ──screen──> accepted ──assign──> assigned ──visits…──report──> reported
       └──screen──> rejected            (re-assign while no visit was made)
    applied / accepted / assigned ──withdraw (the SME)──> withdrawn

Who may do what: members of the SME apply and withdraw; a bureau officer
whose jurisdiction holds the SME's prefecture (accounts.scope, the same rule
as vetting) screens, assigns and may record visits; the assigned expert
records visits and writes the report. Visits per firm are capped per fiscal
year (April-March) by ``Programme.visit_cap_per_firm``; the check runs with
the firm's requests locked, so two visits submitted at once cannot both take
the last free one.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Organisation, User
from accounts.scope import bureau_scope_for_user
from accounts.selectors import user_is_member
from core.audit import audit_record, audit_snapshot
from core.exceptions import ApplicationError, PermissionDenied
from opportunities.models import Need
from programmes.dispatch_selectors import firm_visits_in_year
from programmes.eligibility import evaluate
from programmes.models import (
    DeskConsultationCount,
    DispatchRequest,
    DispatchVisit,
    Programme,
    fiscal_year_of,
)

Status = DispatchRequest.Status
REQUEST_FIELDS = ("status", "screening_reason", "screening_note", "expert", "report")


def officer_covers(*, user: User, prefecture: str) -> bool:
    """Whether `user` acts for the desk of `prefecture`: a bureau owner (or staff) whose jurisdiction holds it."""
    return bureau_scope_for_user(user=user).covers_records_in(prefecture)


def _require_officer(user: User, request: DispatchRequest) -> None:
    if not officer_covers(user=user, prefecture=request.organisation.prefecture):
        raise PermissionDenied(_("Only the bureau in charge of the firm's prefecture handles this request."))


def _locked(request: DispatchRequest) -> DispatchRequest:
    # The row is locked for the rest of the transaction: a second officer's click waits and then
    # sees the new status, so a request is never screened or assigned twice.
    return (
        DispatchRequest.objects.select_for_update(of=("self",))
        .select_related("programme", "organisation", "expert")
        .get(pk=request.pk)
    )


def dispatch_programme_offered(*, programme: Programme, organisation: Organisation) -> bool:
    """An active prefectural dispatch programme of the firm's own prefecture (the desk serves its firms only)."""
    return (
        programme.is_active
        and programme.is_dispatch
        and programme.owner == Programme.Owner.PREFECTURE
        and bool(programme.prefecture)
        and programme.prefecture == organisation.prefecture
    )


@transaction.atomic
def dispatch_apply(
    *,
    actor: User,
    programme: Programme,
    organisation: Organisation,
    description: str,
    need: Need | None = None,
) -> DispatchRequest:
    """A member of the SME applies for expert visits (①県に応募); one open request per firm and programme."""
    if not user_is_member(user=actor, organisation_id=organisation.pk):
        raise PermissionDenied(_("Only members of the firm can apply for it."))
    if organisation.kind != Organisation.Kind.SME:
        raise ApplicationError(_("Only SMEs can apply for an expert dispatch."), extra={"code": "not_sme"})
    if not dispatch_programme_offered(programme=programme, organisation=organisation):
        raise ApplicationError(
            _("This programme does not send experts to firms of your prefecture."), extra={"code": "not_offered"}
        )
    failed = evaluate(programme, organisation).failed
    if failed:
        raise ApplicationError(
            _("The company does not qualify for this programme."),
            extra={"code": "not_eligible", "rules": [r.reason for r in failed]},
        )
    if need is not None and need.organisation_id != organisation.pk:
        raise ApplicationError(_("This need belongs to another organisation."), extra={"code": "need"})
    if not description.strip():
        raise ApplicationError(
            _("Validation error"),
            extra={"fields": {"description": [_("Say what you would like the expert to help with.")]}},
        )
    open_request = _("Your firm already has an open request under this programme.")
    if DispatchRequest.objects.filter(
        programme=programme, organisation=organisation, status__in=DispatchRequest.OPEN
    ).exists():
        raise ApplicationError(open_request, extra={"code": "open_request"})
    try:
        # Two applications at once: the partial unique constraint refuses the second.
        with transaction.atomic():
            request = DispatchRequest.objects.create(
                programme=programme,
                organisation=organisation,
                need=need,
                applicant=actor,
                description=description.strip(),
            )
    except IntegrityError:
        raise ApplicationError(open_request, extra={"code": "open_request"}) from None
    audit_record(
        actor=actor,
        action="dispatch.apply",
        obj=request,
        after=audit_snapshot(request, REQUEST_FIELDS),
        note=programme.code,
    )
    return request


@transaction.atomic
def dispatch_screen(
    *, actor: User, request: DispatchRequest, accept: bool, reason: str, note: str = ""
) -> DispatchRequest:
    """The desk accepts or rejects an application (②書類選考), with a reason from the fixed list."""
    request = _locked(request)
    _require_officer(actor, request)
    if request.status != Status.APPLIED:
        raise ApplicationError(_("This request was already screened."), extra={"code": "screened"})
    allowed = DispatchRequest.ACCEPT_REASONS if accept else DispatchRequest.REJECT_REASONS
    if reason not in allowed:
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"reason": [_("Choose a reason that fits the decision.")]}}
        )
    if reason == DispatchRequest.Reason.OTHER and not note.strip():
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"note": [_("Explain the reason in the note.")]}}
        )
    before = audit_snapshot(request, REQUEST_FIELDS)
    request.status = Status.ACCEPTED if accept else Status.REJECTED
    request.screening_reason = reason
    request.screening_note = note.strip()
    request.screened_by = actor
    request.screened_at = timezone.now()
    request.save(update_fields=["status", "screening_reason", "screening_note", "screened_by", "screened_at"])
    audit_record(
        actor=actor, action="dispatch.screen", obj=request, before=before, after=audit_snapshot(request, REQUEST_FIELDS)
    )
    return request


@transaction.atomic
def dispatch_assign(*, actor: User, request: DispatchRequest, expert: ExpertProfile) -> DispatchRequest:
    """The desk chooses the expert to send (③専門家の選定); another one may be chosen until the first visit."""
    request = _locked(request)
    _require_officer(actor, request)
    if request.status not in (Status.ACCEPTED, Status.ASSIGNED):
        raise ApplicationError(_("An expert is assigned to an accepted request."), extra={"code": "not_accepted"})
    if request.status == Status.ASSIGNED and request.visits.exists():
        raise ApplicationError(
            _("The expert already visited the firm; the assignment can no longer change."), extra={"code": "visited"}
        )
    if not ExpertProfile.objects.filter(pk=expert.pk, erased_at__isnull=True).exists():
        raise ApplicationError(_("This expert is no longer on the platform."), extra={"code": "expert_gone"})
    before = audit_snapshot(request, REQUEST_FIELDS)
    request.status = Status.ASSIGNED
    request.expert = expert
    request.assigned_by = actor
    request.assigned_at = timezone.now()
    request.save(update_fields=["status", "expert", "assigned_by", "assigned_at"])
    audit_record(
        actor=actor, action="dispatch.assign", obj=request, before=before, after=audit_snapshot(request, REQUEST_FIELDS)
    )
    return request


@transaction.atomic
def dispatch_visit_record(
    *, actor: User, request: DispatchRequest, visited_on: dt.date, summary: str = ""
) -> DispatchVisit:
    """The assigned expert (or the desk) records one visit day; refused past the firm's visits for the year."""
    # Lock every request of this firm under this programme (in id order, so two lockers never deadlock):
    # the cap is a count over all of them, and a concurrent visit must wait and then count ours.
    locked = list(
        DispatchRequest.objects.select_for_update()
        .filter(programme_id=request.programme_id, organisation_id=request.organisation_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert request.pk in locked
    request = DispatchRequest.objects.select_related("programme", "organisation", "expert").get(pk=request.pk)
    is_expert = request.expert is not None and request.expert.user_id == actor.pk
    if not is_expert:
        _require_officer(actor, request)
    if request.status != Status.ASSIGNED:
        raise ApplicationError(_("Visits are recorded while an expert is assigned."), extra={"code": "not_assigned"})
    if visited_on > timezone.localdate():
        raise ApplicationError(
            _("Validation error"),
            extra={"code": "in_advance", "fields": {"visited_on": [_("A visit is recorded once it took place.")]}},
        )
    if visited_on < timezone.localtime(request.created_at).date():
        raise ApplicationError(
            _("Validation error"),
            extra={"fields": {"visited_on": [_("The visit cannot be before the application.")]}},
        )
    if request.visits.filter(visited_on=visited_on).exists():
        raise ApplicationError(
            _("Validation error"),
            extra={"code": "same_day", "fields": {"visited_on": [_("A visit is already recorded on this day.")]}},
        )
    cap = request.programme.visit_cap_per_firm
    fiscal_year = fiscal_year_of(visited_on)
    used = firm_visits_in_year(
        programme_id=request.programme_id, organisation_id=request.organisation_id, fiscal_year=fiscal_year
    )
    if cap is not None and used + 1 > cap:
        raise ApplicationError(
            _("The firm has used all %(cap)s visits of this programme for the fiscal year %(year)s.")
            % {"cap": cap, "year": fiscal_year},
            extra={"code": "visit_cap", "cap": cap, "used": used},
        )
    visit = DispatchVisit(request=request, visited_on=visited_on, summary=summary.strip(), recorded_by=actor)
    visit.full_clean(exclude=["request"])
    visit.save()
    audit_record(
        actor=actor,
        action="dispatch.visit",
        obj=visit,
        after=audit_snapshot(visit, ("request", "visited_on")),
        note=f"{used + 1}/{cap}" if cap is not None else str(used + 1),
    )
    return visit


@transaction.atomic
def dispatch_report(*, actor: User, request: DispatchRequest, report: str) -> DispatchRequest:
    """The assigned expert reports after the visits (④報告); the report closes the request."""
    request = _locked(request)
    if request.expert is None or request.expert.user_id != actor.pk:
        raise PermissionDenied(_("Only the assigned expert writes the report."))
    if request.status != Status.ASSIGNED:
        raise ApplicationError(_("This request is not waiting for a report."), extra={"code": "not_assigned"})
    if not request.visits.exists():
        raise ApplicationError(_("Record at least one visit before the report."), extra={"code": "no_visit"})
    if not report.strip():
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"report": [_("Write what was advised and what comes next.")]}}
        )
    before = audit_snapshot(request, REQUEST_FIELDS)
    request.status = Status.REPORTED
    request.report = report.strip()
    request.reported_at = timezone.now()
    request.save(update_fields=["status", "report", "reported_at"])
    audit_record(
        actor=actor, action="dispatch.report", obj=request, before=before, after=audit_snapshot(request, REQUEST_FIELDS)
    )
    return request


@transaction.atomic
def dispatch_withdraw(*, actor: User, request: DispatchRequest) -> DispatchRequest:
    """The SME withdraws its open request (visits already made stay counted)."""
    request = _locked(request)
    if not user_is_member(user=actor, organisation_id=request.organisation_id):
        raise PermissionDenied(_("Only members of the firm can withdraw its request."))
    if request.status not in DispatchRequest.OPEN:
        raise ApplicationError(_("This request is already closed."), extra={"code": "closed"})
    before = audit_snapshot(request, REQUEST_FIELDS)
    request.status = Status.WITHDRAWN
    request.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="dispatch.withdraw",
        obj=request,
        before=before,
        after=audit_snapshot(request, REQUEST_FIELDS),
    )
    return request


@transaction.atomic
def desk_consultations_record(*, actor: User, prefecture: str, month: dt.date, count: int) -> DeskConsultationCount:
    """The desk enters (or corrects) one month's consultations by phone and at the counter."""
    if not officer_covers(user=actor, prefecture=prefecture):
        raise PermissionDenied(_("Only the bureau in charge of this prefecture enters its desk's figures."))
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"month": [_("The month has not started yet.")]}}
        )
    if count < 0:
        raise ApplicationError(_("Validation error"), extra={"fields": {"count": [_("Enter zero or more.")]}})
    row = DeskConsultationCount.objects.select_for_update().filter(prefecture=prefecture, month=month).first()
    before = audit_snapshot(row, ("prefecture", "month", "count")) if row is not None else {}
    if row is None:
        row = DeskConsultationCount(prefecture=prefecture, month=month, count=count, entered_by=actor)
    row.count = count
    row.entered_by = actor
    row.entered_at = timezone.now()
    row.save()
    audit_record(
        actor=actor,
        action="dispatch.desk_consultations",
        obj=row,
        before=before,
        after=audit_snapshot(row, ("prefecture", "month", "count")),
    )
    return row
