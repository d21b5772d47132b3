"""Paid engagements: starting one under a programme, logging work within the caps, confirming it.

The caps (per firm, per expert, the programme's budget, visits per firm)
are checked with the programme's row locked, so two submissions at once
are counted one after the other and neither can cross a cap.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import user_is_member
from core.audit import audit_record, audit_snapshot
from core.exceptions import ApplicationError, PermissionDenied
from matching.models import Introduction
from programmes.eligibility import evaluate
from programmes.models import PaidEngagement, Programme, WorkLogEntry
from programmes.selectors import cap_use

PAYABLE_STATES = (Introduction.State.ACCEPTED, Introduction.State.ENGAGED)


def _yen(hours: Decimal, rate: int) -> int:
    return int((hours * rate).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@transaction.atomic
def paid_engagement_start(*, actor: User, introduction: Introduction, programme: Programme) -> PaidEngagement:
    """The SME runs an accepted expert introduction under a paid programme it qualifies for."""
    need = introduction.need
    if need is None or introduction.expert is None:
        raise ApplicationError(_("Only an SME's introduction to an expert can be paid under a programme."))
    if not user_is_member(user=actor, organisation_id=need.organisation_id):
        raise PermissionDenied(_("Only members of the SME can start paid work."))
    if introduction.status not in PAYABLE_STATES:
        raise ApplicationError(
            _("Paid work starts after the expert accepted the introduction."), extra={"code": "not_accepted"}
        )
    if not programme.is_paid_work or not programme.is_active:
        raise ApplicationError(_("This programme does not pay for expert hours."))
    eligibility = evaluate(programme, need.organisation)
    if not eligibility.eligible:
        reasons = [r.reason for r in eligibility.failed + eligibility.unknown]
        raise ApplicationError(
            _("The company does not qualify for this programme."), extra={"code": "not_eligible", "rules": reasons}
        )
    if PaidEngagement.objects.filter(introduction=introduction).exists():
        raise ApplicationError(_("This introduction already runs under a programme."), extra={"code": "exists"})
    assert programme.hourly_rate_jpy is not None  # is_paid_work
    engagement = PaidEngagement.objects.create(
        programme=programme,
        organisation=need.organisation,
        expert=introduction.expert,
        introduction=introduction,
        hourly_rate_jpy=programme.hourly_rate_jpy,
        copay_per_hour_jpy=programme.copay_per_hour_jpy or 0,
        created_by=actor,
    )
    # Whoever the programme pays is on its roster: the directory's programme filter and the
    # profile page read the roster alone (the migration registered earlier engagements' experts).
    programme.registered_experts.add(introduction.expert)
    audit_record(actor=actor, action="paid_engagement.start", obj=engagement, note=programme.code)
    return engagement


def _cap_errors(engagement: PaidEngagement, amount: int, *, new_visit: bool) -> dict[str, str]:
    programme = engagement.programme
    used = cap_use(engagement)
    errors: dict[str, str] = {}
    checks = (
        ("firm", programme.cap_per_firm_jpy, used.firm_jpy, _("the firm's cap of ¥%(cap)s (¥%(used)s used)")),
        ("expert", programme.cap_per_expert_jpy, used.expert_jpy, _("the expert's cap of ¥%(cap)s (¥%(used)s used)")),
        ("budget", programme.budget_jpy, used.programme_jpy, _("the programme's budget of ¥%(cap)s (¥%(used)s used)")),
    )
    for key, cap, spent, message in checks:
        if cap is not None and spent + amount > cap:
            errors[key] = message % {"cap": f"{cap:,}", "used": f"{spent:,}"}
    cap_visits = programme.visit_cap_per_firm
    if cap_visits is not None and new_visit and used.firm_visits + 1 > cap_visits:
        errors["visits"] = _("the firm's %(cap)s visits (all used)") % {"cap": cap_visits}
    return errors


@transaction.atomic
def worklog_submit(
    *, actor: User, engagement: PaidEngagement, worked_on: dt.date, hours: Decimal, description: str
) -> WorkLogEntry:
    """The expert logs work; refused whole if it would cross any cap."""
    if engagement.expert.user_id != actor.pk:
        raise PermissionDenied(_("Only the engaged expert logs work."))
    if engagement.closed_at is not None:
        raise ApplicationError(_("This engagement is closed."))
    if worked_on > timezone.localdate():
        raise ApplicationError(
            _("Validation error"),
            extra={"code": "in_advance", "fields": {"worked_on": [_("Work cannot be logged in advance.")]}},
        )
    # Serialise every submission of this programme: the caps are sums over its rows.
    Programme.objects.select_for_update().filter(pk=engagement.programme_id).first()
    engagement = PaidEngagement.objects.select_related("programme", "expert", "organisation").get(pk=engagement.pk)
    amount = _yen(hours, engagement.hourly_rate_jpy)
    new_visit = not WorkLogEntry.objects.filter(
        engagement=engagement,
        worked_on=worked_on,
        status__in=(WorkLogEntry.Status.SUBMITTED, WorkLogEntry.Status.CONFIRMED),
    ).exists()
    errors = _cap_errors(engagement, amount, new_visit=new_visit)
    if errors:
        raise ApplicationError(
            _("This would exceed %(caps)s.") % {"caps": "; ".join(errors.values())},
            extra={"code": "cap_exceeded", "caps": sorted(errors)},
        )
    entry = WorkLogEntry(
        engagement=engagement,
        worked_on=worked_on,
        hours=hours,
        description=description,
        amount_jpy=amount,
        copay_jpy=min(amount, _yen(hours, engagement.copay_per_hour_jpy)),
        submitted_by=actor,
    )
    entry.full_clean(exclude=["engagement"])
    entry.save()
    audit_record(actor=actor, action="worklog.submit", obj=entry, after=audit_snapshot(entry, ENTRY_FIELDS))
    return entry


ENTRY_FIELDS = ("worked_on", "hours", "amount_jpy", "status", "dispute_reason")


@transaction.atomic
def worklog_decide(*, actor: User, entry: WorkLogEntry, confirm: bool, reason: str = "") -> WorkLogEntry:
    """A member of the SME confirms the entry, or disputes it with a reason (a disputed entry stops counting)."""
    entry = WorkLogEntry.objects.select_for_update().select_related("engagement").get(pk=entry.pk)
    if not user_is_member(user=actor, organisation_id=entry.engagement.organisation_id):
        raise PermissionDenied(_("Only members of the SME confirm work."))
    if entry.status != WorkLogEntry.Status.SUBMITTED:
        raise ApplicationError(_("This entry was already decided."), extra={"code": "decided"})
    if not confirm and not reason.strip():
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"reason": [_("Say what is wrong with this entry.")]}}
        )
    before = audit_snapshot(entry, ENTRY_FIELDS)
    entry.status = WorkLogEntry.Status.CONFIRMED if confirm else WorkLogEntry.Status.DISPUTED
    entry.dispute_reason = "" if confirm else reason.strip()
    entry.decided_by = actor
    entry.decided_at = timezone.now()
    entry.save(update_fields=["status", "dispute_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action="worklog.decide", obj=entry, before=before, after=audit_snapshot(entry, ENTRY_FIELDS)
    )
    return entry


__all__: list[Any] = ["paid_engagement_start", "worklog_decide", "worklog_submit"]


PROGRAMME_FIELDS = (
    "name_ja",
    "name_en",
    "owner",
    "prefecture",
    "purpose_ja",
    "need_categories",
    "subsidy_rate",
    "cap_jpy",
    "cap_per_year_jpy",
    "duration_years",
    "hourly_rate_jpy",
    "copay_per_hour_jpy",
    "cap_per_firm_jpy",
    "cap_per_expert_jpy",
    "visit_cap_per_firm",
    "is_dispatch",
    "eligibility",
    "bonus_points",
    "kpis",
    "sources",
)


@transaction.atomic
def programmes_load(*, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Create or update programmes by code from the shipped catalogue; staff-set budgets are kept."""
    created = updated = 0
    for row in rows:
        programme = Programme.objects.filter(code=row["code"]).first()
        if programme is None:
            programme = Programme(code=row["code"])
            created += 1
        else:
            updated += 1
        for field in PROGRAMME_FIELDS:
            value = row.get(field)
            model_field = Programme._meta.get_field(field)
            assert isinstance(model_field, Field)
            if value is None and not model_field.null:
                value = model_field.get_default()  # absent in the catalogue: "" or an empty list / dict
            setattr(programme, field, value)
        programme.is_active = bool(row.get("is_active", True))
        programme.full_clean()
        programme.save()
    return created, updated
