from __future__ import annotations

from core.commands import ImportCommand
from opportunities.interchange import queries_import


class Command(ImportCommand):
    help = "Import queries from an interchange JSONL file (all lines validated first; idempotent upsert by id)."
    noun = "queries"
    importer = staticmethod(queries_import)
