"""Issue 13: one journey per persona (SME, expert, buyer, bureau officer), each on a desktop and on a phone.

Every journey clicks and types its way through the persona's pages as a
person would; at every step it checks that the page does not scroll sideways
and saves `tests/e2e/screenshots/journey-<persona>-<step>-<desktop|phone>.png`.
On the phone the header menu is reached through its toggle (support.nav).
The four journeys also share the items that concern every persona: sign-up
(consent, password twice, e-mail confirmation), the branded 403 and 404
pages, the favicon and the menu toggle.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import ExpertProfile, Membership, Organisation, User
from matching.models import Introduction, Outcome
from matching.services.introductions import introduction_accept, opportunity_interest
from opportunities.models import Need
from tests.e2e.support import (
    DESKTOP,
    PHONE,
    assert_fits,
    expert,
    log_in,
    menu_is_folded,
    nav,
    organisation,
    submit,
)
from tests.factories import IntroductionFactory, MembershipFactory, NeedFactory, OpportunityFactory, recommend

pytestmark = pytest.mark.django_db(transaction=True)

DEVICES = {"desktop": DESKTOP, "phone": PHONE}
each_device = pytest.mark.parametrize("device", list(DEVICES))

State = Introduction.State


@dataclass
class Journey:
    """One persona's walk on one device."""

    page: Page
    persona: str
    device: str
    screenshot: Callable[[Page, str], object]

    def step(self, name: str, *, printed: bool = False) -> None:
        """The end of a step: the page fits the screen (no sideways scrolling) and is photographed.

        On screen, the header's menu toggle shows exactly when the menu is folded (on the phone); a printed
        page has no header at all.
        """
        expect(self.page.locator("main")).to_be_visible()
        toggle = self.page.locator("header .menu-toggle")
        if printed or not menu_is_folded(self.page):
            expect(toggle).to_be_hidden()
        else:
            expect(toggle).to_be_visible()
        assert_fits(self.page, f"{self.persona}/{name}")
        self.screenshot(self.page, f"journey-{self.persona}-{name}-{self.device}")
        # After a full-page screenshot of a page taller than the screen, Chromium's scroll position as scripts
        # see it and as clicks hit it can differ, and the next click lands beside its target: scrolling puts
        # them back in step.
        self.page.evaluate("window.scrollTo(0, 0)")

    def badge(self) -> str:
        """The unread-notification count the header shows without opening anything ("" when there is none)."""
        if menu_is_folded(self.page):
            # On a phone the menu is folded: the toggle itself carries the count, beside the brand (one row).
            locator = self.page.locator("header .menu-toggle .badge")
            brand = self.page.locator("header .brand").bounding_box()
            toggle = self.page.locator("header .menu-toggle").bounding_box()
            assert brand and toggle and toggle["y"] < brand["y"] + brand["height"], "the menu toggle wrapped"
        else:
            locator = self.page.locator('header nav a[href="/notifications/"] .badge')
        if locator.count() == 0:
            return ""
        expect(locator).to_be_visible()
        return locator.inner_text().strip()


@pytest.fixture
def start(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> Callable[[str, str], Journey]:
    def begin(persona: str, device: str) -> Journey:
        page = new_context(viewport=DEVICES[device]).new_page()
        return Journey(page=page, persona=persona, device=device, screenshot=screenshot)

    return begin


def _todo_count(page: Page, text: str) -> str:
    """The count in front of one line of the home page's "what needs doing" list."""
    line = page.locator(".todo-list > li").filter(has_text=text)
    expect(line).to_have_count(1)
    return line.locator(".count").first.inner_text().strip()


def _radios_read_as_a_list(page: Page, name: str) -> None:
    """Each radio button of `name` sits before its text, on one line (not a full-width box above it)."""
    radios = page.locator(f'input[type="radio"][name="{name}"]')
    assert radios.count() >= 2
    for radio in radios.all():
        button, label = radio.bounding_box(), radio.locator("xpath=ancestor::label[1]").bounding_box()
        assert button and label, f"{name}: a radio button without its label"
        assert button["width"] < 30 and label["height"] < 40, f"{name}: radio {button} in label {label}"


def _favicon_is_served(page: Page) -> None:
    href = page.locator('head link[rel="icon"]').get_attribute("href")
    assert href, "the pages name no icon"
    response = page.request.get("/favicon.ico")  # what browsers ask for whatever the page says; redirected
    assert response.status == 200, f"/favicon.ico answers {response.status}"
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.url.endswith(href)
    assert b"<svg" in response.body()


def _back_home_from_error_page(journey: Journey, step: str, code: int, heading: str) -> None:
    """An error page in the site's own look, in Japanese, with the way back home."""
    page = journey.page
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("header.site .brand")).to_be_visible()
    expect(page.locator("main .error-code")).to_have_text(str(code))
    expect(page.locator("main h1")).to_have_text(heading)
    journey.step(step)
    page.locator("main a.button", has_text="ホームに戻る").click()
    expect(page).to_have_url(re.compile(r"/$"))


