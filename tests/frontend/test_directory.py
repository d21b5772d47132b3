"""The expert directory and supplier pages: searchable, paginated, translated, and never a contact detail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ExpertProfile, Organisation
from reference.models import VocabularyTerm
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    OutcomeFactory,
    ProgrammeFactory,
    recommend,
)

pytestmark = pytest.mark.django_db


def term(section: str, code: str) -> VocabularyTerm:
    return VocabularyTerm.objects.get(section=section, code=code)


def expert(**kw: Any) -> ExpertProfile:
    return ExpertProfileFactory(contact_email="secret@example.jp", contact_phone="090-0000-0000", **kw)


def test_the_directory_lists_filters_and_shows_an_empty_state(owner_client: Client) -> None:
    html = owner_client.get(reverse("expert-directory")).content.decode()
    assert "専門家" in html and 'class="empty"' in html  # Japanese by default, empty state
    dx = expert(name="デジタル太郎")
    dx.skills.add(term("need_categories", "dx.digitization"))
    nationwide = expert(name="全国花子", expert_type="innovation_producer")
    local = expert(name="福岡次郎")
    local.regions.add(term("prefectures", "40"))

    def listed(**params: Any) -> list[str]:
        response = owner_client.get(reverse("expert-directory"), params)
        assert response.status_code == 200
        return [e.name for e in response.context["page"].object_list]

    assert set(listed()) == {"デジタル太郎", "全国花子", "福岡次郎"}
    assert listed(skill="dx.digitization") == ["デジタル太郎"]
    assert set(listed(region="04")) == {"デジタル太郎", "全国花子"}
    assert listed(expert_type="innovation_producer") == ["全国花子"]
    assert listed(q="福岡") == ["福岡次郎"]
    nationwide.sectors.add(term("sectors", "semiconductor"))
    assert listed(sector="semiconductor") == ["全国花子"]
    ExpertProfile.objects.filter(pk=local.pk).update(active_engagements=5)
    assert "福岡次郎" not in listed(available="on")
    html = owner_client.get(reverse("expert-directory"), {"q": "該当なし"}).content.decode()
    assert reverse("expert-directory") in html and 'class="empty"' in html


def test_the_pages_never_show_contacts(owner_client: Client, buyer_client: Client, sme: Organisation) -> None:
    profile = expert(name="デジタル太郎")
    for url in (reverse("expert-directory"), reverse("expert-directory-detail", args=[profile.pk])):
        html = owner_client.get(url).content.decode()
        assert "デジタル太郎" in html
        assert "secret@example.jp" not in html and "090-0000-0000" not in html and profile.user.email not in html
    html = buyer_client.get(reverse("supplier-detail", args=[sme.pk])).content.decode()
    assert sme.name in html and sme.contact_email not in html and sme.contact_phone not in html
    assert sme.contact_name not in html


def test_the_profile_shows_the_track_record(owner_client: Client) -> None:
    profile = expert()
    OutcomeFactory(introduction=IntroductionFactory(candidate=profile, status="completed"), feedback=4)
    IntroductionFactory(candidate=profile, status="accepted")
    response = owner_client.get(reverse("expert-directory-detail", args=[profile.pk]))
    record = response.context["record"]
    assert (record.accepted, record.completed, record.deals, record.feedback_average) == (2, 1, 1, 4.0)
    assert "実績" in response.content.decode() and "受け入れた紹介" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client: Client, sme: Organisation) -> None:
    profile = expert()
    for url in (
        reverse("expert-directory"),
        reverse("expert-directory-detail", args=[profile.pk]),
        reverse("supplier-detail", args=[sme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_every_persona_sees_the_directory(
    owner_client: Client, buyer_client: Client, expert_client: Client, bureau_client: Client
) -> None:
    profile = expert()
    for c in (owner_client, buyer_client, expert_client, bureau_client):
        assert c.get(reverse("expert-directory")).status_code == 200
        assert c.get(reverse("expert-directory-detail", args=[profile.pk])).status_code == 200
    assert owner_client.get(reverse("expert-directory-detail", args=[999999])).status_code == 404


def test_supplier_pages_are_for_buyers_experts_the_bureau_and_the_company_itself(
    owner_client: Client,
    outsider_client: Client,
    buyer_client: Client,
    expert_client: Client,
    bureau_client: Client,
    sme: Organisation,
    buyer_org: Organisation,
) -> None:
    url = reverse("supplier-detail", args=[sme.pk])
    for c in (buyer_client, expert_client, bureau_client, owner_client):
        assert c.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404  # another SME
    # Only SMEs have a supplier page.
    assert buyer_client.get(reverse("supplier-detail", args=[buyer_org.pk])).status_code == 404


def test_proposals_link_to_the_candidates_pages(
    owner_client: Client, buyer_client: Client, sme: Organisation, buyer_org: Organisation
) -> None:
    profile = expert(name="デジタル太郎")
    need = NeedFactory(organisation=sme)
    recommend(need, profile)
    html = owner_client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert reverse("expert-directory-detail", args=[profile.pk]) in html

    supplier = OrganisationFactory(name="株式会社候補製作所")
    opportunity = OpportunityFactory(organisation=buyer_org)
    recommend(opportunity, supplier)
    html = buyer_client.get(reverse("opportunity-detail", args=[opportunity.pk])).content.decode()
    assert reverse("supplier-detail", args=[supplier.pk]) in html


@pytest.mark.parametrize("size", [3, 25])
def test_the_directory_page_runs_a_fixed_number_of_queries(
    size: int, owner_client: Client, django_assert_max_num_queries: Any
) -> None:
    for i in range(size):
        profile = expert()
        profile.skills.add(term("need_categories", "dx.digitization"))
        profile.regions.add(term("prefectures", f"{i % 47 + 1:02d}"))
        profile.sectors.add(term("sectors", "semiconductor"))
        IntroductionFactory(candidate=profile, status="accepted")
    with django_assert_max_num_queries(14):
        assert owner_client.get(reverse("expert-directory")).status_code == 200


def test_the_directory_filters_by_programme_registration(owner_client: Client) -> None:
    registered = expert(name="派遣登録太郎")
    expert(name="未登録花子")
    dispatch = ProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）")
    dispatch.registered_experts.add(registered)
    ProgrammeFactory(code="ended", name_ja="終了した制度", is_active=False).registered_experts.add(registered)

    response = owner_client.get(reverse("expert-directory"), {"programme": "dispatch"})
    assert [e.name for e in response.context["page"].object_list] == ["派遣登録太郎"]
    html = response.content.decode()
    # The filter form offers the active programmes only, the chosen one selected.
    assert '<option value="dispatch" selected>専門家派遣（時間制）</option>' in html
    assert 'value="ended"' not in html and "登録している制度" in html
    # An unknown or ended programme is shown as an invalid choice and filters nothing.
    unknown = owner_client.get(reverse("expert-directory"), {"programme": "ended"})
    assert len(unknown.context["page"].object_list) == 2 and unknown.context["filter_form"].errors


def test_the_profile_lists_the_programme_registrations(owner_client: Client) -> None:
    profile = expert(name="派遣登録太郎")
    ProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）").registered_experts.add(profile)
    ProgrammeFactory(code="ended", name_ja="終了した制度", is_active=False).registered_experts.add(profile)
    html = owner_client.get(reverse("expert-directory-detail", args=[profile.pk])).content.decode()
    assert "登録している制度" in html and "専門家派遣（時間制）" in html and "終了した制度" not in html
    assert f"{reverse('expert-directory')}?programme=dispatch" in html
    unregistered = owner_client.get(reverse("expert-directory-detail", args=[expert().pk])).content.decode()
    assert "登録している制度" in unregistered and "専門家派遣（時間制）" not in unregistered
