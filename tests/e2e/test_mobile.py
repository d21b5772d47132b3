"""At 390 px (a phone) the main pages of the four personas fit the screen: no horizontal scroll, a menu toggle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.support import PHONE, assert_fits, log_in, main_pages_world, organisation

pytestmark = pytest.mark.django_db(transaction=True)


def _phone(new_context: Callable[..., BrowserContext], email: str) -> Page:
    page = new_context(viewport=PHONE).new_page()
    log_in(page, email)
    return page


def test_the_main_pages_fit_a_phone(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> None:
    pages = main_pages_world()
    for email, paths in pages.items():
        page = _phone(new_context, email)
        for path in paths:
            slug = path.strip("/").replace("/", "-") or "home"
            page.goto(path)
            expect(page.locator("main")).to_be_visible()
            assert_fits(page, path)
            screenshot(page, f"mobile-{email.split('@')[0]}-{slug}")
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
