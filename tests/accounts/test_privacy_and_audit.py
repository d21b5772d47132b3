"""Issue 11 item 10: a user's copy of their data, erasure that keeps aggregates and the trail,
an append-only audit log of state changes, and history that deletion cannot take away."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import ProtectedError
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ExpertProfile, Organisation, User
from accounts.services import api_token_create, organisation_set_vetting
from core.models import AuditEvent
from matching.models import Introduction, IntroductionEvent, Notification, Outcome
from matching.selectors import recommendation_list
from tests.clients import api_client, web_client
from tests.factories import (
    ExpertProfileFactory,
    IntroductionEventFactory,
    IntroductionFactory,
    NeedFactory,
    NotificationFactory,
    UserFactory,
    recommend,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"


@pytest.fixture
def adviser(owner: User) -> Any:
    """An expert with history: an accepted introduction with a message, an outcome and a notification."""
    user = UserFactory(email="adviser@example.jp", full_name="相談 太郎", phone="090-1111-2222", password=PASSWORD)
    expert = ExpertProfileFactory(
        user=user, name="相談 太郎", bio="生産管理の改善を支援", contact_phone="090-1111-2222"
    )
    need = NeedFactory(organisation=owner.memberships.get().organisation, status="open")
    introduction = IntroductionFactory(need=need, expert=expert, status=Introduction.State.ACCEPTED)
    IntroductionEventFactory(introduction=introduction, actor=user, to_state="accepted", note="携帯 090-1111-2222 まで")
    Outcome.objects.create(
        introduction=introduction,
        side="candidate",
        recorded_by=user,
        deal=True,
        value_jpy=500_000,
        comment="相談 太郎より: 良い案件でした",
    )
    NotificationFactory(user=user, title="新しい依頼")
    return expert


def test_a_user_downloads_everything_held_about_them_and_nothing_else(adviser: ExpertProfile, owner: User) -> None:
    assert adviser.user is not None
    response = api_client(adviser.user).get("/api/v1/me/export/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["account"]["email"] == "adviser@example.jp" and data["account"]["phone"] == "090-1111-2222"
    assert data["expert_profile"]["bio"] == "生産管理の改善を支援"
    assert [e["note"] for e in data["introduction_events"]] == ["携帯 090-1111-2222 まで"]
    assert data["outcomes"][0]["value_jpy"] == 500_000
    assert [n["title"] for n in data["notifications"]] == ["新しい依頼"]
    assert owner.email not in json.dumps(data, ensure_ascii=False)

    page = web_client(adviser.user).get("/account/export.json")
    assert page.status_code == 200 and json.loads(page.content)["account"]["email"] == "adviser@example.jp"


def test_erasure_needs_the_password_and_then_removes_personal_data_but_keeps_the_figures(
    adviser: ExpertProfile, owner: User
) -> None:
    user = adviser.user
    assert user is not None
    token, _expiry = api_token_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    wrong = client.post("/api/v1/me/erase/", {"password": "not-it"}, format="json")
    assert wrong.status_code == 400 and "password" in wrong.json()["extra"]["fields"]
    assert User.objects.get(pk=user.pk).email == "adviser@example.jp"

    assert client.post("/api/v1/me/erase/", {"password": PASSWORD}, format="json").status_code == 204

    assert client.get("/api/v1/me/").status_code == 401  # the token died with the account
    erased = User.objects.get(pk=user.pk)
    assert not erased.is_active and not erased.has_usable_password()
    assert "adviser" not in erased.email and erased.full_name == "" and erased.phone == ""
    assert not Client().login(username="adviser@example.jp", password=PASSWORD)
    # The expert row stays (an introduction refers to it) without anything personal, and is never proposed.
    adviser.refresh_from_db()
    assert adviser.erased_at is not None and adviser.user_id is None
    assert "太郎" not in adviser.name and adviser.bio == "" and adviser.contact_phone == ""
    introduction = Introduction.objects.get(expert=adviser)
    assert introduction.status == Introduction.State.ACCEPTED
    assert IntroductionEvent.objects.get(introduction=introduction, actor=erased).note == ""
    outcome = Outcome.objects.get(introduction=introduction)
    assert (outcome.deal, outcome.value_jpy, outcome.comment) == (True, 500_000, "")
    assert not Notification.objects.filter(user=erased).exists()
    need = introduction.need
    assert need is not None
    rec = recommend(need, adviser)
    assert rec not in list(recommendation_list(query=need))
    assert api_client(owner).get(f"/api/v1/experts/{adviser.pk}/").status_code == 404
    # The trail keeps what happened under the pseudonym, not the person's values.
    assert AuditEvent.objects.filter(action="user.erase", object_id=str(user.pk)).exists()
    about_them = AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
    assert all(e.changes == {"erased": True} for e in about_them.exclude(action="user.erase"))
    assert "090-1111-2222" not in json.dumps(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_an_expert_without_history_is_deleted_outright(owner: User) -> None:
    user = UserFactory(password=PASSWORD)
    expert = ExpertProfileFactory(user=user)
    response = web_client(user).post("/account/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not ExpertProfile.objects.filter(pk=expert.pk).exists()
    assert not User.objects.get(pk=user.pk).is_active


def test_every_change_of_a_profile_vetting_and_outcome_is_in_the_audit_trail(
    owner_api: APIClient, sme: Organisation, owner: User
) -> None:
    owner_api.patch("/api/v1/organisation/", {"capacity": 7, "sectors": ["semiconductor"]}, format="json")
    owner_api.patch("/api/v1/organisation/", {"capacity": 7}, format="json")  # no change: nothing recorded
    edits = AuditEvent.objects.filter(action="organisation.update", object_id=str(sme.pk))
    assert edits.count() == 1
    edit = edits.get()
    assert edit.actor == owner and edit.actor_label == f"user#{owner.pk}"
    assert edit.changes["capacity"][1] == 7 and edit.changes["sectors"] == [[], ["semiconductor"]]

    officer = UserFactory(is_staff=True)
    for status, reason in (
        ("vetted", "identity_confirmed"),
        ("vetted", "identity_confirmed"),
        ("rejected", "duplicate"),
    ):
        organisation_set_vetting(organisation=sme, actor=officer, status=status, reason=reason)
    decisions = AuditEvent.objects.filter(action="organisation.vetting", object_id=str(sme.pk)).order_by("id")
    assert [d.changes["vetting_status"][1] for d in decisions] == ["vetted", "vetted", "rejected"]

    with pytest.raises(ValueError, match="append-only"):
        edit.save()
    with pytest.raises(ValueError, match="append-only"):
        edit.delete()


def test_history_cannot_be_deleted_with_its_need(owner: User) -> None:
    need = NeedFactory(organisation=owner.memberships.get().organisation)
    introduction = IntroductionFactory(need=need, expert=ExpertProfileFactory())
    IntroductionEventFactory(introduction=introduction)
    with pytest.raises(ProtectedError):
        need.delete()
    with pytest.raises(ProtectedError):
        owner.memberships.get().organisation.delete()
    assert IntroductionEvent.objects.filter(introduction=introduction).exists()


def test_the_account_page_offers_the_data_and_the_erasure(owner_client: Client) -> None:
    page = owner_client.get("/account/")
    assert page.status_code == 200
    assert b"/account/export.json" in page.content and b'name="password"' in page.content