# --------------------------------------------------------------------------------------------------------- SME

SME_NAME = "株式会社みやぎ精工"
SME_EMAIL = "hanako.sato@miyagi-seiko.example.jp"
NEED_TITLE = "受注・在庫管理の紙とFAXをやめてデジタル化したい"
BARE_NEED_TITLE = "海外展示会への出展準備を相談したい"
DONE_NEED_TITLE = "生産計画の立て方を見直したい"
OFFER_TITLE = "半導体製造装置部品の精密加工先募集（SUS304、月産500個）"


def _sme_world(sme: Organisation, user: User) -> dict[str, ExpertProfile]:
    """Around the SME that just signed up: four experts proposed for one need, two asked already; more needs."""
    names = {"dx": "高橋 健二", "ito": "伊藤 誠", "sasaki": "佐々木 綾", "suzuki": "鈴木 一郎"}
    experts = {
        key: expert(
            email=f"{key}@experts.example.jp",
            name=name,
            prefecture="04",
            skills=["dx.digitization"],
            regions=["04"],
            expert_type="dx_coordinator",
            capacity=3,
            contact_phone="022-111-2222",
        )
        for key, name in names.items()
    }
    need = NeedFactory.create(organisation=sme, title=NEED_TITLE)
    for rank, profile in enumerate(experts.values(), start=1):
        recommend(need, profile, rank)
    for key in ("ito", "sasaki"):  # two requests already waiting: one more reaches the limit of three
        IntroductionFactory.create(
            query=need, candidate=experts[key], requested_by=user, request_message="ご相談です。"
        )
    NeedFactory.create(organisation=sme, title=BARE_NEED_TITLE, category="sales.export")  # no proposal
    # An earlier need, done with 高橋 and closed with a deal: the outcome is still to be recorded.
    done = NeedFactory.create(organisation=sme, title=DONE_NEED_TITLE, status="closed")
    recommend(done, experts["dx"])
    now = timezone.now()
    IntroductionFactory.create(
        query=done,
        candidate=experts["dx"],
        status=State.COMPLETED,
        requested_by=user,
        requested_at=now - dt.timedelta(days=60),
        answered_at=now - dt.timedelta(days=58),
        closed_at=now - dt.timedelta(days=3),
    )
    return experts


