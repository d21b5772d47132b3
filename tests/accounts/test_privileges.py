"""Issue 11 items 1–4: bureau officers are not staff, tokens are hashed and revocable,
only owners edit their organisation, vetting follows the firm, nobody is introduced to themselves."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from accounts.services import organisation_set_vetting
from matching.models import Introduction, Outcome, Recommendation
from matching.selectors import recommendation_list
from tests.clients import api_client, web_client
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    UserFactory,
    corporate_number,
    recommend,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"
CONFIRMED = Organisation.VettingReason.IDENTITY_CONFIRMED


def _token(anon: APIClient, user: User) -> str:
    response = anon.post("/api/v1/auth/token/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- 1. tokens and the admin -----------------------------------------------------------------------------------


def test_tokens_are_stored_hashed_expire_and_can_be_revoked(anon_api: APIClient) -> None:
    user = UserFactory(email="t@example.jp", password=PASSWORD)
    first, second = _token(anon_api, user), _token(anon_api, user)

    stored = AuthToken.objects.filter(user=user)
    assert stored.count() == 2 and all(t.expiry is not None for t in stored)
    assert not any(first in (t.digest, t.token_key) for t in stored)  # only a hash and a short prefix
    assert _with_token(first).get("/api/v1/me/").status_code == 200

    assert _with_token(first).delete("/api/v1/auth/token/").status_code == 204
    assert _with_token(first).get("/api/v1/me/").status_code == 401
    assert _with_token(second).get("/api/v1/me/").status_code == 200  # only the one presented

    third = _token(anon_api, user)
    assert _with_token(third).delete("/api/v1/auth/tokens/").status_code == 204
    assert _with_token(second).get("/api/v1/me/").status_code == 401
    assert _with_token(third).get("/api/v1/me/").status_code == 401


def test_a_password_change_ends_every_token(anon_api: APIClient) -> None:
    user = UserFactory(email="p@example.jp", password=PASSWORD)
    token = _token(anon_api, user)
    user.set_password("another-long-pass-phrase")
    user.save()
    assert _with_token(token).get("/api/v1/me/").status_code == 401


# --- 2. who may edit an organisation ----------------------------------------------------------------------------


def test_a_plain_member_cannot_edit_the_organisation(teammate_api: APIClient, sme: Organisation) -> None:
    response = teammate_api.patch("/api/v1/organisation/", {"contact_phone": "000"}, format="json")
    assert response.status_code == 403
    sme.refresh_from_db()
    assert sme.contact_phone != "000"


def test_a_bureau_cannot_widen_its_own_jurisdiction() -> None:
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    officer = MembershipFactory(organisation=bureau, role=Membership.Role.OWNER).user
    response = api_client(officer).patch("/api/v1/organisation/", {"prefecture": ""}, format="json")
    assert response.status_code == 400
    assert "prefecture" in response.json()["extra"]["fields"]
    bureau.refresh_from_db()
    assert bureau.prefecture == "04"

    far_away = OrganisationFactory(kind=Organisation.Kind.SME, prefecture="47")
    near = OrganisationFactory(kind=Organisation.Kind.SME, prefecture="03")
    pages = web_client(officer)
    assert pages.get(f"/bureau/vetting/{near.pk}/?decision=vetted").status_code == 200
    assert pages.get(f"/bureau/vetting/{far_away.pk}/?decision=vetted").status_code == 404  # outside 東北


# --- 3. vetting follows the firm ------------------------------------------------------------------------------


def test_a_vetted_firm_that_changes_identity_is_vetted_again(owner_api: APIClient, sme: Organisation) -> None:
    officer = UserFactory(is_superuser=True, is_staff=True)
    organisation_set_vetting(organisation=sme, actor=officer, status=Organisation.Vetting.VETTED, reason=CONFIRMED)

    response = owner_api.patch("/api/v1/organisation/", {"name": "株式会社べつの会社"}, format="json")

    assert response.status_code == 200 and response.json()["vetting_status"] == "pending"
    sme.refresh_from_db()
    assert sme.vetted_by is None and sme.vetted_at is None

    organisation_set_vetting(organisation=sme, actor=officer, status=Organisation.Vetting.VETTED, reason=CONFIRMED)
    owner_api.patch("/api/v1/organisation/", {"description": "説明だけ変更"}, format="json")
    sme.refresh_from_db()
    assert sme.vetting_status == Organisation.Vetting.VETTED  # other edits keep it

    for change in ({"corporate_number": corporate_number(4242)}, {"prefecture": "13"}):
        organisation_set_vetting(organisation=sme, actor=officer, status=Organisation.Vetting.VETTED, reason=CONFIRMED)
        assert owner_api.patch("/api/v1/organisation/", change, format="json").status_code == 200
        sme.refresh_from_db()
        assert sme.vetting_status == Organisation.Vetting.PENDING, change


def test_a_rejected_firm_is_never_shown_requested_or_accepting_for_restricted_work(buyer: User) -> None:
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation, restricted=True)
    supplier = OrganisationFactory(kind=Organisation.Kind.SME, vetting_status=Organisation.Vetting.VETTED)
    supplier_owner = MembershipFactory(organisation=supplier, role=Membership.Role.OWNER).user
    rec = recommend(opportunity, supplier)
    assert api_client(buyer).post(f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json").status_code in (
        200,
        201,
    )
    introduction = Introduction.objects.get(opportunity=opportunity)

    organisation_set_vetting(
        organisation=supplier,
        actor=UserFactory(is_staff=True),
        status=Organisation.Vetting.REJECTED,
        reason=Organisation.VettingReason.SECURITY_CONCERN,
    )

    assert list(recommendation_list(query=opportunity)) == []
    response = api_client(supplier_owner).post(f"/api/v1/introductions/{introduction.pk}/accept/", {}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "not_vetted"
    introduction.refresh_from_db()
    assert introduction.status == Introduction.State.REQUESTED


# --- 4. nobody is introduced to themselves; outcome values stay plausible ------------------------------------


def test_an_expert_is_never_proposed_to_their_own_firm(owner: User, sme: Organisation) -> None:
    own = ExpertProfileFactory(user=owner)  # the owner is also a registered expert
    affiliated = ExpertProfileFactory(user=UserFactory(), organisation=sme)
    stranger = ExpertProfileFactory(user=UserFactory())
    need = NeedFactory(organisation=sme, status="open")
    recs = [recommend(need, expert, rank=i) for i, expert in enumerate((own, affiliated, stranger), start=1)]

    assert [r.expert_id for r in recommendation_list(query=need)] == [stranger.pk]
    response = api_client(owner).post(f"/api/v1/recommendations/{recs[0].pk}/request/", {}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["code"] == "own_organisation"
    assert not Introduction.objects.filter(need=need, expert=own).exists()


def test_the_ranker_skips_the_owner_s_own_expert_profile(owner: User, sme: Organisation) -> None:
    from matching.services.index import index_build
    from matching.services.ranking import query_rank

    bio = "真空チャンバーの溶接と気密試験を指導してきました。"
    own = ExpertProfileFactory(user=owner, bio=bio)
    other = ExpertProfileFactory(user=UserFactory(), bio=bio)
    index_build(kind="expert", reason="test")
    need = NeedFactory(organisation=sme, title="真空チャンバーの溶接", status="open")

    query_rank(kind="need", query_id=need.pk)

    written = set(Recommendation.objects.filter(need=need).values_list("expert_id", flat=True))
    assert other.pk in written and own.pk not in written


def test_an_implausible_outcome_value_is_refused(owner: User, sme: Organisation) -> None:
    introduction = IntroductionFactory(
        need=NeedFactory(organisation=sme), expert=ExpertProfileFactory(), status=Introduction.State.ACCEPTED
    )
    url = f"/api/v1/introductions/{introduction.pk}/outcome/"
    response = api_client(owner).post(url, {"deal": True, "value_jpy": 10**15}, format="json")
    assert response.status_code == 400
    assert "value_jpy" in response.json()["extra"]["fields"]
    assert not Outcome.objects.exists()
    assert api_client(owner).post(url, {"deal": True, "value_jpy": 3_000_000}, format="json").status_code in (200, 201)
