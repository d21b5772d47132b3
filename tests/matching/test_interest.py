"""An SME answers a buyer's opportunity: a request the buyer accepts or declines (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Organisation, User
from core.exceptions import ApplicationError, PermissionDenied
from matching.models import Introduction, Notification
from matching.services.introductions import (
    introduction_accept,
    introduction_decline,
    introduction_withdraw,
    opportunity_interest,
)
from tests.clients import api_client, web_client
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(buyer: User) -> Any:
    return OpportunityFactory(organisation=buyer.memberships.get().organisation, status="open")


def test_an_sme_offers_to_supply_and_the_buyer_answers(owner: User, buyer: User, opportunity: Any, run: Any) -> None:
    mail.outbox.clear()
    client = web_client(owner)
    page = client.get(f"/browse/opportunities/{opportunity.pk}/").content.decode()
    assert 'id="interest"' in page
    response = run(
        client.post,
        f"/browse/opportunities/{opportunity.pk}/interest/",
        {"message": "SUS304の切削、月産500個可能です。"},
    )
    introduction = Introduction.objects.get(opportunity=opportunity)
    assert response.status_code == 302 and response["Location"] == f"/introductions/{introduction.pk}/"
    assert introduction.status == "requested" and introduction.initiated_by == "candidate"
    # The buyer hears about it and answers; the SME cannot answer its own offer.
    assert list(Notification.objects.filter(user=buyer).values_list("kind", flat=True)) == ["introduction_requested"]
    assert [m.to for m in mail.outbox] == [[buyer.email]]
    with pytest.raises(PermissionDenied):
        introduction_accept(actor=owner, introduction=introduction)
    buyer_page = web_client(buyer).get(f"/introductions/{introduction.pk}/").content.decode()
    assert "SUS304の切削" in buyer_page and f"/introductions/{introduction.pk}/accept/" in buyer_page

    answered = run(api_client(buyer).post, f"/api/v1/introductions/{introduction.pk}/accept/", {}, format="json")
    assert answered.status_code == 200 and answered.json()["contacts"] is not None
    assert Notification.objects.filter(user=owner, kind="introduction_accepted").exists()
    # The page now says so instead of offering again.
    assert "introduction-detail" not in client.get(f"/browse/opportunities/{opportunity.pk}/").content.decode()
    with pytest.raises(ApplicationError) as again:
        opportunity_interest(actor=owner, opportunity=opportunity)
    assert again.value.extra["code"] == "exists"


def test_the_buyer_may_decline_and_the_sme_withdraw(owner: User, buyer: User, opportunity: Any) -> None:
    first = opportunity_interest(actor=owner, opportunity=opportunity, message="対応できます")
    with pytest.raises(PermissionDenied):
        introduction_withdraw(actor=buyer, introduction=first)  # only the side that asked withdraws
    introduction_decline(actor=buyer, introduction=first, reason=Introduction.DeclineReason.NOT_MY_FIELD)
    first.refresh_from_db()
    assert first.status == "declined"

    other = OpportunityFactory(organisation=opportunity.organisation, status="open")
    second = opportunity_interest(actor=owner, opportunity=other)
    introduction_withdraw(actor=owner, introduction=second)
    second.refresh_from_db()
    assert second.status == "withdrawn"


def test_offers_follow_the_same_rules_as_requests(owner: User, buyer: User, sme: Organisation) -> None:
    restricted = OpportunityFactory(organisation=buyer.memberships.get().organisation, status="open", restricted=True)
    with pytest.raises(ApplicationError) as not_vetted:
        opportunity_interest(actor=owner, opportunity=restricted)
    assert not_vetted.value.extra["code"] == "not_vetted"
    closed = OpportunityFactory(organisation=buyer.memberships.get().organisation, status="closed")
    with pytest.raises(ApplicationError):
        opportunity_interest(actor=owner, opportunity=closed)
    with pytest.raises(PermissionDenied):
        opportunity_interest(actor=buyer, opportunity=restricted)  # a buyer is no supplier
    assert not Introduction.objects.exists()


def test_offers_do_not_use_up_the_buyer_s_request_room(
    owner: User, buyer: User, opportunity: Any, settings: Any, outsider: User
) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    opportunity_interest(actor=owner, opportunity=opportunity)
    opportunity_interest(actor=outsider, opportunity=opportunity)
    from matching.services.introductions import recommendation_request
    from tests.factories import OrganisationFactory, recommend

    rec = recommend(opportunity, OrganisationFactory(kind="sme"))
    assert recommendation_request(actor=buyer, recommendation=rec).status == "requested"


def test_the_browse_page_needs_a_post_and_hides_own_opportunities(owner_client: Client, opportunity: Any) -> None:
    assert owner_client.get(f"/browse/opportunities/{opportunity.pk}/interest/").status_code == 405
