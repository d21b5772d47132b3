"""Tables as files: CSV (UTF-8 with a BOM, for Excel) and XLSX (one sheet per section)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.spreadsheets import XLSX_TYPE as XLSX_TYPE  # re-exported: the pages' downloads name it from here
from core.spreadsheets import append_bold_row, set_column_widths, sheet_title, workbook_bytes
from matching.metrics import Filters, section_data_recent
from reports.tables import SECTION_TITLES, Label, Table, section_tables


def export_value(value: Any, kind: str) -> Any:
    """A cell as written to CSV/XLSX: numbers stay numbers, percentages become 0–100."""
    if value is None:
        return ""
    if kind == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if kind == "date" and isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if kind == "pct":
        return round(float(value) * 100, 1)
    if kind == "hours":
        return round(float(value), 2)
    if isinstance(value, Promise):
        return str(value)
    return value


def _export_rows(table: Table) -> list[list[Any]]:
    return [[export_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows]


def filters_rows(f: Filters) -> list[list[str]]:
    return [[str(k), str(v)] for k, v in f.description.items()]


def tables_csv(tables: list[Table], f: Filters) -> bytes:
    """UTF-8 with a BOM so Excel opens Japanese text correctly; tables one after another, titled."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in filters_rows(f):
        writer.writerow(row)
    for table in tables:
        writer.writerow([])
        writer.writerow([str(table.title)])
        writer.writerow([str(c.label) for c in table.columns])
        writer.writerows(_export_rows(table))
        if table.total is not None and table.total > len(table.rows):
            writer.writerow([str(_("First %(n)d of %(total)d rows.") % {"n": len(table.rows), "total": table.total})])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def tables_xlsx(sheets: list[tuple[Label, list[Table]]], f: Filters) -> bytes:
    workbook = Workbook()
    used: set[str] = set()
    first = True
    for title, tables in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = sheet_title(str(title), used)
        for row in filters_rows(f):
            sheet.append(row)
        widths: dict[int, int] = {}
        for table in tables:
            sheet.append([])
            append_bold_row(sheet, [table.title])
            append_bold_row(sheet, [c.label for c in table.columns])
            for row in _export_rows(table):
                sheet.append(row)
            for i, c in enumerate(table.columns, start=1):
                widths[i] = max(widths.get(i, 8), min(len(str(c.label)) * 2, 40))
            if table.total is not None and table.total > len(table.rows):
                sheet.append([str(_("First %(n)d of %(total)d rows.") % {"n": len(table.rows), "total": table.total})])
        set_column_widths(sheet, widths)
    return workbook_bytes(workbook)


def section_file(section: str, f: Filters, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of one section's export: the same figures the dashboard shows."""
    tables = section_tables(section, f, section_data_recent(section, f)[0])
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        return tables_csv(tables, f), "text/csv; charset=utf-8", f"tsunagu-{section}-{stamp}.csv"
    content = tables_xlsx([(SECTION_TITLES[section], tables)], f)
    return content, XLSX_TYPE, f"tsunagu-{section}-{stamp}.xlsx"
