from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.market import build_market


class Command(BaseCommand):
    help = "Print the demo persona logins."

    def handle(self, *args: Any, **options: Any) -> None:
        personas = build_market()["personas"]
        self.stdout.write("")
        self.stdout.write(f"Tsunagu demo: {settings.SITE_URL}/  (admin: {settings.SITE_URL}/admin/)")
        for role in ("sme", "expert", "buyer", "bureau"):
            persona = personas[role]
            self.stdout.write(f"  {role:<7} {persona['email']:<28} password: {persona['password']}")
        self.stdout.write("")
