"""Helpers shared by the browser tests: logging in, forms, the market they run against."""

from __future__ import annotations

import re
from collections.abc import Iterable

from playwright.sync_api import Page, ViewportSize, expect

from accounts.models import ExpertProfile, Membership, Organisation, User
from matching.models import Introduction
from reference.terms import set_terms
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)
from tests.frontend.html_text import english_phrases, visible_text

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's password


PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}  # new_context's default
# Below this width (site.css) the header menu folds behind the "Menu" toggle.
FOLDED_MENU_MAX_WIDTH = 640


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the header holds the user (folded away on a phone)."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .user-name")).to_be_attached()


def submit(page: Page) -> None:
    """Submit the page's main form (the first form.stacked in <main>)."""
    page.locator("main form.stacked button[type=submit]").first.click()


def menu_is_folded(page: Page) -> bool:
    """Whether the page is narrow enough for the header menu to fold behind its toggle."""
    size = page.viewport_size
    return size is not None and size["width"] <= FOLDED_MENU_MAX_WIDTH


def open_menu(page: Page) -> None:
    """On a phone, unfold the header menu with its toggle (and check that it says so); on a wide screen, nothing."""
    if not menu_is_folded(page):
        return
    toggle = page.locator("header .menu-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#site-menu")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#site-menu")).to_be_visible()


def nav(page: Page, path: str) -> None:
    """Follow the header link to `path` (e.g. "/needs/"), through the menu toggle on a phone."""
    open_menu(page)
    page.locator(f'#site-menu a[href="{path}"]').click()
    expect(page).to_have_url(re.compile(r"^\w+://[^/]+" + re.escape(path) + r"(\?[^#]*)?(#.*)?$"))


def assert_fits(page: Page, where: str = "") -> None:
    """The page does not scroll sideways: nothing in it is wider than the viewport."""
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{where or page.url} scrolls sideways at {client} px: {scroll} > {client}"


# --------------------------------------------------------------------------- the market


def expert(
    *, email: str, name: str, prefecture: str, skills: Iterable[str], regions: Iterable[str], **extra: object
) -> ExpertProfile:
    profile: ExpertProfile = ExpertProfileFactory.create(
        user=UserFactory(email=email, full_name=name),
        name=name,
        prefecture=prefecture,
        contact_email=email,
        **extra,
    )
    set_terms(profile, {"skills": ("need_categories", list(skills)), "regions": ("prefectures", list(regions))})
    return profile


def organisation(
    *,
    kind: str,
    name: str,
    email: str,
    prefecture: str = "04",
    sectors: Iterable[str] = (),
    capabilities: Iterable[str] = (),
    certifications: Iterable[str] = (),
    **extra: object,
) -> tuple[Organisation, User]:
    org: Organisation = OrganisationFactory.create(
        kind=kind, name=name, prefecture=prefecture, contact_email=email, **extra
    )
    set_terms(
        org,
        {
            "sectors": ("sectors", list(sectors)),
            "capabilities": ("capabilities", list(capabilities)),
            "certifications": ("certifications", list(certifications)),
        },
    )
    user = MembershipFactory.create(organisation=org, role=Membership.Role.OWNER, user__email=email).user
    return org, user


# --------------------------------------------------------------------------- the four personas' main pages

LONG_TITLE = (
    "受注・在庫管理の紙とFAXをやめてデジタル化したい（宮城県仙台市の精密部品工場、従業員45名、紙の受注票と手書き台帳）"
)


def main_pages_world() -> dict[str, list[str]]:
    """A small market where every persona's main pages have content; returns {login e-mail: page paths}."""
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
    need = NeedFactory.create(organisation=sme, title=LONG_TITLE)
    recommend(need, dx)
    introduction = IntroductionFactory.create(
        query=need, candidate=dx, status=Introduction.State.REQUESTED, request_message="ご相談させてください。" * 8
    )
    opportunity = OpportunityFactory.create(
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
    return pages


# --------------------------------------------------------------------------- untranslated text

# Proper nouns, abbreviations and data that stay in Latin letters on Japanese pages.
ALLOWED_WORDS = re.compile(
    r"\b(Tsunagu|DX|GX|IT|IoT|AI|ISO|IEC|JIS|IATF|EV|API|CSV|XLSX|HACCP|Nadcap|SECURITY ACTION|SiC|GaN|CFRP|FA|SI|"
    r"English|Excel|M&A)\b"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"https?://\S+")
SINGLE_WORD = re.compile(r"\W*[A-Za-z][a-z]{2,}\W*")
CODE = re.compile(r"\b[a-z0-9]+(?:[._][a-z0-9]+)+\b")  # vocabulary codes: dx.digitization, precision_machining


def untranslated(html: str, allow: Iterable[str] = ()) -> list[str]:
    """Visible chunks of `html` that still look like English UI text.

    E-mail addresses, URLs, vocabulary codes and the allowed proper nouns are
    removed first; `allow` lists whole chunks that are data (names typed in by
    users, for instance).
    """
    cleaned = []
    for chunk in visible_text(html):
        if chunk in allow:
            continue
        text = ALLOWED_WORDS.sub(" ", CODE.sub(" ", URL.sub(" ", EMAIL.sub(" ", chunk))))
        cleaned.append((chunk, text))
    flagged = set(english_phrases([text for _chunk, text in cleaned]))
    # english_phrases looks for two words or more; a lone English word ("Edit", "Needs") is UI text too.
    return [chunk for chunk, text in cleaned if text in flagged or SINGLE_WORD.fullmatch(text)]
