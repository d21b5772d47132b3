"""The pages of issue 12: programmes on a need, paid support from an introduction, the work log, budgets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from matching.models import Introduction
from programmes.models import PaidEngagement, WorkLogEntry
from tests.clients import web_client
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    MembershipFactory,
    NeedFactory,
    OrganisationFactory,
    PaidProgrammeFactory,
    ProgrammeFactory,
    RoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_firm(owner: User) -> User:
    sme = owner.memberships.get().organisation
    sme.industry, sme.capital_jpy, sme.employees, sme.prefecture = "manufacturing", 10_000_000, 8, "04"
    sme.save()
    return owner


def test_a_need_shows_the_programmes_its_firm_qualifies_for_and_why(small_firm: User, owner_client: Client) -> None:
    jizokuka = ProgrammeFactory(
        code="jizokuka",
        name_ja="小規模事業者持続化補助金",
        need_categories=["sales.channel"],
        eligibility=[{"kind": "size_class", "in": ["small"]}, {"kind": "document", "name_ja": "事業支援計画書"}],
        subsidy_rate="2/3",
    )
    RoundFactory(programme=jizokuka, closes_on=timezone.localdate() + dt.timedelta(days=20))
    ProgrammeFactory(
        code="tokyo", name_ja="東京都の販路開拓助成", need_categories=[], eligibility=[{"kind": "region", "in": ["13"]}]
    )
    need = NeedFactory(organisation=small_firm.memberships.get().organisation, category="sales.channel")

    page = owner_client.get(f"/needs/{need.pk}/").content.decode()
    assert "小規模事業者持続化補助金" in page and "事業支援計画書" in page and "2/3" in page
    assert (timezone.localdate() + dt.timedelta(days=20)).isoformat() in page
    assert "東京都の販路開拓助成" not in page
    every = owner_client.get(f"/needs/{need.pk}/?programmes=all").content.decode()
    assert "東京都の販路開拓助成" in every


def test_paid_support_from_an_introduction_to_a_confirmed_statement(small_firm: User, owner_client: Client) -> None:
    sme = small_firm.memberships.get().organisation
    expert = ExpertProfileFactory(user=UserFactory(), name="支援 花子")
    introduction = IntroductionFactory(
        need=NeedFactory(organisation=sme), expert=expert, status=Introduction.State.ACCEPTED
    )
    PaidProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）")

    intro_page = owner_client.get(f"/introductions/{introduction.pk}/").content.decode()
    assert "専門家派遣（時間制）" in intro_page and "paid" in intro_page
    started = owner_client.post(f"/introductions/{introduction.pk}/paid/", {"programme": "dispatch"})
    engagement = PaidEngagement.objects.get(introduction=introduction)
    assert started.status_code == 302 and started["Location"] == f"/paid-support/{engagement.pk}/"

    assert expert.user is not None
    expert_client = web_client(expert.user)
    day = timezone.localdate() - dt.timedelta(days=1)
    logged = expert_client.post(
        f"/paid-support/{engagement.pk}/", {"worked_on": day.isoformat(), "hours": "2.5", "description": "棚卸し"}
    )
    assert logged.status_code == 302
    entry = WorkLogEntry.objects.get(engagement=engagement)
    assert entry.amount_jpy == 8750

    assert owner_client.post(f"/paid-support/entries/{entry.pk}/dispute/", {"reason": ""}).status_code == 200
    assert owner_client.post(f"/paid-support/entries/{entry.pk}/confirm/").status_code == 302
    entry.refresh_from_db()
    assert entry.status == WorkLogEntry.Status.CONFIRMED

    statement = expert_client.get(f"/paid-support/statement.csv?month={day:%Y-%m}")
    assert statement.status_code == 200 and "8750" in statement.content.decode("utf-8-sig")
    stranger = web_client(MembershipFactory(organisation=OrganisationFactory()).user)
    assert stranger.get(f"/paid-support/{engagement.pk}/").status_code == 404
    assert stranger.post(f"/paid-support/entries/{entry.pk}/confirm/").status_code == 404


def test_the_bureau_sees_budget_use_and_downloads_a_programme_statement(bureau_client: Client) -> None:
    programme = PaidProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）", budget_jpy=1_000_000)
    entry_day = timezone.localdate()
    from tests.factories import WorkLogEntryFactory

    WorkLogEntryFactory(
        engagement__programme=programme, amount_jpy=70_000, status=WorkLogEntry.Status.CONFIRMED, worked_on=entry_day
    )
    page = bureau_client.get("/bureau/programmes/").content.decode()
    assert "専門家派遣（時間制）" in page and "70,000" in page and "7%" in page
    csv_response = bureau_client.get(f"/bureau/programmes/dispatch/statement.csv?month={entry_day:%Y-%m}")
    assert csv_response.status_code == 200 and "70000" in csv_response.content.decode("utf-8-sig")
