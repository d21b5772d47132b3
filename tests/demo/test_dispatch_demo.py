"""The demo's prefectural dispatch reproduces seed 003's Aomori FY2022 (令和4年度) on the bureau's counts page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, Organisation
from demo.dispatch import demo_dispatch_load
from programmes.dispatch_selectors import dispatch_counts
from programmes.models import DispatchRequest
from tests.clients import web_client
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_aomori_fy2022_matches_the_seed_and_the_page_shows_it() -> None:
    assert demo_dispatch_load()["loaded"] is True
    assert demo_dispatch_load() == {"loaded": False}  # once only
    total, *programmes = dispatch_counts(prefectures=("02",), fiscal_year=2022)
    # 003 L293: 相談件数 10,529件; L298: 派遣企業数31社（延べ81日）; L109: 28者 78回.
    assert total.desk_consultations == 10_529
    by_code = {row.programme.code: row for row in programmes if row.programme is not None}
    onestop, plan = by_code["aomori_expert_dispatch"], by_code["aomori_saikouchiku_expert"]
    assert (onestop.firms_dispatched, onestop.visit_days) == (31, 81)
    assert (plan.firms_dispatched, plan.visits) == (28, 78)
    assert total.firms_dispatched == 31 and total.visit_days == 81 + 78
    # Open requests of this year for each persona to act on.
    assert set(DispatchRequest.objects.filter(status__in=DispatchRequest.OPEN).values_list("status", flat=True)) == {
        "applied",
        "accepted",
        "assigned",
    }

    tohoku = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    officer = MembershipFactory(organisation=tohoku, role=Membership.Role.OWNER).user
    page = web_client(officer).get(reverse("bureau-dispatch-counts") + "?fiscal_year=2022", HTTP_ACCEPT_LANGUAGE="ja")
    html = page.content.decode()
    assert page.status_code == 200
    for figure in ("10,529", ">31<", ">81<", ">28<", ">78<"):
        assert figure in html, figure
