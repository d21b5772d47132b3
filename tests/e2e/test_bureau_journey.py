"""Bureau staff: filter the dashboard, see the funnel move, download CSV and XLSX and check what is in them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from accounts.models import ExpertProfile, Membership, Organisation, User
from matching.models import Introduction, Recommendation
from matching.services.introductions import introduction_accept
from opportunities.models import Need
from tests.e2e.support import expert, log_in, organisation
from tests.factories import MembershipFactory, NeedFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

STAGES = ("proposed", "requested", "accepted", "engaged", "deal")


def _introduction(need: Need, candidate: ExpertProfile, status: str, requester: User) -> Introduction:
    rec = Recommendation(need=need, expert=candidate, rank=1, score=0.9, reasons=[], generated_at=timezone.now())
    rec.fill_keys()
    rec.save()
    requested = status != "proposed"
    intro = Introduction(
        need=need,
        expert=candidate,
        status=status,
        rank=1,
        requested_by=requester if requested else None,
        requested_at=timezone.now() if requested else None,
    )
    intro.fill_keys()
    intro.save()
    return intro


def _labels() -> dict[str, str]:
    """The funnel's stage labels and table title as the Japanese page and files show them."""
    from reports import tables

    with translation.override("ja"):
        labels = {stage: str(tables.STAGE_LABELS[stage]) for stage in STAGES}
        labels["title"] = str(translation.gettext("Funnel: proposal → request → accepted → engaged → deal"))
    return labels


def _stage_rows(rows: list[list[Any]], labels: dict[str, str]) -> dict[str, int]:
    """Stage → count from the funnel-stages table of an export (title row, header row, one row per stage)."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == labels["title"])
    counts: dict[str, int] = {}
    by_label = {label: stage for stage, label in labels.items() if stage in STAGES}
    for row in rows[start + 2 : start + 2 + len(STAGES)]:
        counts[by_label[str(row[0])]] = int(row[1])
    return counts


def _expect_funnel(page: Page, labels: dict[str, str], expected: dict[str, int]) -> None:
    table = page.locator("#funnel-stages").first
    for stage, count in expected.items():
        row = table.locator("tr").filter(
            has=page.locator("th, td").filter(has_text=re.compile(rf"^\s*{re.escape(labels[stage])}\s*$"))
        )
        expect(row.locator("th, td").nth(1)).to_have_text(re.compile(rf"^\s*{count}\s*$"))


def _download(page: Page, link: str, suffix: str) -> bytes:
    with page.expect_download() as info:
        page.locator(link).first.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("tsunagu-funnel-")
    assert download.suggested_filename.endswith(suffix)
    content = Path(download.path()).read_bytes()
    assert content
    return content


def test_bureau_filters_the_dashboard_sees_the_funnel_move_and_downloads_csv_and_xlsx(
    page: Page, screenshot: Callable[[Page, str], object]
) -> None:
    bureau = OrganisationFactory(
        kind=Organisation.Kind.BUREAU, name="東北経済産業局", prefecture="04", corporate_number=None
    )
    staff = MembershipFactory(organisation=bureau, role=Membership.Role.OWNER, user__email="staff@meti.example.jp").user
    miyagi, miyagi_user = organisation(
        kind=Organisation.Kind.SME, name="株式会社みやぎ精工", email="o@miyagi.example.jp"
    )
    iwate, iwate_user = organisation(
        kind=Organisation.Kind.SME, name="有限会社いわて工業", email="o@iwate.example.jp", prefecture="03"
    )
    dx = expert(email="dx@expert.example.jp", name="高橋 健二", prefecture="04", skills=["dx.digitization"], regions=[])
    it = expert(email="it@expert.example.jp", name="伊藤 誠", prefecture="04", skills=["dx.it_tools"], regions=[])
    need = NeedFactory(organisation=miyagi, prefecture="04", title="受注管理をデジタル化したい")
    other_need = NeedFactory(organisation=miyagi, prefecture="04", title="在庫管理を見える化したい")
    iwate_need = NeedFactory(organisation=iwate, prefecture="03", title="生産計画を見直したい")
    _introduction(need, dx, "accepted", miyagi_user)
    pending = _introduction(need, it, "requested", miyagi_user)
    _introduction(other_need, dx, "proposed", miyagi_user)
    _introduction(iwate_need, dx, "requested", iwate_user)
    labels = _labels()

    log_in(page, staff.email)
    response = page.goto("/bureau/")
    assert response is not None and response.status == 200
    _expect_funnel(page, labels, {"proposed": 4, "requested": 3, "accepted": 1})

    # --- Filter to Miyagi: the Iwate request drops out.
    page.locator("#id_prefecture").select_option("04")
    page.locator("#id_prefecture").locator("xpath=ancestor::form[1]").locator("button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"[?&]prefecture=04"))
    _expect_funnel(page, labels, {"proposed": 3, "requested": 2, "accepted": 1, "engaged": 0, "deal": 0})
    screenshot(page, "bureau-dashboard")

    # --- The expert accepts the pending request: the funnel moves.
    introduction_accept(actor=it.user, introduction=pending)
    page.reload()
    _expect_funnel(page, labels, {"proposed": 3, "requested": 2, "accepted": 2})
    expected = {"proposed": 3, "requested": 2, "accepted": 2, "engaged": 0, "deal": 0}

    # --- Downloads carry the filters; their contents match the page.
    csv_link = 'a[href*="/bureau/export.csv"][href*="section=funnel"]'
    expect(page.locator(csv_link).first).to_have_attribute("href", re.compile(r"prefecture=04"))
    csv_rows = list(csv.reader(io.StringIO(_download(page, csv_link, ".csv").decode("utf-8-sig"))))
    assert _stage_rows(csv_rows, labels) == expected
    assert any("宮城県" in cell for row in csv_rows[:6] for cell in row)  # the filter is written on top

    xlsx_link = 'a[href*="/bureau/export.xlsx"][href*="section=funnel"]'
    workbook = openpyxl.load_workbook(io.BytesIO(_download(page, xlsx_link, ".xlsx")), read_only=True)
    sheet = workbook.worksheets[0]
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert _stage_rows(xlsx_rows, labels) == expected
    assert any(cell == "宮城県" for row in xlsx_rows[:6] for cell in row)
    assert Introduction.objects.filter(status="accepted").count() == 2
