from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.history import demo_history_build
from demo.loader import demo_is_loaded, demo_load


class Command(BaseCommand):
    help = "Load the deterministic demo market (SMEs, experts, buyers, needs, opportunities, persona logins)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when organisations already exist")
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_is_loaded():
            self.stdout.write("Demo data already present; nothing loaded.")
            return
        result = demo_load(seed=options["seed"])
        self.stdout.write(f"Loaded {result['profiles']} profiles and {result['queries']} needs/opportunities.")
        # Recommendations were computed when the load committed; give them a past.
        history = demo_history_build(seed=options["seed"])
        states = ", ".join(f"{state}: {n}" for state, n in sorted(history.items()))
        self.stdout.write(f"Demo history: {sum(history.values())} introductions ({states}).")
