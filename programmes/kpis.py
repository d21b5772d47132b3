"""Programme KPIs fed by outcome follow-ups: record a participation, answer a follow-up, set targets, remind.

The seed KPIs (``Programme.kpis``, text with its source line) are prose; which of them the follow-ups can
measure, and how, is the table ``RULES`` below, keyed by the programme's code and the KPI's position in
its ``kpis`` list. Two kinds:

- ``share``: the share of answering firms that reached a threshold (ものづくり: value added +9 % in three
  years, target 50 % of firms; 持続化: a new sales channel within a year, target 80 %; Go-Tech:
  commercialised after five years, target over 50 %);
- ``aggregate``: the growth of the sum over the answering firms against their baseline (IT導入: labour
  productivity +9 % in three years; 事業承継: value added +15 % in five; Go-Tech: value added +15 %,
  payroll +7.5 % in five; ものづくり: payroll +1.5 % a year over five, annualised).

The bureau may replace each target (``KpiTarget``); without one the seed's figure applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.scope import bureau_scope_for_user
from accounts.selectors import user_is_member
from core.audit import audit_record, audit_snapshot
from core.exceptions import ApplicationError, NotFound, PermissionDenied
from programmes.models import FollowUp, KpiTarget, Participation, Programme

FIGURES = ("value_added_jpy", "payroll_jpy", "labour_productivity_jpy")
FLAGS = ("new_sales_channel", "commercialised")
EARLY_DAYS = 30  # a follow-up opens this many days before it is due
CORRECTION_DAYS = 30  # an answer can be corrected for this long
REMIND_EVERY = dt.timedelta(days=14)


@dataclass(frozen=True)
class KpiRule:
    programme: str
    index: int  # position in Programme.kpis
    horizon_years: int
    measure: str  # one of FIGURES (growth vs the baseline) or FLAGS (a yes/no answer)
    kind: str  # "share" | "aggregate"
    target_percent: Decimal  # the seed's target: share of firms (share) or growth (aggregate)
    threshold_percent: Decimal | None = None  # share of figures: the growth one firm must reach
    strict: bool = False  # "50%超": over the target, not at it
    annualised: bool = False  # the growth is a yearly average over the horizon

    @property
    def key(self) -> tuple[str, int]:
        return self.programme, self.index


RULES: tuple[KpiRule, ...] = (
    KpiRule("monozukuri", 0, 3, "value_added_jpy", "share", Decimal(50), threshold_percent=Decimal(9)),
    # 002:7 counts the firms that commercialised; the follow-up does not ask that of ものづくり firms yet,
    # so every answering firm counts (said on the page).
    KpiRule("monozukuri", 1, 5, "payroll_jpy", "aggregate", Decimal("1.5"), annualised=True),
    KpiRule("jizokuka", 0, 1, "new_sales_channel", "share", Decimal(80)),
    KpiRule("it_donyu", 0, 3, "labour_productivity_jpy", "aggregate", Decimal(9)),
    KpiRule("shokei_hikitsugi", 0, 5, "value_added_jpy", "aggregate", Decimal(15)),
    KpiRule("gotech", 1, 5, "commercialised", "share", Decimal(50), strict=True),
    KpiRule("gotech", 2, 5, "value_added_jpy", "aggregate", Decimal(15)),
    KpiRule("gotech", 3, 5, "payroll_jpy", "aggregate", Decimal("7.5")),
)


def rules_for(programme: Programme) -> list[KpiRule]:
    return [r for r in RULES if r.programme == programme.code]


def horizons_for(programme: Programme) -> list[int]:
    return sorted({r.horizon_years for r in rules_for(programme)})


def follow_up_measures(follow_up: FollowUp) -> list[str]:
    """What this follow-up must ask (required on the form): the measures of the KPIs at its horizon."""
    rules = rules_for(follow_up.participation.programme)
    return list(dict.fromkeys(r.measure for r in rules if r.horizon_years == follow_up.horizon_years))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_figures(figures: dict[str, Any]) -> dict[str, int | None]:
    cleaned: dict[str, int | None] = {}
    for name in FIGURES:
        value = figures.get(name)
        if value is None or value == "":
            cleaned[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ApplicationError(_("Enter the figures as whole yen, zero or more."), extra={"fields": {name: ""}})
        cleaned[name] = value
    return cleaned


@transaction.atomic
def participation_record(
    *, actor: User, organisation: Organisation, programme: Programme, ended_on: dt.date, **figures: Any
) -> Participation:
    """Record that an SME's project under a programme ended, with its baseline; creates its follow-ups."""
    if organisation.kind != Organisation.Kind.SME:
        raise ApplicationError(_("Only SMEs take part in programmes."))
    if not user_is_member(user=actor, organisation_id=organisation.pk) and not bureau_scope_for_user(
        user=actor
    ).covers_records_in(organisation.prefecture):
        raise PermissionDenied(_("Only the SME or its bureau can record a participation."))
    horizons = horizons_for(programme)
    if not horizons:
        raise ApplicationError(_("This programme has no outcome KPI to follow up."))
    baseline = _check_figures({k: v for k, v in figures.items() if k in FIGURES})
    if Participation.objects.filter(organisation=organisation, programme=programme, ended_on=ended_on).exists():
        raise ApplicationError(_("This participation is already recorded."), extra={"code": "exists"})
    participation = Participation.objects.create(
        organisation=organisation, programme=programme, ended_on=ended_on, created_by=actor, **baseline
    )
    FollowUp.objects.bulk_create(
        FollowUp(participation=participation, horizon_years=h, due_on=_add_years(ended_on, h)) for h in horizons
    )
    audit_record(actor=actor, action="participation.record", obj=participation, note=programme.code, always=True)
    return participation


