"""MATCHING_MAX_OPEN_REQUESTS: a need or opportunity may have only so many requests waiting or accepted at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from core.exceptions import ApplicationError
from matching.models import Introduction
from matching.services.introductions import introduction_withdraw, recommendation_request
from opportunities.models import Need
from tests.factories import ExpertProfileFactory, IntroductionFactory, NeedFactory, OpportunityFactory, recommend

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(sme: Organisation) -> Need:
    return NeedFactory(organisation=sme)


def _request_n(owner: User, need: Need, n: int) -> list[Introduction]:
    return [
        recommendation_request(actor=owner, recommendation=recommend(need, ExpertProfileFactory(), rank=i + 1))
        for i in range(n)
    ]


def test_it_has_a_default_of_three() -> None:
    from django.conf import settings

    assert settings.MATCHING_MAX_OPEN_REQUESTS == 3


def test_it_allows_requests_up_to_the_limit(owner: User, need: Need, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 3
    introductions = _request_n(owner, need, 3)
    assert [i.status for i in introductions] == ["requested"] * 3


def test_it_refuses_one_request_past_the_limit(owner: User, need: Need, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 3
    _request_n(owner, need, 3)
    extra = recommend(need, ExpertProfileFactory(), rank=9)
    with pytest.raises(ApplicationError) as caught:
        recommendation_request(actor=owner, recommendation=extra)
    assert caught.value.extra["code"] == "too_many_open_requests"
    assert caught.value.extra["limit"] == 3
    assert "3" in caught.value.message
    # Nothing was written: the refused request leaves no introduction behind.
    assert Introduction.objects.filter(status="requested").count() == 3
    assert not Introduction.objects.filter(expert=extra.expert).exists()


def test_it_counts_accepted_but_not_closed_requests(owner: User, need: Need, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 2
    IntroductionFactory(query=need, status=Introduction.State.ACCEPTED)
    for status in ("declined", "expired", "withdrawn", "completed", "no_deal", "engaged", "proposed", "dismissed"):
        IntroductionFactory(query=need, status=status)
    _request_n(owner, need, 1)  # 1 accepted + 1 requested = the limit
    with pytest.raises(ApplicationError):
        _request_n(owner, need, 1)


def test_it_frees_a_slot_when_a_request_is_withdrawn(owner: User, need: Need, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    (first,) = _request_n(owner, need, 1)
    introduction_withdraw(actor=owner, introduction=first)
    assert _request_n(owner, need, 1)[0].status == "requested"


def test_it_counts_each_need_on_its_own(owner: User, sme: Organisation, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    _request_n(owner, NeedFactory(organisation=sme), 1)
    assert _request_n(owner, NeedFactory(organisation=sme), 1)[0].status == "requested"


def test_it_limits_opportunities_too(buyer: User, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation)
    recommendation_request(actor=buyer, recommendation=recommend(opportunity, ExpertProfileFactory()))
    with pytest.raises(ApplicationError) as caught:
        recommendation_request(actor=buyer, recommendation=recommend(opportunity, ExpertProfileFactory(), rank=2))
    assert caught.value.extra["code"] == "too_many_open_requests"


def test_it_answers_the_api_with_the_code(owner: User, owner_api: APIClient, need: Need, settings: Any) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    _request_n(owner, need, 1)
    extra = recommend(need, ExpertProfileFactory(), rank=5)
    response = owner_api.post(f"/api/v1/recommendations/{extra.pk}/request/", {"message": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["code"] == "too_many_open_requests"


def test_it_shows_the_translated_message_on_the_page(
    owner: User, owner_client: Client, need: Need, settings: Any
) -> None:
    settings.MATCHING_MAX_OPEN_REQUESTS = 1
    _request_n(owner, need, 1)
    extra = recommend(need, ExpertProfileFactory(), rank=5)
    response = owner_client.post(reverse("recommendation-request", args=[extra.pk]), follow=True)
    assert "同時に出せる上限に達しています" in response.content.decode()
