"""XLSX building blocks shared by every export (reports' dashboard tables, programmes' statements).

Here in core because programmes may not import reports (tests/test_architecture.py)
and both write workbooks the same way: Excel-safe sheet titles, a bold header row,
column widths, the bytes of the file.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


def sheet_title(title: str, used: set[str] | None = None) -> str:
    """`title` as Excel accepts it: at most 31 characters, none of []:*?/\\, unique among `used` (updated)."""
    used = set() if used is None else used
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        name = f"{clean[:28]} {n}"
        n += 1
    used.add(name)
    return name


def append_bold_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row in bold (a header, a table's title, a totals line); lazy labels become text, numbers stay."""
    sheet.append([str(v) if isinstance(v, Promise) else v for v in values])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD


def display_width(value: Any) -> int:
    """Columns `value` takes in Excel's default font: Japanese (wide) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def set_column_widths(sheet: Worksheet, widths: Mapping[int, int]) -> None:
    """Widths by 1-based column number."""
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
