"""Bureau pages: dashboard, filters, region scoping, exports (sync and background), vetting."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExpertProfile, Membership, Organisation, User
from accounts.scope import region_prefectures
from core.models import AuditEvent
from matching.metrics import SECTIONS
from matching.models import Engagement, Introduction, Outcome
from opportunities.models import Need
from reference.models import VocabularyTerm
from reports.models import ExportJob
from tests.factories import ExpertProfileFactory, MembershipFactory, NeedFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

State = Introduction.State


@pytest.fixture(autouse=True)
def _english(request: pytest.FixtureRequest) -> None:
    """These tests read the English labels: switch every client to English, as the header's switch does."""
    for name in ("client", "bureau_client", "bureau_owner_client", "staff_client"):
        if name in request.fixturenames:
            request.getfixturevalue(name).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- Fixtures and helpers ---------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tohoku_bureau() -> Organisation:
    return OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="東北経済産業局", prefecture="04", corporate_number=None
    )


@pytest.fixture
def bureau_owner(tohoku_bureau: Organisation) -> User:
    return MembershipFactory(
        organisation=tohoku_bureau, role=Membership.Role.OWNER, user__email="chief@example.jp"
    ).user


@pytest.fixture
def bureau_owner_client(bureau_owner: User) -> Client:
    return _client(bureau_owner)


@pytest.fixture
def staff_client() -> Client:
    return _client(UserFactory(email="staff@example.jp", is_staff=True))


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def sector(code: str) -> VocabularyTerm:
    return VocabularyTerm.objects.get(section="sectors", code=code)


