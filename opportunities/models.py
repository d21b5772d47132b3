from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reference import vocabulary
from reference.models import VocabularyTerm


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TargetKind(models.TextChoices):
    EXPERT = "expert", _("Expert")
    BUYER = "buyer", _("Buyer")
    SME = "sme", _("SME supplier")


class Need(models.Model):
    """A problem an SME wants help with; matched to experts or buyers."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="needs", verbose_name=_("organisation")
    )
    external_id = models.CharField(_("interchange id"), max_length=100, unique=True, null=True, blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sectors = models.ManyToManyField(
        VocabularyTerm, blank=True, related_name="+", limit_choices_to={"section": "sectors"}, verbose_name=_("sectors")
    )
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True)
    target = models.CharField(_("looking for"), max_length=10, choices=TargetKind.choices, default=TargetKind.EXPERT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.title

    @property
    def category_label(self) -> str:
        return vocabulary.label("need_categories", self.category)

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture)


class Opportunity(models.Model):
    """A buyer's call for suppliers in a growth sector."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="opportunities",
        verbose_name=_("organisation"),
    )
    external_id = models.CharField(_("interchange id"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sectors = models.ManyToManyField(
        VocabularyTerm, blank=True, related_name="+", limit_choices_to={"section": "sectors"}, verbose_name=_("sectors")
    )
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True)
    target = models.CharField(_("looking for"), max_length=10, choices=TargetKind.choices, default=TargetKind.SME)
    required_capabilities = models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"section": "capabilities"},
        verbose_name=_("required capabilities"),
    )
    required_certifications = models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"section": "certifications"},
        verbose_name=_("mandatory certifications"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget_jpy = models.BigIntegerField(_("budget (yen)"), null=True, blank=True)
    restricted = models.BooleanField(
        _("restricted"), default=False, help_text=_("Only organisations vetted by the bureau can see and answer it.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_jpy__isnull=True) | models.Q(budget_jpy__gte=0),
                name="opportunity_budget_non_negative",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture)
