"""The four personas as people use them: home to-do lists, error pages, favicon, confirmations, the header."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accounts.models import ExpertProfile, Membership, Organisation, User
from matching.models import Introduction
from tests.clients import web_client
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    recommend,
)

pytestmark = pytest.mark.django_db
SITE_CSS = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "site.css"


# --- Home pages ------------------------------------------------------------------------------------------------


def test_it_shows_the_sme_what_needs_doing(owner_client: Client, sme: Organisation) -> None:
    bare = NeedFactory(organisation=sme, title="提案がまだないニーズ")
    IntroductionFactory(query=NeedFactory(organisation=sme), status=Introduction.State.REQUESTED)
    html = owner_client.get(reverse("home")).content.decode()
    assert "対応が必要なこと" in html
    assert "件の依頼が相手の回答待ち" in html
    assert f'href="{reverse("need-detail", args=[bare.pk])}">{bare.title}</a>' in html
    assert "?turn=theirs" in html


def test_it_links_the_need_titles_of_the_home_table(owner_client: Client, sme: Organisation) -> None:
    need = NeedFactory(organisation=sme, title="一覧のニーズ")
    recommend(need, ExpertProfileFactory())
    html = owner_client.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("need-detail", args=[need.pk])}">一覧のニーズ</a>' in html


def test_it_shows_the_expert_the_waiting_requests(expert_client: Client, expert_user: User) -> None:
    expert = ExpertProfile.objects.get(user=expert_user)
    IntroductionFactory(candidate=expert, status=Introduction.State.REQUESTED)
    IntroductionFactory(candidate=expert, status=Introduction.State.REQUESTED)
    response = expert_client.get(reverse("home"))
    assert response.context["expert_todo"].requests_waiting == 2
    html = response.content.decode()
    assert re.search(r'<span class="count count-due">2</span>\s*件の依頼があなたの回答待ち', html)


def test_it_shows_the_buyer_new_proposals(buyer_client: Client, buyer_org: Organisation) -> None:
    opportunity = OpportunityFactory(organisation=buyer_org, title="新しい提案のある案件")
    recommend(opportunity, OrganisationFactory())
    html = buyer_client.get(reverse("home")).content.decode()
    assert f"{reverse('opportunity-detail', args=[opportunity.pk])}#proposals" in html
    assert "新しい提案 1 件" in html


def test_it_keeps_the_home_pages_bounded(
    owner_client: Client, sme: Organisation, django_assert_max_num_queries: Any
) -> None:
    for _ in range(25):
        IntroductionFactory(query=NeedFactory(organisation=sme), status=Introduction.State.REQUESTED)
    with django_assert_max_num_queries(25):
        assert owner_client.get(reverse("home")).status_code == 200


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_it_makes_the_unread_badge_readable(owner: User, owner_client: Client) -> None:
    from tests.factories import NotificationFactory

    NotificationFactory(user=owner)
    html = owner_client.get(reverse("home")).content.decode()
    assert re.search(r'<span class="status badge">1</span>', html)
    css = SITE_CSS.read_text(encoding="utf-8")
    rule = re.search(r"\.status\.badge, \.badge \{ background:(#[0-9a-f]{6}); color:(#[0-9a-f]{6});", css)
    assert rule, "the .badge rule sets its own background and text colour"
    background, text = rule.groups()
    assert _contrast(background, text) >= 4.5
    assert _contrast(background, "#12324f") >= 3  # and stands out on the dark header
    assert re.search(r"header\.site \.badge \{ color:" + text, css)  # not the header's white link colour


# --- Error pages and favicon -----------------------------------------------------------------------------------


def test_it_answers_404_with_the_branded_japanese_page(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 404
    html = response.content.decode()
    assert "お探しのページは見つかりませんでした" in html
    assert 'class="site"' in html and "ホームに戻る" in html


def test_it_answers_403_with_the_branded_japanese_page(owner_client: Client) -> None:
    response = owner_client.get(reverse("bureau-dashboard"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "このページは開けません" in html
    assert "組織の管理者" in html


def test_it_keeps_json_errors_under_the_api(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response["Content-Type"] == "application/json"


def test_it_renders_the_500_page_without_a_request_or_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "システムで問題が発生しました" in html
    assert 'rel="icon"' in html


@pytest.mark.urls("tests.core.boom_urls")
def test_it_answers_500_with_the_branded_page() -> None:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="ja")
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "システムで問題が発生しました" in response.content.decode()


def test_it_has_a_favicon(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/frontend/favicon\.svg"', html)
    assert finders.find("frontend/favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == f"/{django_settings.STATIC_URL}frontend/favicon.svg".replace("//", "/")


# --- Vetting asks for confirmation, with the organisation's details ------------------------------------------


@pytest.fixture
def bureau_owner_client() -> Client:
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    return web_client(MembershipFactory(organisation=bureau, role=Membership.Role.OWNER).user)


def test_it_confirms_vetting_with_the_organisations_details(bureau_owner_client: Client) -> None:
    org = OrganisationFactory(
        name="仙台防衛部品株式会社", prefecture="04", vetting_status="pending", description="航空機部品の精密加工。"
    )
    MembershipFactory(organisation=org)
    MembershipFactory(organisation=org, role=Membership.Role.MEMBER)
    listing = bureau_owner_client.get(reverse("bureau-vetting")).content.decode()
    url = reverse("bureau-vetting-decide", args=[org.pk])
    assert f"{url}?decision=vetted" in listing

    page = bureau_owner_client.get(url, {"decision": "vetted"})
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("仙台防衛部品株式会社 を承認しますか？", org.corporate_number, "宮城県", "航空機部品の精密加工。"):
        assert text in html
    assert page.context["members"] == 2
    org.refresh_from_db()
    assert org.vetting_status == "pending"  # looking is not deciding

    rejecting = bureau_owner_client.get(url, {"decision": "rejected"}).content.decode()
    for label in ("法人番号または所在地を確認できない", "安全保障・輸出管理上の懸念がある", "重複登録", "その他の理由"):
        assert label in rejecting
    assert "官公庁との取引実績を確認済み" not in rejecting  # an approval reason

    bureau_owner_client.post(url, {"decision": "rejected", "reason": "not_eligible"})
    org.refresh_from_db()
    assert (org.vetting_status, org.vetting_reason) == ("rejected", "not_eligible")
    listing = bureau_owner_client.get(reverse("bureau-vetting"), {"status": "all"}).content.decode()
    assert "案件・事業の参加要件を満たさない" in listing


def test_it_needs_a_decision_for_the_confirm_page(bureau_owner_client: Client) -> None:
    org = OrganisationFactory(prefecture="04", vetting_status="pending")
    assert bureau_owner_client.get(reverse("bureau-vetting-decide", args=[org.pk])).status_code == 404


def test_it_refuses_the_confirm_page_to_non_bureau_users(owner_client: Client) -> None:
    org = OrganisationFactory(prefecture="04", vetting_status="pending")
    url = reverse("bureau-vetting-decide", args=[org.pk])
    assert owner_client.get(url, {"decision": "vetted"}).status_code == 403


# --- Header menu ----------------------------------------------------------------------------------------------


def test_it_has_a_menu_toggle_that_is_hidden_without_javascript(owner_client: Client) -> None:
    html = owner_client.get(reverse("home")).content.decode()
    assert re.search(
        r'<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="site-menu" hidden>', html
    )
    assert 'id="site-menu"' in html
