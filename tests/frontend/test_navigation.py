from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(0))


def test_smes_see_home_needs_and_company(owner_client: Client) -> None:
    html = owner_client.get(reverse("need-list")).content.decode()
    assert _nav_links(html) == [
        "/",
        "/needs/",
        "/browse/opportunities/",
        "/introductions/",
        "/experts/",
        "/notifications/",
        "/organisation/",
    ]
    assert '<a href="/needs/" aria-current="page">' in html
    assert '<span class="org-name"' in html


def test_buyers_see_opportunities_and_company(buyer_client: Client) -> None:
    html = buyer_client.get(reverse("opportunity-list")).content.decode()
    assert _nav_links(html) == [
        "/opportunities/",
        "/introductions/",
        "/conflicts/",
        "/experts/",
        "/notifications/",
        "/organisation/",
    ]
    assert "東北セミコン株式会社" in html


def test_experts_see_their_profile(expert_client: Client) -> None:
    html = expert_client.get(reverse("expert-profile")).content.decode()
    assert _nav_links(html) == [
        "/expert/profile/",
        "/introductions/",
        "/engagements/",
        "/conflicts/",
        "/experts/",
        "/notifications/",
    ]
    assert '<a href="/expert/profile/" aria-current="page">' in html


def test_bureau_staff_see_the_dashboard(bureau_client: Client) -> None:
    assert _nav_links(bureau_client.get(reverse("bureau-dashboard")).content.decode()) == ["/bureau/", "/experts/"]


def test_company_stays_active_on_the_members_page(owner_client: Client) -> None:
    html = owner_client.get(reverse("organisation-members")).content.decode()
    assert '<a href="/organisation/" aria-current="page">' in html


def test_visitors_get_no_persona_navigation(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert 'class="site-nav"' not in html
    assert reverse("signup") in html


def test_the_persona_is_looked_up_once_per_request(owner_client: Client, django_assert_max_num_queries: object) -> None:
    # session + user + organisation + expert profile + the page's own queries; bounded, not per nav item.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        owner_client.get(reverse("organisation-members"))
