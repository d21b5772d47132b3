"""Support programmes (subsidies, R&D calls, paid expert schemes) and the paid engagements run under them.

A programme's eligibility rules are data (``eligibility``: a list of rule
dicts, see programmes.eligibility), so staff edit them in the admin and the
seeded figures keep their source (``sources``: field → "seed file:line").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import optional_user


def _money(verbose_name: Any, help_text: Any = "") -> Any:
    return models.PositiveBigIntegerField(verbose_name, null=True, blank=True, help_text=help_text)


class Programme(models.Model):
    class Owner(models.TextChoices):
        METI = "meti", _("METI / SME Agency")
        SMRJ = "smrj", _("SMRJ (中小機構)")
        PREFECTURE = "prefecture", _("Prefecture")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    owner = models.CharField(_("owner"), max_length=12, choices=Owner.choices)
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True)
    purpose_ja = models.TextField(_("purpose"), blank=True)
    need_categories = models.JSONField(
        _("need categories served"), default=list, blank=True, help_text=_("Empty: every category.")
    )
    subsidy_rate = models.CharField(_("subsidy rate"), max_length=20, blank=True)
    cap_jpy = _money(_("cap per project (yen)"))
    cap_per_year_jpy = _money(_("cap per year (yen)"))
    duration_years = models.JSONField(_("duration (years)"), default=list, blank=True)
    # Paid expert schemes (デジタル化応援隊, prefectural dispatch): hourly work within caps.
    hourly_rate_jpy = _money(_("hourly rate (yen)"))
    copay_per_hour_jpy = _money(_("SME co-payment per hour (yen)"))
    cap_per_firm_jpy = _money(_("cap per firm (yen)"))
    cap_per_expert_jpy = _money(_("cap per expert (yen)"))
    visit_cap_per_firm = models.PositiveIntegerField(_("visits per firm"), null=True, blank=True)
    # The prefectural dispatch (seed 003): SMEs apply to the desk, it screens, assigns an expert who
    # visits, a report closes it (programmes.dispatch). A flag rather than "has a visit cap": the
    # one-stop dispatch of seed 003 L295-298 reports visit days but states no cap.
    is_dispatch = models.BooleanField(
        _("prefectural expert dispatch"),
        default=False,
        help_text=_("SMEs apply, the desk screens, assigns an expert who visits, and a report closes the request."),
    )
    budget_jpy = _money(_("programme budget (yen)"), _("Set by the bureau; paid hours stop at it."))
    eligibility = models.JSONField(_("eligibility rules"), default=list, blank=True)
    bonus_points = models.JSONField(_("bonus points"), default=list, blank=True)
    kpis = models.JSONField(_("KPIs"), default=list, blank=True)
    sources = models.JSONField(_("sources (field: seed file:line)"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The programme's roster (登録専門家): experts it accepts as providers. Staff keep it in the
    # admin; starting paid work under the programme adds the expert (programmes.services).
    registered_experts = models.ManyToManyField(
        "accounts.ExpertProfile",
        blank=True,
        related_name="programme_registrations",
        verbose_name=_("registered experts"),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ("owner", "code")

    def __str__(self) -> str:
        return self.name_ja

    @property
    def is_paid_work(self) -> bool:
        return self.hourly_rate_jpy is not None

    def clean(self) -> None:
        from programmes.eligibility import rule_problems
        from reference import vocabulary

        problems = rule_problems(self.eligibility)
        if problems:
            raise ValidationError({"eligibility": problems})
        unknown = [c for c in self.need_categories or [] if not vocabulary.is_valid("need_categories", c)]
        if unknown:
            raise ValidationError({"need_categories": _("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}})


class Round(models.Model):
    """One application window of a programme (公募回)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("round"), max_length=100)
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("deadline"))

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ("closes_on",)
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="round_opens_first")
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.name}"