@each_device
def test_sme_journey(start: Callable[[str, str], Journey], device: str) -> None:
    _buyer, _buyer_user = organisation(kind=Organisation.Kind.BUYER, name="東北セミコン株式会社", email="b@semicon.jp")
    OpportunityFactory.create(organisation=_buyer, title=OFFER_TITLE, prefecture="04")
    journey = start("sme", device)
    page = journey.page

    # --- The landing page, with the site's icon; sign-up from its main button.
    page.goto("/")
    _favicon_is_served(page)
    journey.step("01-landing")
    page.locator('main a[href="/signup/"]').click()

    # --- Sign-up refuses a mistyped password and a missing consent, and says so.
    page.locator("#id_kind").select_option("sme")
    page.locator("#id_organisation_name").fill(SME_NAME)
    page.locator("#id_full_name").fill("佐藤 花子")
    page.locator("#id_email").fill(SME_EMAIL)
    page.locator("#id_password").fill("kumo-no-ito-2026")
    page.locator("#id_password_confirm").fill("kumo-no-ito-2062")
    submit(page)
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#id_password_confirm").locator("xpath=..")).to_contain_text("2つのパスワードが一致しません。")
    expect(page.locator("#id_accept_terms").locator("xpath=..")).to_contain_text("この項目は必須です。")
    journey.step("02-signup-errors")
    page.locator("#id_password").fill("kumo-no-ito-2026")
    page.locator("#id_password_confirm").fill("kumo-no-ito-2026")
    page.locator("#id_accept_terms").check()
    submit(page)

    # --- Home, with the reminder to confirm the e-mail address.
    expect(page.locator("main h1").first).to_have_text(SME_NAME)
    expect(page.locator("main .messages")).to_contain_text("メールアドレス確認のためのメールを送りました")
    expect(page.locator("#verify-email")).to_contain_text(SME_EMAIL)
    journey.step("03-signed-up")

    user = User.objects.get(email=SME_EMAIL)
    sme = Organisation.objects.get(name=SME_NAME)
    assert user.terms_accepted_at is not None and user.email_verified_at is None
    experts = _sme_world(sme, user)

    # --- The link in the e-mail confirms the address; the reminder goes.
    (link,) = (m for msg in mail.outbox for m in re.findall(r"/accounts/verify/[^/\s]+/", str(msg.body)))
    page.goto(link)
    expect(page.locator("main .messages")).to_contain_text("メールアドレスを確認しました")
    expect(page.locator("#verify-email")).to_have_count(0)

    # --- What needs doing, with counts; the need without proposals is a link.
    assert _todo_count(page, "件の依頼が相手の回答待ち") == "2"
    assert _todo_count(page, "件の承諾済みの紹介") == "0"
    assert _todo_count(page, "件の成果が未記録") == "1"
    assert _todo_count(page, "件の公開中ニーズに提案がありません") == "1"
    bare = Need.objects.get(title=BARE_NEED_TITLE)
    expect(page.locator(".todo-items a", has_text=BARE_NEED_TITLE)).to_have_attribute("href", f"/needs/{bare.pk}/")
    journey.step("04-home")

    # --- The need (a link in the list of needs) shows the four proposals, each linked to the expert's page.
    page.locator("main table a", has_text=NEED_TITLE).click()
    expect(page.locator("main h1")).to_have_text(NEED_TITLE)
    proposals = page.locator("#proposals li.proposal")
    expect(proposals).to_have_count(4)
    for profile in experts.values():
        expect(proposals.filter(has_text=profile.name).locator(f'a[href="/experts/{profile.pk}/"]')).to_be_visible()
    for key in ("ito", "sasaki"):
        expect(proposals.filter(has_text=experts[key].name).locator(".status-requested")).to_be_visible()
    journey.step("05-need-proposals")

    # --- An expert's page: track record, and no contact details before an introduction is accepted.
    dx = experts["dx"]
    proposals.filter(has_text=dx.name).locator(f'a[href="/experts/{dx.pk}/"]').click()
    expect(page.locator("main h1")).to_have_text(dx.name)
    expect(page.locator("main h2", has_text="実績")).to_be_visible()
    record = page.locator("main dl.facts").last
    expect(record.locator("dt", has_text="受け入れた紹介").locator("xpath=following-sibling::dd[1]")).to_have_text("1")
    expect(page.locator("main")).to_contain_text("連絡先は、専門家が紹介を受け入れた後にのみ共有されます。")
    expect(page.locator("main")).not_to_contain_text(dx.contact_email)
    expect(page.locator("main")).not_to_contain_text("022-111-2222")
    journey.step("06-expert-profile")
    page.go_back()

    # --- Request an introduction, with a message: the third open request of the need.
    first = proposals.filter(has_text=dx.name)
    first.locator("details summary").click()
    first.locator("textarea").fill("紙の受注票をなくしたいのでご相談させてください。")
    first.locator("form.request-form button[type=submit]").click()
    expect(page.locator("main .messages")).to_contain_text(f"紹介を依頼しました。{dx.name} に承諾を求めます。")
    expect(first.locator(".status-requested")).to_be_visible()
    journey.step("07-requested")

    # --- A fourth is refused with a clear message: three is the most a need may have open.
    fourth = proposals.filter(has_text=experts["suzuki"].name)
    fourth.locator("form.request-form button[type=submit]").click()
    expect(page.locator("main .messages .error")).to_contain_text("すでに 3 件あり、同時に出せる上限に達しています")
    expect(fourth.locator("form.request-form")).to_be_visible()  # still not requested
    journey.step("08-request-limit")
    assert Introduction.objects.filter(need__title=NEED_TITLE, status=State.REQUESTED).count() == 3

    # --- 高橋 accepts: the header shows one unread notification; it leads to the contact details.
    introduction = Introduction.objects.get(need__title=NEED_TITLE, expert=dx)
    assert dx.user is not None
    introduction_accept(actor=dx.user, introduction=introduction, message="ぜひお手伝いします。")
    page.reload()
    assert journey.badge() == "1"
    journey.step("09-unread-badge")
    nav(page, "/notifications/")
    notice = page.locator("li.notification.unread", has_text=f"{dx.name} が紹介依頼を承諾しました")
    notice.locator("form button.link").first.click()
    expect(page).to_have_url(re.compile(rf"/introductions/{introduction.pk}/$"))
    contacts = page.locator("main .card", has=page.locator("h2", has_text="連絡先"))
    expect(contacts.locator(f'a[href="mailto:{dx.contact_email}"]')).to_be_visible()
    expect(contacts).to_contain_text("022-111-2222")
    assert journey.badge() == ""
    journey.step("10-contacts")

    # --- Offer to supply a buyer's opportunity, from the list of open opportunities.
    nav(page, "/browse/opportunities/")
    page.locator("main table a", has_text=OFFER_TITLE).click()
    interest = page.locator("#interest")
    expect(interest.locator("h2")).to_have_text("供給を申し出る")
    interest.locator("textarea").fill("SUS304の精密切削は月産1,000個まで対応できます。ISO 9001取得済み。")
    interest.locator("button[type=submit]").click()
    expect(page.locator("main .messages")).to_contain_text(
        "送信しました。発注企業が承諾または辞退すると通知が届きます。"
    )
    expect(page.locator("main h1")).to_have_text(OFFER_TITLE)
    expect(page.locator("main .page-head .status-requested")).to_be_visible()
    expect(page.locator("#parties")).to_contain_text("双方が承諾すると、ここに連絡先が表示されます。")
    journey.step("11-offer-sent")
    offer = Introduction.objects.get(opportunity__title=OFFER_TITLE)
    assert (offer.status, offer.initiated_by, offer.organisation_id) == (State.REQUESTED, "candidate", sme.pk)

    # --- Record the outcome of the finished engagement, from the home page's count.
    nav(page, "/")
    # 伊藤 and 佐々木 (高橋 accepted), and the offer: all wait for the other side's answer, none for the SME's.
    assert _todo_count(page, "件の依頼が相手の回答待ち") == "3"
    expect(page.locator(".todo-list")).not_to_contain_text("あなたの回答待ち")
    assert _todo_count(page, "件の承諾済みの紹介") == "1"
    page.locator(".todo-list > li", has_text="件の成果が未記録").locator("a").click()
    page.locator("main table tr", has_text=DONE_NEED_TITLE).locator("a", has_text="成果を記録する").click()
    outcome = page.locator("#outcome")
    _radios_read_as_a_list(page, "feedback")
    outcome.locator('input[name="deal"][value="yes"]').check()
    outcome.locator('input[name="value_jpy"]').fill("1200000")
    outcome.locator('input[name="feedback"][value="5"]').check()
    outcome.locator("textarea").fill("受注から出荷までの紙が半分になりました。")
    outcome.locator("button[type=submit]").click()
    expect(page.locator("main .messages")).to_contain_text("成果を保存しました。")
    expect(page.locator("#outcome")).to_contain_text("に成果を記録しました。以下で修正できます。")
    journey.step("12-outcome")
    recorded = Outcome.objects.get(introduction__need__title=DONE_NEED_TITLE)
    assert (recorded.side, recorded.deal, recorded.value_jpy, recorded.feedback) == ("requester", True, 1200000, 5)
    nav(page, "/")
    assert _todo_count(page, "件の成果が未記録") == "0"

    # --- A mistyped address: the site's own 404 page in Japanese, with the way back.
    response = page.goto("/needs/999999/")
    assert response is not None and response.status == 404
    _back_home_from_error_page(journey, "13-not-found", 404, "お探しのページは見つかりませんでした")


