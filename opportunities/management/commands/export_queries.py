from __future__ import annotations

from core.commands import ExportCommand
from opportunities.interchange import queries_export


class Command(ExportCommand):
    help = "Export queries as interchange JSONL."
    exporter = staticmethod(queries_export)
