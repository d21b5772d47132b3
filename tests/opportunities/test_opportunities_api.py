from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Organisation
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

OPPORTUNITY = {
    "title": "半導体製造装置向け精密部品の加工先",
    "description": "SUS304の精密切削。月産500個。",
    "sectors": ["semiconductor"],
    "prefecture": "03",
    "required_capabilities": ["precision_machining"],
    "required_certifications": ["iso9001"],
    "deadline": "2027-03-31",
    "budget_jpy": 12000000,
    "restricted": False,
    "status": "open",
}


def test_it_creates_reads_updates_and_lists_opportunities(buyer_api: APIClient, buyer_org: Organisation) -> None:
    created = buyer_api.post("/api/v1/opportunities/", OPPORTUNITY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["required_certifications"] == ["iso9001"]
    assert body["deadline"] == "2027-03-31"
    opp_id = body["id"]
    assert buyer_api.get(f"/api/v1/opportunities/{opp_id}/").json()["organisation"] == buyer_org.pk
    updated = buyer_api.patch(f"/api/v1/opportunities/{opp_id}/", {"budget_jpy": 9000000}, format="json")
    assert updated.json()["budget_jpy"] == 9000000
    assert buyer_api.get("/api/v1/opportunities/?mine=true").json()["count"] == 1


def test_it_filters_opportunities(owner_api: APIClient, buyer_org: Organisation) -> None:
    a = OpportunityFactory(organisation=buyer_org, title="EV電池ケースのプレス", prefecture="07")
    a.sectors.set([])
    b = OpportunityFactory(organisation=buyer_org, title="航空機部品の表面処理", prefecture="04")
    from reference.models import VocabularyTerm

    b.sectors.add(VocabularyTerm.objects.get(section="sectors", code="aerospace"))
    b.required_capabilities.add(VocabularyTerm.objects.get(section="capabilities", code="precision_machining"))

    def titles(query: str) -> list[str]:
        return [o["title"] for o in owner_api.get(f"/api/v1/opportunities/?{query}").json()["results"]]

    assert titles("sector=aerospace") == ["航空機部品の表面処理"]
    assert titles("prefecture=07") == ["EV電池ケースのプレス"]
    assert titles("capability=precision_machining") == ["航空機部品の表面処理"]
    assert titles("q=ＥＶ") == ["EV電池ケースのプレス"]  # full-width query, NFKC-normalised
    assert titles("status=closed") == []


def test_it_hides_other_organisations_drafts(owner_api: APIClient, buyer_org: Organisation) -> None:
    draft = OpportunityFactory(organisation=buyer_org, status="draft")
    open_one = OpportunityFactory(organisation=buyer_org, status="open")
    assert owner_api.get(f"/api/v1/opportunities/{draft.pk}/").status_code == 404
    assert owner_api.get(f"/api/v1/opportunities/{open_one.pk}/").status_code == 200
    assert [o["id"] for o in owner_api.get("/api/v1/opportunities/").json()["results"]] == [open_one.pk]


def test_it_refuses_writes_by_other_organisations(owner_api: APIClient, buyer_org: Organisation) -> None:
    opportunity = OpportunityFactory(organisation=buyer_org, status="open", title="元の題名")
    response = owner_api.patch(f"/api/v1/opportunities/{opportunity.pk}/", {"title": "改ざん"}, format="json")
    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.title == "元の題名"


def test_it_shows_restricted_opportunities_only_to_vetted_organisations(
    owner_api: APIClient, sme: Organisation, buyer_org: Organisation
) -> None:
    restricted = OpportunityFactory(organisation=buyer_org, status="open", restricted=True)
    assert owner_api.get(f"/api/v1/opportunities/{restricted.pk}/").status_code == 404
    sme.vetting_status = Organisation.Vetting.VETTED
    sme.save()
    assert owner_api.get(f"/api/v1/opportunities/{restricted.pk}/").status_code == 200


def test_it_rejects_unknown_certifications(buyer_api: APIClient) -> None:
    response = buyer_api.post(
        "/api/v1/opportunities/", {**OPPORTUNITY, "required_certifications": ["iso0000"]}, format="json"
    )
    assert response.status_code == 400
    assert "required_certifications" in response.json()["extra"]["fields"]
    assert Opportunity.objects.count() == 0


def test_it_refuses_opportunities_from_smes(owner_api: APIClient) -> None:
    assert owner_api.post("/api/v1/opportunities/", OPPORTUNITY, format="json").status_code == 400
