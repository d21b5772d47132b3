from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from programmes.catalogue import catalogue_rows
from programmes.services import programmes_load


class Command(BaseCommand):
    help = "Create or update the support programmes from the shipped catalogue (programmes/data/programmes.json)."

    def handle(self, *args: Any, **options: Any) -> None:
        created, updated = programmes_load(rows=catalogue_rows())
        self.stdout.write(f"Programmes: {created} created, {updated} updated.")
