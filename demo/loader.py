"""Load the demo market into the database through the normal import path.

The generator (demo.market) is pure Python and deterministic; this
module writes its output as interchange files, imports them with the same
code as `import_profiles` / `import_queries`, and adds one login per persona.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.interchange import profiles_import
from accounts.models import ExpertProfile, Membership, Organisation, User
from demo.market import build_market
from matching.services.scheduling import recommendations_refresh_all
from opportunities.interchange import queries_import

BUREAU_ORG_NAME = "東北経済産業局 産業部"


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _user(email: str, password: str, full_name: str, **extra: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        # The demo logins stand for people who confirmed their address and accepted the terms.
        now = timezone.now()
        user = User.objects.create_user(
            email=email, password=password, full_name=full_name, email_verified_at=now, terms_accepted_at=now, **extra
        )
    return user


@transaction.atomic
def demo_load(*, seed: int = 20261123) -> dict[str, Any]:
    market = build_market(seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        profiles = profiles_import(_write(Path(tmp) / "profiles.jsonl", market["profiles"]))
        queries = queries_import(_write(Path(tmp) / "queries.jsonl", market["queries"]))
    personas = market["personas"]

    sme = personas["sme"]
    org = Organisation.objects.get(external_id=sme["profile_id"])
    user = _user(sme["email"], sme["password"], org.contact_name or "中小企業 担当者")
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": Membership.Role.OWNER})

    buyer = personas["buyer"]
    org = Organisation.objects.get(external_id=buyer["profile_id"])
    user = _user(buyer["email"], buyer["password"], org.contact_name or "調達 担当者")
    Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": Membership.Role.OWNER})

    expert = personas["expert"]
    profile = ExpertProfile.objects.get(external_id=expert["profile_id"])
    user = _user(expert["email"], expert["password"], profile.name)
    if profile.user_id is None:
        profile.user = user
        if not profile.contact_email:
            profile.contact_email = user.email
        profile.save(update_fields=["user", "contact_email"])

    bureau = personas["bureau"]
    bureau_org, _created = Organisation.objects.get_or_create(
        kind=Organisation.Kind.BUREAU, name=BUREAU_ORG_NAME, defaults={"prefecture": bureau.get("prefecture", "04")}
    )
    # A bureau officer is an owner of the bureau organisation, not Django staff: the bureau pages
    # (limited to the jurisdiction) and vetting, never the admin (superusers only).
    user = _user(bureau["email"], bureau["password"], "経産局 担当者")
    if user.is_staff:  # a demo database loaded before bureau officers stopped being staff
        User.objects.filter(pk=user.pk).update(is_staff=False)
        user.user_permissions.clear()
    Membership.objects.get_or_create(user=user, organisation=bureau_org, defaults={"role": Membership.Role.OWNER})
    # Proposals for every open query, computed once the import has committed.
    recommendations_refresh_all(reason="demo")
    return {
        "profiles": profiles.created + profiles.updated,
        "queries": queries.created + queries.updated,
        "personas": personas,
    }


def demo_is_loaded() -> bool:
    return Organisation.objects.filter(kind__in=[Organisation.Kind.SME, Organisation.Kind.BUYER]).exists()
