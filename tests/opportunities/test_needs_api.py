from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organisation
from ml.vocab import load_vocabulary
from opportunities.models import Need
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db

NEED = {
    "title": "生産管理のデジタル化",
    "description": "受注から出荷までを紙で管理しており、在庫確認に時間がかかる。",
    "category": "dx.digitization",
    "sectors": ["precision_machinery", "semiconductor"],
    "prefecture": "04",
    "target": "expert",
    "status": "open",
}


def test_it_creates_reads_updates_and_lists_needs(owner_api: APIClient, sme: Organisation) -> None:
    created = owner_api.post("/api/v1/needs/", NEED, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["organisation"] == sme.pk
    assert body["sectors"] == ["semiconductor", "precision_machinery"]  # vocabulary order
    assert body["category_label"] == next(
        c["ja"] for c in load_vocabulary()["need_categories"] if c["code"] == "dx.digitization"
    )

    need_id = body["id"]
    assert owner_api.get(f"/api/v1/needs/{need_id}/").json()["title"] == NEED["title"]

    updated = owner_api.patch(f"/api/v1/needs/{need_id}/", {"status": "closed", "sectors": ["food"]}, format="json")
    assert updated.status_code == 200
    assert updated.json()["status"] == "closed"
    assert updated.json()["sectors"] == ["food"]
    assert Need.objects.get(pk=need_id).closed_at is not None

    listing = owner_api.get("/api/v1/needs/").json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == need_id


def test_it_filters_needs(owner_api: APIClient, sme: Organisation) -> None:
    owner_api.post("/api/v1/needs/", NEED, format="json")
    owner_api.post(
        "/api/v1/needs/",
        {
            **NEED,
            "title": "事業承継の相談",
            "description": "後継者が決まっていない。",
            "category": "succession.handover",
            "sectors": ["food"],
            "prefecture": "05",
            "status": "draft",
        },
        format="json",
    )

    def titles(query: str) -> list[str]:
        return [n["title"] for n in owner_api.get(f"/api/v1/needs/?{query}").json()["results"]]

    assert titles("sector=semiconductor") == ["生産管理のデジタル化"]
    assert titles("prefecture=05") == ["事業承継の相談"]
    assert titles("status=draft") == ["事業承継の相談"]
    assert titles("category=dx.digitization") == ["生産管理のデジタル化"]
    # Text search is NFKC-normalised: full-width input finds half-width text and vice versa.
    assert titles("q=後継者") == ["事業承継の相談"]
    assert sorted(titles("")) == ["事業承継の相談", "生産管理のデジタル化"]


def test_it_paginates_needs(owner_api: APIClient, sme: Organisation) -> None:
    NeedFactory.create_batch(25, organisation=sme)
    first = owner_api.get("/api/v1/needs/").json()
    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"]
    assert len(owner_api.get("/api/v1/needs/?page=2").json()["results"]) == 5
    assert len(owner_api.get("/api/v1/needs/?page_size=500").json()["results"]) == 25  # capped at 50


def test_it_lets_teammates_see_and_edit_needs(teammate_api: APIClient, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme)
    assert teammate_api.get(f"/api/v1/needs/{need.pk}/").status_code == 200
    assert teammate_api.patch(f"/api/v1/needs/{need.pk}/", {"title": "改題"}, format="json").status_code == 200


def test_it_hides_needs_from_outsiders(outsider_api: APIClient, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme, title="秘密の課題")
    assert outsider_api.get(f"/api/v1/needs/{need.pk}/").status_code == 404
    response = outsider_api.patch(f"/api/v1/needs/{need.pk}/", {"title": "乗っ取り"}, format="json")
    assert response.status_code == 404
    assert response.json()["message"]
    assert outsider_api.get("/api/v1/needs/").json()["count"] == 0
    need.refresh_from_db()
    assert need.title == "秘密の課題"


def test_it_hides_needs_from_buyers_and_experts(buyer_api: APIClient, expert_api: APIClient, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme)
    for client in (buyer_api, expert_api):
        assert client.get(f"/api/v1/needs/{need.pk}/").status_code == 404
        assert client.get("/api/v1/needs/").json()["count"] == 0


def test_it_requires_authentication(anon_api: APIClient, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme)
    assert anon_api.get("/api/v1/needs/").status_code in (401, 403)
    assert anon_api.get(f"/api/v1/needs/{need.pk}/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sectors": ["not-a-sector"]}, "sectors"),
        ({"prefecture": "99"}, "prefecture"),
        ({"category": "nope"}, "category"),
        ({"title": ""}, "title"),
        ({"status": "published"}, "status"),
    ],
)
def test_it_rejects_bad_input_with_field_errors(
    owner_api: APIClient, sme: Organisation, payload: dict[str, Any], field: str
) -> None:
    response = owner_api.post("/api/v1/needs/", {**NEED, **payload}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["message"]
    assert field in body["extra"]["fields"]
    assert Need.objects.count() == 0


def test_it_refuses_needs_from_buyers(buyer_api: APIClient) -> None:
    response = buyer_api.post("/api/v1/needs/", NEED, format="json")
    assert response.status_code == 400
    assert Need.objects.count() == 0
