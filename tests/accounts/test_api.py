from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from tests.factories import corporate_number

pytestmark = pytest.mark.django_db


def test_it_signs_up_an_sme_owner(anon_api: APIClient) -> None:
    response = anon_api.post(
        "/api/v1/auth/signup/",
        {"email": "New@Example.jp", "password": "a-long-pass-phrase", "kind": "sme", "organisation_name": "新会社"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    user = User.objects.get(email="new@example.jp")
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner"
    assert membership.organisation.kind == "sme"
    token = anon_api.post("/api/v1/auth/token/", {"username": "new@example.jp", "password": "a-long-pass-phrase"})
    assert token.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get("/api/v1/organisation/").json()["name"] == "新会社"


def test_it_refuses_a_duplicate_email(anon_api: APIClient, owner: User) -> None:
    response = anon_api.post(
        "/api/v1/auth/signup/",
        {"email": owner.email, "password": "a-long-pass-phrase", "kind": "sme", "organisation_name": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["extra"]["fields"]


def test_it_reads_and_updates_own_organisation(owner_api: APIClient, sme: Organisation) -> None:
    body = owner_api.get("/api/v1/organisation/").json()
    assert body["id"] == sme.pk
    assert body["size_class"] == "sme"
    response = owner_api.patch(
        "/api/v1/organisation/",
        {
            "employees": 12,
            "capital_jpy": 5_000_000,
            "sectors": ["aerospace"],
            "capabilities": ["precision_machining"],
            "certifications": ["jisq9100"],
            "corporate_number": corporate_number(42),
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["size_class"] == "small"
    assert body["sectors"] == ["aerospace"]
    assert body["certifications"] == ["jisq9100"]


def test_it_ignores_a_typed_in_size_class(owner_api: APIClient, sme: Organisation) -> None:
    owner_api.patch("/api/v1/organisation/", {"size_class": "large", "employees": 10}, format="json")
    assert owner_api.get("/api/v1/organisation/").json()["size_class"] == "small"


def test_it_rejects_a_bad_corporate_number(owner_api: APIClient, sme: Organisation) -> None:
    response = owner_api.patch("/api/v1/organisation/", {"corporate_number": "1234567890123"}, format="json")
    assert response.status_code == 400
    assert "corporate_number" in response.json()["extra"]["fields"]


def test_it_rejects_a_corporate_number_of_another_organisation(owner_api: APIClient, other_sme: Organisation) -> None:
    response = owner_api.patch("/api/v1/organisation/", {"corporate_number": other_sme.corporate_number}, format="json")
    assert response.status_code == 400
    assert "corporate_number" in response.json()["extra"]["fields"]


def test_it_does_not_leak_other_organisations(outsider_api: APIClient, sme: Organisation) -> None:
    body = outsider_api.get("/api/v1/organisation/").json()
    assert body["id"] != sme.pk
    outsider_api.patch("/api/v1/organisation/", {"name": "上書き"}, format="json")
    sme.refresh_from_db()
    assert sme.name == "株式会社みやぎ精工"


def test_it_invites_a_colleague(owner_api: APIClient, sme: Organisation, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post("/api/v1/organisation/invitations/", {"email": "colleague@example.jp"}, format="json")
    assert response.status_code == 201
    assert len(mail.outbox) == 1
    assert "colleague@example.jp" in mail.outbox[0].to
    assert "/accounts/invitations/" in mail.outbox[0].body


def test_it_lets_only_owners_invite(teammate_api: APIClient, sme: Organisation) -> None:
    response = teammate_api.post("/api/v1/organisation/invitations/", {"email": "x@example.jp"}, format="json")
    assert response.status_code == 403
    assert len(mail.outbox) == 0


def test_it_updates_the_expert_profile(expert_api: APIClient) -> None:
    response = expert_api.patch(
        "/api/v1/expert-profile/", {"regions": ["02", "03"], "skills": ["dx.ai"], "capacity": 4}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["regions"] == ["02", "03"]
    assert response.json()["capacity"] == 4
    bad = expert_api.patch("/api/v1/expert-profile/", {"expert_type": "wizard"}, format="json")
    assert bad.status_code == 400
    assert "expert_type" in bad.json()["extra"]["fields"]


def test_it_serves_the_schema_and_vocabulary(owner_api: APIClient) -> None:
    schema = owner_api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/needs/" in schema.content
    terms = owner_api.get("/api/v1/vocabulary/?section=prefectures").json()
    assert len(terms) == 47
    assert terms[0]["label_ja"] == "北海道"


def test_it_lets_only_bureau_owners_of_the_region_vet(sme: Organisation) -> None:
    from accounts.services import organisation_set_vetting
    from core.exceptions import PermissionDenied
    from tests.factories import MembershipFactory, OrganisationFactory

    tohoku = OrganisationFactory(kind="bureau", prefecture="04", corporate_number=None)
    kyushu = OrganisationFactory(kind="bureau", prefecture="40", corporate_number=None)
    owner_here = MembershipFactory(organisation=tohoku, role="owner").user
    member_here = MembershipFactory(organisation=tohoku, role="member").user
    owner_elsewhere = MembershipFactory(organisation=kyushu, role="owner").user
    for actor in (member_here, owner_elsewhere):
        with pytest.raises(PermissionDenied):
            organisation_set_vetting(organisation=sme, actor=actor, status="vetted")
    sme.refresh_from_db()
    assert sme.vetting_status == "none"
    organisation_set_vetting(organisation=sme, actor=owner_here, status="vetted")
    sme.refresh_from_db()
    assert sme.vetting_status == "vetted"
    assert sme.vetted_by == owner_here
