from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from reference import vocabulary


class VocabularyTerm(models.Model):
    """One code of the reference vocabulary (sector, capability, prefecture, …)."""

    section = models.CharField(_("section"), max_length=32, choices=vocabulary.section_choices())
    code = models.CharField(_("code"), max_length=64)
    label_ja = models.CharField(_("Japanese label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200, blank=True)
    aliases_ja = models.JSONField(_("aliases (Japanese)"), default=list, blank=True)
    extra = models.JSONField(_("other attributes"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("vocabulary term")
        verbose_name_plural = _("vocabulary terms")
        ordering = ("section", "position")
        constraints = [models.UniqueConstraint(fields=("section", "code"), name="vocabulary_unique_code")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return vocabulary.label(self.section, self.code) or self.label_ja


def term_field(section: str, verbose_name: Any, **kwargs: Any) -> Any:
    """A many-to-many of vocabulary codes of one section (sectors, capabilities, regions, …), optional."""
    return models.ManyToManyField(
        VocabularyTerm,
        blank=True,
        related_name="+",
        limit_choices_to={"section": section},
        verbose_name=verbose_name,
        **kwargs,
    )
