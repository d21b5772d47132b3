from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import optional_user
from reference import vocabulary
from reference.models import term_field


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TargetKind(models.TextChoices):
    EXPERT = "expert", _("Expert")
    BUYER = "buyer", _("Buyer")
    SME = "sme", _("SME supplier")


class RecommendationsStatus(models.TextChoices):
    NONE = "", _("Not ranked")
    PENDING = "pending", _("Being computed")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Query(models.Model):
    """What needs and opportunities share: text, sectors, place, and a status whose closing is timed."""

    external_id = models.CharField(_("interchange id"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sectors = term_field("sectors", _("sectors"))
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = optional_user(_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Written by matching: whether proposals for this query are being computed, and when they last were.
    recommendations_status = models.CharField(
        _("proposals"), max_length=10, choices=RecommendationsStatus.choices, default="", blank=True
    )
    recommendations_at = models.DateTimeField(_("proposals computed at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title

    def set_status(self, status: str) -> None:
        """closed_at follows status: set when the row closes, cleared when it opens again."""
        if status == Status.CLOSED and self.status != Status.CLOSED:
            self.closed_at = timezone.now()
        elif status != Status.CLOSED:
            self.closed_at = None
        self.status = status

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture)


class Need(Query):
    """A problem an SME wants help with; matched to experts or buyers."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="needs", verbose_name=_("organisation")
    )
    category = models.CharField(_("category"), max_length=64, blank=True)
    target = models.CharField(_("looking for"), max_length=10, choices=TargetKind.choices, default=TargetKind.EXPERT)

    class Meta(Query.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    @property
    def category_label(self) -> str:
        return vocabulary.label("need_categories", self.category)


class Opportunity(Query):
    """A buyer's call for suppliers in a growth sector."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="opportunities",
        verbose_name=_("organisation"),
    )
    target = models.CharField(_("looking for"), max_length=10, choices=TargetKind.choices, default=TargetKind.SME)
    required_capabilities = term_field("capabilities", _("required capabilities"))
    required_certifications = term_field("certifications", _("mandatory certifications"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget_jpy = models.BigIntegerField(_("budget (yen)"), null=True, blank=True)
    restricted = models.BooleanField(
        _("restricted"), default=False, help_text=_("Only organisations vetted by the bureau can see and answer it.")
    )

    class Meta(Query.Meta):
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_jpy__isnull=True) | models.Q(budget_jpy__gte=0),
                name="opportunity_budget_non_negative",
            )
        ]