# ------------------------------------------------------------------------------------------------------ expert

EXPERT_NAME = "高橋 健二"
MIYAGI_NEED = "受注管理をデジタル化したい"
IWATE_NEED = "在庫管理を見える化したい"


def _expert_world() -> tuple[ExpertProfile, Organisation]:
    """An expert with two requests waiting: from a Miyagi manufacturer (to accept) and an Iwate one (to decline)."""
    dx = expert(
        email="kenji.takahashi@dx-tohoku.example.jp",
        name=EXPERT_NAME,
        prefecture="04",
        skills=["dx.digitization"],
        regions=["04", "03"],
        expert_type="dx_coordinator",
        capacity=3,
    )
    miyagi, miyagi_user = organisation(
        kind=Organisation.Kind.SME,
        name="株式会社みやぎ精工",
        email="hanako.sato@miyagi-seiko.example.jp",
        prefecture="04",
        employees=45,
        capital_jpy=30_000_000,
        sectors=["precision_machinery"],
        description="仙台市の精密部品工場。受注票と在庫台帳が紙のまま。",
        contact_phone="022-123-4567",
    )
    iwate, iwate_user = organisation(
        kind=Organisation.Kind.SME, name="有限会社いわて工業", email="info@iwate-kogyo.example.jp", prefecture="03"
    )
    for org, user, title in ((miyagi, miyagi_user, MIYAGI_NEED), (iwate, iwate_user, IWATE_NEED)):
        need = NeedFactory.create(organisation=org, title=title, prefecture=org.prefecture)
        recommend(need, dx)
        IntroductionFactory.create(
            query=need, candidate=dx, requested_by=user, request_message=f"{title}のでご相談です。"
        )
    return dx, miyagi


