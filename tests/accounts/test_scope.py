"""Who sees which prefectures: one rule for the bureau pages and the vetting service."""

from __future__ import annotations

import pytest

from accounts.models import Membership, Organisation
from accounts.scope import bureau_scope_for_user, region_prefectures, vetting_get
from accounts.selectors import user_can_vet
from core.exceptions import NotFound
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bureau(prefecture: str) -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture=prefecture, corporate_number=None)


def test_it_scopes_a_regional_bureau_to_its_region_and_records_to_owners() -> None:
    tohoku = _bureau("04")
    owner = MembershipFactory(organisation=tohoku, role=Membership.Role.OWNER).user
    member = MembershipFactory(organisation=tohoku, role=Membership.Role.MEMBER).user
    scope = bureau_scope_for_user(user=owner)
    assert scope.region == "tohoku" and scope.prefectures == region_prefectures("tohoku")
    assert "04" in scope.prefectures and "40" not in scope.prefectures
    assert scope.can_see_records and not bureau_scope_for_user(user=member).can_see_records


def test_it_scopes_a_bureau_to_its_meti_jurisdiction_not_the_geographic_region() -> None:
    """関東経済産業局 serves 新潟・山梨・長野・静岡 too; 沖縄 is its own (内閣府沖縄総合事務局)."""
    niigata = MembershipFactory(organisation=_bureau("15"), role=Membership.Role.OWNER).user
    scope = bureau_scope_for_user(user=niigata)
    assert scope.region == "kanto"
    assert set(scope.prefectures or ()) == {"08", "09", "10", "11", "12", "13", "14", "15", "19", "20", "22"}
    assert bureau_scope_for_user(user=MembershipFactory(organisation=_bureau("04")).user).prefectures == (
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
    )
    fukuoka = bureau_scope_for_user(user=MembershipFactory(organisation=_bureau("40")).user)
    assert fukuoka.region == "kyushu" and "47" not in (fukuoka.prefectures or ())
    okinawa = bureau_scope_for_user(user=MembershipFactory(organisation=_bureau("47")).user)
    assert okinawa.region == "okinawa" and okinawa.prefectures == ("47",)


def test_it_gives_national_bodies_and_staff_the_whole_country() -> None:
    national = MembershipFactory(organisation=_bureau(""), role=Membership.Role.OWNER).user
    staff = UserFactory(is_staff=True)
    for user in (national, staff):
        scope = bureau_scope_for_user(user=user)
        assert scope.is_national and scope.can_see_records


def test_the_vetting_service_and_the_vetting_page_agree() -> None:
    """Staff who belong to a regional bureau vet in that region only, on the page and in the service."""
    staff = MembershipFactory(organisation=_bureau("04"), role=Membership.Role.MEMBER, user__is_staff=True).user
    miyagi = OrganisationFactory(prefecture="04")
    fukuoka = OrganisationFactory(prefecture="40")
    scope = bureau_scope_for_user(user=staff)
    assert vetting_get(scope=scope, organisation_id=miyagi.pk) == miyagi
    assert user_can_vet(user=staff, organisation=miyagi)
    with pytest.raises(NotFound):
        vetting_get(scope=scope, organisation_id=fukuoka.pk)
    assert not user_can_vet(user=staff, organisation=fukuoka)
    assert not user_can_vet(user=staff, organisation=_bureau("04"))  # bureaus are never vetted
