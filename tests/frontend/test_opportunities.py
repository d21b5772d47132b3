from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, User
from matching.models import Introduction
from opportunities.models import Opportunity
from reference.models import VocabularyTerm
from tests.factories import OpportunityFactory, recommend

pytestmark = pytest.mark.django_db


def _terms(section: str, *codes: str) -> list[VocabularyTerm]:
    return list(VocabularyTerm.objects.filter(section=section, code__in=codes))


def _opportunity(organisation: Organisation, **kwargs: Any) -> Opportunity:
    opportunity = OpportunityFactory(organisation=organisation, **kwargs)
    opportunity.sectors.set(_terms("sectors", "semiconductor"))
    opportunity.required_capabilities.set(_terms("capabilities", "precision_machining", "casting"))
    opportunity.required_certifications.set(_terms("certifications", "iso9001"))
    return opportunity


def _valid(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "半導体製造装置部品の精密加工",
        "description": "SUS304、月100個。",
        "target": "sme",
        "sectors": ["semiconductor"],
        "required_capabilities": ["precision_machining"],
        "required_certifications": ["iso9001", "jisq9100"],
        "prefecture": "04",
        "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "budget_jpy": "5000000",
        "restricted": "on",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_it_creates_an_opportunity_through_the_service(
    buyer: User, buyer_client: Client, buyer_org: Organisation
) -> None:
    response = buyer_client.post(reverse("opportunity-create"), _valid())
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("opportunity-detail", args=[opportunity.pk])
    assert opportunity.organisation == buyer_org
    assert opportunity.created_by == buyer
    assert opportunity.restricted is True
    assert opportunity.budget_jpy == 5_000_000
    assert opportunity.deadline == timezone.localdate() + dt.timedelta(days=30)
    assert list(opportunity.required_capabilities.values_list("code", flat=True)) == ["precision_machining"]
    assert sorted(opportunity.required_certifications.values_list("code", flat=True)) == ["iso9001", "jisq9100"]


def test_the_deadline_is_a_date_input(buyer_client: Client) -> None:
    html = buyer_client.get(reverse("opportunity-create")).content.decode()
    assert 'type="date" name="deadline"' in html


@pytest.mark.parametrize(
    ("overrides", "error_fields"),
    [
        ({"title": ""}, {"title"}),
        ({"budget_jpy": "-1"}, {"budget_jpy"}),
        ({"budget_jpy": "たくさん"}, {"budget_jpy"}),
        ({"deadline": "2001-01-01"}, {"deadline"}),
        ({"deadline": "not a date"}, {"deadline"}),
        ({"required_certifications": ["no_such_cert"]}, {"required_certifications"}),
        ({"status": "closed"}, {"status"}),  # closing is its own confirmed action
    ],
)
def test_it_shows_field_errors_and_writes_nothing(
    buyer_client: Client, overrides: dict[str, Any], error_fields: set[str]
) -> None:
    response = buyer_client.post(reverse("opportunity-create"), _valid(**overrides))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == error_fields
    assert Opportunity.objects.count() == 0


def test_it_edits_an_opportunity_and_keeps_an_old_deadline(buyer_client: Client, buyer_org: Organisation) -> None:
    past = timezone.localdate() - dt.timedelta(days=3)
    opportunity = _opportunity(buyer_org, deadline=past, restricted=True)
    page = buyer_client.get(reverse("opportunity-edit", args=[opportunity.pk]))
    assert page.context["form"].initial["required_capabilities"] == ["precision_machining", "casting"]

    data = _valid(deadline=past.isoformat(), title="改訂版", required_capabilities=["casting"])
    del data["restricted"]  # unticked checkbox
    response = buyer_client.post(reverse("opportunity-edit", args=[opportunity.pk]), data)
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.title == "改訂版"
    assert opportunity.restricted is False
    assert opportunity.deadline == past
    assert list(opportunity.required_capabilities.values_list("code", flat=True)) == ["casting"]


def test_it_closes_an_opportunity(buyer_client: Client, buyer_org: Organisation) -> None:
    opportunity = _opportunity(buyer_org)
    response = buyer_client.post(reverse("opportunity-close", args=[opportunity.pk]))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == "closed"
    assert opportunity.closed_at is not None


@pytest.mark.parametrize("url_name", ["opportunity-detail", "opportunity-edit", "opportunity-close"])
def test_it_checks_ownership(other_buyer_client: Client, buyer_org: Organisation, url_name: str) -> None:
    # Open and public, so other organisations may find it elsewhere, but these are the owner's pages.
    opportunity = _opportunity(buyer_org, title="元の案件", status="open", restricted=False)
    assert other_buyer_client.get(reverse(url_name, args=[opportunity.pk])).status_code == 404
    response = other_buyer_client.post(reverse(url_name, args=[opportunity.pk]), _valid(title="乗っ取り"))
    assert response.status_code == 404
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.status) == ("元の案件", "open")


