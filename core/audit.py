"""The audit trail: services record each state change they make (issue 11, item 10).

A service takes a snapshot of the fields it may change, applies the change,
and records the difference:

    before = audit_snapshot(organisation, FIELDS)
    ... change and save ...
    audit_record(actor=actor, action="organisation.update", obj=organisation, before=before,
                 after=audit_snapshot(organisation, FIELDS))

Nothing is recorded when nothing changed. Values are stored as JSON (dates
and other objects as text; code lists as sorted lists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from core.models import AuditEvent


def actor_label(user: Any) -> str:
    """A pseudonym for the actor: stable, and free of personal data."""
    return f"user#{user.pk}" if user is not None and getattr(user, "pk", None) else ""


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def audit_snapshot(obj: models.Model, fields: Iterable[str], **extra: Any) -> dict[str, Any]:
    """The current values of `fields` of `obj` (foreign keys by id), plus any `extra` values (e.g. code lists)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _plain(getattr(obj, attname))
    out.update({k: _plain(v) for k, v in extra.items()})
    return out


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
    always: bool = False,
) -> AuditEvent | None:
    """Record one change; returns None (and writes nothing) when `before` and `after` agree on every field,
    unless `always` (a decision worth keeping even when it repeats the last one)."""
    before, after = dict(before or {}), dict(after or {})
    changes = {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
    if (before or after) and not changes:
        if not always:
            return None
        changes = {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))}
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        changes=changes,
        note=note[:2000],
    )
