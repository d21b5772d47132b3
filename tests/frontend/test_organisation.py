from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Invitation, Membership, Organisation, User
from tests.factories import MembershipFactory, OrganisationFactory, corporate_number

pytestmark = pytest.mark.django_db


def _valid(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "株式会社みやぎ精工",
        "corporate_number": corporate_number(424242),
        "prefecture": "04",
        "industry": "manufacturing",
        "capital_jpy": "10000000",
        "employees": "15",
        "description": "精密切削加工が得意です。",
        "sectors": ["semiconductor", "aerospace"],
        "capabilities": ["precision_machining"],
        "certifications": ["iso9001"],
        "contact_name": "佐藤 花子",
        "contact_email": "sato@example.jp",
        "contact_phone": "022-111-2222",
    }
    data.update(overrides)
    return data


def test_it_updates_the_company_profile_through_the_service(owner_client: Client, sme: Organisation) -> None:
    response = owner_client.post(reverse("organisation-edit"), _valid())
    assert response.status_code == 302
    sme.refresh_from_db()
    assert sme.corporate_number == corporate_number(424242)
    assert (sme.capital_jpy, sme.employees, sme.industry) == (10_000_000, 15, "manufacturing")
    assert sorted(sme.sectors.values_list("code", flat=True)) == ["aerospace", "semiconductor"]
    assert list(sme.capabilities.values_list("code", flat=True)) == ["precision_machining"]
    assert list(sme.certifications.values_list("code", flat=True)) == ["iso9001"]
    assert sme.size_class == "small"


def test_it_accepts_a_full_width_corporate_number(owner_client: Client, sme: Organisation) -> None:
    number = corporate_number(777)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    owner_client.post(reverse("organisation-edit"), _valid(corporate_number=full_width))
    sme.refresh_from_db()
    assert sme.corporate_number == number


def test_it_shows_the_size_class_read_only(owner_client: Client) -> None:
    response = owner_client.get(reverse("organisation-edit"))
    html = response.content.decode()
    assert "size_class" not in response.context["form"].fields
    assert 'name="size_class"' not in html
    assert 'class="derived"' in html


def test_it_renders_vocabulary_checkbox_groups(owner_client: Client, sme: Organisation) -> None:
    html = owner_client.get(reverse("organisation-edit")).content.decode()
    assert 'type="checkbox" name="capabilities" value="precision_machining"' in html
    assert "精密切削加工" in html  # the Japanese vocabulary label
    assert "<legend>" in html


@pytest.mark.parametrize(
    ("overrides", "error_field"),
    [
        ({"name": ""}, "name"),
        ({"corporate_number": "1234567890123"}, "corporate_number"),
        ({"employees": "-3"}, "employees"),
        ({"prefecture": "99"}, "prefecture"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"capabilities": ["telepathy"]}, "capabilities"),
    ],
)
def test_it_shows_field_errors_and_writes_nothing(
    owner_client: Client, sme: Organisation, overrides: dict[str, Any], error_field: str
) -> None:
    before = (sme.name, sme.corporate_number, sme.employees)
    response = owner_client.post(reverse("organisation-edit"), _valid(**overrides))
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    sme.refresh_from_db()
    assert (sme.name, sme.corporate_number, sme.employees) == before
    assert not sme.sectors.exists()


def test_it_reports_a_corporate_number_taken_by_another_company(owner_client: Client, sme: Organisation) -> None:
    taken = OrganisationFactory().corporate_number
    response = owner_client.post(reverse("organisation-edit"), _valid(corporate_number=taken))
    assert response.status_code == 200
    assert "corporate_number" in response.context["form"].errors  # the service's error, next to its field
    sme.refresh_from_db()
    assert sme.corporate_number != taken
    assert not sme.sectors.exists()  # the whole update rolled back


def test_buyers_edit_their_company_profile_too(buyer_client: Client, buyer_org: Organisation) -> None:
    response = buyer_client.post(reverse("organisation-edit"), _valid(name="東北セミコン株式会社 本社"))
    assert response.status_code == 302
    buyer_org.refresh_from_db()
    assert buyer_org.name == "東北セミコン株式会社 本社"


def test_it_lists_members(owner_client: Client, owner: User, teammate: User, outsider: User) -> None:
    html = owner_client.get(reverse("organisation-members")).content.decode()
    assert owner.email in html
    assert teammate.email in html
    assert outsider.email not in html


def test_owners_invite_a_colleague(
    owner_client: Client, sme: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("organisation-members"), {"email": "New@Example.jp", "role": "member"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.email, invitation.role) == (sme, "new@example.jp", "member")
    assert mail.outbox[0].to == ["new@example.jp"]


def test_it_refuses_to_invite_an_existing_member(owner_client: Client, teammate: User) -> None:
    response = owner_client.post(reverse("organisation-members"), {"email": teammate.email, "role": "member"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_it_shows_invitation_field_errors(owner_client: Client) -> None:
    response = owner_client.post(reverse("organisation-members"), {"email": "nope", "role": "king"})
    assert set(response.context["form"].errors) == {"email", "role"}
    assert not Invitation.objects.exists()


def test_members_who_are_not_owners_cannot_invite(teammate_client: Client) -> None:
    page = teammate_client.get(reverse("organisation-members"))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = teammate_client.post(reverse("organisation-members"), {"email": "x@example.jp", "role": "owner"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_members_list_has_no_n_plus_one(
    owner_client: Client, sme: Organisation, django_assert_max_num_queries: Any
) -> None:
    with CaptureQueriesContext(connection) as few:
        owner_client.get(reverse("organisation-members"))
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    MembershipFactory.create_batch(25, organisation=sme, role=Membership.Role.MEMBER)
    with django_assert_max_num_queries(baseline):
        owner_client.get(reverse("organisation-members"))