def introduce(
    need: Need, expert: ExpertProfile, status: str = State.PROPOSED, *, days_ago: int = 1, **fields: Any
) -> Introduction:
    intro = Introduction(need=need, expert=expert, status=status, **fields)
    if status not in (State.PROPOSED, State.DISMISSED) and "requested_at" not in fields:
        intro.requested_at = timezone.now() - timedelta(days=days_ago)
    intro.fill_keys()
    intro.save()
    # created_at is auto_now_add: move it afterwards to place the row in a month.
    Introduction.objects.filter(pk=intro.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return intro


def set_state(intro: Introduction, status: str, **fields: Any) -> None:
    Introduction.objects.filter(pk=intro.pk).update(status=status, **fields)


@pytest.fixture
def market() -> dict[str, Any]:
    """Miyagi (04, Tohoku) and Fukuoka (40, Kyushu), each with an SME, a need and experts."""
    miyagi_sme = OrganisationFactory(prefecture="04", name="株式会社みやぎ精工")
    fukuoka_sme = OrganisationFactory(prefecture="40", name="株式会社博多精密")
    miyagi_need = NeedFactory(organisation=miyagi_sme, prefecture="04")
    miyagi_need.sectors.add(sector("semiconductor"))
    fukuoka_need = NeedFactory(organisation=fukuoka_sme, prefecture="40")
    dx = ExpertProfileFactory(expert_type="dx_coordinator", capacity=3)
    dx.regions.add(VocabularyTerm.objects.get(section="prefectures", code="04"))
    dx.skills.add(VocabularyTerm.objects.get(section="need_categories", code="dx.digitization"))
    innovation = ExpertProfileFactory(expert_type="innovation_producer", prefecture="40", capacity=2)
    innovation.regions.add(VocabularyTerm.objects.get(section="prefectures", code="40"))
    return {
        "miyagi_need": miyagi_need,
        "fukuoka_need": fukuoka_need,
        "dx": dx,
        "innovation": innovation,
        "miyagi_sme": miyagi_sme,
    }


def parse_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def table_after(rows: list[list[str]], title: str) -> dict[str, list[str]]:
    """Rows of the titled table in a CSV export, keyed by their first cell (header row included)."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    out: dict[str, list[str]] = {}
    for row in rows[start + 1 :]:
        if not row:
            break
        out[row[0]] = row[1:]
    return out


def funnel_counts(client: Client, **params: str) -> dict[str, int]:
    url = reverse("bureau-export-csv")
    rows = parse_csv(client.get(url, {"section": "funnel", **params}))
    table = table_after(rows, "Funnel: proposal → request → accepted → engaged → deal")
    names = {"Proposals": "proposed", "Introduction requests": "requested", "Accepted": "accepted"}
    names |= {"Engaged": "engaged", "Deals": "deal"}
    return {names[k]: int(v[0]) for k, v in table.items() if k in names}


# --- Access -----------------------------------------------------------------------------------------------------

BUREAU_GET_URLS = [
    ("bureau-dashboard", {}),
    ("bureau-export-csv", {"section": "funnel"}),
    ("bureau-export-xlsx", {"section": "funnel"}),
    ("bureau-vetting", {}),
]


@pytest.mark.parametrize("client_fixture", ["owner_client", "buyer_client", "expert_client", "outsider_client"])
@pytest.mark.parametrize(("url_name", "params"), BUREAU_GET_URLS)
def test_it_refuses_non_bureau_users(
    request: pytest.FixtureRequest, client_fixture: str, url_name: str, params: dict[str, str]
) -> None:
    client: Client = request.getfixturevalue(client_fixture)
    assert client.get(reverse(url_name), params).status_code == 403


def test_it_refuses_non_bureau_users_the_report_and_vetting_posts(owner_client: Client, market: dict[str, Any]) -> None:
    assert owner_client.post(reverse("bureau-report-create")).status_code == 403
    url = reverse("bureau-vetting-decide", args=[market["miyagi_sme"].pk])
    assert owner_client.post(url, {"decision": "vetted"}).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client: Client) -> None:
    response = client.get(reverse("bureau-dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lets_staff_in_even_with_another_membership(owner: User) -> None:
    owner.is_staff = True
    owner.save()
    assert _client(owner).get(reverse("bureau-dashboard")).status_code == 200


# --- Dashboard --------------------------------------------------------------------------------------------------


def test_it_renders_the_dashboard_with_every_filter(bureau_client: Client, market: dict[str, Any]) -> None:
    introduce(market["miyagi_need"], market["dx"], State.ACCEPTED, answered_at=timezone.now())
    today = timezone.localdate()
    params = {
        "since": (today - timedelta(days=90)).isoformat(),
        "until": today.isoformat(),
        "prefecture": "04",
        "sector": "semiconductor",
        "expert_type": "dx_coordinator",
    }
    response = bureau_client.get(reverse("bureau-dashboard"), params)
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Registrations", "Funnel", "Responsiveness", "Coverage", "Recommender quality", "Outcomes"):
        assert f">{title}</h2>" in html
    assert 'class="chart-svg"' in html  # server-rendered SVG
    assert "<script" not in html.split("</main>")[0]  # no chart library
    assert 'value="semiconductor" selected' in html
    assert "Aggregates for the Tohoku region" in html
    filters = response.context["filters"]
    assert filters.prefectures == ("04",)
    assert filters.sector == "semiconductor"
    assert filters.expert_type == "dx_coordinator"


def test_it_shows_a_helpful_empty_state(bureau_client: Client) -> None:
    html = bureau_client.get(reverse("bureau-dashboard")).content.decode()
    assert "No introductions or registrations in this period and area yet." in html
    assert "Nothing to chart for these filters yet." in html


def test_the_funnel_follows_introductions_through_their_states(bureau_client: Client, market: dict[str, Any]) -> None:
    need, dx = market["miyagi_need"], market["dx"]
    experts = [dx, *ExpertProfileFactory.create_batch(3)]
    intros = [introduce(need, e) for e in experts]
    assert funnel_counts(bureau_client) == {"proposed": 4, "requested": 0, "accepted": 0, "engaged": 0, "deal": 0}

    now = timezone.now()
    for intro in intros[:3]:
        set_state(intro, State.REQUESTED, requested_at=now - timedelta(hours=30))
    set_state(intros[0], State.ACCEPTED, answered_at=now - timedelta(hours=20))
    set_state(intros[1], State.DECLINED, answered_at=now - timedelta(hours=10))
    assert funnel_counts(bureau_client) == {"proposed": 4, "requested": 3, "accepted": 1, "engaged": 0, "deal": 0}

    set_state(intros[0], State.COMPLETED, closed_at=now)
    set_state(intros[2], State.EXPIRED)
    assert funnel_counts(bureau_client) == {"proposed": 4, "requested": 3, "accepted": 1, "engaged": 1, "deal": 1}

    rows = parse_csv(bureau_client.get(reverse("bureau-export-csv"), {"section": "responsiveness"}))
    summary = table_after(rows, "Responsiveness")
    assert summary["Introduction requests"][0] == "3"
    assert summary["Median time to first answer"][0] == "15.0"  # answers after 10 h and 20 h
    assert summary["Share expired unanswered"][0] == "33.3"


def test_the_dashboard_reuses_its_figures_for_a_while_and_its_export_agrees(
    bureau_client: Client, market: dict[str, Any], settings: Any
) -> None:
    from django.core.cache import cache

    settings.BUREAU_FIGURES_MAX_AGE = 60
    need = market["miyagi_need"]
    introduce(need, market["dx"])
    page = bureau_client.get(reverse("bureau-dashboard"))
    assert "Figures as of" in page.content.decode()
    assert funnel_counts(bureau_client)["proposed"] == 1

    # A new proposal within the minute: the page and its export still agree on the earlier figure.
    introduce(need, ExpertProfileFactory())
    assert funnel_counts(bureau_client)["proposed"] == 1
    assert funnel_counts(bureau_client, sector="semiconductor")["proposed"] == 2  # other filters: computed now

    cache.clear()  # what expiry does
    assert funnel_counts(bureau_client)["proposed"] == 2


def test_the_dashboard_draws_its_sections_once_per_figures(
    bureau_owner_client: Client, market: dict[str, Any], settings: Any
) -> None:
    import re

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.BUREAU_FIGURES_MAX_AGE = 60
    introduce(market["miyagi_need"], market["dx"])
    url = reverse("bureau-dashboard")

    def sections(html: str) -> list[str]:
        return re.findall(r'<section class="card metric-section".*?</section>', html, re.S)

    with CaptureQueriesContext(connection) as first_queries:
        first = bureau_owner_client.get(url).content.decode()
    # Nobody serves Aomori (02): a new uncovered need, which the owner's list would show if it were drawn again.
    NeedFactory(organisation=market["miyagi_sme"], prefecture="02", title="青森で生産管理を相談したい")
    with CaptureQueriesContext(connection) as again_queries:
        again = bureau_owner_client.get(url).content.decode()

    assert len(sections(first)) == 6
    assert sections(again) == sections(first)  # the same drawing, from the cache
    assert "青森で生産管理を相談したい" not in again
    assert len(again_queries) < len(first_queries)
    # Other filters are other drawings; when the figures expire, everything is drawn again.
    assert sections(bureau_owner_client.get(url, {"sector": "semiconductor"}).content.decode()) != sections(first)
    cache.clear()
    assert "青森で生産管理を相談したい" in bureau_owner_client.get(url).content.decode()


def test_filters_narrow_the_numbers(bureau_client: Client, market: dict[str, Any]) -> None:
    introduce(market["miyagi_need"], market["dx"], State.REQUESTED)  # semiconductor, DX coordinator
    other_need = NeedFactory(organisation=market["miyagi_sme"], prefecture="02")  # Aomori, no sector
    introduce(other_need, market["innovation"], State.REQUESTED)
    introduce(other_need, market["dx"], State.PROPOSED, days_ago=500)  # before the default period

    assert funnel_counts(bureau_client)["proposed"] == 2
    assert funnel_counts(bureau_client, prefecture="04")["proposed"] == 1
    assert funnel_counts(bureau_client, sector="semiconductor")["proposed"] == 1
    assert funnel_counts(bureau_client, expert_type="innovation_producer")["proposed"] == 1
    old = (timezone.localdate() - timedelta(days=600)).isoformat()
    assert funnel_counts(bureau_client, since=old)["proposed"] == 3


# --- Region scoping and records ---------------------------------------------------------------------------------


def test_a_tohoku_bureau_does_not_see_kyushu(
    bureau_client: Client, staff_client: Client, market: dict[str, Any]
) -> None:
    introduce(market["miyagi_need"], market["dx"], State.REQUESTED)
    for _i in range(3):
        introduce(market["fukuoka_need"], ExpertProfileFactory(), State.REQUESTED)

    assert funnel_counts(bureau_client)["proposed"] == 1
    # Asking for Fukuoka outright is refused by the form and falls back to the region.
    response = bureau_client.get(reverse("bureau-dashboard"), {"prefecture": "40"})
    assert "prefecture" in response.context["filter_form"].errors
    assert response.context["filters"].prefectures == region_prefectures("tohoku")
    assert funnel_counts(bureau_client, prefecture="40")["proposed"] == 1
    # A regional bureau has no region filter: the parameter is ignored.
    assert funnel_counts(bureau_client, region="kyushu")["proposed"] == 1

    # Staff without a bureau membership see the whole country and can pick a region.
    assert funnel_counts(staff_client)["proposed"] == 4
    assert funnel_counts(staff_client, region="kyushu")["proposed"] == 3


def test_only_owners_see_individual_uncovered_needs(
    bureau_client: Client, bureau_owner_client: Client, market: dict[str, Any]
) -> None:
    # Nobody serves Aomori (02): this need is uncovered.
    NeedFactory(organisation=market["miyagi_sme"], prefecture="02", title="青森で生産管理を相談したい")
    member_html = bureau_client.get(reverse("bureau-dashboard")).content.decode()
    owner_html = bureau_owner_client.get(reverse("bureau-dashboard")).content.decode()
    assert "青森で生産管理を相談したい" not in member_html
    assert "shown to owners of your bureau organisation" in member_html
    assert "青森で生産管理を相談したい" in owner_html

    rows = parse_csv(bureau_owner_client.get(reverse("bureau-export-csv"), {"section": "coverage"}))
    summary = table_after(rows, "Coverage and capacity (now)")
    assert summary["Open needs looking for an expert"][0] == "2"  # Miyagi and Aomori, not Fukuoka
    assert summary["… without a suitable expert (region, skill, free capacity)"][0] == "1"
    assert "青森で生産管理を相談したい" in table_after(rows, "Open needs without a suitable expert")
    member_rows = parse_csv(bureau_client.get(reverse("bureau-export-csv"), {"section": "coverage"}))
    assert not any(row and row[0] == "Open needs without a suitable expert" for row in member_rows)


# --- Exports ----------------------------------------------------------------------------------------------------


@pytest.fixture
def deals(market: dict[str, Any]) -> list[Introduction]:
    now = timezone.now()
    done = []
    for value in (1_000_000, 2_500_000):
        intro = introduce(market["miyagi_need"], ExpertProfileFactory(), State.COMPLETED, closed_at=now)
        # Both sides report; the deal counts once, at the larger value.
        Outcome.objects.create(introduction=intro, side="requester", deal=True, value_jpy=value, feedback=4)
        Outcome.objects.create(introduction=intro, side="candidate", deal=True, value_jpy=value // 2)
        done.append(intro)
    introduce(market["miyagi_need"], ExpertProfileFactory(), State.NO_DEAL, closed_at=now)
    return done


def test_the_csv_export_contains_the_outcomes(bureau_client: Client, deals: list[Introduction]) -> None:
    response = bureau_client.get(reverse("bureau-export-csv"), {"section": "outcomes"})
    assert 'filename="tsunagu-outcomes-' in response["Content-Disposition"]
    rows = parse_csv(response)
    summary = table_after(rows, "Outcomes")
    assert summary["Metric"] == ["Value", "Unit"]  # translated headers
    assert summary["Deals"][0] == "2"
    assert summary["Total deal value"][0] == "3500000"
    assert summary["Deal rate"][0] == "66.7"
    by_prefecture = table_after(rows, "Outcomes by prefecture")
    assert by_prefecture["Miyagi"] == ["2", "1", "3500000"]


def test_the_csv_headers_follow_the_language(bureau_client: Client, deals: list[Introduction]) -> None:
    from django.utils import translation

    with translation.override("ja"):
        from django.utils.translation import gettext

        expected = gettext("Deals")
    bureau_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    rows = parse_csv(bureau_client.get(reverse("bureau-export-csv"), {"section": "outcomes"}))
    assert expected in {row[0] for row in rows if row}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_exports_to_xlsx(bureau_client: Client, deals: list[Introduction], section: str) -> None:
    response = bureau_client.get(reverse("bureau-export-xlsx"), {"section": section})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == 1
    assert any(row[0] for row in workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]


def test_the_xlsx_export_contains_the_funnel_numbers(bureau_client: Client, deals: list[Introduction]) -> None:
    response = bureau_client.get(reverse("bureau-export-xlsx"), {"section": "funnel"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Funnel"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Proposals"][0] == 3
    assert rows["Deals"][0] == 2
    assert rows["Deals"][1] == 66.7  # 2 deals of 3 engagements (one closed without a deal)
    assert rows["Period"][0].count("–") == 1


def test_an_unknown_section_is_404(bureau_client: Client) -> None:
    assert bureau_client.get(reverse("bureau-export-csv"), {"section": "salaries"}).status_code == 404


# --- Full report in the background ------------------------------------------------------------------------------


def test_the_full_report_runs_in_the_background(
    bureau_client: Client,
    bureau_user: User,
    deals: list[Introduction],
    media: Path,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = bureau_client.post(reverse("bureau-report-create"), {"prefecture": "04"})
    assert len(callbacks) == 1
    job = ExportJob.objects.get(user=bureau_user)
    assert response.status_code == 302
    assert response["Location"] == reverse("bureau-report", args=[job.pk])
    assert job.state == ExportJob.State.DONE
    assert job.progress == 100
    assert job.filters["prefectures"] == ["04"]

    status = bureau_client.get(reverse("bureau-report-status", args=[job.pk])).json()
    assert status["state"] == "done"
    assert status["finished"] is True
    assert status["download_url"] == reverse("bureau-report-download", args=[job.pk])
    page = bureau_client.get(reverse("bureau-report", args=[job.pk])).content.decode()
    assert "<progress" in page
    assert "frontend/js/bureau.js" in page

    download = bureau_client.get(status["download_url"])
    assert download.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))  # type: ignore[attr-defined]
    assert workbook.sheetnames == [
        "Registrations",
        "Funnel",
        "Responsiveness",
        "Coverage",
        "Recommender quality",
        "Outcomes",
    ]
    outcomes = {row[0]: row[1:] for row in workbook["Outcomes"].iter_rows(values_only=True) if row and row[0]}
    assert outcomes["Total deal value"][0] == 3_500_000
    assert (media / job.file).is_file()
    assert job.file.startswith("exports/")


def test_a_pending_job_reports_its_state(bureau_client: Client, bureau_user: User, media: Path) -> None:
    # Without running the on_commit callbacks the task is never sent: the job stays pending.
    bureau_client.post(reverse("bureau-report-create"))
    job = ExportJob.objects.get(user=bureau_user)
    status = bureau_client.get(reverse("bureau-report-status", args=[job.pk])).json()
    assert status == status | {"state": "pending", "progress": 0, "finished": False, "download_url": None}
    assert bureau_client.get(reverse("bureau-report-download", args=[job.pk])).status_code == 404
    assert 'data-finished="false"' in bureau_client.get(reverse("bureau-report", args=[job.pk])).content.decode()


def test_nobody_else_can_see_or_download_a_report(
    bureau_client: Client,
    bureau_owner_client: Client,
    bureau_user: User,
    media: Path,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bureau_client.post(reverse("bureau-report-create"))
    job = ExportJob.objects.get(user=bureau_user, state=ExportJob.State.DONE)
    for name in ("bureau-report", "bureau-report-status", "bureau-report-download"):
        assert bureau_owner_client.get(reverse(name, args=[job.pk])).status_code == 404, name


def test_a_failed_job_stops_the_polling(bureau_client: Client, bureau_user: User, media: Path) -> None:
    # How a job fails is tested in tests/reports; here: what the page tells the polling script.
    job = ExportJob.objects.create(user=bureau_user, state=ExportJob.State.FAILED, error="RuntimeError('disk on fire')")
    status = bureau_client.get(reverse("bureau-report-status", args=[job.pk])).json()
    assert status == status | {"state": "failed", "finished": True, "download_url": None}
    assert bureau_client.get(reverse("bureau-report-download", args=[job.pk])).status_code == 404


# --- Vetting ----------------------------------------------------------------------------------------------------


def test_owners_vet_organisations_in_their_region(bureau_owner_client: Client, bureau_owner: User) -> None:
    pending = OrganisationFactory(name="みちのく防衛部品株式会社", prefecture="04", vetting_status="pending")
    fresh = OrganisationFactory(name="株式会社仙台試作", prefecture="04")
    OrganisationFactory(name="九州航空部品株式会社", prefecture="40", vetting_status="pending")
    OrganisationFactory(name="既審査株式会社", prefecture="04", vetting_status="vetted")

    response = bureau_owner_client.get(reverse("bureau-vetting"))
    assert response.status_code == 200
    names = [o.name for o in response.context["page"].object_list]
    assert names == ["みちのく防衛部品株式会社"]  # those that asked; Kyushu, vetted and never-asked left out
    assert [o.name for o in response.context["page"].object_list] == names
    never_asked = bureau_owner_client.get(reverse("bureau-vetting"), {"status": "none"}).context["page"].object_list
    assert [o.name for o in never_asked] == ["株式会社仙台試作"]
    searched = bureau_owner_client.get(reverse("bureau-vetting"), {"q": "仙台", "status": "all"})
    assert [o.name for o in searched.context["page"].object_list] == ["株式会社仙台試作"]

    url = reverse("bureau-vetting-decide", args=[pending.pk])
    response = bureau_owner_client.post(
        url, {"decision": "vetted", "reason": "identity_confirmed", "next": "/bureau/vetting/?q=x"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/bureau/vetting/?q=x"
    pending.refresh_from_db()
    assert pending.vetting_status == Organisation.Vetting.VETTED
    assert pending.vetted_by == bureau_owner

    bureau_owner_client.post(
        reverse("bureau-vetting-decide", args=[fresh.pk]), {"decision": "rejected", "reason": "duplicate"}
    )
    fresh.refresh_from_db()
    assert fresh.vetting_status == Organisation.Vetting.REJECTED


def test_vetting_is_refused_to_members_and_outside_the_region(
    bureau_client: Client, bureau_owner_client: Client
) -> None:
    local = OrganisationFactory(prefecture="04", vetting_status="pending")
    kyushu = OrganisationFactory(prefecture="40", vetting_status="pending")
    assert bureau_client.get(reverse("bureau-vetting")).status_code == 403
    assert (
        bureau_client.post(reverse("bureau-vetting-decide", args=[local.pk]), {"decision": "vetted"}).status_code == 403
    )
    response = bureau_owner_client.post(reverse("bureau-vetting-decide", args=[kyushu.pk]), {"decision": "vetted"})
    assert response.status_code == 404
    local.refresh_from_db()
    kyushu.refresh_from_db()
    assert local.vetting_status == kyushu.vetting_status == "pending"


def test_staff_vet_anywhere(staff_client: Client) -> None:
    kyushu = OrganisationFactory(prefecture="40", vetting_status="pending")
    staff_client.post(
        reverse("bureau-vetting-decide", args=[kyushu.pk]), {"decision": "vetted", "reason": "known_supplier"}
    )
    kyushu.refresh_from_db()
    assert kyushu.vetting_status == "vetted"


def _reason_values(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="reason" value="([^"]+)"', html)


def test_the_confirmation_offers_only_the_decisions_reasons(bureau_owner_client: Client) -> None:
    org = OrganisationFactory(prefecture="04", vetting_status="pending")
    url = reverse("bureau-vetting-decide", args=[org.pk])

    approve = bureau_owner_client.get(url, {"decision": "vetted"})
    assert approve.status_code == 200
    html = approve.content.decode()
    assert _reason_values(html) == ["identity_confirmed", "known_supplier"]
    assert "Track record with public bodies confirmed" in html and "Duplicate registration" not in html
    assert '<textarea name="note"' in html

    reject = bureau_owner_client.get(url, {"decision": "rejected"}).content.decode()
    assert _reason_values(reject) == ["identity_unconfirmed", "not_eligible", "security_concern", "duplicate", "other"]
    assert "Security or export-control concern" in reject and "Track record with public bodies" not in reject


def test_a_decision_without_a_fitting_reason_shows_the_page_again(bureau_owner_client: Client) -> None:
    org = OrganisationFactory(prefecture="04", vetting_status="pending")
    url = reverse("bureau-vetting-decide", args=[org.pk])
    back = "/bureau/vetting/?q=x"

    response = bureau_owner_client.post(url, {"decision": "rejected", "next": back})
    assert response.status_code == 400
    assert response.templates[0].name == "frontend/bureau/vetting_confirm.html"
    html = response.content.decode()
    assert 'id="form-errors"' in html and "This field is required." in html
    assert f'name="next" value="{back}"' in html and 'name="decision" value="rejected"' in html
    assert list(response.context["form"].errors) == ["reason"]

    # An approval reason for a rejection is not on the list.
    response = bureau_owner_client.post(url, {"decision": "rejected", "reason": "identity_confirmed"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reason"]

    # "Other" needs the note: the service's error is shown next to it.
    response = bureau_owner_client.post(url, {"decision": "rejected", "reason": "other", "note": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["Required when the reason is “Other reason”."]

    org.refresh_from_db()
    assert (org.vetting_status, org.vetting_reason, org.vetted_by) == ("pending", "", None)
    assert not AuditEvent.objects.filter(action="organisation.vetting", object_id=str(org.pk)).exists()


def test_a_decision_with_a_reason_is_saved_and_listed(bureau_owner_client: Client, bureau_owner: User) -> None:
    org = OrganisationFactory(name="東北ディフェンス工業株式会社", prefecture="04", vetting_status="pending")
    url = reverse("bureau-vetting-decide", args=[org.pk])
    response = bureau_owner_client.post(
        url, {"decision": "rejected", "reason": "security_concern", "note": "該非判定書の提出なし"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.vetting_status, org.vetting_reason, org.vetting_note) == (
        "rejected",
        "security_concern",
        "該非判定書の提出なし",
    )
    assert org.vetted_by == bureau_owner

    listing = bureau_owner_client.get(reverse("bureau-vetting"), {"status": "all"}).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">東北ディフェンス工業株式会社</th>.*?</tr>", listing, re.S)
    assert row is not None
    assert "Rejected" in row.group(0) and "Security or export-control concern" in row.group(0)
    assert "該非判定書" not in listing  # the note stays on the decision, not on the list


# --- Query counts -----------------------------------------------------------------------------------------------


def _grow_market(n: int) -> None:
    """n needs across prefectures and sectors, each with introductions in every state, outcomes, engagements."""
    sectors = list(VocabularyTerm.objects.filter(section="sectors")[:4])
    prefectures = ["02", "03", "04", "05", "06", "07", "40", "13"]
    states = [State.PROPOSED, State.REQUESTED, State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.EXPIRED]
    for i in range(n):
        org = OrganisationFactory(prefecture=prefectures[i % len(prefectures)], vetting_status="pending")
        need = NeedFactory(organisation=org, prefecture=org.prefecture)
        need.sectors.add(sectors[i % len(sectors)])
        expert = ExpertProfileFactory(expert_type=["dx_coordinator", "innovation_producer"][i % 2])
        expert.sectors.add(sectors[i % len(sectors)])
        # A suitable expert for every need, so the list of uncovered needs stays under its limit at any size.
        expert.skills.add(VocabularyTerm.objects.get(section="need_categories", code=need.category))
        for j, status in enumerate(states):
            candidate = expert if j == 0 else ExpertProfileFactory()
            intro = introduce(need, candidate, status, days_ago=1 + (i * 37 + j * 11) % 330, rank=j + 1)
            if status in (State.ACCEPTED, State.ENGAGED):
                Engagement.objects.create(introduction=intro, expert=candidate, accepted_at=timezone.now())
            if status == State.COMPLETED:
                set_state(intro, status, closed_at=timezone.now(), answered_at=timezone.now())
                Outcome.objects.create(introduction=intro, side="requester", deal=True, value_jpy=1000 * (i + 1))


@pytest.mark.parametrize("client_fixture", ["bureau_owner_client", "staff_client"])
def test_the_dashboard_runs_a_bounded_number_of_queries(
    request: pytest.FixtureRequest, client_fixture: str, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    client: Client = request.getfixturevalue(client_fixture)
    _grow_market(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("bureau-dashboard")).status_code == 200
    _grow_market(40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("bureau-dashboard"), {"sector": "semiconductor"})
        assert response.status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("bureau-dashboard")).status_code == 200
    assert len(small.captured_queries) <= 60
    with django_assert_max_num_queries(12):
        assert client.get(reverse("bureau-vetting")).status_code == 200


def test_a_reversed_period_shows_the_error_and_no_figures(bureau_client: Client) -> None:
    response = bureau_client.get(reverse("bureau-dashboard"), {"since": "2026-06-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "until" in response.context["filter_form"].errors
    assert "kpis" not in response.context and 'role="alert"' in response.content.decode()


def test_one_section_per_page_reads_as_a_brief(bureau_client: Client) -> None:
    whole = bureau_client.get(reverse("bureau-dashboard")).content.decode()
    only = bureau_client.get(reverse("bureau-dashboard"), {"section": "funnel"})
    html = only.content.decode()
    assert only.status_code == 200 and [s["key"] for s in only.context["sections"]] == ["funnel"]
    assert html.count('class="card metric-section"') == 1 < whole.count('class="card metric-section"')
    assert 'aria-current="page">' in html and "data-print" in html
    unknown = bureau_client.get(reverse("bureau-dashboard"), {"section": "nope"})
    assert len(unknown.context["sections"]) == whole.count('class="card metric-section"')