@each_device
def test_expert_journey(start: Callable[[str, str], Journey], device: str) -> None:
    dx, miyagi = _expert_world()
    journey = start("expert", device)
    page = journey.page
    log_in(page, dx.contact_email)

    # --- Home says how many requests wait for an answer.
    page.goto("/")
    expect(page.locator("main h1").first).to_have_text(EXPERT_NAME)
    assert _todo_count(page, "件の依頼があなたの回答待ち") == "2"
    journey.step("01-home")

    # --- The count leads to the waiting requests.
    page.locator(".todo-list > li", has_text="件の依頼があなたの回答待ち").locator("a").first.click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    journey.step("02-inbox")

    # --- A request shows the need and who asks: size, sector, place; no contact details yet.
    rows.filter(has_text=MIYAGI_NEED).locator("a").first.click()
    expect(page.locator("main h1")).to_have_text(MIYAGI_NEED)
    expect(page.locator("main")).to_contain_text(f"{MIYAGI_NEED}のでご相談です。")  # the message
    expect(page.locator("main")).to_contain_text("受注から出荷までを紙で管理しており")  # the need's description
    parties = page.locator("#parties")
    expect(parties.locator(f'a[href="/suppliers/{miyagi.pk}/"]')).to_have_text(miyagi.name)
    for fact in ("中小企業", "宮城県", "従業員45名", "精密機械", "仙台市の精密部品工場"):
        expect(parties).to_contain_text(fact)
    expect(parties).to_contain_text("双方が承諾すると、ここに連絡先が表示されます。")
    expect(page.locator("main")).not_to_contain_text(miyagi.contact_email)
    journey.step("03-request")

    # --- Accepting reveals the contacts.
    page.locator("#answer-message").fill("ぜひお手伝いさせてください。来週お伺いできます。")
    page.locator('button[formaction$="/accept/"]').click()
    expect(page.locator("main .messages")).to_contain_text("承諾しました。お互いの連絡先を確認できるようになりました。")
    expect(page.locator("main .page-head .status-accepted")).to_be_visible()
    contacts = page.locator("main .card", has=page.locator("h2", has_text="連絡先"))
    expect(contacts.locator(f'a[href="mailto:{miyagi.contact_email}"]')).to_be_visible()
    expect(contacts).to_contain_text("022-123-4567")
    journey.step("04-accepted")

    # --- One request left; declining it asks for confirmation and a reason from a short list.
    page.locator("header a.brand").click()
    assert _todo_count(page, "件の依頼があなたの回答待ち") == "1"
    page.locator(".todo-list > li", has_text="件の依頼があなたの回答待ち").locator("a").first.click()
    page.locator("main table tbody tr", has_text=IWATE_NEED).locator("a").first.click()
    page.locator("main a.button", has_text="辞退する…").click()
    expect(page.locator("main h1")).to_have_text("依頼を辞退する")
    expect(page.locator("main .notice")).to_contain_text("辞退は取り消せません。")
    reasons = page.locator('input[name="reason"]')
    expect(reasons).to_have_count(len(Introduction.DeclineReason.choices))
    _radios_read_as_a_list(page, "reason")
    page.locator("main form button.danger").click()  # no reason chosen: refused, nothing declined
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("依頼を辞退する")
    journey.step("05-decline-confirm")
    assert Introduction.objects.get(need__title=IWATE_NEED).status == State.REQUESTED
    page.get_by_label("専門分野ではない").check()
    page.locator("main form textarea").fill("在庫管理は専門外のため、よろず支援拠点をご紹介します。")
    page.locator("main form button.danger").click()
    expect(page.locator("main .messages")).to_contain_text("辞退しました。依頼者にその旨を通知しました。")
    expect(page.locator("main .page-head .status-declined")).to_be_visible()
    expect(page.locator("main dl.facts").first).to_contain_text("専門分野ではない")
    journey.step("06-declined")
    declined = Introduction.objects.get(need__title=IWATE_NEED)
    assert (declined.status, declined.decline_reason) == (State.DECLINED, "not_my_field")

    # --- Nothing left waiting.
    page.locator("header a.brand").click()
    assert _todo_count(page, "件の依頼があなたの回答待ち") == "0"
    nav(page, "/introductions/")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    journey.step("07-inbox-answered")


# ------------------------------------------------------------------------------------------------------- buyer

BUYER_EMAIL = "procurement@tohoku-semicon.example.jp"
NEW_OPPORTUNITY = "半導体製造装置向けステンレス部品の精密切削加工"
OFFERED_OPPORTUNITY = "EV用アルミダイカスト部品の試作先募集"


def _buyer_world() -> tuple[Organisation, Organisation]:
    """A buyer, a supplier that fits the opportunity it is about to post, one that does not, and an SME's offer."""
    buyer, _buyer_user = organisation(kind=Organisation.Kind.BUYER, name="東北セミコン株式会社", email=BUYER_EMAIL)
    supplier, _supplier_user = organisation(
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
        sectors=["food"],
        capabilities=["food_processing"],
    )
    # An SME offered to supply one of the buyer's open opportunities: a request for the buyer to answer.
    offering, offering_user = organisation(
        kind=Organisation.Kind.SME,
        name="株式会社せんだい金型",
        email="eigyo@sendai-kanagata.example.jp",
        prefecture="04",
        employees=28,
        description="アルミダイカスト金型の設計・製作と試作鋳造。",
    )
    opportunity = OpportunityFactory.create(organisation=buyer, title=OFFERED_OPPORTUNITY, prefecture="04")
    opportunity_interest(actor=offering_user, opportunity=opportunity, message="試作10個から対応できます。")
    return supplier, offering


