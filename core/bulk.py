"""Bulk writes that keep the model's own validation: the shared shape of the import services.

An import validates every row with the model's `full_clean` (field
validators and `clean()`), collects every problem keyed by the caller's
handle (a line number), and writes nothing unless all rows pass. Uniqueness
is checked by the caller in one query per batch and enforced by the
database's constraints, so per-row uniqueness queries are skipped.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

M = TypeVar("M", bound=models.Model)
BATCH_SIZE = 1000


@dataclass
class BulkRow(Generic[M]):
    """One row to write: the (unsaved or changed) object, its M2M codes {field: (section, codes)}, a handle."""

    obj: M
    key: Hashable
    terms: dict[str, tuple[str, Sequence[str]]] = field(default_factory=dict)
    # Set by bulk_save: the row was inserted (so it has no old M2M rows to replace).
    created: bool = False


class BulkValidationError(ApplicationError):
    """Some rows failed model validation; `errors` maps each row's key to its messages."""

    def __init__(self, errors: dict[Hashable, list[str]]) -> None:
        super().__init__(
            _("%(count)d row(s) are invalid; nothing was written.") % {"count": len(errors)},
            extra={"rows": {str(key): messages for key, messages in errors.items()}},
        )
        self.errors = errors


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"field {name!r}: {message}" for name, errors in exc.message_dict.items() for message in errors]
    return list(exc.messages)


def bulk_clean(rows: Iterable[BulkRow[Any]], *, exclude: Sequence[str] = ()) -> None:
    """full_clean every row (without per-row uniqueness queries); raise BulkValidationError listing all failures."""
    errors: dict[Hashable, list[str]] = {}
    for row in rows:
        try:
            row.obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.setdefault(row.key, []).extend(_messages(exc))
    if errors:
        raise BulkValidationError(errors)


def bulk_save(model: type[M], rows: Sequence[BulkRow[M]], *, fields: Sequence[str]) -> tuple[int, int]:
    """Insert the new rows and update `fields` of the existing ones, in batches; returns (created, updated).

    Inserted objects get their primary keys back (PostgreSQL and SQLite ≥ 3.35
    both support RETURNING), so their M2M rows can be written next.
    """
    for row in rows:
        row.created = row.obj.pk is None
    new = [row.obj for row in rows if row.created]
    old = [row.obj for row in rows if not row.created]
    model._default_manager.bulk_create(new, batch_size=BATCH_SIZE)
    if old:
        model._default_manager.bulk_update(old, list(fields), batch_size=BATCH_SIZE)
    return len(new), len(old)
