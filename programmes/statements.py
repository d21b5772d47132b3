"""Monthly statements of confirmed paid work as CSV or XLSX: one writer per format for the API and the pages."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.exceptions import ApplicationError
from core.spreadsheets import (
    XLSX_TYPE,
    append_bold_row,
    display_width,
    set_column_widths,
    sheet_title,
    workbook_bytes,
)
from programmes.selectors import STATEMENT_COLUMNS

STATEMENT_FORMATS = ("csv", "xlsx")
# The XLSX's totals line sums these columns (a sum of hourly rates would mean nothing).
TOTALLED = ("hours", "amount_jpy", "copay_jpy", "paid_by_programme_jpy")
NUMBER_FORMATS = {
    "date": "yyyy-mm-dd",
    "hours": "0.00",
    "hourly_rate_jpy": "#,##0",
    "amount_jpy": "#,##0",
    "copay_jpy": "#,##0",
    "paid_by_programme_jpy": "#,##0",
}


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


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def statement_csv(rows: Iterable[Sequence[Any]], filename: str, header: Sequence[Any]) -> HttpResponse:
    response = _attachment(HttpResponse(content_type="text/csv; charset=utf-8"), filename)
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Japanese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow([str(label) for label in header])
    writer.writerows(rows)
    return response


def statement_xlsx(
    rows: Iterable[Sequence[Any]], filename: str, header: Sequence[Any], *, month: dt.date
) -> HttpResponse:
    """The CSV's header and rows in one sheet titled with the month, then a bold totals line.

    Rows come in selectors.STATEMENT_COLUMNS order with their types (yen as int, hours as
    Decimal, the date as a date), so Excel sums and sorts them as numbers and dates.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = sheet_title(_("Statement %(month)s") % {"month": f"{month:%Y-%m}"})
    append_bold_row(sheet, header)
    sheet.freeze_panes = "A2"  # the header stays in view while scrolling a long month
    widths = {i: display_width(label) for i, label in enumerate(header, start=1)}
    # int + int stays int (yen), 0 + Decimal becomes Decimal (hours): the totals keep the columns' types.
    totals: dict[int, Any] = {STATEMENT_COLUMNS.index(name): 0 for name in TOTALLED}
    for row in rows:
        sheet.append(list(row))
        for i, value in enumerate(row):
            widths[i + 1] = max(widths[i + 1], display_width(f"{value:,}" if isinstance(value, int) else value))
            if i in totals:
                totals[i] += value
    last: list[Any] = [_("Total"), *[None] * (len(STATEMENT_COLUMNS) - 1)]
    for i, total in totals.items():
        last[i] = total
    append_bold_row(sheet, last)
    for column, name in enumerate(STATEMENT_COLUMNS, start=1):
        if name in NUMBER_FORMATS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = NUMBER_FORMATS[name]
    set_column_widths(sheet, {i: min(max(width, 8), 40) + 2 for i, width in widths.items()})
    return _attachment(HttpResponse(workbook_bytes(workbook), content_type=XLSX_TYPE), filename)


def statement_response(
    rows: Iterable[Sequence[Any]], *, fmt: str, stem: str, header: Sequence[Any], month: dt.date
) -> HttpResponse:
    """The statement as `fmt` (csv or xlsx), downloaded as `<stem>.<fmt>`."""
    if fmt not in STATEMENT_FORMATS:
        raise ValueError(f"unknown statement format {fmt!r}")  # the URL conf passes only these
    if fmt == "xlsx":
        return statement_xlsx(rows, f"{stem}.xlsx", header, month=month)
    return statement_csv(rows, f"{stem}.csv", header)
