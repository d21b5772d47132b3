"""Support programmes (subsidies, R&D calls, paid expert schemes) and the paid engagements run under them.

A programme's eligibility rules are data (``eligibility``: a list of rule
dicts, see programmes.eligibility), so staff edit them in the admin and the
seeded figures keep their source (``sources``: field → "seed file:line").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
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
    budget_jpy = _money(_("programme budget (yen)"), _("Set by the bureau; paid hours stop at it."))
    eligibility = models.JSONField(_("eligibility rules"), default=list, blank=True)
    bonus_points = models.JSONField(_("bonus points"), default=list, blank=True)
    kpis = models.JSONField(_("KPIs"), default=list, blank=True)
    sources = models.JSONField(_("sources (field: seed file:line)"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

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