@transaction.atomic
def follow_up_answer(*, actor: User, follow_up: FollowUp, now: dt.datetime | None = None, **answers: Any) -> FollowUp:
    """The SME answers (or, within CORRECTION_DAYS, corrects) a follow-up; audited."""
    now = now or timezone.now()
    # Locked: two members answering at once are applied one after the other, both audited.
    follow_up = FollowUp.objects.select_for_update().select_related("participation__programme").get(pk=follow_up.pk)
    if not user_is_member(user=actor, organisation_id=follow_up.participation.organisation_id):
        raise NotFound(_("No such follow-up."))
    today = timezone.localdate(now)
    if today < follow_up.due_on - dt.timedelta(days=EARLY_DAYS):
        raise ApplicationError(
            _("This follow-up opens on %(day)s.")
            % {"day": (follow_up.due_on - dt.timedelta(days=EARLY_DAYS)).isoformat()},
            extra={"code": "too_early"},
        )
    if follow_up.answered_at is not None and now > follow_up.answered_at + dt.timedelta(days=CORRECTION_DAYS):
        raise ApplicationError(
            _("This follow-up was answered more than 30 days ago and can no longer be changed."),
            extra={"code": "closed"},
        )
    figures = _check_figures(answers)
    flags = {name: answers.get(name) for name in FLAGS}
    missing = [m for m in follow_up_measures(follow_up) if {**figures, **flags}.get(m) is None]
    if missing:
        raise ApplicationError(
            _("Please answer every required question."), extra={"fields": {m: _("Required.") for m in missing}}
        )
    fields = [*FIGURES, *FLAGS]
    before = audit_snapshot(follow_up, fields)
    for name, value in {**figures, **flags}.items():
        setattr(follow_up, name, value)
    corrected = follow_up.answered_at is not None
    if not corrected:
        follow_up.answered_at = now
    follow_up.answered_by = actor
    follow_up.save(update_fields=[*fields, "answered_at", "answered_by"])
    audit_record(
        actor=actor,
        action="follow_up.correct" if corrected else "follow_up.answer",
        obj=follow_up,
        before=before,
        after=audit_snapshot(follow_up, fields),
        always=not corrected,
    )
    return follow_up


