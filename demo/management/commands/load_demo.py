from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from accounts.models import ExpertProfile, Organisation
from demo.dispatch import demo_dispatch_load
from demo.history import demo_history_build
from demo.loader import demo_is_loaded, demo_load
from demo.programmes import demo_programmes_load

# While loading, the eager Celery tasks log every run, the index builds their timings, kombu
# warns that no broker host is set, and the console e-mail backend prints every notification
# in full: hundreds of lines that push the persona logins (printed next by `make demo`) off the
# screen. Errors still show.
QUIET_LEVEL = logging.WARNING
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence log records up to WARNING and keep the demo's e-mails in memory, for the load only."""
    previous = logging.root.manager.disable
    logging.disable(QUIET_LEVEL)
    try:
        with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND):
            yield
    finally:
        logging.disable(previous)


class Command(BaseCommand):
    help = "Load the deterministic demo market (SMEs, experts, buyers, needs, opportunities, persona logins)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when organisations already exist")
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_is_loaded():
            self.stdout.write("Demo data already present; nothing loaded.")
            return
        self.stdout.write("Loading the demo market (about a minute)…")
        with quiet_loading():
            result = demo_load(seed=options["seed"])
            # Recommendations were computed when the load committed; give them a past.
            history = demo_history_build(seed=options["seed"])
            personas = result["personas"]
            demo_programmes_load(
                sme=Organisation.objects.get(external_id=personas["sme"]["profile_id"]),
                expert=ExpertProfile.objects.get(external_id=personas["expert"]["profile_id"]),
            )
            demo_dispatch_load()  # Aomori's FY2022 as seed 003 reports it
        self.stdout.write(f"Loaded {result['profiles']} profiles and {result['queries']} needs/opportunities.")
        states = ", ".join(f"{state}: {n}" for state, n in sorted(history.items()))
        self.stdout.write(f"Demo history: {sum(history.values())} introductions ({states}).")
