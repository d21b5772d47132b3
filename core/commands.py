"""Shared shape of the interchange import/export management commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.interchange import InterchangeError


class ImportCommand(BaseCommand):
    importer: Callable[..., Any]
    noun = "rows"

    def progress(self, message: str) -> None:
        # Progress goes to stderr so that stdout keeps only the result line.
        self.stderr.write(f"{self.noun}: {message}")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSON Lines file in the interchange format")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = type(self).importer(options["file"], progress=self.progress)
        except InterchangeError as exc:
            # Every bad line, one per line, as file:line: reason; nothing was written.
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} error(s); nothing was imported") from None
        self.stdout.write(f"{self.noun}: {result.created} created, {result.updated} updated")


class ExportCommand(BaseCommand):
    exporter: Callable[[], Iterator[dict[str, Any]]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="output file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = (json.dumps(row, ensure_ascii=False) + "\n" for row in type(self).exporter())
        target: Path | None = options["file"]
        if target is None:
            for line in rows:
                sys.stdout.write(line)
            return
        # Write to a temporary file and rename, so a failure leaves no half-written export.
        tmp = target.with_name(target.name + ".tmp")
        count = 0
        with tmp.open("w", encoding="utf-8") as fh:
            for line in rows:
                fh.write(line)
                count += 1
        tmp.replace(target)
        self.stderr.write(f"{count} rows written to {target}")
