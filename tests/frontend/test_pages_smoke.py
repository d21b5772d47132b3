"""Every page renders for its persona and refuses the others."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, User
from tests.factories import NeedFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    ["home", "need-list", "need-create", "organisation-edit", "organisation-members"],
)
def test_it_renders_sme_pages(owner_client: Client, url_name: str) -> None:
    response = owner_client.get(reverse(url_name))
    assert response.status_code == 200
    assert "株式会社みやぎ精工" in response.content.decode()  # active organisation in the header


@pytest.mark.parametrize("url_name", ["opportunity-list", "opportunity-create", "organisation-edit"])
def test_it_renders_buyer_pages(buyer_client: Client, url_name: str) -> None:
    assert buyer_client.get(reverse(url_name)).status_code == 200


def test_it_renders_the_expert_profile(expert_client: Client) -> None:
    assert expert_client.get(reverse("expert-profile")).status_code == 200


def test_it_renders_the_bureau_dashboard(bureau_client: Client) -> None:
    assert bureau_client.get(reverse("bureau-dashboard")).status_code == 200


def test_it_renders_object_pages(owner: User, buyer: User, owner_client: Client, buyer_client: Client) -> None:
    need = NeedFactory(organisation=owner.memberships.get().organisation)
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation)
    for name in ("need-detail", "need-edit", "need-close"):
        assert owner_client.get(reverse(name, args=[need.pk])).status_code == 200, name
    for name in ("opportunity-detail", "opportunity-edit", "opportunity-close"):
        assert buyer_client.get(reverse(name, args=[opportunity.pk])).status_code == 200, name


@pytest.mark.parametrize(
    ("client_fixture", "url_name"),
    [
        ("buyer_client", "need-list"),
        ("buyer_client", "need-create"),
        ("expert_client", "need-list"),
        ("owner_client", "opportunity-list"),
        ("owner_client", "opportunity-create"),
        ("owner_client", "expert-profile"),
        ("owner_client", "bureau-dashboard"),
        ("expert_client", "organisation-edit"),
        ("expert_client", "organisation-members"),
        ("buyer_client", "bureau-dashboard"),
    ],
)
def test_it_refuses_other_personas(request: pytest.FixtureRequest, client_fixture: str, url_name: str) -> None:
    client: Client = request.getfixturevalue(client_fixture)
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["need-list", "need-create", "opportunity-list", "organisation-edit", "organisation-members", "expert-profile"],
)
def test_it_sends_anonymous_visitors_to_log_in(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lets_staff_without_an_organisation_see_the_dashboard(db: None) -> None:
    staff = User.objects.create_user(email="staff@example.jp", password="x", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("bureau-dashboard")).status_code == 200
    assert Organisation.objects.count() == 0
