"""Japanese pages must not show English UI text.

After adding strings, run `make messages` and translate the new entries in
locale/ja/LC_MESSAGES/django.po, or this test names what is missing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, User
from tests.factories import (
    NeedFactory,
    OpportunityFactory,
    PaidEngagementFactory,
    ProgrammeFactory,
    WorkLogEntryFactory,
)
from tests.frontend.html_text import english_phrases, visible_text

pytestmark = pytest.mark.django_db

# Data and proper names that are English on purpose.
ALLOWED = frozenset({"English"})

PAGES = {
    "owner_client": ["home", "need-list", "need-create", "organisation-edit", "organisation-members", "account"],
    "buyer_client": ["opportunity-list", "opportunity-create"],
    "expert_client": ["expert-profile", "paid-engagement-list"],
    "bureau_client": ["bureau-dashboard", "programme-budgets"],
    "client": ["home", "login", "signup"],
}


@pytest.mark.parametrize(
    ("client_fixture", "url_name"),
    [(client, name) for client, names in PAGES.items() for name in names],
)
def test_pages_are_fully_japanese(request: pytest.FixtureRequest, client_fixture: str, url_name: str) -> None:
    client: Client = request.getfixturevalue(client_fixture)
    response = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert english_phrases(visible_text(response.content.decode()), ALLOWED) == []


def test_object_pages_are_fully_japanese(
    owner: User, buyer: User, owner_client: Client, buyer_client: Client, sme: Organisation
) -> None:
    need = NeedFactory(organisation=sme)
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation)
    sme.industry, sme.capital_jpy, sme.employees = "manufacturing", 10_000_000, 8
    sme.save()
    ProgrammeFactory(
        eligibility=[{"kind": "size_class", "in": ["small"]}, {"kind": "partner", "any_of": ["university"]}]
    )
    ProgrammeFactory(eligibility=[{"kind": "region", "in": ["13"]}])
    engagement = PaidEngagementFactory(organisation=sme)
    WorkLogEntryFactory(engagement=engagement)
    pages = [
        (owner_client, reverse("need-detail", args=[need.pk])),
        (owner_client, reverse("need-detail", args=[need.pk]) + "?programmes=all"),
        (owner_client, reverse("paid-engagement-detail", args=[engagement.pk])),
        (owner_client, reverse("need-edit", args=[need.pk])),
        (owner_client, reverse("need-close", args=[need.pk])),
        (buyer_client, reverse("opportunity-detail", args=[opportunity.pk])),
        (buyer_client, reverse("opportunity-edit", args=[opportunity.pk])),
    ]
    for client, url in pages:
        html = client.get(url).content.decode()
        assert english_phrases(visible_text(html), ALLOWED) == [], url
