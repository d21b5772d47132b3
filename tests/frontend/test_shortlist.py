"""The buyer's shortlist (issue 13): listed on the opportunity, removable, and the start of a request."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from matching.models import Introduction
from matching.services.introductions import introduction_propose
from tests.factories import OpportunityFactory, OrganisationFactory, recommend

pytestmark = pytest.mark.django_db


def test_the_buyer_s_shortlist_lists_removes_and_asks(buyer: User, buyer_client: Client) -> None:
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation, status="open")
    first, second = (OrganisationFactory(kind="sme", name=name) for name in ("株式会社あおば", "株式会社いずみ"))
    kept = introduction_propose(actor=buyer, recommendation=recommend(opportunity, first))
    dropped = introduction_propose(actor=buyer, recommendation=recommend(opportunity, second, rank=2))

    page = buyer_client.get(f"/opportunities/{opportunity.pk}/").content.decode()
    assert 'id="shortlist"' in page and "株式会社あおば" in page and "株式会社いずみ" in page
    inbox = buyer_client.get("/introductions/").content.decode()
    assert "株式会社あおば" not in inbox  # a shortlist is not an introduction yet

    buyer_client.post(f"/opportunities/{opportunity.pk}/", {"unshortlist": dropped.pk})
    dropped.refresh_from_db()
    assert dropped.status == Introduction.State.DISMISSED
    asked = buyer_client.post(f"/opportunities/{opportunity.pk}/", {"ask": kept.pk})
    kept.refresh_from_db()
    assert kept.status == Introduction.State.REQUESTED and asked["Location"] == f"/introductions/{kept.pk}/"
    assert "株式会社あおば" in buyer_client.get("/introductions/").content.decode()
