"""The dispatch pages, persona by persona: the SME applies from its need, the bureau screens, assigns and
counts, the expert records visits and reports; other prefectures' bureaus, other firms and other experts
get a 404. Every page is in Japanese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExpertProfile, Membership, Organisation, User
from programmes.models import DeskConsultationCount, DispatchRequest, Programme
from tests.clients import web_client
from tests.factories import (
    DispatchProgrammeFactory,
    ExpertProfileFactory,
    MembershipFactory,
    NeedFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)
from tests.frontend.html_text import english_phrases, visible_text

pytestmark = pytest.mark.django_db
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


def _owner(org: Organisation) -> User:
    return MembershipFactory(organisation=org, role=Membership.Role.OWNER).user


@pytest.fixture
def world() -> dict[str, object]:
    programme = DispatchProgrammeFactory(code="aomori-plan", name_ja="専門家派遣（テスト）", prefecture="02")
    firm = OrganisationFactory(prefecture="02", name="株式会社弘前精工")
    expert = ExpertProfileFactory(user=UserFactory(), name="青森 花子")
    return {
        "programme": programme,
        "firm": firm,
        "sme": _owner(firm),
        "other_sme": _owner(OrganisationFactory(prefecture="02")),
        "officer": _owner(OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)),
        "far_officer": _owner(
            OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="40", corporate_number=None)
        ),
        "expert": expert,
        "other_expert": ExpertProfileFactory(user=UserFactory()).user,
    }


def _japanese(response: object) -> None:
    assert english_phrases(visible_text(response.content.decode()), frozenset({"English"})) == []  # type: ignore[attr-defined]


def test_the_whole_flow_through_the_pages(world: dict[str, object]) -> None:
    programme, firm, expert = world["programme"], world["firm"], world["expert"]
    assert isinstance(programme, Programme) and isinstance(firm, Organisation) and isinstance(expert, ExpertProfile)
    sme, officer = web_client(world["sme"]), web_client(world["officer"])  # type: ignore[arg-type]
    need = NeedFactory(organisation=firm, status="open", category="restructure.new_field")
    recommend(need, expert, reasons=["事業計画の支援実績"])

    # The SME sees the button on its need, applies.
    page = sme.get(reverse("need-detail", args=[need.pk]), **JA)
    assert "専門家派遣を申し込む" in page.content.decode()
    apply_url = f"{reverse('dispatch-apply')}?programme=aomori-plan&need={need.pk}"
    form = sme.get(apply_url, **JA)
    assert form.status_code == 200
    _japanese(form)
    sent = sme.post(apply_url, {"programme": "aomori-plan", "need": need.pk, "description": "新分野の事業計画"})
    item = DispatchRequest.objects.get(organisation=firm)
    assert sent.status_code == 302 and sent["Location"] == reverse("dispatch-detail", args=[item.pk])
    DispatchRequest.objects.filter(pk=item.pk).update(created_at=timezone.now() - dt.timedelta(days=10))

    # The bureau: list, confirmation, accept, assign from the recommender's proposals.
    listing = officer.get(reverse("bureau-dispatch"), **JA)
    assert "株式会社弘前精工" in listing.content.decode()
    _japanese(listing)
    confirm = officer.get(reverse("bureau-dispatch-screen", args=[item.pk]) + "?decision=accept", **JA)
    assert confirm.status_code == 200
    _japanese(confirm)
    officer.post(
        reverse("bureau-dispatch-screen", args=[item.pk]), {"decision": "accept", "reason": "meets_requirements"}
    )
    detail = officer.get(reverse("dispatch-detail", args=[item.pk]), **JA).content.decode()
    assert "青森 花子" in detail and "事業計画の支援実績" in detail
    officer.post(reverse("bureau-dispatch-assign", args=[item.pk]), {"expert": expert.pk})
    item.refresh_from_db()
    assert (item.status, item.expert) == (DispatchRequest.Status.ASSIGNED, expert)

    # The expert: assigned list, a visit, the report.
    assert expert.user is not None
    by_expert = web_client(expert.user)
    mine = by_expert.get(reverse("dispatch-list"), **JA)
    assert "株式会社弘前精工" in mine.content.decode()
    _japanese(mine)
    day = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    by_expert.post(reverse("dispatch-visit", args=[item.pk]), {"visited_on": day, "summary": "聞き取り"})
    assert item.visits.count() == 1
    page = by_expert.get(reverse("dispatch-detail", args=[item.pk]), **JA)
    _japanese(page)
    by_expert.post(reverse("dispatch-report", args=[item.pk]), {"report": "計画の骨子を作成しました。"})
    item.refresh_from_db()
    assert item.status == DispatchRequest.Status.REPORTED

    # The SME reads the report and sees its visits against the cap.
    own = sme.get(reverse("dispatch-list"), **JA)
    assert "1／5回" in own.content.decode()
    _japanese(own)
    assert "計画の骨子を作成しました。" in sme.get(reverse("dispatch-detail", args=[item.pk])).content.decode()


def test_others_get_a_404_and_plain_members_of_a_bureau_a_403(world: dict[str, object]) -> None:
    programme, firm, expert = world["programme"], world["firm"], world["expert"]
    item = DispatchRequest.objects.create(
        programme=programme, organisation=firm, description="x", status="assigned", expert=expert
    )
    detail = reverse("dispatch-detail", args=[item.pk])
    for persona in ("other_sme", "far_officer", "other_expert"):
        assert web_client(world[persona]).get(detail).status_code == 404, persona  # type: ignore[arg-type]
    far = web_client(world["far_officer"])  # type: ignore[arg-type]
    assert far.get(reverse("bureau-dispatch-screen", args=[item.pk]) + "?decision=accept").status_code == 404
    assert far.post(reverse("bureau-dispatch-assign", args=[item.pk]), {"expert": expert.pk}).status_code == 404  # type: ignore[union-attr]
    stranger = web_client(world["other_expert"])  # type: ignore[arg-type]
    day = timezone.localdate().isoformat()
    assert stranger.post(reverse("dispatch-visit", args=[item.pk]), {"visited_on": day}).status_code == 404
    assert item.visits.count() == 0
    bureau = Membership.objects.get(user=world["officer"]).organisation
    member = MembershipFactory(organisation=bureau, role=Membership.Role.MEMBER).user
    assert web_client(member).get(reverse("bureau-dispatch")).status_code == 403
    assert web_client(world["sme"]).get(reverse("bureau-dispatch")).status_code == 403  # type: ignore[arg-type]
    # An SME of another prefecture cannot open the apply form of Aomori's programme.
    outsider = _owner(OrganisationFactory(prefecture="03"))
    assert web_client(outsider).get(f"{reverse('dispatch-apply')}?programme=aomori-plan").status_code == 404


def test_the_counts_page_takes_desk_figures_and_exports_csv(world: dict[str, object]) -> None:
    officer = web_client(world["officer"])  # type: ignore[arg-type]
    counts_url = reverse("bureau-dispatch-counts")
    saved = officer.post(counts_url, {"prefecture": "02", "month": "2022-05", "count": "901"})
    assert saved.status_code == 302 and saved["Location"].endswith("?fiscal_year=2022")
    assert DeskConsultationCount.objects.get(prefecture="02").month == dt.date(2022, 5, 1)
    # Outside the jurisdiction: not offered in the form.
    refused = officer.post(counts_url, {"prefecture": "40", "month": "2022-05", "count": "1"})
    assert refused.status_code == 200 and not DeskConsultationCount.objects.filter(prefecture="40").exists()
    page = officer.get(counts_url + "?fiscal_year=2022", **JA)
    assert "901" in page.content.decode()
    _japanese(page)
    csv = officer.get(reverse("bureau-dispatch-counts-csv") + "?fiscal_year=2022", **JA)
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and "青森県" in text and ",901," in text
