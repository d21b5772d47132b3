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
from django.db import connection, models
from django.utils import timezone
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


def bulk_save(
    model: type[M], rows: Sequence[BulkRow[M]], *, fields: Sequence[str], key_field: str | None = None
) -> tuple[int, int]:
    """Insert the new rows and update `fields` of the existing ones, in batches; returns (created, updated).

    Inserted objects get their primary keys back (PostgreSQL and SQLite ≥ 3.35
    both support RETURNING), so their M2M rows can be written next.
    """
    now = timezone.now()
    has_updated_at = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    for row in rows:
        row.created = row.obj.pk is None
        if has_updated_at and not row.created:
            # auto_now is applied by save(), not by bulk updates: the index's delta relies on it.
            row.obj.updated_at = now  # type: ignore[attr-defined]
    if has_updated_at:
        fields = [*fields, "updated_at"]
    new = [row.obj for row in rows if row.created]
    old = [row.obj for row in rows if not row.created]
    if new and key_field and connection.vendor == "postgresql":
        _insert_through_copy(model, new, key_field)
    else:
        model._default_manager.bulk_create(new, batch_size=BATCH_SIZE)
    bulk_update_fields(model, old, fields)
    return len(new), len(old)


def bulk_update_fields(model: type[M], objs: Sequence[M], fields: Sequence[str]) -> None:
    """Write `fields` of existing objects: through a COPY-filled temporary table on PostgreSQL."""
    if not objs:
        return
    if connection.vendor == "postgresql":
        _update_through_copy(model, objs, fields)
    else:
        model._default_manager.bulk_update(objs, list(fields), batch_size=BATCH_SIZE)


# Field types whose Python values psycopg adapts as they are: skipping get_db_prep_save
# for them halves the cost of a COPY of tens of thousands of rows.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "EmailField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "TextField",
    }
)


def _copy_values(obj: models.Model, fields: Sequence[Any]) -> list[Any]:
    return [
        getattr(obj, f.attname)
        if f.get_internal_type() in _PLAIN_TYPES
        else f.get_db_prep_save(getattr(obj, f.attname), connection)
        for f in fields
    ]


def _insert_through_copy(model: type[M], objs: Sequence[M], key_field: str) -> None:
    """INSERT by COPY, then read the new primary keys back by a unique key every new row carries."""
    meta = model._meta
    quoted = connection.ops.quote_name
    now = timezone.now()
    concrete = [f for f in meta.concrete_fields if not f.primary_key]
    for obj in objs:
        for f in concrete:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
    listed = ", ".join(quoted(f.column) for f in concrete)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quoted(meta.db_table)} ({listed}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row(_copy_values(obj, concrete))
    by_key = {getattr(obj, key_field): obj for obj in objs}
    keys = list(by_key)
    for start in range(0, len(keys), BATCH_SIZE * 10):
        chunk = keys[start : start + BATCH_SIZE * 10]
        for pk, key in model._default_manager.filter(**{f"{key_field}__in": chunk}).values_list("pk", key_field):
            by_key[key].pk = pk
            by_key[key]._state.adding = False


def _update_through_copy(model: type[M], objs: Sequence[M], fields: Sequence[str]) -> None:
    """UPDATE … FROM a temporary table filled by COPY: Django's bulk_update builds one CASE per
    field and row, which at tens of thousands of rows costs minutes instead of seconds."""
    meta = model._meta
    quoted = connection.ops.quote_name
    concrete = [f for f in meta.concrete_fields if f.name in set(fields)]
    columns: list[str] = [str(meta.pk.column), *(str(f.column) for f in concrete)]
    table, temp = quoted(meta.db_table), quoted(f"bulk_update_{meta.db_table}")
    listed = ", ".join(quoted(c) for c in columns)
    assignments = ", ".join(f"{quoted(c)} = t.{quoted(c)}" for c in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMP TABLE {temp} AS SELECT {listed} FROM {table} WITH NO DATA")  # noqa: S608
        with cursor.cursor.copy(f"COPY {temp} ({listed}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([obj.pk, *_copy_values(obj, concrete)])
        pk = quoted(meta.pk.column)
        cursor.execute(f"UPDATE {table} SET {assignments} FROM {temp} t WHERE {table}.{pk} = t.{pk}")  # noqa: S608
        cursor.execute(f"DROP TABLE {temp}")


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert plain rows into `table`: COPY on PostgreSQL (the fastest path), batched executemany elsewhere.

    For rows that need no model instance (M2M link rows): building tens of
    thousands of model objects costs more than the database work itself.
    """
    count = 0
    quoted = connection.ops.quote_name
    cols = ", ".join(quoted(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quoted(table)} ({cols}) VALUES ({marks})"  # noqa: S608
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
