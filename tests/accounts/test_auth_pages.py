from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Membership, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_signs_up_through_the_page_and_logs_in(client: Client) -> None:
    page = client.get("/signup/")
    assert page.status_code == 200
    assert "新規登録" in page.content.decode()
    response = client.post(
        "/signup/",
        {
            "kind": "sme",
            "organisation_name": "株式会社あおもりテック",
            "full_name": "青森 花子",
            "email": "hanako@example.jp",
            "password": "kaisha-no-himitsu-9",
            "password_confirm": "kaisha-no-himitsu-9",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="hanako@example.jp")
    assert membership.organisation.name == "株式会社あおもりテック"
    assert membership.user.terms_accepted_at is not None and membership.user.email_verified_at is None
    assert "株式会社あおもりテック" in client.get("/").content.decode()


def test_sign_up_asks_for_consent_the_same_password_twice_and_a_confirmed_address(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    form = {
        "kind": "expert",
        "expert_type": "dx_coordinator",
        "full_name": "宮城 太郎",
        "email": "taro@example.jp",
        "password": "kaisha-no-himitsu-9",
        "password_confirm": "kaisha-no-himitsu-8",
    }
    refused = client.post("/signup/", form).content.decode()
    assert "accept_terms" in refused and not User.objects.filter(email="taro@example.jp").exists()
    page = client.get("/signup/").content.decode()
    assert page.count('class="required"') >= 5  # required fields are marked

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/signup/", form | {"password_confirm": form["password"], "accept_terms": "on"})
    user = User.objects.get(email="taro@example.jp")
    home = client.get("/").content.decode()
    assert 'id="verify-email"' in home  # the reminder until the address is confirmed
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/verify/" in line)
    path = link[link.index("/accounts/verify/") :].strip()
    assert client.get(path).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert 'id="verify-email"' not in client.get("/").content.decode()
    assert client.get("/accounts/verify/not-a-token/").status_code == 302  # a clear message, not an error page


def test_it_shows_field_errors_and_writes_nothing(client: Client) -> None:
    response = client.post("/signup/", {"kind": "sme", "full_name": "x", "email": "bad", "password": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist"' in body
    assert User.objects.count() == 0


def test_it_logs_in_and_out(client: Client) -> None:
    UserFactory(email="taro@example.jp")
    response = client.post("/accounts/login/", {"username": "taro@example.jp", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_it_resets_a_password_by_email(client: Client) -> None:
    UserFactory(email="jiro@example.jp")
    page = client.get("/accounts/password_reset/").content.decode()
    assert "再設定リンクを送信" in page  # our page, not the admin's
    assert "Django" not in page
    client.post("/accounts/password_reset/", {"email": "jiro@example.jp"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body)
    assert link
    path = link.group(0).split("testserver", 1)[-1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "atarashii-pass-77", "new_password2": "atarashii-pass-77"}
    )
    assert done.status_code == 302
    assert client.login(username="jiro@example.jp", password="atarashii-pass-77")


def test_it_accepts_an_invitation(client: Client, owner: User, sme: object) -> None:
    from accounts.services import invitation_create

    invitation = invitation_create(organisation=sme, actor=owner, email="new@example.jp")  # type: ignore[arg-type]
    invitee = UserFactory(email="new@example.jp")
    client.force_login(invitee)
    response = client.post(f"/accounts/invitations/{invitation.token}/")
    assert response.status_code == 302
    assert Membership.objects.filter(user=invitee, organisation=sme).exists()
    again = client.post(f"/accounts/invitations/{invitation.token}/", follow=True)
    assert "この招待は無効" in again.content.decode()


def test_it_switches_to_english(client: Client) -> None:
    assert "ログイン" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()


def test_it_stays_japanese_for_an_english_browser_until_the_user_switches(client: Client) -> None:
    user = UserFactory(email="ken@example.jp")
    client.force_login(user)
    assert "ログアウト" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Log out" in client.get("/").content.decode()
    user.refresh_from_db()
    assert user.locale == "en"  # e-mails follow the switch


def test_it_locks_the_login_page_after_repeated_wrong_passwords(client: Client, settings: object) -> None:
    UserFactory(email="hanako@example.jp")
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    statuses = [
        client.post("/accounts/login/", {"username": "HANAKO@example.jp", "password": "wrong"}).status_code
        for _ in range(limit)
    ]
    assert statuses == [200] * (limit - 1) + [429]
    # Locked out even with the right password, on a branded page in the site's language.
    response = client.post("/accounts/login/", {"username": "hanako@example.jp", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "ログイン" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_it_does_not_lock_out_another_user_from_the_same_address(client: Client, settings: object) -> None:
    UserFactory(email="hanako@example.jp")
    UserFactory(email="jiro@example.jp")
    for _ in range(settings.AXES_FAILURE_LIMIT):  # type: ignore[attr-defined]
        client.post("/accounts/login/", {"username": "hanako@example.jp", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "jiro@example.jp", "password": "pass-word-123"})
    assert response.status_code == 302
