from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from accounts.models import Organisation, User
from matching.models import Introduction
from opportunities.models import Need
from reference.models import VocabularyTerm
from tests.factories import NeedFactory, recommend

pytestmark = pytest.mark.django_db


def _need_with_sectors(organisation: Organisation, *codes: str, **kwargs: Any) -> Need:
    need = NeedFactory(organisation=organisation, **kwargs)
    need.sectors.set(VocabularyTerm.objects.filter(section="sectors", code__in=codes))
    return need


def test_it_creates_a_need_through_the_service(owner: User, owner_client: Client, sme: Organisation) -> None:
    response = owner_client.post(
        reverse("need-create"),
        {
            "title": "半導体装置メーカーとの取引を始めたい",
            "category": "growth.semiconductor_entry",
            "description": "精密加工の技術を活かしたい。",
            "target": "buyer",
            "prefecture": "04",
            "sectors": ["semiconductor", "automotive"],
            "status": "open",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("need-detail", args=[need.pk])
    assert need.organisation == sme
    assert need.created_by == owner
    assert need.category == "growth.semiconductor_entry"
    assert need.target == "buyer"
    assert sorted(need.sectors.values_list("code", flat=True)) == ["automotive", "semiconductor"]


def test_it_defaults_the_prefecture_to_the_organisations(owner_client: Client, sme: Organisation) -> None:
    owner_client.post(reverse("need-create"), {"title": "事業承継の相談", "target": "expert", "status": "draft"})
    need = Need.objects.get()
    assert need.prefecture == sme.prefecture
    assert need.status == "draft"


def test_it_shows_field_errors_and_writes_nothing(owner_client: Client) -> None:
    response = owner_client.post(
        reverse("need-create"),
        {"title": "", "category": "no.such", "target": "expert", "sectors": ["bogus"], "status": "open"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"title", "category", "sectors"}
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_title_error"' in html
    assert Need.objects.count() == 0


def test_it_edits_a_need(owner_client: Client, sme: Organisation) -> None:
    need = _need_with_sectors(sme, "semiconductor")
    form_page = owner_client.get(reverse("need-edit", args=[need.pk]))
    assert form_page.context["form"].initial["sectors"] == ["semiconductor"]

    response = owner_client.post(
        reverse("need-edit", args=[need.pk]),
        {"title": "新しいタイトル", "target": "expert", "sectors": ["defense"], "status": "open", "prefecture": "03"},
    )
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.title == "新しいタイトル"
    assert need.prefecture == "03"
    assert list(need.sectors.values_list("code", flat=True)) == ["defense"]


def test_it_closes_a_need_after_confirmation(owner_client: Client, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme, status="open")
    assert owner_client.get(reverse("need-close", args=[need.pk])).status_code == 200
    need.refresh_from_db()
    assert need.status == "open"  # GET only asks

    response = owner_client.post(reverse("need-close", args=[need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == "closed"
    assert need.closed_at is not None


def test_it_lets_a_closed_need_be_reopened(owner_client: Client, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme, status="closed")
    page = owner_client.get(reverse("need-edit", args=[need.pk]))
    assert page.context["form"].initial["status"] == "closed"
    owner_client.post(reverse("need-edit", args=[need.pk]), {"title": need.title, "target": "expert", "status": "open"})
    need.refresh_from_db()
    assert need.status == "open"
    assert need.closed_at is None


def test_teammates_manage_the_organisations_needs(teammate_client: Client, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme)
    assert teammate_client.get(reverse("need-detail", args=[need.pk])).status_code == 200


@pytest.mark.parametrize("url_name", ["need-detail", "need-edit", "need-close"])
def test_it_checks_ownership(outsider_client: Client, sme: Organisation, url_name: str) -> None:
    need = NeedFactory(organisation=sme, title="秘密のニーズ")
    response = outsider_client.get(reverse(url_name, args=[need.pk]))
    assert response.status_code == 404
    response = outsider_client.post(reverse(url_name, args=[need.pk]), {"title": "乗っ取り", "status": "closed"})
    assert response.status_code == 404
    need.refresh_from_db()
    assert need.title == "秘密のニーズ"
    assert need.status == "open"


def test_it_lists_only_own_needs(owner_client: Client, sme: Organisation, other_sme: Organisation) -> None:
    NeedFactory(organisation=sme, title="自社のニーズ")
    NeedFactory(organisation=other_sme, title="他社のニーズ")
    html = owner_client.get(reverse("need-list")).content.decode()
    assert "自社のニーズ" in html
    assert "他社のニーズ" not in html


def test_it_filters_needs(owner_client: Client, sme: Organisation) -> None:
    _need_with_sectors(
        sme, "semiconductor", title="半導体の案件", category="growth.semiconductor_entry", prefecture="04"
    )
    _need_with_sectors(
        sme, "defense", title="防衛の案件", category="growth.defense_entry", prefecture="03", status="draft"
    )
    url = reverse("need-list")

    def titles(**params: str) -> set[str]:
        page = owner_client.get(url, params).context["page"]
        return {n.title for n in page.object_list}

    assert titles() == {"半導体の案件", "防衛の案件"}
    assert titles(sector="semiconductor") == {"半導体の案件"}
    assert titles(category="growth.defense_entry") == {"防衛の案件"}
    assert titles(prefecture="03") == {"防衛の案件"}
    assert titles(status="draft") == {"防衛の案件"}
    assert titles(q="半導体") == {"半導体の案件"}
    assert titles(q="ＤＸ導入") == set()  # full-width input is normalised, and nothing matches


def test_it_ignores_an_unknown_filter_value_and_says_so(owner_client: Client, sme: Organisation) -> None:
    NeedFactory(organisation=sme)
    response = owner_client.get(reverse("need-list"), {"sector": "no-such-sector"})
    assert response.status_code == 200
    assert "sector" in response.context["filter_form"].errors
    assert len(response.context["page"].object_list) == 1


def test_it_paginates_by_20_and_keeps_filters(owner_client: Client, sme: Organisation) -> None:
    NeedFactory.create_batch(25, organisation=sme, status="open")
    response = owner_client.get(reverse("need-list"), {"status": "open"})
    page = response.context["page"]
    assert len(page.object_list) == 20
    assert page.paginator.count == 25
    assert "?status=open&amp;page=2" in response.content.decode()
    assert len(owner_client.get(reverse("need-list"), {"status": "open", "page": 2}).context["page"].object_list) == 5


def test_it_shows_a_helpful_empty_state(owner_client: Client) -> None:
    response = owner_client.get(reverse("need-list"))
    assert reverse("need-create") in response.content.decode()
    assert not response.context["filtered"]
    assert owner_client.get(reverse("need-list"), {"q": "何もない"}).context["filtered"]


def test_the_list_has_no_n_plus_one(
    owner_client: Client, sme: Organisation, django_assert_max_num_queries: Any
) -> None:
    url = reverse("need-list")
    for _ in range(3):
        _need_with_sectors(sme, "semiconductor", "defense")
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    for _ in range(25):
        _need_with_sectors(sme, "semiconductor", "aerospace")
    with django_assert_max_num_queries(baseline):
        response = owner_client.get(url)
    assert len(response.context["page"].object_list) == 20


def test_a_need_page_has_no_shortlist(owner_client: Client, sme: Organisation, other_sme: Organisation) -> None:
    # The shortlist is the buyer's; on a need page a POST changes nothing and the page is shown again.
    need = NeedFactory(organisation=sme, status="open")
    recommendation = recommend(need, other_sme)
    url = reverse("need-detail", args=[need.pk])
    assert 'class="shortlist-form"' not in owner_client.get(url).content.decode()
    response = owner_client.post(url, {"shortlist": recommendation.pk})
    assert response.status_code == 200
    assert not Introduction.objects.exists()


def test_the_views_are_named_after_their_pages() -> None:
    # They are built by frontend.views.queries; the names show in tracebacks and logs.
    assert resolve(reverse("need-edit", args=[1])).func.__name__ == "need_edit"
    assert resolve(reverse("need-list")).func.__name__ == "need_list"
