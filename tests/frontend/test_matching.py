"""Proposals on need/opportunity pages, the request button, and the candidate's inbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ExpertProfile, Organisation, User
from matching.models import Engagement, Introduction, Recommendation
from opportunities.models import Need
from tests.factories import ExpertProfileFactory, NeedFactory, OpportunityFactory, recommend

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert(expert_user: User) -> ExpertProfile:
    return ExpertProfile.objects.get(user=expert_user)


@pytest.fixture
def need(sme: Organisation) -> Need:
    return NeedFactory(organisation=sme, status="open", title="生産管理のデジタル化")


def test_the_need_page_lists_proposals_with_reasons(owner_client: Client, need: Need, expert: ExpertProfile) -> None:
    recommend(need, expert)
    html = owner_client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert expert.name in html
    assert "対応地域: 宮城県" in html
    score = Recommendation.objects.get().score
    assert f'<meter min="0" max="1" value="{score:.3f}"' in html  # the score bar
    assert reverse("recommendation-request", args=[Recommendation.objects.get().pk]) in html


def test_the_proposals_have_no_n_plus_one(owner_client: Client, need: Need, django_assert_max_num_queries: Any) -> None:
    url = reverse("need-detail", args=[need.pk])
    for rank in range(1, 4):
        recommend(need, ExpertProfileFactory(), rank)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    for rank in range(4, 30):
        recommend(need, ExpertProfileFactory(), rank)
    with django_assert_max_num_queries(baseline):
        response = owner_client.get(url)
    assert len(response.context["proposals"]) == 20


def test_the_request_button_asks_for_an_introduction(
    owner: User, owner_client: Client, need: Need, expert: ExpertProfile, django_capture_on_commit_callbacks: Any
) -> None:
    rec = recommend(need, expert)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("recommendation-request", args=[rec.pk]), {"message": "ご相談です"})
    assert response.status_code == 302
    assert response["Location"] == reverse("need-detail", args=[need.pk]) + "#proposals"
    introduction = Introduction.objects.get()
    assert (introduction.status, introduction.requested_by, introduction.request_message) == (
        "requested",
        owner,
        "ご相談です",
    )
    html = owner_client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert 'class="status status-requested"' in html


def test_requests_for_a_closed_need_are_refused_with_a_message(
    owner_client: Client, need: Need, expert: ExpertProfile
) -> None:
    rec = recommend(need, expert)
    Need.objects.filter(pk=need.pk).update(status="closed")
    response = owner_client.post(reverse("recommendation-request", args=[rec.pk]), follow=True)
    assert response.status_code == 200
    assert not Introduction.objects.filter(status="requested").exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_outsiders_cannot_request_on_someone_elses_need(
    outsider_client: Client, need: Need, expert: ExpertProfile
) -> None:
    rec = recommend(need, expert)
    assert outsider_client.post(reverse("recommendation-request", args=[rec.pk])).status_code == 404
    assert not Introduction.objects.exists()


def test_the_request_url_only_takes_posts(owner_client: Client, need: Need, expert: ExpertProfile) -> None:
    rec = recommend(need, expert)
    assert owner_client.get(reverse("recommendation-request", args=[rec.pk])).status_code == 405


def test_buyers_see_and_request_proposed_suppliers(
    buyer_client: Client, buyer_org: Organisation, sme: Organisation
) -> None:
    opportunity = OpportunityFactory(organisation=buyer_org, status="open")
    rec = recommend(opportunity, sme)
    html = buyer_client.get(reverse("opportunity-detail", args=[opportunity.pk])).content.decode()
    assert sme.name in html
    buyer_client.post(reverse("recommendation-request", args=[rec.pk]))
    assert Introduction.objects.get().status == "requested"


def _requested(owner_client: Client, need: Need, expert: ExpertProfile) -> Introduction:
    rec = recommend(need, expert)
    owner_client.post(reverse("recommendation-request", args=[rec.pk]), {"message": "よろしくお願いします"})
    return Introduction.objects.get()


def test_the_expert_inbox_lists_requests(
    owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile
) -> None:
    introduction = _requested(owner_client, need, expert)
    response = expert_client.get(reverse("introduction-inbox"))
    html = response.content.decode()
    assert need.title in html
    assert reverse("introduction-detail", args=[introduction.pk]) in html
    assert expert_client.get(reverse("introduction-inbox"), {"state": "accepted"}).context["page"].paginator.count == 0


def test_the_inbox_is_empty_without_requests(expert_client: Client, need: Need, expert: ExpertProfile) -> None:
    recommend(need, expert)  # proposed only: the requester's private shortlist
    response = expert_client.get(reverse("introduction-inbox"))
    assert response.context["page"].paginator.count == 0


def test_the_expert_accepts_and_sees_contacts(
    owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile, sme: Organisation
) -> None:
    introduction = _requested(owner_client, need, expert)
    detail = expert_client.get(reverse("introduction-detail", args=[introduction.pk]))
    assert detail.context["contacts"] is None
    assert sme.contact_email not in detail.content.decode()

    response = expert_client.post(reverse("introduction-accept", args=[introduction.pk]), {"message": "喜んで"})
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert introduction.status == "accepted"
    assert Engagement.objects.filter(expert=expert, closed_at__isnull=True).count() == 1
    assert (
        sme.contact_email in expert_client.get(reverse("introduction-detail", args=[introduction.pk])).content.decode()
    )
    # The new engagement counts towards the load shown on the profile.
    assert expert_client.get(reverse("expert-profile")).context["load"] == expert.active_engagements + 1


def test_the_expert_declines(owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile) -> None:
    introduction = _requested(owner_client, need, expert)
    url = reverse("introduction-decline", args=[introduction.pk])
    # The introduction page links to a confirmation page; nothing changes until it is submitted.
    assert url in expert_client.get(reverse("introduction-detail", args=[introduction.pk])).content.decode()
    confirm = expert_client.get(url)
    assert confirm.status_code == 200
    assert "辞退は取り消せません" in confirm.content.decode()
    introduction.refresh_from_db()
    assert introduction.status == "requested"

    response = expert_client.post(url, {"reason": "no_capacity", "message": "今は手一杯です"})
    assert response.status_code == 302
    introduction.refresh_from_db()
    assert (introduction.status, introduction.decline_reason, introduction.answer_message) == (
        "declined",
        "no_capacity",
        "今は手一杯です",
    )
    # Both sides see the reason on the introduction page.
    assert (
        "現在は対応できる余裕がない"
        in owner_client.get(reverse("introduction-detail", args=[introduction.pk])).content.decode()
    )


def test_it_asks_for_a_decline_reason(
    owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile
) -> None:
    introduction = _requested(owner_client, need, expert)
    url = reverse("introduction-decline", args=[introduction.pk])
    response = expert_client.post(url, {"message": "理由なし"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert expert_client.post(url, {"reason": "bogus"}).status_code == 200
    introduction.refresh_from_db()
    assert introduction.status == "requested"


def test_it_refuses_the_decline_page_to_the_requester(
    owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile
) -> None:
    introduction = _requested(owner_client, need, expert)
    url = reverse("introduction-decline", args=[introduction.pk])
    assert owner_client.get(url).status_code == 403
    assert owner_client.post(url, {"reason": "other"}).status_code == 403
    introduction.refresh_from_db()
    assert introduction.status == "requested"


def test_a_full_expert_cannot_accept(
    owner_client: Client, expert_client: Client, need: Need, expert: ExpertProfile
) -> None:
    introduction = _requested(owner_client, need, expert)
    ExpertProfile.objects.filter(pk=expert.pk).update(capacity=1, active_engagements=1)
    response = expert_client.post(reverse("introduction-accept", args=[introduction.pk]), follow=True)
    introduction.refresh_from_db()
    assert introduction.status == "requested"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_outsiders_cannot_see_or_answer_an_introduction(
    owner_client: Client, outsider_client: Client, need: Need, expert: ExpertProfile
) -> None:
    introduction = _requested(owner_client, need, expert)
    assert outsider_client.get(reverse("introduction-detail", args=[introduction.pk])).status_code == 404
    assert outsider_client.post(reverse("introduction-accept", args=[introduction.pk])).status_code == 404
    introduction.refresh_from_db()
    assert introduction.status == "requested"


def test_the_requester_cannot_accept_their_own_request(owner_client: Client, need: Need, expert: ExpertProfile) -> None:
    introduction = _requested(owner_client, need, expert)
    response = owner_client.post(reverse("introduction-accept", args=[introduction.pk]), follow=True)
    introduction.refresh_from_db()
    assert introduction.status == "requested"
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"


def test_the_inbox_has_no_n_plus_one(
    owner_client: Client,
    expert_client: Client,
    sme: Organisation,
    expert: ExpertProfile,
    django_assert_max_num_queries: Any,
) -> None:
    ExpertProfile.objects.filter(pk=expert.pk).update(capacity=100)

    def add(n: int) -> None:
        for _ in range(n):
            _requested_many(owner_client, NeedFactory(organisation=sme, status="open"), expert)

    add(3)
    with CaptureQueriesContext(connection) as few:
        expert_client.get(reverse("introduction-inbox"))
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    add(25)
    with django_assert_max_num_queries(baseline):
        response = expert_client.get(reverse("introduction-inbox"))
    assert response.context["page"].paginator.count == 28


def _requested_many(owner_client: Client, need: Need, expert: ExpertProfile) -> None:
    rec = recommend(need, expert)
    owner_client.post(reverse("recommendation-request", args=[rec.pk]))


def test_it_says_proposals_are_being_computed_and_polls(owner_client: Client, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme, status="open", recommendations_status="pending")
    html = owner_client.get(f"/needs/{need.pk}/").content.decode()
    assert 'data-proposals-poll="/api/v1/needs/' in html
    assert "js/proposals.js" in html
    assert "No proposals yet" not in html and "まだ提案はありません" not in html


def test_it_shows_evidence_in_the_page_language_with_relevance_and_busy(
    owner: User, owner_client: Client, sme: Organisation
) -> None:
    need = NeedFactory(organisation=sme, status="open")
    expert = ExpertProfileFactory(capacity=1, active_engagements=1)
    evidence = [{"kind": "sector", "code": "semiconductor"}, {"kind": "keyword", "text": "真空チャンバー"}]
    recommend(need, expert, evidence=evidence, relevance=82.4)

    html = owner_client.get(f"/needs/{need.pk}/").content.decode()
    assert "分野: 半導体" in html and "キーワード: 真空チャンバー" in html
    assert "関連度 82/100" in html
    assert "現在は受け入れ枠がありません" in html

    owner.locale = "en"
    owner.save(update_fields=["locale"])
    html = owner_client.get(f"/needs/{need.pk}/").content.decode()
    assert "Sector: Semiconductors" in html and "Key words: 真空チャンバー" in html
    assert "Relevance 82/100" in html and "Busy: no capacity left at the moment" in html
