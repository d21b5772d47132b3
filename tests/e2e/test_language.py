"""Japanese by default on every main journey page, with no English left over; the header switches to English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import Membership, Organisation
from matching.models import Engagement, Introduction, Recommendation
from tests.e2e.support import expert, log_in, organisation, untranslated
from tests.factories import MembershipFactory, NeedFactory, OpportunityFactory, OrganisationFactory, recommend

pytestmark = pytest.mark.django_db(transaction=True)


def _introduction(rec: Recommendation, status: str, requested_by: Any) -> Introduction:
    now = timezone.now()
    intro = Introduction(
        need=rec.need,
        opportunity=rec.opportunity,
        expert=rec.expert,
        organisation=rec.organisation,
        status=status,
        rank=rec.rank,
        requested_by=requested_by,
        requested_at=None if status == "proposed" else now,
        request_message="" if status == "proposed" else "ご相談させてください。",
        answered_at=now if status == "accepted" else None,
    )
    intro.fill_keys()
    intro.save()
    if status == "accepted":
        Engagement.objects.create(introduction=intro, expert=rec.expert, organisation=rec.organisation, accepted_at=now)
    return intro


@pytest.fixture
def market() -> dict[str, Any]:
    """Every persona with something on each of its main pages: proposals, a request, an acceptance."""
    sme, sme_user = organisation(kind=Organisation.Kind.SME, name="株式会社みやぎ精工", email="owner@miyagi.example.jp")
    buyer, buyer_user = organisation(
        kind=Organisation.Kind.BUYER, name="東北セミコン株式会社", email="buyer@semicon.example.jp"
    )
    supplier, _supplier_user = organisation(
        kind=Organisation.Kind.SME, name="株式会社みやぎ精密", email="sales@seimitsu.example.jp"
    )
    other_supplier, _other_user = organisation(
        kind=Organisation.Kind.SME, name="有限会社せんだい金型", email="info@sendai-kanagata.example.jp"
    )
    dx = expert(
        email="dx@expert.example.jp", name="高橋 健二", prefecture="04", skills=["dx.digitization"], regions=["04"]
    )
    other = expert(email="it@expert.example.jp", name="伊藤 誠", prefecture="04", skills=["dx.it_tools"], regions=[])
    need = NeedFactory(organisation=sme, title="受注管理をデジタル化したい", category="dx.digitization")
    open_need = NeedFactory(organisation=sme, title="在庫管理を見える化したい", category="dx.it_tools")
    accepted = _introduction(recommend(need, dx, 1), "accepted", sme_user)
    recommend(need, other, 2)
    requested = _introduction(recommend(open_need, dx, 1), "requested", sme_user)
    opportunity = OpportunityFactory(organisation=buyer, title="精密切削加工の協力会社募集", prefecture="04")
    _introduction(recommend(opportunity, supplier, 1), "proposed", None)  # shortlisted
    recommend(opportunity, other_supplier, 2)
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="東北経済産業局", corporate_number=None)
    bureau_user = MembershipFactory(
        organisation=bureau, role=Membership.Role.MEMBER, user__email="staff@meti.example.jp"
    )
    return {
        "sme": sme_user.email,
        "buyer": buyer_user.email,
        "expert": dx.contact_email,
        "bureau": bureau_user.user.email,
        "pages": {
            None: ["/", "/signup/", "/accounts/login/"],
            sme_user.email: [
                "/",
                "/needs/",
                "/needs/new/",
                f"/needs/{need.pk}/",
                f"/needs/{open_need.pk}/",
                f"/introductions/{accepted.pk}/",
                "/organisation/",
            ],
            dx.contact_email: ["/", "/introductions/", f"/introductions/{requested.pk}/", "/expert/profile/"],
            buyer_user.email: ["/opportunities/", "/opportunities/new/", f"/opportunities/{opportunity.pk}/"],
            bureau_user.user.email: ["/bureau/"],
        },
    }


def test_main_journey_pages_show_no_untranslated_english(
    new_context: Callable[..., BrowserContext], market: dict[str, Any]
) -> None:
    found: dict[str, list[str]] = {}
    for email, paths in market["pages"].items():
        page = new_context().new_page()
        if email:
            log_in(page, email)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", "ja")
            english = untranslated(page.content())
            if english:
                found[f"{email or 'anonymous'} {path}"] = english
    assert found == {}, "\n".join(f"{where}: {chunks}" for where, chunks in found.items())


def test_the_header_switches_the_language_to_english_and_back(
    page: Page, market: dict[str, Any], screenshot: Callable[[Page, str], object]
) -> None:
    log_in(page, market["sme"])
    page.goto("/needs/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    logout = page.locator("header form button[type=submit]").first
    expect(logout).to_have_text("ログアウト")
    expect(page.locator("#lang-switch")).to_have_value("ja")

    page.locator("#lang-switch").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{page.url.split('/needs/')[0]}/needs/")  # back on the same page
    expect(page.locator("#lang-switch")).to_have_value("en")
    expect(logout).to_have_text("Log out")
    expect(page.locator("main h1")).to_have_text("Needs")
    expect(page.locator("main table")).to_contain_text("Open")  # the status label, 公開中 in Japanese
    screenshot(page, "sme-needs-english")

    # The choice sticks while navigating, and the switch works the other way too.
    page.locator('header nav a[href="/"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#lang-switch").select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(logout).to_have_text("ログアウト")
