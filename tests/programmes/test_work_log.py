"""Paid engagements: every cap at its exact boundary, who may log and confirm, and racing submissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from core.exceptions import ApplicationError, PermissionDenied
from matching.models import Introduction
from programmes.models import PaidEngagement, WorkLogEntry
from programmes.services import paid_engagement_start, worklog_decide, worklog_submit
from tests.clients import api_client
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    NeedFactory,
    OrganisationFactory,
    PaidEngagementFactory,
    PaidProgrammeFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.races import race

TODAY = timezone.localdate
RATE = 3500


def _day(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


def _submit(engagement: PaidEngagement, hours: str, day: int = 0) -> WorkLogEntry:
    assert engagement.expert.user is not None
    return worklog_submit(
        actor=engagement.expert.user,
        engagement=engagement,
        worked_on=_day(day),
        hours=Decimal(hours),
        description="業務フローの聞き取りと改善提案",
    )


def _refused(engagement: PaidEngagement, hours: str, day: int = 0) -> list[str]:
    """The caps a refused submission would have crossed (its message names them in the user's language)."""
    with pytest.raises(ApplicationError) as caught:
        _submit(engagement, hours, day)
    assert caught.value.extra["code"] == "cap_exceeded" and caught.value.message
    return list(caught.value.extra["caps"])


@pytest.mark.django_db
class TestCaps:
    def test_the_firm_cap_takes_work_up_to_the_yen_and_not_a_quarter_hour_more(self) -> None:
        engagement = PaidEngagementFactory(programme=PaidProgrammeFactory(cap_per_firm_jpy=10 * RATE))
        _submit(engagement, "8", day=2)
        last = _submit(engagement, "2", day=1)  # exactly at the cap
        assert last.amount_jpy == 7000 and last.copay_jpy == 1000
        assert _refused(engagement, "0.25") == ["firm"]
        assert WorkLogEntry.objects.filter(engagement=engagement).count() == 2  # nothing half-written

    def test_the_expert_cap_counts_work_for_every_firm_of_the_programme(self) -> None:
        programme = PaidProgrammeFactory(cap_per_expert_jpy=6 * RATE)
        first = PaidEngagementFactory(programme=programme)
        second = PaidEngagementFactory(programme=programme, expert=first.expert)
        _submit(first, "4", day=1)
        _submit(second, "2", day=1)
        assert _refused(second, "0.25") == ["expert"]

    def test_the_programme_budget_stops_everybody(self) -> None:
        programme = PaidProgrammeFactory(budget_jpy=3 * RATE)
        _submit(PaidEngagementFactory(programme=programme), "3")
        assert _refused(PaidEngagementFactory(programme=programme), "0.25") == ["budget"]

    def test_visits_are_days_with_work_and_the_cap_counts_them(self) -> None:
        engagement = PaidEngagementFactory(programme=PaidProgrammeFactory(visit_cap_per_firm=2))
        _submit(engagement, "1", day=3)
        _submit(engagement, "1", day=2)
        _submit(engagement, "1", day=2)  # a second entry on a day already visited is not a new visit
        assert _refused(engagement, "1", day=1) == ["visits"]

    def test_a_disputed_entry_stops_counting(self) -> None:
        engagement = PaidEngagementFactory(programme=PaidProgrammeFactory(cap_per_firm_jpy=2 * RATE))
        entry = _submit(engagement, "2", day=1)
        member = UserFactory()
        engagement.organisation.memberships.create(user=member, role="member")
        worklog_decide(actor=member, entry=entry, confirm=False, reason="この日は訪問がありませんでした")
        _submit(engagement, "2")

    def test_only_the_expert_logs_only_the_sme_decides_and_never_in_advance(self) -> None:
        engagement = PaidEngagementFactory()
        with pytest.raises(PermissionDenied):
            worklog_submit(
                actor=UserFactory(), engagement=engagement, worked_on=TODAY(), hours=Decimal(1), description="x"
            )
        assert _refused_extra(engagement)["code"] == "in_advance"
        entry = _submit(engagement, "1")
        assert engagement.expert.user is not None
        with pytest.raises(PermissionDenied):
            worklog_decide(actor=engagement.expert.user, entry=entry, confirm=True)
        member = UserFactory()
        engagement.organisation.memberships.create(user=member, role="member")
        with pytest.raises(ApplicationError):
            worklog_decide(actor=member, entry=entry, confirm=False, reason=" ")
        assert worklog_decide(actor=member, entry=entry, confirm=True).status == WorkLogEntry.Status.CONFIRMED
        with pytest.raises(ApplicationError):
            worklog_decide(actor=member, entry=entry, confirm=False, reason="後から")


def _refused_extra(engagement: PaidEngagement) -> Any:
    assert engagement.expert.user is not None
    with pytest.raises(ApplicationError) as caught:
        worklog_submit(
            actor=engagement.expert.user,
            engagement=engagement,
            worked_on=TODAY() + dt.timedelta(days=1),
            hours=Decimal(1),
            description="x",
        )
    return caught.value.extra


@pytest.mark.django_db
def test_the_whole_flow_through_the_api(owner: User, owner_api: APIClient) -> None:
    sme = owner.memberships.get().organisation
    expert = ExpertProfileFactory(user=UserFactory())
    introduction = IntroductionFactory(
        need=NeedFactory(organisation=sme), expert=expert, status=Introduction.State.ACCEPTED
    )
    PaidProgrammeFactory(code="digital-support")
    ProgrammeFactory(code="subsidy-only")
    assert (
        owner_api.post(
            "/api/v1/paid-engagements/", {"introduction": introduction.pk, "programme": "subsidy-only"}, format="json"
        ).status_code
        == 400
    )
    started = owner_api.post(
        "/api/v1/paid-engagements/", {"introduction": introduction.pk, "programme": "digital-support"}, format="json"
    )
    assert started.status_code == 201, started.content
    engagement_id = started.json()["id"]

    assert expert.user is not None
    expert_api = api_client(expert.user)
    logged = expert_api.post(
        f"/api/v1/paid-engagements/{engagement_id}/entries/",
        {"worked_on": str(_day(1)), "hours": "3.5", "description": "在庫管理の現状調査"},
        format="json",
    )
    assert logged.status_code == 201 and logged.json()["amount_jpy"] == 12250
    entry_id = logged.json()["id"]
    assert api_client(UserFactory()).post(f"/api/v1/work-entries/{entry_id}/confirm/").status_code == 404
    assert owner_api.post(f"/api/v1/work-entries/{entry_id}/confirm/").json()["status"] == "confirmed"

    statement = expert_api.get(f"/api/v1/paid-engagements/statement/?month={_day(1):%Y-%m}")
    assert statement.status_code == 200 and statement["Content-Type"].startswith("text/csv")
    body = statement.content.decode("utf-8-sig")
    assert "12250" in body and sme.name in body
    detail = owner_api.get(f"/api/v1/paid-engagements/{engagement_id}/").json()
    assert detail["cap_use"]["firm_jpy"] == 12250 and detail["cap_use"]["firm_visits"] == 1


@pytest.mark.django_db
def test_paid_work_needs_an_accepted_introduction_and_a_qualifying_firm(owner: User) -> None:
    sme = owner.memberships.get().organisation
    expert = ExpertProfileFactory(user=UserFactory())
    requested = IntroductionFactory(need=NeedFactory(organisation=sme), expert=expert)
    with pytest.raises(ApplicationError) as not_yet:
        paid_engagement_start(actor=owner, introduction=requested, programme=PaidProgrammeFactory())
    assert not_yet.value.extra["code"] == "not_accepted"
    accepted = IntroductionFactory(
        need=NeedFactory(organisation=sme), expert=expert, status=Introduction.State.ACCEPTED
    )
    tokyo_only = PaidProgrammeFactory(eligibility=[{"kind": "region", "in": ["13"]}])
    with pytest.raises(ApplicationError) as caught:
        paid_engagement_start(actor=owner, introduction=accepted, programme=tokyo_only)
    assert caught.value.extra["code"] == "not_eligible"
    with pytest.raises(PermissionDenied):
        paid_engagement_start(actor=UserFactory(), introduction=accepted, programme=PaidProgrammeFactory())


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_racing_submissions_never_cross_a_cap() -> None:
    programme = PaidProgrammeFactory(cap_per_firm_jpy=12 * RATE, visit_cap_per_firm=None)
    engagement = PaidEngagementFactory(programme=programme, organisation=OrganisationFactory())
    outcomes = race(lambda day: _submit(engagement, "6", day=day))
    assert outcomes == ["cap_exceeded"] * 4 + ["ok"] * 2
    total = sum(e.amount_jpy for e in WorkLogEntry.objects.filter(engagement=engagement))
    assert total == 12 * RATE