def test_an_sme_cannot_open_buyer_pages_for_an_opportunity(owner_client: Client, buyer_org: Organisation) -> None:
    opportunity = _opportunity(buyer_org)
    assert owner_client.get(reverse("opportunity-detail", args=[opportunity.pk])).status_code == 403


def test_it_lists_only_own_opportunities(buyer_client: Client, buyer_org: Organisation, other_buyer: User) -> None:
    _opportunity(buyer_org, title="自社の案件")
    _opportunity(other_buyer.memberships.get().organisation, title="他社の公開案件", status="open")
    html = buyer_client.get(reverse("opportunity-list")).content.decode()
    assert "自社の案件" in html
    assert "他社の公開案件" not in html


def test_it_filters_opportunities(buyer_client: Client, buyer_org: Organisation) -> None:
    _opportunity(buyer_org, title="鋳造の案件", prefecture="04")
    other = OpportunityFactory(organisation=buyer_org, title="防衛の案件", prefecture="03", status="draft")
    other.sectors.set(_terms("sectors", "defense"))

    def titles(**params: str) -> set[str]:
        return {o.title for o in buyer_client.get(reverse("opportunity-list"), params).context["page"].object_list}

    assert titles() == {"鋳造の案件", "防衛の案件"}
    assert titles(capability="casting") == {"鋳造の案件"}
    assert titles(sector="defense") == {"防衛の案件"}
    assert titles(prefecture="04") == {"鋳造の案件"}
    assert titles(status="draft") == {"防衛の案件"}
    assert titles(q="鋳造") == {"鋳造の案件"}


def test_the_list_has_no_n_plus_one(
    buyer_client: Client, buyer_org: Organisation, django_assert_max_num_queries: Any
) -> None:
    url = reverse("opportunity-list")
    for _ in range(3):
        _opportunity(buyer_org)
    with CaptureQueriesContext(connection) as few:
        buyer_client.get(url)
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    for _ in range(25):
        _opportunity(buyer_org)
    with django_assert_max_num_queries(baseline):
        response = buyer_client.get(url)
    assert response.context["page"].paginator.count == 28


def test_it_lets_a_closed_opportunity_be_reopened(buyer_client: Client, buyer_org: Organisation) -> None:
    opportunity = _opportunity(buyer_org, status="closed", closed_at=timezone.now())
    page = buyer_client.get(reverse("opportunity-edit", args=[opportunity.pk]))
    assert page.context["form"].initial["status"] == "closed"
    response = buyer_client.post(reverse("opportunity-edit", args=[opportunity.pk]), _valid(status="open"))
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.closed_at) == ("open", None)


def test_it_asks_before_closing_an_opportunity(buyer_client: Client, buyer_org: Organisation) -> None:
    opportunity = _opportunity(buyer_org, status="open")
    response = buyer_client.get(reverse("opportunity-close", args=[opportunity.pk]))
    assert response.status_code == 200
    assert reverse("opportunity-detail", args=[opportunity.pk]) in response.content.decode()  # cancel goes back
    opportunity.refresh_from_db()
    assert opportunity.status == "open"


def test_it_shortlists_a_proposed_supplier_privately(
    buyer_client: Client, buyer_org: Organisation, sme: Organisation
) -> None:
    opportunity = _opportunity(buyer_org, status="open")
    recommendation = recommend(opportunity, sme)
    url = reverse("opportunity-detail", args=[opportunity.pk])
    assert 'class="shortlist-form"' in buyer_client.get(url).content.decode()

    response = buyer_client.post(url, {"shortlist": recommendation.pk})
    assert response.status_code == 302
    assert response["Location"] == url + "#proposals"
    introduction = Introduction.objects.get()
    assert (introduction.status, introduction.opportunity_id, introduction.organisation_id) == (
        "proposed",
        opportunity.pk,
        sme.pk,
    )
    assert 'class="status status-shortlisted"' in buyer_client.get(url).content.decode()


@pytest.mark.parametrize("value", ["", "not a number"])
def test_a_shortlist_post_without_a_proposal_is_not_found(
    buyer_client: Client, buyer_org: Organisation, value: str
) -> None:
    opportunity = _opportunity(buyer_org, status="open")
    response = buyer_client.post(reverse("opportunity-detail", args=[opportunity.pk]), {"shortlist": value})
    assert response.status_code == 404
    assert not Introduction.objects.exists()


def test_it_only_shortlists_this_opportunitys_proposals(
    buyer_client: Client, buyer_org: Organisation, sme: Organisation
) -> None:
    opportunity = _opportunity(buyer_org, status="open")
    other = recommend(_opportunity(buyer_org, status="open"), sme)
    response = buyer_client.post(reverse("opportunity-detail", args=[opportunity.pk]), {"shortlist": other.pk})
    assert response.status_code == 404
    assert not Introduction.objects.exists()
