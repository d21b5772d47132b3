"""Issue 11 item 5: a dead broker or mail server never fails a request after its data is committed,
and nothing is lost: the outbox sweep delivers what the task or the e-mail could not."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from accounts.models import User
from matching.models import Introduction, IntroductionEvent, Notification
from matching.services.notifications import EMAIL_MAX_ATTEMPTS, notifications_sweep
from tests.clients import api_client
from tests.factories import ExpertProfileFactory, IntroductionFactory, NeedFactory, UserFactory

pytestmark = pytest.mark.django_db


class DeadSmtp(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


LATER = timedelta(minutes=5)


@pytest.fixture
def requested(owner: User) -> Introduction:
    expert = ExpertProfileFactory(user=UserFactory(email="adviser@example.jp"))
    need = NeedFactory(organisation=owner.memberships.get().organisation, status="open")
    return IntroductionFactory(need=need, expert=expert, status=Introduction.State.REQUESTED)


def _accept(run: Any, introduction: Introduction) -> Any:
    assert introduction.expert is not None
    user = introduction.expert.user
    assert user is not None
    return run(api_client(user).post, f"/api/v1/introductions/{introduction.pk}/accept/", {}, format="json")


def test_a_dead_mail_server_neither_fails_the_accept_nor_loses_the_e_mail(
    run: Any, settings: Any, owner: User, requested: Introduction
) -> None:
    settings.EMAIL_BACKEND = "tests.matching.test_outbox.DeadSmtp"
    mail.outbox.clear()

    response = _accept(run, requested)

    assert response.status_code == 200
    requested.refresh_from_db()
    assert requested.status == Introduction.State.ACCEPTED
    notification = Notification.objects.get(user=owner, kind="introduction_accepted")
    assert notification.emailed_at is None  # not marked sent: it was not sent
    assert notification.email_attempts == 1 and "SMTPServerDisconnected" in notification.email_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert notifications_sweep(now=timezone.now() + LATER)["emailed"] == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.email_error == ""
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert notifications_sweep(now=timezone.now() + LATER)["emailed"] == 0  # once only


def test_a_mail_server_that_stays_down_is_given_up_after_a_few_attempts(
    run: Any, settings: Any, owner: User, requested: Introduction
) -> None:
    settings.EMAIL_BACKEND = "tests.matching.test_outbox.DeadSmtp"
    _accept(run, requested)
    for _attempt in range(EMAIL_MAX_ATTEMPTS + 2):
        notifications_sweep(now=timezone.now() + LATER)
    assert Notification.objects.get(user=owner).email_attempts == EMAIL_MAX_ATTEMPTS


def test_a_dead_broker_neither_fails_the_accept_nor_loses_the_notification(
    run: Any, monkeypatch: pytest.MonkeyPatch, owner: User, requested: Introduction
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerDown("[Errno 111] Connection refused")

    monkeypatch.setattr("core.tasks.task_send", broker_down)
    mail.outbox.clear()

    response = _accept(run, requested)

    assert response.status_code == 200
    event = IntroductionEvent.objects.get(introduction=requested, to_state=Introduction.State.ACCEPTED)
    assert event.notified_at is None and not Notification.objects.exists()

    monkeypatch.undo()  # the broker is back; beat runs the sweep
    assert notifications_sweep(now=timezone.now())["events"] == 0  # still within the task's grace period
    assert notifications_sweep(now=timezone.now() + LATER)["events"] == 1
    event.refresh_from_db()
    assert event.notified_at is not None
    assert list(Notification.objects.values_list("user__email", "kind")) == [(owner.email, "introduction_accepted")]
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert notifications_sweep(now=timezone.now() + LATER)["events"] == 0


def test_a_dead_broker_does_not_fail_posting_a_need(monkeypatch: pytest.MonkeyPatch, owner: User, run: Any) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerDown("[Errno 111] Connection refused")

    monkeypatch.setattr("core.tasks.task_send", broker_down)
    response = run(api_client(owner).post, "/api/v1/needs/", {"title": "検査の自動化", "status": "open"}, format="json")
    assert response.status_code == 201
    assert response.json()["recommendations_status"] == "pending"  # the sweep will re-send the ranking
