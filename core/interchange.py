"""Reading interchange JSONL files for the Django import commands.

The engine's reader (ml.interchange.scan) checks format, codes and duplicate
ids; the import adds the checks only the database can make (owners exist,
corporate numbers are unique, an id keeps its kind). Every line is checked
before anything is written, and every bad line is reported as `file:line: reason`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.bulk import BulkValidationError
from ml.interchange import InterchangeError, LineError, scan

Validator = Callable[[object], list[str]]
Progress = Callable[[str], None]
REPORT_EVERY = 10_000


def _quiet(message: str) -> None:
    pass


class Stopwatch:
    """Reports a phase's count and rate to a progress callback ("checked 20,000 lines (9,800/s)")."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress or _quiet
        self.started = time.monotonic()

    def report(self, done: int, what: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        self.progress(f"{what}: {done:,} ({done / elapsed:,.0f}/s, {elapsed:.1f} s)")


def read_numbered(
    path: str | Path, validate: Validator, *, progress: Progress | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[LineError]]:
    """Parse and validate every line; returns (line number, object) pairs and the errors."""
    watch = Stopwatch(progress)
    seen = 0

    def counting(obj: object) -> list[str]:
        nonlocal seen
        seen += 1
        if seen % REPORT_EVERY == 0:
            watch.report(seen, "lines checked")
        return validate(obj)

    result = scan(path, counting)
    watch.report(seen, "lines checked")
    return result


def raise_if_errors(errors: list[LineError]) -> None:
    if errors:
        raise InterchangeError(sorted(errors, key=lambda e: e.line))


@contextmanager
def bulk_errors_as_lines(path: str | Path) -> Iterator[None]:
    """Turn a bulk service's model-validation errors (keyed by line number) into `file:line: reason` errors."""
    try:
        yield
    except BulkValidationError as exc:
        errors = [LineError(str(path), int(str(line)), m) for line, messages in exc.errors.items() for m in messages]
        raise InterchangeError(errors) from None
