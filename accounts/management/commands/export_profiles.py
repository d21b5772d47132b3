from __future__ import annotations

from accounts.interchange import profiles_export
from core.commands import ExportCommand


class Command(ExportCommand):
    help = "Export profiles as interchange JSONL."
    exporter = staticmethod(profiles_export)
