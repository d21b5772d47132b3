"""Model building blocks shared by the apps; core knows no domain model (users by settings only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def optional_user(verbose_name: Any, **kwargs: Any) -> Any:
    """Who did something; kept as NULL when that user is deleted, so the row itself survives."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )


class Job(models.Model):
    """A unit of background work whose Celery task carries only the row's id.

    The state makes redelivery (acks_late after a worker died) safe: a DONE
    or FAILED job is never run again, a RUNNING one was interrupted.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ("-created_at", "-id")

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class AuditEvent(models.Model):
    """One state change of the platform: who, when, which object, and each changed field's before/after.

    Append-only: written by services (core.audit.audit_record), never edited
    or deleted by the application; the admin shows it read-only. The actor is
    kept as a pseudonym (``user#<id>``) next to the foreign key, so the trail
    still reads after a user's personal data is erased.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = optional_user(_("actor"))
    actor_label = models.CharField(_("actor (pseudonym)"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    changes = models.JSONField(_("changes (field: [before, after])"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["object_type", "object_id"], name="auditevent_object")]

    def __str__(self) -> str:
        who = self.actor_label or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit events are append-only.")
