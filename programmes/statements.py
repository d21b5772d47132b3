"""Monthly statements of confirmed paid work as CSV: one writer for the API and the pages."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError


def parse_month(value: str) -> dt.date:
    """The first day of the month `value` (YYYY-MM); this month when empty; ApplicationError when malformed."""
    if not value:
        return dt.date.today().replace(day=1)
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"month": [_("Use the form YYYY-MM.")]}}
        ) from None


def statement_csv(rows: Iterable[Sequence[Any]], filename: str, header: Sequence[Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Japanese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([str(label) for label in header])
    writer.writerows(rows)
    return response
