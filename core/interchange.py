"""Reading interchange JSONL files for the Django import commands.

The engine's validators (ml.interchange) check format and codes; the import
adds the checks only the database can make (owners exist, corporate numbers
are unique, an id keeps its kind). Every line is checked before anything is
written, and every bad line is reported as `file:line: reason`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ml.interchange import InterchangeError, LineError

Validator = Callable[[object], list[str]]


def read_numbered(path: str | Path, validate: Validator) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """Parse and validate every line; returns (line number, object) pairs and the errors."""
    name = str(path)
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    try:
        with Path(path).open(encoding="utf-8-sig") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    errors.append(LineError(name, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
                    continue
                reasons = validate(obj)
                if not reasons:
                    first = seen.setdefault(obj["id"], lineno)
                    if first != lineno:
                        reasons = [f"duplicate id {obj['id']!r} (first seen on line {first})"]
                errors.extend(LineError(name, lineno, reason) for reason in reasons)
                if not reasons:
                    rows.append((lineno, obj))
    except UnicodeDecodeError as exc:
        errors.append(LineError(name, 0, f"not valid UTF-8: {exc.reason}"))
    except OSError as exc:
        errors.append(LineError(name, 0, f"cannot read file: {exc.strerror or exc}"))
    return rows, errors


def raise_if_errors(errors: list[LineError]) -> None:
    if errors:
        raise InterchangeError(sorted(errors, key=lambda e: e.line))