@each_device
def test_buyer_journey(start: Callable[[str, str], Journey], device: str) -> None:
    supplier, offering = _buyer_world()
    journey = start("buyer", device)
    page = journey.page
    log_in(page, BUYER_EMAIL)

    # --- Home: the SME's offer shows as one unread notification.
    page.goto("/")
    expect(page.locator("main h1").first).to_have_text("東北セミコン株式会社")
    assert journey.badge() == "1"
    assert _todo_count(page, "件の供給の申し出があなたの回答待ち") == "1"
    journey.step("01-home")

    # --- Post an opportunity through the form.
    nav(page, "/opportunities/")
    page.locator('main a[href="/opportunities/new/"]').first.click()
    page.locator("#id_title").fill(NEW_OPPORTUNITY)
    page.locator("#id_description").fill("SUS304の精密切削部品（公差±0.01mm）を月産500個。半導体製造装置向け。")
    page.locator("#id_target").select_option("sme")
    page.locator('input[name="sectors"][value="semiconductor"]').check()
    page.locator('input[name="required_capabilities"][value="precision_machining"]').check()
    page.locator('input[name="required_certifications"][value="iso9001"]').check()
    page.locator("#id_prefecture").select_option("04")
    page.locator("#id_deadline").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    page.locator("#id_budget_jpy").fill("5000000")
    journey.step("02-opportunity-form")
    submit(page)

    # --- Proposed suppliers, each linked to its profile page.
    expect(page.locator("main h1")).to_have_text(NEW_OPPORTUNITY)
    proposals = page.locator("#proposals li.proposal")
    fit = proposals.filter(has_text=supplier.name)
    expect(fit.locator(f'a[href="/suppliers/{supplier.pk}/"]')).to_be_visible()
    expect(proposals.filter(has_text="有限会社さつま食品")).to_have_count(0)  # lacks the mandatory ISO 9001
    journey.step("03-proposals")

    # --- The supplier's page: what it does and its track record, no contact details.
    fit.locator(f'a[href="/suppliers/{supplier.pk}/"]').click()
    expect(page.locator("main h1")).to_have_text(supplier.name)
    expect(page.locator("main h2", has_text="実績")).to_be_visible()
    expect(page.locator("main")).to_contain_text("連絡先は、この企業が紹介を受け入れた後にのみ共有されます。")
    expect(page.locator("main")).not_to_contain_text(supplier.contact_email)
    journey.step("04-supplier")
    page.go_back()

    # --- Shortlist it: it shows in the shortlist, with its link; then remove it again.
    fit.locator("form.shortlist-form button").click()
    expect(page.locator("main .messages")).to_contain_text(f"{supplier.name} を候補リストに追加しました。")
    expect(fit.locator(".status-shortlisted")).to_be_visible()
    shortlist = page.locator("#shortlist")
    expect(shortlist.locator(f'li a[href="/suppliers/{supplier.pk}/"]')).to_have_text(supplier.name)
    journey.step("05-shortlist")
    shortlist.locator("li", has_text=supplier.name).locator("button", has_text="削除").click()
    expect(page.locator("main .messages")).to_contain_text(f"{supplier.name} を候補リストから外しました。")
    expect(page.locator("#shortlist li")).to_have_count(0)
    expect(page.locator("#shortlist .empty")).to_contain_text("候補リストは空です。")
    journey.step("06-shortlist-removed")
    assert Introduction.objects.get(organisation=supplier).status == State.DISMISSED

    # --- The SME's offer, from the notification: who offers, and accepting shares the contacts.
    nav(page, "/notifications/")
    page.locator("li.notification.unread", has_text=OFFERED_OPPORTUNITY).locator("form button.link").first.click()
    expect(page.locator("main h1")).to_have_text(OFFERED_OPPORTUNITY)
    expect(page.locator("main")).to_contain_text("試作10個から対応できます。")
    offered_by = page.locator("#parties dd", has=page.locator(f'a[href="/suppliers/{offering.pk}/"]'))
    for fact in (offering.name, "中小企業", "宮城県", "従業員28名", "アルミダイカスト金型の設計・製作と試作鋳造。"):
        expect(offered_by).to_contain_text(fact)
    expect(page.locator("main")).not_to_contain_text(offering.contact_email)
    journey.step("07-offer")
    page.locator("#answer-message").fill("ぜひお見積りをお願いします。")
    page.locator('button[formaction$="/accept/"]').click()
    expect(page.locator("main .messages")).to_contain_text("承諾しました。お互いの連絡先を確認できるようになりました。")
    contacts = page.locator("main .card", has=page.locator("h2", has_text="連絡先"))
    expect(contacts.locator(f'a[href="mailto:{offering.contact_email}"]')).to_be_visible()
    assert journey.badge() == ""
    journey.step("08-offer-accepted")

    # --- In the introductions list the offer reads as addressed to the buyer, now accepted.
    nav(page, "/introductions/")
    row = page.locator("main table tbody tr", has_text=OFFERED_OPPORTUNITY)
    expect(row).to_contain_text("自社宛ての依頼")
    expect(row.locator(".status-accepted")).to_be_visible()
    journey.step("09-introductions")

    # --- The bureau's pages are not for buyers: the site's own 403 page, in Japanese.
    response = page.goto("/bureau/")
    assert response is not None and response.status == 403
    _back_home_from_error_page(journey, "10-forbidden", 403, "このページは開けません")


# ------------------------------------------------------------------------------------------------------ bureau

