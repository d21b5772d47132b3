from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ExpertProfile, User

pytestmark = pytest.mark.django_db


def _valid(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "高橋 一郎",
        "expert_type": "innovation_producer",
        "prefecture": "04",
        "bio": "防衛装備品の調達に30年携わりました。",
        "skills": ["growth.defense_entry", "dx.ai"],
        "sectors": ["defense"],
        "regions": ["02", "03", "04"],
        "capacity": "4",
        "contact_email": "takahashi@example.jp",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


def test_it_groups_regions_by_area_and_skills_by_category(expert_client: Client) -> None:
    html = expert_client.get(reverse("expert-profile")).content.decode()
    # One fieldset per region (北海道, 東北, …) with select-all support, and one per need-category group.
    assert html.count("data-select-all ") == 8
    assert "<legend>東北</legend>" in html
    assert 'name="regions" value="04"' in html
    assert 'name="skills" value="dx.ai"' in html


def test_it_updates_the_profile_through_the_service(expert_client: Client, expert_user: User) -> None:
    response = expert_client.post(reverse("expert-profile"), _valid())
    assert response.status_code == 302
    profile = ExpertProfile.objects.get(user=expert_user)
    assert (profile.name, profile.expert_type, profile.capacity) == ("高橋 一郎", "innovation_producer", 4)
    assert sorted(profile.regions.values_list("code", flat=True)) == ["02", "03", "04"]
    assert sorted(profile.skills.values_list("code", flat=True)) == ["dx.ai", "growth.defense_entry"]
    assert list(profile.sectors.values_list("code", flat=True)) == ["defense"]


def test_unticking_every_region_means_nationwide(expert_client: Client, expert_user: User) -> None:
    expert_client.post(reverse("expert-profile"), _valid())
    expert_client.post(reverse("expert-profile"), _valid(regions=[]))
    assert not ExpertProfile.objects.get(user=expert_user).regions.exists()


@pytest.mark.parametrize(
    ("overrides", "error_field"),
    [
        ({"capacity": "-1"}, "capacity"),
        ({"capacity": ""}, "capacity"),
        ({"expert_type": ""}, "expert_type"),
        ({"regions": ["48"]}, "regions"),
        ({"skills": ["magic"]}, "skills"),
        ({"name": ""}, "name"),
    ],
)
def test_it_shows_field_errors_and_writes_nothing(
    expert_client: Client, expert_user: User, overrides: dict[str, Any], error_field: str
) -> None:
    before = ExpertProfile.objects.get(user=expert_user)
    response = expert_client.post(reverse("expert-profile"), _valid(**overrides))
    assert response.status_code == 200
    assert error_field in response.context["form"].errors
    after = ExpertProfile.objects.get(user=expert_user)
    assert (after.name, after.capacity, after.expert_type) == (before.name, before.capacity, before.expert_type)
    assert not after.regions.exists()


def test_it_shows_capacity_and_current_load(expert_client: Client, expert_user: User) -> None:
    ExpertProfile.objects.filter(user=expert_user).update(capacity=4, active_engagements=3)
    response = expert_client.get(reverse("expert-profile"))
    assert (response.context["load"], response.context["free"], response.context["load_percent"]) == (3, 1, 75)
    assert '<meter min="0" max="100" value="75"' in response.content.decode()


def test_a_full_expert_sees_it(expert_client: Client, expert_user: User) -> None:
    ExpertProfile.objects.filter(user=expert_user).update(capacity=0, active_engagements=0)
    response = expert_client.get(reverse("expert-profile"))
    assert response.context["free"] == 0
    assert response.context["load_percent"] == 100
