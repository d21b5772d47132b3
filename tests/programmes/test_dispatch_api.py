"""The dispatch requests in the API: each party sees its own, an SME member applies, nobody else gets a hint."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ExpertProfile, Membership, Organisation, User
from programmes.dispatch import dispatch_apply, dispatch_assign, dispatch_screen
from programmes.models import DispatchRequest, Programme
from tests.clients import api_client
from tests.factories import (
    DispatchProgrammeFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
REASON = DispatchRequest.Reason


def _owner_of(org: Organisation) -> User:
    return MembershipFactory(organisation=org, role=Membership.Role.OWNER).user


@pytest.fixture
def programme() -> Programme:
    return DispatchProgrammeFactory(code="aomori-plan", prefecture="02", visit_cap_per_firm=5)


@pytest.fixture
def firm() -> Organisation:
    return OrganisationFactory(prefecture="02", name="株式会社弘前精工")


@pytest.fixture
def member(firm: Organisation) -> User:
    return _owner_of(firm)


@pytest.fixture
def officer() -> User:
    return _owner_of(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None))


@pytest.fixture
def expert() -> ExpertProfile:
    return ExpertProfileFactory(user=UserFactory(), prefecture="02")


def test_an_sme_member_applies_and_each_party_sees_the_request(
    programme: Programme, firm: Organisation, member: User, officer: User, expert: ExpertProfile
) -> None:
    url = reverse("api-dispatch-requests")
    response = api_client(member).post(url, {"programme": "aomori-plan", "description": "事業計画の策定支援"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["programme"], body["organisation"], body["status"], body["visits"]) == (
        "aomori-plan",
        "株式会社弘前精工",
        "applied",
        0,
    )
    request = DispatchRequest.objects.get(pk=body["id"])
    dispatch_screen(actor=officer, request=request, accept=True, reason=REASON.MEETS_REQUIREMENTS)
    dispatch_assign(actor=officer, request=request, expert=expert)

    assert expert.user is not None
    for user in (member, officer, expert.user):
        listed = api_client(user).get(url).json()
        assert [r["id"] for r in listed["results"]] == [request.pk]
        detail = api_client(user).get(reverse("api-dispatch-request", args=[request.pk]))
        assert detail.status_code == 200 and detail.json()["expert"] == expert.name
        assert "contact" not in str(detail.json())


def test_outsiders_get_nothing_and_only_sme_members_apply(
    programme: Programme, firm: Organisation, member: User
) -> None:
    request = dispatch_apply(actor=member, programme=programme, organisation=firm, description="相談")
    detail = reverse("api-dispatch-request", args=[request.pk])
    far_officer = _owner_of(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="40", corporate_number=None))
    other_sme = _owner_of(OrganisationFactory(prefecture="02"))
    unassigned = ExpertProfileFactory(user=UserFactory()).user
    for outsider in (far_officer, other_sme, unassigned):
        assert api_client(outsider).get(detail).status_code == 404
        assert api_client(outsider).get(reverse("api-dispatch-requests")).json()["results"] == []
    assert api_client().get(detail).status_code == 401

    buyer = _owner_of(OrganisationFactory(kind=Organisation.Kind.BUYER, prefecture="02"))
    body = {"programme": "aomori-plan", "description": "相談"}
    assert api_client(buyer).post(reverse("api-dispatch-requests"), body).status_code == 403
    # A firm of another prefecture, or a second open request of the same firm, is refused with a message.
    refused = api_client(other_sme).post(reverse("api-dispatch-requests"), {**body, "programme": "nope"})
    assert refused.status_code == 404
    again = api_client(member).post(reverse("api-dispatch-requests"), body)
    assert again.status_code in (400, 409) and again.json()["message"]
    assert DispatchRequest.objects.count() == 1