OFFICER_EMAIL = "officer@tohoku.meti.example.jp"
TO_APPROVE = "株式会社仙台試作"
TO_REJECT = "東北ディフェンス工業株式会社"


def _bureau_world() -> None:
    """A Tohoku bureau (owner: the officer), a month of introductions in Miyagi, and two firms asking to be vetted."""
    bureau = organisation(
        kind=Organisation.Kind.BUREAU,
        name="東北経済産業局",
        email="bureau@tohoku.meti.example.jp",
        corporate_number=None,
    )[0]
    MembershipFactory.create(organisation=bureau, role=Membership.Role.OWNER, user__email=OFFICER_EMAIL)
    sme, sme_user = organisation(kind=Organisation.Kind.SME, name="株式会社みやぎ精工", email="o@miyagi.example.jp")
    experts = [
        expert(email=f"e{n}@experts.example.jp", name=name, prefecture="04", skills=["dx.digitization"], regions=["04"])
        for n, name in enumerate(("高橋 健二", "伊藤 誠", "佐々木 綾"))
    ]
    need = NeedFactory.create(organisation=sme, title="受注管理をデジタル化したい")
    now = timezone.now()
    for rank, (profile, status) in enumerate(
        zip(experts, (State.ACCEPTED, State.REQUESTED, State.DECLINED), strict=True), 1
    ):
        recommend(need, profile, rank)
        IntroductionFactory.create(
            query=need,
            candidate=profile,
            status=status,
            requested_by=sme_user,
            requested_at=now - dt.timedelta(days=3),
            answered_at=None if status == State.REQUESTED else now - dt.timedelta(days=2),
        )
    organisation(
        kind=Organisation.Kind.SME,
        name=TO_APPROVE,
        email="info@sendai-shisaku.example.jp",
        vetting_status="pending",
        description="航空機部品の試作加工。防衛装備品の入札参加を予定。",
    )
    organisation(
        kind=Organisation.Kind.SME, name=TO_REJECT, email="info@tohoku-defence.example.jp", vetting_status="pending"
    )


