"""Programme registrations (登録専門家): the directory's programme filter in the API, how experts get on a roster."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ExpertProfile, User
from matching.models import Introduction
from programmes.models import Programme
from programmes.services import paid_engagement_start
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    NeedFactory,
    PaidEngagementFactory,
    PaidProgrammeFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def names(api: APIClient, **params: Any) -> set[str]:
    response = api.get("/api/v1/experts/", params)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def rosters() -> dict[str, Any]:
    dx = ExpertProfileFactory(name="デジタル太郎", expert_type="dx_coordinator")
    adviser = ExpertProfileFactory(name="よろず花子", expert_type="yorozu_adviser", capacity=1, active_engagements=1)
    ExpertProfileFactory(name="未登録次郎")
    dispatch = ProgrammeFactory(code="dispatch")
    dispatch.registered_experts.add(dx, adviser)
    ended = ProgrammeFactory(code="ended", is_active=False)
    ended.registered_experts.add(dx)
    return {"dx": dx, "adviser": adviser, "dispatch": dispatch, "ended": ended}


def test_the_api_filters_by_programme_code_or_id(owner_api: APIClient, rosters: dict[str, Any]) -> None:
    assert names(owner_api) == {"デジタル太郎", "よろず花子", "未登録次郎"}
    assert names(owner_api, programme="dispatch") == {"デジタル太郎", "よろず花子"}
    assert names(owner_api, programme=str(rosters["dispatch"].pk)) == {"デジタル太郎", "よろず花子"}
    # It combines with the other filters, and the capacity count is not multiplied by the join.
    assert names(owner_api, programme="dispatch", available="true") == {"デジタル太郎"}
    assert names(owner_api, programme="dispatch", expert_type="yorozu_adviser") == {"よろず花子"}
    row = owner_api.get("/api/v1/experts/", {"programme": "dispatch", "q": "デジタル"}).json()["results"][0]
    assert row["free_capacity"] == row["capacity"] == 2


def test_the_api_refuses_an_unknown_or_ended_programme(owner_api: APIClient, rosters: dict[str, Any]) -> None:
    for value in ("nonsense", "ended", str(rosters["ended"].pk), "999999"):
        response = owner_api.get("/api/v1/experts/", {"programme": value})
        assert response.status_code == 400, value
        assert "programme" in response.json()["extra"]["fields"], value


def test_every_persona_may_filter_and_anonymous_callers_may_not(
    outsider_api: APIClient, buyer_api: APIClient, expert_api: APIClient, anon_api: APIClient, rosters: dict[str, Any]
) -> None:
    for api in (outsider_api, buyer_api, expert_api):
        assert names(api, programme="dispatch") == {"デジタル太郎", "よろず花子"}
    assert anon_api.get("/api/v1/experts/", {"programme": "dispatch"}).status_code == 401


def test_the_filtered_list_runs_a_fixed_number_of_queries(
    owner_api: APIClient, rosters: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    rosters["dispatch"].registered_experts.add(*ExpertProfileFactory.create_batch(20))
    with django_assert_max_num_queries(7):  # the list's 6, and the programme looked up
        assert len(names(owner_api, programme="dispatch", page_size=50)) == 22


def test_starting_paid_work_puts_the_expert_on_the_roster(owner: User) -> None:
    expert = ExpertProfileFactory(user=UserFactory())
    introduction = IntroductionFactory(
        need=NeedFactory(organisation=owner.memberships.get().organisation),
        expert=expert,
        status=Introduction.State.ACCEPTED,
    )
    programme = PaidProgrammeFactory()
    assert not programme.registered_experts.exists()
    paid_engagement_start(actor=owner, introduction=introduction, programme=programme)
    assert list(programme.registered_experts.all()) == [expert]
    assert list(expert.programme_registrations.all()) == [programme]


def test_the_migration_registers_the_experts_a_programme_already_paid() -> None:
    first = PaidEngagementFactory()
    PaidEngagementFactory(programme=first.programme, expert=first.expert)  # the same pair twice
    other = PaidEngagementFactory()
    already = ProgrammeFactory()
    already.registered_experts.add(other.expert)
    migration = importlib.import_module("programmes.migrations.0002_programme_registered_experts")
    migration.register_paid_experts(apps, None)
    migration.register_paid_experts(apps, None)  # runs again without duplicating anything
    registered = set(Programme.registered_experts.through.objects.values_list("programme_id", "expertprofile_id"))
    assert registered == {
        (first.programme_id, first.expert_id),
        (other.programme_id, other.expert_id),
        (already.pk, other.expert_id),
    }
    assert ExpertProfile.objects.filter(programme_registrations__isnull=True).count() == 0


def test_staff_keep_the_roster_in_the_admin(rosters: dict[str, Any]) -> None:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:programmes_programme_change", args=[rosters["dispatch"].pk]))
    assert page.status_code == 200 and 'name="registered_experts"' in page.content.decode()
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "programmes", "model_name": "programme", "field_name": "registered_experts", "term": "よろず"},
    )
    assert [row["text"] for row in found.json()["results"]] == ["よろず花子"]
