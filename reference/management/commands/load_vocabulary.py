from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reference.models import VocabularyTerm
from reference.vocabulary import sync_terms


class Command(BaseCommand):
    help = "Load or refresh the reference vocabulary from the shipped vocabulary.json."

    def handle(self, *args: Any, **options: Any) -> None:
        count = sync_terms(VocabularyTerm)
        self.stdout.write(f"{count} vocabulary terms loaded")
