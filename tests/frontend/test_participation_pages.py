"""An SME records a programme it took part in (the follow-ups' source) and sees its follow-ups."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, User
from programmes.models import FollowUp, Participation, Programme
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def monozukuri(db: Any) -> Programme:
    from programmes.catalogue import catalogue_rows
    from programmes.services import programmes_load

    programmes_load(rows=catalogue_rows())
    return Programme.objects.get(code="monozukuri")


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


@pytest.fixture
def sme_client(owner: User) -> Client:
    return _client(owner)


def test_an_sme_records_a_participation_and_its_follow_ups_are_listed(
    sme_client: Client, sme: Organisation, monozukuri: Programme
) -> None:
    page = sme_client.get(reverse("participation-new")).content.decode()
    assert monozukuri.name_ja in page
    assert "jizokuka" not in page  # codes never show; names do

    response = sme_client.post(
        reverse("participation-new"),
        {"programme": monozukuri.pk, "ended_on": "2025-03-31", "value_added_jpy": "40000000", "payroll_jpy": ""},
    )
    assert response.status_code == 302 and response["Location"] == reverse("follow-up-list")
    participation = Participation.objects.get(organisation=sme, programme=monozukuri)
    assert participation.value_added_jpy == 40_000_000 and participation.payroll_jpy is None
    assert sorted(str(f.due_on) for f in FollowUp.objects.filter(participation=participation)) == [
        "2028-03-31",
        "2030-03-31",
    ]
    listing = sme_client.get(reverse("follow-up-list")).content.decode()
    assert monozukuri.name_ja in listing and "2028-03-31" in listing and "2030-03-31" in listing

    # The same participation twice is refused with the service's message, nothing added.
    again = sme_client.post(reverse("participation-new"), {"programme": monozukuri.pk, "ended_on": "2025-03-31"})
    assert again.status_code == 400
    assert Participation.objects.filter(organisation=sme).count() == 1


def test_bad_input_is_refused_field_by_field(sme_client: Client, sme: Organisation, monozukuri: Programme) -> None:
    response = sme_client.post(
        reverse("participation-new"), {"programme": monozukuri.pk, "ended_on": "", "value_added_jpy": "-5"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"ended_on", "value_added_jpy"}
    assert not Participation.objects.exists()


def test_only_smes_record_participations_and_see_only_their_own(
    sme_client: Client, sme: Organisation, monozukuri: Programme
) -> None:
    other = OrganisationFactory(kind=Organisation.Kind.SME, name="他社")
    Participation.objects.create(organisation=other, programme=monozukuri, ended_on="2024-03-31")
    assert "他社" not in sme_client.get(reverse("follow-up-list")).content.decode()
    assert "まだ記録" in sme_client.get(reverse("follow-up-list")).content.decode()  # the empty state

    buyer = UserFactory()
    MembershipFactory(user=buyer, organisation=OrganisationFactory(kind=Organisation.Kind.BUYER))
    assert _client(buyer).get(reverse("participation-new")).status_code == 403
    assert Client().get(reverse("follow-up-list")).status_code == 302  # to the login page
