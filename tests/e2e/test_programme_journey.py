"""Issue 12 in a browser: programmes on a need, paid support, hours logged and confirmed, statements, budget use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership, Organisation
from matching.models import Introduction
from programmes.models import WorkLogEntry
from tests.e2e.support import expert, log_in, organisation
from tests.factories import MembershipFactory, NeedFactory, OrganisationFactory, PaidProgrammeFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_programmes_paid_hours_confirmation_statement_and_budget(
    page: Page, screenshot: Callable[[Page, str], object]
) -> None:
    sme, owner = organisation(
        kind=Organisation.Kind.SME,
        name="株式会社みやぎ食品",
        email="owner@miyagi-foods.example.jp",
        industry="manufacturing",
        capital_jpy=10_000_000,
        employees=12,
    )
    adviser = expert(
        email="adviser@example.jp", name="支援 花子", prefecture="04", skills=["dx.it_tools"], regions=["04"]
    )
    ProgrammeFactory(
        code="jizokuka",
        name_ja="小規模事業者持続化補助金",
        need_categories=["dx.it_tools"],
        subsidy_rate="2/3",
        eligibility=[{"kind": "size_class", "in": ["small"]}, {"kind": "document", "name_ja": "事業支援計画書"}],
    )
    PaidProgrammeFactory(code="dispatch", name_ja="専門家派遣（時間制）", budget_jpy=1_000_000)
    need = NeedFactory(organisation=sme, category="dx.it_tools", title="受発注をデジタル化したい", status="open")
    introduction = Introduction(need=need, expert=adviser, status=Introduction.State.ACCEPTED)
    introduction.fill_keys()
    introduction.save()
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    officer = MembershipFactory(organisation=bureau, role=Membership.Role.OWNER, user__email="officer@example.jp").user

    # --- The SME sees the programmes it qualifies for on its need, with why and what to arrange.
    log_in(page, owner.email)
    page.goto(f"/needs/{need.pk}/")
    programmes = page.locator("#programmes")
    expect(programmes).to_contain_text("小規模事業者持続化補助金")
    expect(programmes).to_contain_text("事業支援計画書")
    screenshot(page, "programmes-need")

    # --- It runs the accepted introduction under the paid dispatch scheme.
    page.goto(f"/introductions/{introduction.pk}/")
    page.locator("#paid select").select_option("dispatch")
    page.locator("#paid button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("専門家派遣（時間制）")
    engagement_url = page.url
    page.context.clear_cookies()

    # --- The expert logs hours.
    assert adviser.user is not None
    log_in(page, adviser.user.email)
    page.goto(engagement_url)
    page.locator("#id_worked_on").fill((dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.locator("#id_hours").fill("3")
    page.locator("#id_description").fill("受発注の流れの聞き取りと改善案の作成")
    page.locator("#log button[type=submit]").click()
    expect(page.locator("#entries")).to_contain_text("¥10,500")
    screenshot(page, "programmes-expert-log")
    page.context.clear_cookies()

    # --- The SME confirms the entry.
    log_in(page, owner.email)
    page.goto(engagement_url)
    page.locator("#entries form[action$='/confirm/'] button").click()
    expect(page.locator("#entries .status-confirmed")).to_be_visible()
    screenshot(page, "programmes-sme-confirmed")
    assert WorkLogEntry.objects.get().status == WorkLogEntry.Status.CONFIRMED
    page.context.clear_cookies()

    # --- The expert downloads the month's statement.
    log_in(page, adviser.user.email)
    page.goto("/paid-support/")
    with page.expect_download() as download:
        page.locator("a[href^='/paid-support/statement.csv']").first.click()
    statement = download.value.path().read_text(encoding="utf-8-sig")
    assert "10500" in statement and "株式会社みやぎ食品" in statement
    page.context.clear_cookies()

    # --- The bureau sees the budget in use.
    log_in(page, officer.email)
    page.goto("/bureau/programmes/")
    expect(page.locator("main table")).to_contain_text("専門家派遣（時間制）")
    expect(page.locator("main table")).to_contain_text("¥10,500")
    screenshot(page, "programmes-bureau-budget")