@transaction.atomic
def kpi_target_set(*, actor: User, programme: Programme, kpi_index: int, target_percent: Decimal) -> KpiTarget:
    """A bureau owner (or staff, for the national figure) sets the target of one KPI."""
    scope = bureau_scope_for_user(user=actor)
    if not scope.can_see_records:  # owners of a bureau, and staff
        raise PermissionDenied(_("Only owners of the bureau can set KPI targets."))
    if not any(r.index == kpi_index for r in rules_for(programme)):
        raise ApplicationError(_("This KPI is not measured by follow-ups."))
    if target_percent < 0 or target_percent > 1000:
        raise ApplicationError(_("Enter a percentage between 0 and 1000."), extra={"fields": {"target_percent": ""}})
    target = (
        KpiTarget.objects.select_for_update()
        .filter(bureau=scope.organisation, programme=programme, kpi_index=kpi_index)
        .first()
    )
    before = {"target_percent": str(target.target_percent)} if target else {}
    if target is None:
        target = KpiTarget(bureau=scope.organisation, programme=programme, kpi_index=kpi_index)
    target.target_percent = target_percent
    target.set_by = actor
    target.set_at = timezone.now()
    target.save()
    audit_record(
        actor=actor,
        action="kpi_target.set",
        obj=target,
        before=before,
        after={"target_percent": str(target_percent)},
        note=f"{programme.code}#{kpi_index}",
    )
    return target


def follow_ups_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the SMEs of follow-ups due and unanswered, at most once every REMIND_EVERY; returns how many."""
    from matching.services.notifications import notification_send_to_organisation

    now = now or timezone.now()
    today = timezone.localdate(now)
    due = FollowUp.objects.filter(answered_at__isnull=True, due_on__lte=today).select_related(
        "participation__programme"
    )
    sent = 0
    for follow_up in due.exclude(reminded_at__gt=now - REMIND_EVERY).iterator():
        # Compare-and-set on reminded_at: a second run at the same time (beat overlap) reminds once.
        claimed = FollowUp.objects.filter(
            pk=follow_up.pk, answered_at__isnull=True, reminded_at=follow_up.reminded_at
        ).update(reminded_at=now)
        if claimed != 1:
            continue
        programme = follow_up.participation.programme

        def texts(follow_up: FollowUp = follow_up, programme: Programme = programme) -> tuple[str, str]:
            title = _("Outcome follow-up to answer: %(programme)s") % {"programme": programme.name_ja}
            body = _(
                "%(years)s after your project under %(programme)s ended, please tell us how the business is "
                "doing. The form takes two minutes."
            ) % {"years": follow_up.get_horizon_years_display(), "programme": programme.name_ja}
            return title, body

        notification_send_to_organisation(
            organisation_id=follow_up.participation.organisation_id,
            kind="follow_up_reminder",
            key=f"follow_up:{follow_up.pk}:{today.isoformat()}",
            texts=texts,
            url=f"/follow-ups/{follow_up.pk}/",
        )
        sent += 1
    return sent


# --- Selectors ----------------------------------------------------------------------------------------------


def follow_up_get(*, user: User, follow_up_id: int) -> FollowUp:
    """One follow-up, for members of its SME only (others get NotFound)."""
    follow_up = (
        FollowUp.objects.select_related("participation__programme", "participation__organisation")
        .filter(pk=follow_up_id, participation__organisation__memberships__user=user)
        .first()
    )
    if follow_up is None:
        raise NotFound(_("No such follow-up."))
    return follow_up


def programmes_followed_up() -> QuerySet[Programme]:
    """Active programmes whose KPIs the follow-ups measure: the ones a participation can be recorded for."""
    codes = sorted({r.programme for r in RULES})
    return Programme.objects.filter(code__in=codes, is_active=True).order_by("name_ja")


def participation_list(*, organisation: Organisation) -> QuerySet[Participation]:
    """The SME's recorded participations with their follow-ups (newest project first)."""
    return (
        Participation.objects.filter(organisation=organisation)
        .select_related("programme")
        .prefetch_related("follow_ups")
        .order_by("-ended_on", "-id")
    )


def follow_ups_to_answer(*, organisation: Organisation, today: dt.date | None = None) -> QuerySet[FollowUp]:
    """The SME's follow-ups open for an answer (from EARLY_DAYS before they are due) and not answered yet."""
    today = today or timezone.localdate()
    return FollowUp.objects.filter(
        participation__organisation=organisation,
        answered_at__isnull=True,
        due_on__lte=today + dt.timedelta(days=EARLY_DAYS),
    ).select_related("participation__programme")


