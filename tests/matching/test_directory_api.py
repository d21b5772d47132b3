"""The expert directory API: filters, pagination, track record, and never a contact detail."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import ExpertProfile
from matching import selectors
from reference.models import VocabularyTerm
from tests.factories import (
    EngagementFactory,
    ExpertProfileFactory,
    IntroductionFactory,
    OrganisationFactory,
    OutcomeFactory,
)

pytestmark = pytest.mark.django_db
CONTACT_KEYS = {"contact_email", "contact_phone", "email", "phone"}


def term(section: str, code: str) -> VocabularyTerm:
    return VocabularyTerm.objects.get(section=section, code=code)


def expert(
    *, skills: tuple[str, ...] = (), sectors: tuple[str, ...] = (), regions: tuple[str, ...] = (), **kw: Any
) -> ExpertProfile:
    profile = ExpertProfileFactory(contact_email="secret@example.jp", contact_phone="090-0000-0000", **kw)
    profile.skills.add(*[term("need_categories", c) for c in skills])
    profile.sectors.add(*[term("sectors", c) for c in sectors])
    profile.regions.add(*[term("prefectures", c) for c in regions])
    return profile


def names(api: APIClient, **params: Any) -> set[str]:
    response = api.get("/api/v1/experts/", params)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def directory() -> dict[str, ExpertProfile]:
    return {
        "dx": expert(name="デジタル太郎", skills=("dx.digitization",), regions=("04",), expert_type="dx_coordinator"),
        "semi": expert(
            name="半導体花子",
            sectors=("semiconductor",),
            expert_type="innovation_producer",
            bio="半導体製造装置メーカー出身",
        ),  # nationwide
        "busy": expert(name="多忙次郎", regions=("40",), capacity=1, active_engagements=1),
    }


def test_it_filters_by_each_criterion(owner_api: APIClient, directory: dict[str, ExpertProfile]) -> None:
    assert names(owner_api) == {"デジタル太郎", "半導体花子", "多忙次郎"}
    assert names(owner_api, skill="dx.digitization") == {"デジタル太郎"}
    assert names(owner_api, sector="semiconductor") == {"半導体花子"}
    # Nationwide experts serve every prefecture.
    assert names(owner_api, region="04") == {"デジタル太郎", "半導体花子"}
    assert names(owner_api, region="40") == {"半導体花子", "多忙次郎"}
    assert names(owner_api, expert_type="innovation_producer") == {"半導体花子"}
    assert names(owner_api, available="true") == {"デジタル太郎", "半導体花子"}
    assert names(owner_api, q="製造装置") == {"半導体花子"}
    assert names(owner_api, q="花子 半導体") == {"半導体花子"}
    assert owner_api.get("/api/v1/experts/", {"skill": "nonsense"}).status_code == 400


def test_open_engagements_use_capacity(owner_api: APIClient, directory: dict[str, ExpertProfile]) -> None:
    dx = directory["dx"]  # capacity 2
    for _i in range(2):
        EngagementFactory(introduction=IntroductionFactory(candidate=dx, status="accepted"))
    assert names(owner_api, available="true") == {"半導体花子"}
    row = owner_api.get(f"/api/v1/experts/{dx.pk}/").json()
    assert row["free_capacity"] == 0 and row["capacity"] == 2


def test_it_paginates(owner_api: APIClient) -> None:
    for i in range(23):
        expert(name=f"専門家{i:02d}")
    first = owner_api.get("/api/v1/experts/").json()
    assert first["count"] == 23 and len(first["results"]) == 20 and first["next"]
    assert len(owner_api.get("/api/v1/experts/", {"page": 2}).json()["results"]) == 3
    assert len(owner_api.get("/api/v1/experts/", {"page_size": 5}).json()["results"]) == 5


def test_it_never_shows_contact_details(owner_api: APIClient, directory: dict[str, ExpertProfile]) -> None:
    listed = owner_api.get("/api/v1/experts/")
    detail = owner_api.get(f"/api/v1/experts/{directory['dx'].pk}/")
    for response in (listed, detail):
        assert b"secret@example.jp" not in response.content and b"090-0000-0000" not in response.content
        assert directory["dx"].user.email.encode() not in response.content
    assert not CONTACT_KEYS & set(listed.json()["results"][0])
    assert not CONTACT_KEYS & set(detail.json())


def test_it_refuses_anonymous_callers(anon_api: APIClient, directory: dict[str, ExpertProfile]) -> None:
    assert anon_api.get("/api/v1/experts/").status_code == 401
    assert anon_api.get(f"/api/v1/experts/{directory['dx'].pk}/").status_code == 401


def test_every_persona_may_read_it_and_unknown_ids_are_404(
    outsider_api: APIClient, buyer_api: APIClient, expert_api: APIClient, directory: dict[str, ExpertProfile]
) -> None:
    for api in (outsider_api, buyer_api, expert_api):
        assert api.get("/api/v1/experts/").status_code == 200
        assert api.get(f"/api/v1/experts/{directory['semi'].pk}/").status_code == 200
    assert outsider_api.get("/api/v1/experts/999999/").status_code == 404


def test_it_reports_the_track_record(owner_api: APIClient, directory: dict[str, ExpertProfile]) -> None:
    dx = directory["dx"]
    IntroductionFactory(candidate=dx, status="requested")  # not accepted: not counted
    IntroductionFactory(candidate=dx, status="declined")
    IntroductionFactory(candidate=dx, status="accepted")
    IntroductionFactory(candidate=dx, status="engaged")
    OutcomeFactory(introduction=IntroductionFactory(candidate=dx, status="completed"), feedback=5)
    no_deal = IntroductionFactory(candidate=dx, status="no_deal")
    OutcomeFactory(introduction=no_deal, deal=False, value_jpy=None, feedback=2)
    # The candidate's own view of the work is not a rating of them.
    OutcomeFactory(introduction=no_deal, side="candidate", deal=False, value_jpy=None, feedback=1)
    IntroductionFactory(candidate=directory["semi"], status="completed")  # someone else's

    record = owner_api.get(f"/api/v1/experts/{dx.pk}/").json()["track_record"]
    assert record == {"accepted": 4, "completed": 2, "deals": 1, "feedback_average": 3.5, "feedback_count": 2}


def test_an_organisation_has_a_track_record_as_candidate() -> None:
    supplier = OrganisationFactory()
    OutcomeFactory(introduction=IntroductionFactory(candidate=supplier, status="completed"), feedback=4)
    record = selectors.candidate_track_record(organisation=supplier)
    assert (record.accepted, record.completed, record.deals, record.feedback_average) == (1, 1, 1, 4.0)
    with pytest.raises(ValueError):
        selectors.candidate_track_record()


@pytest.mark.parametrize("size", [3, 25])
def test_the_list_runs_a_fixed_number_of_queries(
    size: int, owner_api: APIClient, django_assert_max_num_queries: Any
) -> None:
    for i in range(size):
        profile = expert(skills=("dx.digitization",), sectors=("semiconductor",), regions=("04",))
        if i % 2:
            EngagementFactory(introduction=IntroductionFactory(candidate=profile, status="accepted"))
    with django_assert_max_num_queries(6):
        assert owner_api.get("/api/v1/experts/", {"page_size": 50}).status_code == 200
