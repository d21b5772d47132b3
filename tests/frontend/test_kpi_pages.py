"""The SME's outcome follow-up form and the bureau's programme KPI page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from programmes.catalogue import catalogue_rows
from programmes.models import FollowUp, KpiTarget, Programme
from tests.factories import (
    FollowUpFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _programme(code: str) -> Programme:
    row = next(r for r in catalogue_rows() if r["code"] == code)
    return ProgrammeFactory(code=code, name_ja=row["name_ja"], kpis=row["kpis"])  # type: ignore[no-any-return]


def _follow_up(organisation: Organisation, *, answered_after: int | None = None) -> FollowUp:
    participation = ParticipationFactory(
        organisation=organisation, programme=_programme("monozukuri"), value_added_jpy=100_000_000
    )
    return FollowUpFactory(  # type: ignore[no-any-return]
        participation=participation,
        horizon_years=3,
        due_on=timezone.localdate() - dt.timedelta(days=2),
        answered_at=timezone.now() if answered_after else None,
        value_added_jpy=answered_after,
    )


def _bureau(prefecture: str, role: str = Membership.Role.OWNER) -> User:
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture=prefecture, corporate_number=None)
    return MembershipFactory(organisation=bureau, role=role).user  # type: ignore[no-any-return]


def test_the_sme_sees_the_follow_up_on_its_home_page_and_answers_it(sme: Organisation, owner: User) -> None:
    follow_up = _follow_up(sme)
    client = _client(owner)
    home = client.get(reverse("home"))
    assert reverse("follow-up-detail", args=[follow_up.pk]) in home.content.decode()
    page = client.get(reverse("follow-up-detail", args=[follow_up.pk]), HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    assert 'name="value_added_jpy"' in page.content.decode() and 'class="required"' in page.content.decode()
    missing = client.post(reverse("follow-up-detail", args=[follow_up.pk]), {"payroll_jpy": "5"})
    assert missing.status_code == 200
    FollowUp.objects.get(pk=follow_up.pk, answered_at__isnull=True)
    done = client.post(reverse("follow-up-detail", args=[follow_up.pk]), {"value_added_jpy": "112000000"})
    assert done.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.value_added_jpy == 112_000_000 and follow_up.answered_by == owner
    assert reverse("follow-up-detail", args=[follow_up.pk]) not in client.get(reverse("home")).content.decode()


def test_another_sme_gets_a_404(sme: Organisation, outsider: User) -> None:
    follow_up = _follow_up(sme)
    client = _client(outsider)
    assert client.get(reverse("follow-up-detail", args=[follow_up.pk])).status_code == 404
    assert client.post(reverse("follow-up-detail", args=[follow_up.pk]), {"value_added_jpy": "1"}).status_code == 404


def test_the_bureau_page_shows_its_region_only_and_an_empty_state() -> None:
    tohoku = _client(_bureau("04"))
    empty = tohoku.get(reverse("programme-kpis"))
    assert empty.status_code == 200
    assert "成果目標（KPI）のある制度はまだ登録されていません" in empty.content.decode()  # the empty state
    _follow_up(OrganisationFactory(prefecture="04"), answered_after=110_000_000)
    _follow_up(OrganisationFactory(prefecture="04"), answered_after=101_000_000)
    _follow_up(OrganisationFactory(prefecture="13"), answered_after=150_000_000)
    page = tohoku.get(reverse("programme-kpis")).content.decode()
    assert "002_e43f891f4b09988d.txt:6" in page  # the seed citation
    assert "2 / 2" in page and "事業者の50.0%" in page and "達成" in page
    kanto = _client(_bureau("13")).get(reverse("programme-kpis")).content.decode()
    assert "1 / 1" in kanto and "事業者の100.0%" in kanto
    assert "回答はまだありません" in page  # payroll at 5 years: no answers yet


def test_bureau_owners_set_targets_and_members_cannot() -> None:
    _programme("monozukuri")
    owner = _client(_bureau("04"))
    url = reverse("kpi-target-set", args=["monozukuri", 0])
    assert owner.post(url, {"target_percent": "60"}).status_code == 302
    assert KpiTarget.objects.get().target_percent == Decimal(60)
    assert 'value="60.00"' in owner.get(reverse("programme-kpis")).content.decode()
    member = _client(_bureau("04", role=Membership.Role.MEMBER))
    assert 'name="target_percent"' not in member.get(reverse("programme-kpis")).content.decode()
    assert member.post(url, {"target_percent": "1"}).status_code == 403
    assert KpiTarget.objects.get().target_percent == Decimal(60)


def test_an_sme_cannot_open_the_bureau_page(owner: User) -> None:
    assert _client(owner).get(reverse("programme-kpis")).status_code in (403, 404)
