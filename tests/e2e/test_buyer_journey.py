"""Buyer: posts an opportunity through the form, sees proposed suppliers with reasons, shortlists one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Organisation
from matching.models import Introduction, Notification
from tests.e2e.support import log_in, nav, organisation, submit

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "半導体製造装置向けステンレス部品の精密切削加工"


def test_buyer_posts_an_opportunity_and_shortlists_a_supplier(
    page: Page, screenshot: Callable[[Page, str], object]
) -> None:
    _buyer, buyer_user = organisation(
        kind=Organisation.Kind.BUYER, name="東北セミコン株式会社", email="procurement@tohoku-semicon.example.jp"
    )
    supplier, supplier_user = organisation(
        kind=Organisation.Kind.SME,
        name="株式会社みやぎ精密",
        email="sales@miyagi-seimitsu.example.jp",
        prefecture="04",
        description="ステンレス・アルミの精密切削加工。半導体製造装置部品の量産実績あり。",
        sectors=["semiconductor", "precision_machinery"],
        capabilities=["precision_machining", "semiconductor_equipment_parts"],
        certifications=["iso9001"],
    )
    organisation(
        kind=Organisation.Kind.SME,
        name="有限会社さつま食品",
        email="info@satsuma-foods.example.jp",
        prefecture="46",
        description="焼酎と黒豚加工品の製造。",
        sectors=["food"],
        capabilities=["food_processing"],
    )

    log_in(page, buyer_user.email)
    nav(page, "/opportunities/")
    page.locator('main a[href="/opportunities/new/"]').first.click()

    # --- Post the opportunity through the form.
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_description").fill("SUS304の精密切削部品（公差±0.01mm）を月産500個。半導体製造装置向け。")
    page.locator("#id_target").select_option("sme")
    page.locator('input[name="sectors"][value="semiconductor"]').check()
    page.locator('input[name="required_capabilities"][value="precision_machining"]').check()
    page.locator('input[name="required_certifications"][value="iso9001"]').check()
    page.locator("#id_prefecture").select_option("04")
    page.locator("#id_deadline").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.locator("#id_budget_jpy").fill("5000000")
    submit(page)

    # --- The opportunity page proposes the supplier that fits, with reasons.
    expect(page.locator("main h1")).to_have_text(TITLE)
    proposals = page.locator("#proposals li.proposal")
    expect(proposals.first).to_contain_text(supplier.name)
    expect(proposals.filter(has_text="有限会社さつま食品")).to_have_count(0)  # lacks the mandatory ISO 9001
    fit = proposals.filter(has_text=supplier.name)
    expect(fit.locator("ul.reasons li").first).to_be_visible()
    expect(fit.locator("ul.reasons")).to_contain_text("精密切削加工")
    screenshot(page, "buyer-opportunity-proposals")

    # --- Shortlist it: a private "proposed" introduction; the supplier is not told.
    fit.locator("form.shortlist-form button").click()
    expect(fit.locator(".status-shortlisted")).to_be_visible()
    expect(fit.locator("form.shortlist-form")).to_have_count(0)
    expect(fit.locator("form.request-form")).to_be_visible()  # requesting stays possible
    screenshot(page, "buyer-shortlist")

    # --- The buyer's main page lists the opportunity.
    nav(page, "/opportunities/")
    expect(page.locator("main table")).to_contain_text(TITLE)
    screenshot(page, "buyer-opportunities")

    shortlisted = Introduction.objects.get()
    assert (shortlisted.status, shortlisted.organisation_id, shortlisted.opportunity.title) == (
        "proposed",
        supplier.pk,
        TITLE,
    )
    assert not Notification.objects.filter(user=supplier_user).exists()
