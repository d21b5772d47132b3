from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Membership, Organisation, User
from tests.factories import OrganisationFactory, UserFactory, corporate_number

pytestmark = pytest.mark.django_db


def _signup(email: str, password: str = "a-long-pass-phrase", **extra: str) -> dict[str, str]:  # noqa: S107
    return {"email": email, "password": password, "kind": "sme", "organisation_name": "新会社", **extra}


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


def test_it_answers_a_registered_email_like_a_new_one(
    anon_api: APIClient, owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    # Sign-up must not tell whether an address has an account: same status and body,
    # nothing created; the owner of the address gets an e-mail instead.
    with django_capture_on_commit_callbacks(execute=True):
        taken = anon_api.post("/api/v1/auth/signup/", _signup(owner.email.upper()), format="json")
        new = anon_api.post("/api/v1/auth/signup/", _signup("fresh@example.jp"), format="json")
    assert taken.status_code == new.status_code == 201
    assert taken.json().keys() == new.json().keys() == {"email"}
    assert User.objects.filter(email=owner.email).count() == 1
    assert Membership.objects.filter(user=owner).count() == 1
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert sorted(by_recipient) == sorted([owner.email, "fresh@example.jp"])
    assert "/accounts/password_reset/" in by_recipient[owner.email]  # "someone tried to sign up as you"
    assert "/accounts/verify/" in by_recipient["fresh@example.jp"]  # the new address is asked to confirm


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
            organisation_set_vetting(organisation=sme, actor=actor, status="vetted", reason="identity_confirmed")
    sme.refresh_from_db()
    assert sme.vetting_status == "none"
    organisation_set_vetting(organisation=sme, actor=owner_here, status="vetted", reason="identity_confirmed")
    sme.refresh_from_db()
    assert sme.vetting_status == "vetted"
    assert sme.vetted_by == owner_here


def test_it_runs_the_password_validators_on_sign_up(anon_api: APIClient) -> None:
    for password in ("12345678", "password", "newcomer@example.jp"):
        response = anon_api.post("/api/v1/auth/signup/", _signup("newcomer@example.jp", password), format="json")
        assert response.status_code == 400, password
        assert response.json()["extra"]["fields"]["password"], password
    assert not User.objects.filter(email="newcomer@example.jp").exists()


def test_it_refuses_a_weak_password_for_a_registered_email_too(anon_api: APIClient, owner: User) -> None:
    # Validation comes before the "already registered" branch, so both answers match.
    taken = anon_api.post("/api/v1/auth/signup/", _signup(owner.email, "12345678"), format="json")
    new = anon_api.post("/api/v1/auth/signup/", _signup("fresh@example.jp", "12345678"), format="json")
    assert taken.status_code == new.status_code == 400
    assert taken.json() == new.json()


def test_it_answers_401_with_a_challenge_when_the_token_is_missing(anon_api: APIClient) -> None:
    response = anon_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"phone": "0" * 100}, "phone"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"full_name": "x" * 200}, "full_name"),
    ],
)
def test_it_rejects_bad_profile_fields_with_a_field_error(
    owner_api: APIClient, owner: User, data: dict[str, str], field: str
) -> None:
    response = owner_api.patch("/api/v1/me/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["extra"]["fields"]
    owner.refresh_from_db()
    assert owner.time_zone == "Asia/Tokyo" and len(owner.phone) <= 30


def test_it_updates_the_own_time_zone(owner_api: APIClient, owner: User) -> None:
    response = owner_api.patch("/api/v1/me/", {"time_zone": "Europe/London", "phone": "022-000-0000"}, format="json")
    assert response.status_code == 200, response.json()
    owner.refresh_from_db()
    assert (owner.time_zone, owner.phone) == ("Europe/London", "022-000-0000")


def test_it_stores_a_full_width_corporate_number_in_ascii(owner_api: APIClient, sme: Organisation) -> None:
    response = owner_api.patch(
        "/api/v1/organisation/", {"corporate_number": "７００００１２０５０００２"}, format="json"
    )
    assert response.status_code == 200, response.json()
    sme.refresh_from_db()
    assert sme.corporate_number == "7000012050002"


def test_it_sees_a_full_width_corporate_number_as_the_one_already_registered(
    owner_api: APIClient, sme: Organisation
) -> None:
    OrganisationFactory(corporate_number="7000012050002")
    response = owner_api.patch(
        "/api/v1/organisation/", {"corporate_number": "７００００１２０５０００２"}, format="json"
    )
    assert response.status_code == 400
    assert "corporate_number" in response.json()["extra"]["fields"]


def test_it_refuses_non_ascii_digits_in_the_model_validator() -> None:
    from accounts.rules import corporate_number_is_valid

    assert corporate_number_is_valid("7000012050002")
    assert not corporate_number_is_valid("７００００１２０５０００２")


def test_it_throttles_the_token_endpoint_in_the_error_format(
    anon_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/minute", "user": "100/minute", "auth": "2/minute"}
    )
    statuses = [
        anon_api.post("/api/v1/auth/token/", {"username": f"u{i}@example.jp", "password": "x"}).status_code
        for i in range(3)
    ]
    assert statuses == [400, 400, 429]
    response = anon_api.post("/api/v1/auth/signup/", _signup("someone@example.jp"), format="json")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"message", "extra"} and body["extra"]["wait"] > 0
    assert int(response["Retry-After"]) > 0


def test_it_throttles_anonymous_api_clients(anon_api: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "100/minute", "auth": "100/minute"}
    )
    statuses = [anon_api.post("/api/v1/auth/signup/", {}, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_it_locks_the_token_endpoint_after_repeated_wrong_passwords(
    anon_api: APIClient, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Throttles out of the way: this is the lockout, counted per e-mail (any case) and address.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "1000/minute", "auth": "1000/minute"}
    )
    UserFactory(email="target@example.jp", password="the-right-pass-phrase")
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        anon_api.post("/api/v1/auth/token/", {"username": "Target@example.jp", "password": "wrong"}).status_code
        for _ in range(limit)
    ]
    assert statuses == [400] * (limit - 1) + [429]
    right = anon_api.post("/api/v1/auth/token/", {"username": "target@example.jp", "password": "the-right-pass-phrase"})
    assert right.status_code == 429
    assert set(right.json()) == {"message", "extra"}
    # Each failure is on record for security review (who was tried, from where, when).
    from axes.models import AccessFailureLog

    assert AccessFailureLog.objects.filter(username="target@example.jp").count() >= limit - 1


def test_it_sets_a_sub_industry_that_changes_the_size_class(owner_api: APIClient, sme: Organisation) -> None:
    owner_api.patch(
        "/api/v1/organisation/",
        {"industry": "manufacturing", "capital_jpy": 1_000_000_000, "employees": 500},
        format="json",
    )
    assert owner_api.get("/api/v1/organisation/").json()["size_class"] == "large"
    body = owner_api.patch("/api/v1/organisation/", {"industry_detail": "rubber_products"}, format="json").json()
    assert body["industry_detail"] == "rubber_products" and body["size_class"] == "sme"
    # A sub-industry of another industry is refused with a field error.
    refused = owner_api.patch("/api/v1/organisation/", {"industry_detail": "ryokan"}, format="json")
    assert refused.status_code == 400 and "industry_detail" in refused.json()["extra"]["fields"]


def test_the_schema_says_employees_are_regular_employees(owner_api: APIClient) -> None:
    schema = owner_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "常時使用する従業員" in schema