@each_device
def test_bureau_journey(start: Callable[[str, str], Journey], device: str) -> None:
    _bureau_world()
    journey = start("bureau", device)
    page = journey.page
    log_in(page, OFFICER_EMAIL)
    _favicon_is_served(page)

    # --- The dashboard: every section, with links to each one alone.
    nav(page, "/bureau/")
    expect(page.locator("main h1")).to_have_text("ダッシュボード")
    sections = page.locator("main section.metric-section")
    expect(sections).to_have_count(6)
    section_links = page.locator("nav.section-nav a")
    expect(section_links).to_have_text(
        ["すべての項目", "登録状況", "ファネル", "応答状況", "カバー状況", "推薦の精度", "成果"]
    )
    journey.step("01-dashboard")

    # --- One section per page: the funnel alone, its charts titled and with their unit.
    section_links.filter(has_text="ファネル").click()
    expect(page).to_have_url(re.compile(r"[?&]section=funnel"))
    expect(sections).to_have_count(1)
    expect(sections.locator("h2")).to_have_text("ファネル")
    expect(section_links.filter(has_text="ファネル")).to_have_attribute("aria-current", "page")
    charts = sections.locator("figure.chart")
    assert charts.count() >= 1
    for chart in charts.all():
        expect(chart.locator(".chart-title")).to_contain_text(re.compile(r"\S.*（単位: \S+）"))
        expect(chart.locator("svg")).to_have_attribute("aria-label", re.compile(r"\S"))
    # The text of the charts on screen is drawn at 10 px or more: a phone shows the narrow drawing.
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('main .chart-svg')).filter(svg => svg.getClientRects().length)"
        ".flatMap(svg => Array.from(svg.querySelectorAll('text')).map(text =>"
        " parseFloat(getComputedStyle(text).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width))"
    )
    assert sizes and min(sizes) >= 10, f"chart text drawn at {min(sizes):.1f} px"
    stages = sections.locator("#funnel-stages")
    expect(stages.locator("tr", has_text="紹介依頼").locator("td").first).to_have_text("3")
    # The section's tables show all their figures without scrolling inside their own box, even on a phone.
    cut = page.evaluate(
        "Array.from(document.querySelectorAll('main .metric-block .table-wrap'))"
        ".filter(box => box.scrollWidth > box.clientWidth).map(box => box.closest('.metric-block').id)"
    )
    assert cut == [], f"tables wider than their box: {cut}"
    journey.step("02-funnel")

    # --- The print button prints the page, which prints as a brief: figures without navigation or buttons.
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.locator("nav.section-nav button", has_text="このページを印刷").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    for hidden in ("header.site", "nav.tabs", "nav.section-nav", "main .exports", "main form"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(sections.locator("figure.chart").first).to_be_visible()
    journey.step("03-print-brief", printed=True)
    page.emulate_media(media="screen")

    # --- The section's CSV: the same figures, for Excel (UTF-8 with a byte-order mark).
    with page.expect_download() as download_info:
        sections.locator(".exports a", has_text="CSV").click()
    download = download_info.value
    assert re.fullmatch(r"tsunagu-funnel-.+\.csv", download.suggested_filename), download.suggested_filename
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[next(i for i, r in enumerate(rows) if r and r[0] == "紹介依頼")][:2] == ["紹介依頼", "3"]

    # --- Vetting: approving asks for confirmation and shows who the organisation is.
    page.locator("nav.tabs a", has_text="審査").click()
    table = page.locator("main table")
    expect(table.locator("tbody tr")).to_have_count(2)
    journey.step("04-vetting")
    table.locator("tbody tr", has_text=TO_APPROVE).locator("a.button", has_text="承認").click()
    expect(page.locator("main h1")).to_have_text(f"{TO_APPROVE} を承認しますか？")
    approving = Organisation.objects.get(name=TO_APPROVE)
    facts = page.locator("main dl.vetting-facts")
    for fact in (
        approving.corporate_number,
        "宮城県",
        "中小企業",
        "航空機部品の試作加工。防衛装備品の入札参加を予定。",
    ):
        expect(facts).to_contain_text(str(fact))
    expect(page.locator("main .notice")).to_contain_text("承認すると")
    # Only the approval reasons are offered, and one is required.
    reasons = page.locator('input[name="reason"]')
    expect(reasons).to_have_count(len(Organisation.vetting_reasons(Organisation.Vetting.VETTED)))
    _radios_read_as_a_list(page, "reason")
    journey.step("05-approve-confirm")
    page.locator("main form button[type=submit]", has_text="承認する").click()  # no reason: refused
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("main h1")).to_have_text(f"{TO_APPROVE} を承認しますか？")
    assert Organisation.objects.get(name=TO_APPROVE).vetting_status == Organisation.Vetting.PENDING
    page.get_by_label("法人番号・所在地を国税庁で確認済み").check()
    page.locator("main form button[type=submit]", has_text="承認する").click()
    expect(page.locator("main .messages")).to_contain_text(
        f"{TO_APPROVE} が限定公開の調達案件を閲覧・応募できるようになりました。"
    )
    expect(table.locator("tbody tr")).to_have_count(1)  # no longer awaiting a decision
    approving.refresh_from_db()
    assert (approving.vetting_status, approving.vetting_reason) == (
        Organisation.Vetting.VETTED,
        Organisation.VettingReason.IDENTITY_CONFIRMED,
    )

    # --- Rejecting: the confirmation can be cancelled, then confirmed.
    table.locator("tbody tr", has_text=TO_REJECT).locator("a.button", has_text="却下").click()
    expect(page.locator("main h1")).to_have_text(f"{TO_REJECT} を却下しますか？")
    expect(page.locator("main .notice")).to_contain_text("却下すると")
    journey.step("06-reject-confirm")
    page.locator("main form a", has_text="キャンセル").click()
    expect(table.locator("tbody tr", has_text=TO_REJECT)).to_be_visible()
    assert Organisation.objects.get(name=TO_REJECT).vetting_status == Organisation.Vetting.PENDING
    table.locator("tbody tr", has_text=TO_REJECT).locator("a.button", has_text="却下").click()
    expect(page.locator('input[name="reason"]')).to_have_count(
        len(Organisation.vetting_reasons(Organisation.Vetting.REJECTED))
    )
    # "Other" needs a note: the error is shown next to it and nothing is recorded.
    page.get_by_label("その他の理由").check()
    page.locator("main form button[type=submit]", has_text="却下する").click()
    expect(page.locator("main .field.has-error")).to_contain_text("理由が「その他の理由」の場合は必須です。")
    assert Organisation.objects.get(name=TO_REJECT).vetting_status == Organisation.Vetting.PENDING
    page.get_by_label("重複登録").check()
    page.locator("main form textarea").fill("株式会社仙台試作と同一の法人番号")
    page.locator("main form button[type=submit]", has_text="却下する").click()
    expect(page.locator("main .messages")).to_contain_text(
        f"{TO_REJECT} による限定公開の調達案件へのアクセスを却下しました。"
    )
    expect(page.locator("main .empty")).to_contain_text("判定待ちの組織はありません。")
    journey.step("07-vetting-done")
    rejected = Organisation.objects.get(name=TO_REJECT)
    assert (rejected.vetting_status, rejected.vetting_reason, rejected.vetting_note) == (
        Organisation.Vetting.REJECTED,
        Organisation.VettingReason.DUPLICATE,
        "株式会社仙台試作と同一の法人番号",
    )
    # The earlier decisions, each with its reason.
    page.locator("main form.filters select[name=status]").select_option("all")
    page.locator("main form.filters button[type=submit]").click()
    for name, reason in ((TO_REJECT, "重複登録"), (TO_APPROVE, "法人番号・所在地を国税庁で確認済み")):
        expect(table.locator("tbody tr", has_text=name).locator(".vetting-reason")).to_have_text(reason)
    journey.step("08-vetting-reasons")