class PaidEngagement(models.Model):
    """Expert work for one SME paid under a programme, by the hour, within the programme's caps."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="engagements")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="paid_engagements", verbose_name=_("SME")
    )
    expert = models.ForeignKey(
        "accounts.ExpertProfile", on_delete=models.PROTECT, related_name="paid_engagements", verbose_name=_("expert")
    )
    introduction = models.OneToOneField(
        "matching.Introduction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paid_engagement",
        verbose_name=_("introduction"),
    )
    hourly_rate_jpy = models.PositiveIntegerField(_("hourly rate (yen)"))
    copay_per_hour_jpy = models.PositiveIntegerField(_("SME co-payment per hour (yen)"), default=0)
    created_by = optional_user(_("started by"))
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("paid engagement")
        verbose_name_plural = _("paid engagements")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.organisation_id} × {self.expert_id}"


class WorkLogEntry(models.Model):
    """A piece of work the expert logged; counted against the caps unless the SME disputed it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the SME")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    engagement = models.ForeignKey(PaidEngagement, on_delete=models.PROTECT, related_name="entries")
    worked_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    description = models.TextField(_("what was done"))
    amount_jpy = models.PositiveIntegerField(_("amount (yen)"))
    copay_jpy = models.PositiveIntegerField(_("SME co-payment (yen)"), default=0)
    status = models.CharField(_("state"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    dispute_reason = models.TextField(_("reason for the dispute"), blank=True)
    submitted_by = optional_user(_("submitted by"))
    decided_by = optional_user(_("confirmed or disputed by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work log entry")
        verbose_name_plural = _("work log entries")
        ordering = ("worked_on", "id")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="worklog_hours_in_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.worked_on} {self.hours} h"


# --- The prefectural expert dispatch (seed 003: 県に応募 → 書類選考 → 専門家の選定・派遣 → 報告) -----------------


def fiscal_year_of(day: dt.date) -> int:
    """The Japanese fiscal year (年度) a day belongs to: April to March, named by the April's year."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year (令和4年度 = 2022: 2022-04-01 .. 2023-03-31)."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


class DispatchRequest(models.Model):
    """An SME's application for free expert visits under a prefectural dispatch programme.

    applied → accepted | rejected (the desk's screening, 書類選考) → assigned (an expert chosen) →
    reported (the expert's report after the visits closes it); the SME may withdraw until the report.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        ASSIGNED = "assigned", _("Expert assigned")
        REPORTED = "reported", _("Reported")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Reason(models.TextChoices):
        """Why the desk accepted or rejected: a short fixed list, so the bureau can count the reasons."""

        MEETS_REQUIREMENTS = "meets_requirements", _("Meets the programme's requirements")
        NOT_ELIGIBLE = "not_eligible", _("The firm is not eligible for the programme")
        OTHER_SUPPORT_FITS = "other_support_fits", _("Another support fits the request better")
        INCOMPLETE = "incomplete", _("The application is incomplete")
        VISITS_USED = "visits_used", _("The firm already used its visits this fiscal year")
        OTHER = "other", _("Other reason")

    OPEN = (Status.APPLIED, Status.ACCEPTED, Status.ASSIGNED)
    ACCEPT_REASONS = (Reason.MEETS_REQUIREMENTS, Reason.OTHER)
    REJECT_REASONS = (
        Reason.NOT_ELIGIBLE,
        Reason.OTHER_SUPPORT_FITS,
        Reason.INCOMPLETE,
        Reason.VISITS_USED,
        Reason.OTHER,
    )

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="dispatch_requests", verbose_name=_("programme")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="dispatch_requests", verbose_name=_("SME")
    )
    need = models.ForeignKey(
        "opportunities.Need",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dispatch_requests",
        verbose_name=_("need"),
    )
    # Empty for requests the desk entered from a paper or phone application (and the demo's past years).
    applicant = optional_user(_("applicant"))
    description = models.TextField(_("what the firm needs help with"))
    status = models.CharField(_("state"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    screening_reason = models.CharField(_("screening reason"), max_length=20, choices=Reason.choices, blank=True)
    screening_note = models.TextField(_("screening note"), blank=True)
    screened_by = optional_user(_("screened by"))
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    expert = models.ForeignKey(
        "accounts.ExpertProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatch_requests",
        verbose_name=_("expert"),
    )
    assigned_by = optional_user(_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    # Not auto_now_add: the desk (and the demo) enter past applications with their real date.
    created_at = models.DateTimeField(_("applied at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("dispatch request")
        verbose_name_plural = _("dispatch requests")
        ordering = ("-created_at", "-id")
        constraints = [
            # One open request per firm and programme: a second application waits for the first to close.
            models.UniqueConstraint(
                fields=("programme", "organisation"),
                condition=Q(status__in=("applied", "accepted", "assigned")),
                name="dispatch_one_open_request",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=("assigned", "reported")) | Q(expert__isnull=False),
                name="dispatch_assigned_has_expert",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.organisation_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class DispatchVisit(models.Model):
    """One day the expert spent with the firm (seed 003 counts 延べ日数, visit days)."""

    request = models.ForeignKey(
        DispatchRequest, on_delete=models.PROTECT, related_name="visits", verbose_name=_("dispatch request")
    )
    visited_on = models.DateField(_("date of the visit"))
    summary = models.TextField(_("what was done"), blank=True)
    recorded_by = optional_user(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispatch visit")
        verbose_name_plural = _("dispatch visits")
        ordering = ("visited_on", "id")
        constraints = [models.UniqueConstraint(fields=("request", "visited_on"), name="dispatch_one_visit_a_day")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.visited_on}"


class DeskConsultationCount(models.Model):
    """Consultations the prefecture's one-stop desk took by phone or at the counter in one month.

    Most never become a dispatch request (seed 003 L293: 10,529 consultations in FY2022 against
    31 firms dispatched), so the desk enters the monthly figure and the counts table shows both.
    """

    prefecture = models.CharField(_("prefecture"), max_length=2)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    count = models.PositiveIntegerField(_("consultations"))
    entered_by = optional_user(_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("desk consultation count")
        verbose_name_plural = _("desk consultation counts")
        ordering = ("prefecture", "month")
        constraints = [
            models.UniqueConstraint(fields=("prefecture", "month"), name="desk_consultations_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="desk_consultations_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.prefecture} {self.month:%Y-%m}: {self.count}"

    @property
    def prefecture_label(self) -> str:
        from reference import vocabulary

        return vocabulary.label("prefectures", self.prefecture) or self.prefecture


# --- Outcome follow-ups and KPI targets (seed 002/004: the programmes' 成果目標) -------------------------------


def _figure(verbose_name: Any) -> Any:
    return models.PositiveBigIntegerField(verbose_name, null=True, blank=True)


class Participation(models.Model):
    """An SME took part in a programme; its project ended on ``ended_on``. The figures are its baseline."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="participations", verbose_name=_("SME")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="participations", verbose_name=_("programme")
    )
    ended_on = models.DateField(_("project ended on"))
    value_added_jpy = _figure(_("value added (yen)"))
    payroll_jpy = _figure(_("total payroll (yen)"))
    labour_productivity_jpy = _figure(_("labour productivity (value added per worker, yen)"))
    created_by = optional_user(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme participation")
        verbose_name_plural = _("programme participations")
        ordering = ("-ended_on", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("organisation", "programme", "ended_on"), name="participation_one_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.organisation_id} ({self.ended_on})"


class FollowUp(models.Model):
    """The SME's answer on its outcome some years after the project ended (a short form)."""

    class Horizon(models.IntegerChoices):
        ONE = 1, _("1 year")
        THREE = 3, _("3 years")
        FIVE = 5, _("5 years")

    participation = models.ForeignKey(
        Participation, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("programme participation")
    )
    horizon_years = models.PositiveSmallIntegerField(_("years after the project"), choices=Horizon.choices)
    due_on = models.DateField(_("due on"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = optional_user(_("answered by"))
    value_added_jpy = _figure(_("value added (yen)"))
    payroll_jpy = _figure(_("total payroll (yen)"))
    labour_productivity_jpy = _figure(_("labour productivity (value added per worker, yen)"))
    new_sales_channel = models.BooleanField(_("opened a new sales channel"), null=True, blank=True)
    commercialised = models.BooleanField(_("commercialised the results"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outcome follow-up")
        verbose_name_plural = _("outcome follow-ups")
        ordering = ("due_on", "id")
        constraints = [
            models.UniqueConstraint(fields=("participation", "horizon_years"), name="follow_up_one_per_horizon")
        ]

    def __str__(self) -> str:
        return f"{self.participation_id} +{self.horizon_years}y"


class KpiTarget(models.Model):
    """The target a bureau sets for one KPI of a programme (the KPI's position in ``Programme.kpis``).

    ``bureau`` empty: the national target set by staff. Without a row, the seed's figure applies.
    """

    bureau = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_targets",
        verbose_name=_("bureau"),
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="kpi_targets", verbose_name=_("programme")
    )
    kpi_index = models.PositiveSmallIntegerField(_("KPI"))
    target_percent = models.DecimalField(_("target (%)"), max_digits=6, decimal_places=2)
    set_by = optional_user(_("set by"))
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(
                fields=("bureau", "programme", "kpi_index"),
                condition=Q(bureau__isnull=False),
                name="kpi_target_one_per_bureau",
            ),
            models.UniqueConstraint(
                fields=("programme", "kpi_index"), condition=Q(bureau__isnull=True), name="kpi_target_one_national"
            ),
            models.CheckConstraint(condition=Q(target_percent__gte=0), name="kpi_target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}#{self.kpi_index}: {self.target_percent}%"