@dataclass(frozen=True)
class KpiRow:
    index: int
    text_ja: str
    source: str
    rule: KpiRule | None  # None: not measured by the follow-ups
    target_percent: Decimal | None = None
    due: int = 0  # follow-ups at the KPI's horizon already due
    answered: int = 0  # of those, answered with the figure (and a baseline) the KPI needs
    achieved: int = 0  # firms that reached the threshold (the target itself for aggregate KPIs)
    share_percent: Decimal | None = None  # share of answering firms that reached it
    value_percent: Decimal | None = None  # what is compared with the target
    met: bool | None = None

    @property
    def response_percent(self) -> Decimal | None:
        return _percent(self.answered, self.due) if self.due else None


def _percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _growth(before: int, after: int, *, years: int, annualised: bool) -> Decimal:
    ratio = Decimal(after) / Decimal(before)
    if annualised:
        ratio = Decimal(float(ratio) ** (1 / years))
    return (ratio - 1) * 100


def kpi_targets(*, programme: Programme, bureau: Organisation | None) -> dict[int, Decimal]:
    """The targets in force for a bureau: its own, else the national one, else the seed's."""
    targets = {r.index: r.target_percent for r in rules_for(programme)}
    rows = KpiTarget.objects.filter(programme=programme, bureau__isnull=True)
    targets.update({t.kpi_index: t.target_percent for t in rows})
    if bureau is not None:
        targets.update(
            {t.kpi_index: t.target_percent for t in KpiTarget.objects.filter(programme=programme, bureau=bureau)}
        )
    return targets


def programme_kpis(
    *,
    programme: Programme,
    prefectures: Iterable[str] | None = None,
    bureau: Organisation | None = None,
    today: dt.date | None = None,
) -> list[KpiRow]:
    """Each KPI of the programme against its target, over the follow-ups of SMEs in ``prefectures`` (None: all)."""
    today = today or timezone.localdate()
    follow_ups = FollowUp.objects.filter(participation__programme=programme, due_on__lte=today).select_related(
        "participation"
    )
    if prefectures is not None:
        follow_ups = follow_ups.filter(participation__organisation__prefecture__in=list(prefectures))
    by_horizon: dict[int, list[FollowUp]] = {}
    for follow_up in follow_ups:
        by_horizon.setdefault(follow_up.horizon_years, []).append(follow_up)
    rules = {r.index: r for r in rules_for(programme)}
    targets = kpi_targets(programme=programme, bureau=bureau)
    rows: list[KpiRow] = []
    for index, kpi in enumerate(programme.kpis or []):
        text, source = str(kpi.get("text_ja", "")), str(kpi.get("source", ""))
        rule = rules.get(index)
        if rule is None:
            rows.append(KpiRow(index=index, text_ja=text, source=source, rule=None))
            continue
        rows.append(_kpi_row(index, text, source, rule, targets[index], by_horizon.get(rule.horizon_years, [])))
    return rows


def _kpi_row(index: int, text: str, source: str, rule: KpiRule, target: Decimal, follow_ups: list[FollowUp]) -> KpiRow:
    answered = [f for f in follow_ups if f.answered_at is not None]
    reached: list[bool] = []
    before_sum = after_sum = 0
    for follow_up in answered:
        after = getattr(follow_up, rule.measure)
        if rule.measure in FLAGS:
            if after is not None:
                reached.append(bool(after))
            continue
        before = getattr(follow_up.participation, rule.measure)
        if after is None or not before:  # no baseline: the growth cannot be measured
            continue
        before_sum, after_sum = before_sum + before, after_sum + after
        threshold = rule.threshold_percent if rule.kind == "share" else target
        assert threshold is not None
        growth = _growth(before, after, years=rule.horizon_years, annualised=rule.annualised)
        reached.append(growth >= threshold)
    n, achieved = len(reached), sum(reached)
    share = _percent(achieved, n) if n else None
    if rule.kind == "share":
        value = share
    elif before_sum:
        growth = _growth(before_sum, after_sum, years=rule.horizon_years, annualised=rule.annualised)
        value = growth.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    else:
        value = None
    met = None if value is None else (value > target if rule.strict else value >= target)
    return KpiRow(
        index=index,
        text_ja=text,
        source=source,
        rule=rule,
        target_percent=target,
        due=len(follow_ups),
        answered=n,
        achieved=achieved,
        share_percent=share,
        value_percent=value,
        met=met,
    )


def programmes_with_kpis() -> list[Programme]:
    codes = {r.programme for r in RULES}
    return list(Programme.objects.filter(code__in=codes).order_by("owner", "code"))
