"""SME and expert: register, raise a need, see proposals with reasons, request; the expert accepts; contacts shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from matching.models import Introduction
from tests.e2e.support import expert, log_in, nav, submit

pytestmark = pytest.mark.django_db(transaction=True)

SME_EMAIL = "hanako.sato@miyagi-seiko.example.jp"
NEED_TITLE = "受注・在庫管理の紙とFAXをやめてデジタル化したい"


def test_sme_requests_an_introduction_and_gets_the_experts_contact_once_accepted(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> None:
    # A small market: one expert who fits (DX skills, serves Miyagi) and one who does not.
    dx = expert(
        email="kenji.takahashi@dx-tohoku.example.jp",
        name="高橋 健二",
        prefecture="04",
        skills=["dx.digitization", "dx.it_tools"],
        regions=["04", "03"],
        expert_type="dx_coordinator",
        bio="製造業の受発注・在庫管理のデジタル化を支援。紙とFAXの電子化が得意。",
    )
    expert(
        email="tax@kyushu.example.jp",
        name="九州 税理",
        prefecture="40",
        skills=["tax.invoice", "succession.handover"],
        regions=["40"],
        expert_type="financial_adviser",
        bio="事業承継税制と節税対策。",
    )

    # --- The SME signs up (in Japanese) and lands on its home page.
    sme = new_context().new_page()
    sme.goto("/signup/")
    expect(sme.locator("html")).to_have_attribute("lang", "ja")
    sme.locator("#id_kind").select_option("sme")
    expect(sme.locator("#id_expert_type")).to_be_hidden()  # asked of experts only
    sme.locator("#id_organisation_name").fill("株式会社みやぎ精工")
    sme.locator("#id_full_name").fill("佐藤 花子")
    sme.locator("#id_email").fill(SME_EMAIL)
    sme.locator("#id_password").fill("kumo-no-ito-2026")
    sme.locator("#id_password_confirm").fill("kumo-no-ito-2026")
    sme.locator("#id_accept_terms").check()
    sme.locator("main form button[type=submit]").click()
    expect(sme.locator("main h1").first).to_have_text("株式会社みやぎ精工")
    expect(sme.locator("#verify-email")).to_be_visible()  # until the address is confirmed
    screenshot(sme, "sme-home")

    # --- It raises a need from the needs page.
    nav(sme, "/needs/")
    sme.locator('main a[href="/needs/new/"]').first.click()
    sme.locator("#id_title").fill(NEED_TITLE)
    sme.locator("#id_category").select_option("dx.digitization")
    sme.locator("#id_description").fill("受注から出荷までを紙とFAXで管理しており、在庫の把握に時間がかかっている。")
    sme.locator("#id_target").select_option("expert")
    sme.locator("#id_prefecture").select_option("04")
    submit(sme)

    # --- The need page lists proposals, best first, each with its reasons.
    expect(sme.locator("main h1")).to_have_text(NEED_TITLE)
    proposals = sme.locator("#proposals li.proposal")
    expect(proposals.first).to_contain_text(dx.name)
    first = proposals.filter(has_text=dx.name)
    expect(first.locator("ul.reasons li").first).to_be_visible()
    expect(first.locator("ul.reasons")).to_contain_text("宮城県")  # serves the need's prefecture
    expect(first.locator("ul.reasons")).to_contain_text("デジタル化")  # the need's category
    screenshot(sme, "sme-need-proposals")

    # --- It requests an introduction, with a message.
    first.locator("details summary").click()
    first.locator("textarea").fill("紙の受注票をなくしたいのでご相談させてください。")
    first.locator("form.request-form button[type=submit]").click()
    expect(first.locator(".status-requested")).to_be_visible()
    expect(first).not_to_contain_text(dx.contact_email)  # contacts only after acceptance

    # --- The expert logs in, finds the request in the inbox and accepts it.
    ex = new_context().new_page()
    log_in(ex, dx.contact_email)
    nav(ex, "/introductions/")
    row = ex.locator("main table tbody tr").filter(has_text=NEED_TITLE)
    expect(row).to_contain_text("株式会社みやぎ精工")
    screenshot(ex, "expert-inbox")
    row.locator("a").click()
    expect(ex.locator("main")).to_contain_text("紙の受注票をなくしたいのでご相談させてください。")
    ex.locator("#answer-message").fill("ぜひお手伝いさせてください。")
    ex.locator('button[formaction$="/accept/"]').click()
    expect(ex.locator("main .page-head .status-accepted")).to_be_visible()
    expect(ex.locator("main")).to_contain_text(SME_EMAIL)  # the expert now sees the SME's contact
    screenshot(ex, "expert-introduction-accepted")

    # --- Back on the need page the SME sees the acceptance and, behind it, the expert's contact.
    sme.reload()
    accepted = sme.locator("#proposals li.proposal").filter(has_text=dx.name)
    accepted.locator(".status-accepted").click()
    expect(sme.locator("main")).to_contain_text(dx.contact_email)
    expect(sme.locator(f'main a[href="mailto:{dx.contact_email}"]')).to_be_visible()
    screenshot(sme, "sme-introduction-contact")

    introduction = Introduction.objects.get()
    assert (introduction.status, introduction.expert_id, introduction.requested_by.email) == (
        "accepted",
        dx.pk,
        SME_EMAIL,
    )
