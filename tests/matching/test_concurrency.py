"""Race guards under real concurrency (PostgreSQL only: SQLite serialises every writer)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from accounts.models import ExpertProfile, Organisation
from core.exceptions import ApplicationError
from matching.models import Engagement, Introduction, IntroductionEvent
from matching.services.introductions import expert_load, introduction_accept, introduction_withdraw
from tests.factories import ExpertProfileFactory, MembershipFactory, NeedFactory, OrganisationFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def _requested(expert: ExpertProfile, sme: Organisation) -> Introduction:
    need = NeedFactory(organisation=sme)
    intro = Introduction(need=need, expert=expert, status=Introduction.State.REQUESTED)
    intro.fill_keys()
    intro.save()
    return intro


def _hammer(calls: list[Callable[[], Any]]) -> list[str]:
    """Run the calls at the same moment, one thread each; returns "ok" or the error code per call."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = []
    lock = threading.Lock()

    def worker(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            call()
            outcome = "ok"
        except ApplicationError as exc:
            outcome = str(exc.extra.get("code", exc.message))
        finally:
            connection.close()  # each thread has its own connection; don't leak it
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_it_lets_an_expert_with_capacity_one_accept_exactly_one_of_twenty() -> None:
    user = UserFactory()
    expert = ExpertProfileFactory(user=user, capacity=1)
    sme = OrganisationFactory()
    MembershipFactory(organisation=sme)
    intros = [_requested(expert, sme) for _ in range(THREADS)]

    results = _hammer([lambda i=i: introduction_accept(actor=user, introduction=i) for i in intros])

    assert sorted(results) == ["capacity_reached"] * (THREADS - 1) + ["ok"]
    assert Introduction.objects.filter(status=Introduction.State.ACCEPTED).count() == 1
    assert Engagement.objects.filter(expert=expert, closed_at__isnull=True).count() == 1
    assert expert_load(expert=expert) == expert.capacity
    assert IntroductionEvent.objects.filter(to_state=Introduction.State.ACCEPTED).count() == 1


@pytest.mark.parametrize("action", ["accept", "withdraw"])
def test_it_records_one_event_for_twenty_identical_transitions(action: str) -> None:
    expert_user = UserFactory()
    expert = ExpertProfileFactory(user=expert_user, capacity=5)
    sme = OrganisationFactory()
    requester = MembershipFactory(organisation=sme).user
    intro = _requested(expert, sme)
    if action == "accept":
        calls = [lambda: introduction_accept(actor=expert_user, introduction=intro) for _ in range(THREADS)]
    else:
        calls = [lambda: introduction_withdraw(actor=requester, introduction=intro) for _ in range(THREADS)]

    results = _hammer(calls)

    assert results.count("ok") == 1
    assert results.count("invalid_state") == THREADS - 1
    target = Introduction.State.ACCEPTED if action == "accept" else Introduction.State.WITHDRAWN
    assert IntroductionEvent.objects.filter(introduction=intro, to_state=target).count() == 1
    assert IntroductionEvent.objects.filter(introduction=intro).count() == 1
    assert Engagement.objects.filter(introduction=intro).count() == (1 if action == "accept" else 0)
