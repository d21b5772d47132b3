from __future__ import annotations

from accounts.interchange import profiles_import
from core.commands import ImportCommand


class Command(ImportCommand):
    help = "Import profiles from an interchange JSONL file (all lines validated first; idempotent upsert by id)."
    noun = "profiles"
    importer = staticmethod(profiles_import)
