"""At 390 px (a phone) the main pages of the four personas fit the screen: no horizontal scroll, a menu toggle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import Membership, Organisation
from matching.models import Introduction
from tests.e2e.support import expert, log_in, organisation
from tests.factories import IntroductionFactory, MembershipFactory, NeedFactory, OpportunityFactory, recommend

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
LONG_TITLE = (
    "受注・在庫管理の紙とFAXをやめてデジタル化したい（宮城県仙台市の精密部品工場、従業員45名、紙の受注票と手書き台帳）"
)


def _fits(page: Page, path: str, screenshot: Callable[[Page, str], object], name: str) -> None:
    page.goto(path)
    expect(page.locator("main")).to_be_visible()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} scrolls sideways at 390 px: {width[0]} > {width[1]}"
    screenshot(page, f"mobile-{name}")


def _phone(new_context: Callable[..., BrowserContext], email: str) -> Page:
    page = new_context().new_page()
    log_in(page, email)  # at desktop width: log_in waits for the user's name in the (then unfolded) header
    page.set_viewport_size(PHONE)
    return page


def test_the_main_pages_fit_a_phone(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> None:
    dx = expert(
        email="kenji.takahashi@dx-tohoku.example.jp",
        name="高橋 健二",
        prefecture="04",
        skills=["dx.digitization"],
        regions=["04"],
        expert_type="dx_coordinator",
    )
    sme, sme_user = organisation(kind="sme", name="株式会社みやぎ精工", email="hanako.sato@miyagi-seiko.example.jp")
    buyer, buyer_user = organisation(
        kind="buyer", name="東北セミコン株式会社", email="chotatsu@tohoku-semicon.example.jp"
    )
    bureau, bureau_user = organisation(
        kind="bureau", name="東北経済産業局", email="bureau@tohoku.example.jp", corporate_number=None
    )
    Membership.objects.filter(user=bureau_user).update(role=Membership.Role.OWNER)
    need = NeedFactory(organisation=sme, title=LONG_TITLE)
    recommend(need, dx)
    introduction = IntroductionFactory(
        query=need, candidate=dx, status=Introduction.State.REQUESTED, request_message="ご相談させてください。" * 8
    )
    opportunity = OpportunityFactory(
        organisation=buyer, title="半導体製造装置部品の精密加工先募集（SUS304、月産500個）"
    )
    recommend(opportunity, sme)
    Organisation.objects.create(kind="sme", name="株式会社仙台試作", prefecture="04", vetting_status="pending")
    MembershipFactory(organisation=bureau)  # a second member

    pages = {
        sme_user.email: [
            "/",
            "/needs/",
            f"/needs/{need.pk}/",
            "/introductions/",
            "/browse/opportunities/",
            "/organisation/",
        ],
        dx.contact_email: [
            "/",
            "/expert/profile/",
            "/introductions/",
            f"/introductions/{introduction.pk}/",
            "/engagements/",
        ],
        buyer_user.email: ["/", "/opportunities/", f"/opportunities/{opportunity.pk}/", "/introductions/"],
        bureau_user.email: ["/bureau/", "/bureau/vetting/"],
    }
    for email, paths in pages.items():
        page = _phone(new_context, email)
        for path in paths:
            slug = path.strip("/").replace("/", "-") or "home"
            _fits(page, path, screenshot, f"{email.split('@')[0]}-{slug}")
        page.context.close()


def test_the_header_menu_folds_behind_a_toggle_on_a_phone(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> None:
    _sme, user = organisation(kind="sme", name="株式会社みやぎ精工", email="hanako.sato@miyagi-seiko.example.jp")
    page = new_context().new_page()
    log_in(page, user.email)
    page.set_viewport_size(PHONE)
    page.goto("/")
    toggle = page.locator("header .menu-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("header nav.site-nav")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator('header nav a[href="/needs/"]')).to_be_visible()
    screenshot(page, "mobile-menu-open")
    page.keyboard.press("Escape")
    expect(page.locator("header nav.site-nav")).to_be_hidden()
    # On a wide screen the menu is always there and the toggle is not.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(toggle).to_be_hidden()
    expect(page.locator('header nav a[href="/needs/"]')).to_be_visible()


def test_the_menu_shows_without_javascript(new_context: Callable[..., BrowserContext]) -> None:
    context = new_context()
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.route("**/site.js", lambda route: route.abort())
    page.goto("/accounts/login/")
    expect(page.locator("header .menu-toggle")).to_be_hidden()
    expect(page.locator('header a[href="/signup/"]')).to_be_visible()
