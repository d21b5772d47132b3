"""The authorisation matrix (issue 11): persona × object × action → the answer each persona must get.

One table, one parametrised test over the API's endpoints and the pages that
show or change an object. Each case builds the same small world afresh, so
a change made by one case never decides another. Beside the status, a
request that succeeds must not carry the other side's contact details
before both sides accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from matching.models import ConflictOfInterest, Introduction
from programmes.models import DispatchRequest
from tests.factories import (
    DispatchProgrammeFactory,
    DispatchRequestFactory,
    ExpertProfileFactory,
    IntroductionFactory,
    MembershipFactory,
    NeedFactory,
    NotificationFactory,
    OpportunityFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)

pytestmark = pytest.mark.django_db

PERSONAS = (
    "owner",  # owner of the SME that posted the need
    "teammate",  # plain member of that SME
    "outsider",  # owner of another (vetted) SME
    "expert",  # the expert the introduction is addressed to
    "other_expert",  # an expert proposed for the need, not yet requested
    "buyer",  # owner of the buyer that posted the opportunities
    "other_buyer",  # owner of another buyer
    "bureau",  # owner of the 東北 bureau (the SMEs are in 東北)
    "bureau_far",  # owner of the 九州 bureau
    "admin",  # a superuser
    "anon",
)
CONTACT = "contact-secret@example.jp"


@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, int]


def build() -> World:
    sme = OrganisationFactory(kind=Organisation.Kind.SME, prefecture="04", contact_email=CONTACT)
    other_sme = OrganisationFactory(
        kind=Organisation.Kind.SME, prefecture="03", vetting_status=Organisation.Vetting.VETTED
    )
    buyer_org = OrganisationFactory(kind=Organisation.Kind.BUYER, prefecture="04")
    other_buyer_org = OrganisationFactory(kind=Organisation.Kind.BUYER)
    tohoku = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="04", corporate_number=None)
    kyushu = OrganisationFactory(kind=Organisation.Kind.BUREAU, prefecture="40", corporate_number=None)

    def owner_of(org: Organisation) -> User:
        return MembershipFactory(organisation=org, role=Membership.Role.OWNER).user

    users: dict[str, User | None] = {
        "owner": owner_of(sme),
        "teammate": MembershipFactory(organisation=sme, role=Membership.Role.MEMBER).user,
        "outsider": owner_of(other_sme),
        "expert": UserFactory(),
        "other_expert": UserFactory(),
        "buyer": owner_of(buyer_org),
        "other_buyer": owner_of(other_buyer_org),
        "bureau": owner_of(tohoku),
        "bureau_far": owner_of(kyushu),
        "admin": UserFactory(is_staff=True, is_superuser=True),
        "anon": None,
    }
    expert = ExpertProfileFactory(user=users["expert"], contact_email=CONTACT)
    other_expert = ExpertProfileFactory(user=users["other_expert"], contact_email=CONTACT)
    need = NeedFactory(organisation=sme, status="open")
    introduction = IntroductionFactory(need=need, expert=expert, status=Introduction.State.REQUESTED)
    proposal = recommend(need, other_expert)
    opportunity = OpportunityFactory(organisation=buyer_org, status="open")
    restricted = OpportunityFactory(organisation=buyer_org, status="open", restricted=True)
    supplier = recommend(opportunity, sme)
    conflict = ConflictOfInterest.objects.create(
        declared_by_organisation=buyer_org, organisation=other_sme, created_by=users["buyer"]
    )
    notification = NotificationFactory(user=users["owner"])
    dispatch = DispatchRequestFactory(
        programme=DispatchProgrammeFactory(code="matrix-dispatch", prefecture="04"),
        organisation=sme,
        expert=expert,
        status=DispatchRequest.Status.ASSIGNED,
    )
    ids = {
        "need": need.pk,
        "dispatch": dispatch.pk,
        "introduction": introduction.pk,
        "proposal": proposal.pk,
        "opportunity": opportunity.pk,
        "restricted": restricted.pk,
        "supplier_rec": supplier.pk,
        "conflict": conflict.pk,
        "notification": notification.pk,
        "sme": sme.pk,
        "other_sme": other_sme.pk,
        "expert": expert.pk,
    }
    return World(users=users, ids=ids)


# (name, kind, method, url template, body) → {persona: status}; "*" is everyone not listed.
A = "api"
P = "page"
MATRIX: list[tuple[str, str, str, str, dict[str, Any] | None, dict[str, int]]] = [
    # Needs: only the SME's members, read and write.
    ("need.get", A, "get", "/api/v1/needs/{need}/", None, {"owner": 200, "teammate": 200, "anon": 401, "*": 404}),
    (
        "need.patch",
        A,
        "patch",
        "/api/v1/needs/{need}/",
        {"title": "改題"},
        {"owner": 200, "teammate": 200, "anon": 401, "*": 404},
    ),
    (
        "need.recommendations",
        A,
        "get",
        "/api/v1/needs/{need}/recommendations/",
        None,
        {"owner": 200, "teammate": 200, "anon": 401, "*": 404},
    ),
    (
        "recommendation.request",
        A,
        "post",
        "/api/v1/recommendations/{proposal}/request/",
        {},
        {"owner": 201, "teammate": 201, "anon": 401, "*": 404},
    ),
    # The introduction: both sides see it; only the candidate answers, only the requester withdraws.
    (
        "introduction.get",
        A,
        "get",
        "/api/v1/introductions/{introduction}/",
        None,
        {"owner": 200, "teammate": 200, "expert": 200, "anon": 401, "*": 404},
    ),
    (
        "introduction.accept",
        A,
        "post",
        "/api/v1/introductions/{introduction}/accept/",
        {},
        {"expert": 200, "owner": 403, "teammate": 403, "anon": 401, "*": 404},
    ),
    (
        "introduction.withdraw",
        A,
        "post",
        "/api/v1/introductions/{introduction}/withdraw/",
        {},
        {"owner": 200, "teammate": 200, "expert": 403, "anon": 401, "*": 404},
    ),
    # Opportunities: open ones are public to the signed-in; restricted ones to vetted firms; edits to the owner.
    ("opportunity.get", A, "get", "/api/v1/opportunities/{opportunity}/", None, {"anon": 401, "*": 200}),
    (
        "opportunity.restricted",
        A,
        "get",
        "/api/v1/opportunities/{restricted}/",
        None,
        {"buyer": 200, "outsider": 200, "anon": 401, "*": 404},
    ),
    (
        "opportunity.patch",
        A,
        "patch",
        "/api/v1/opportunities/{opportunity}/",
        {"title": "改題"},
        {"buyer": 200, "anon": 401, "*": 404},
    ),
    (
        "opportunity.recommendations",
        A,
        "get",
        "/api/v1/opportunities/{opportunity}/recommendations/",
        None,
        {"buyer": 200, "anon": 401, "*": 404},
    ),
    (
        "supplier.request",
        A,
        "post",
        "/api/v1/recommendations/{supplier_rec}/request/",
        {},
        {"buyer": 201, "anon": 401, "*": 404},
    ),
    # One's own organisation: owners edit it, plain members may not.
    (
        "organisation.patch",
        A,
        "patch",
        "/api/v1/organisation/",
        {"description": "更新"},
        {"teammate": 403, "expert": 404, "other_expert": 404, "admin": 404, "anon": 401, "*": 200},
    ),
    ("conflict.get", A, "get", "/api/v1/conflicts/{conflict}/", None, {"buyer": 200, "anon": 401, "*": 404}),
    ("conflict.delete", A, "delete", "/api/v1/conflicts/{conflict}/", None, {"buyer": 204, "anon": 401, "*": 404}),
    (
        "notification.read",
        A,
        "post",
        "/api/v1/notifications/{notification}/read/",
        {},
        {"owner": 200, "anon": 401, "*": 404},
    ),
    ("experts.list", A, "get", "/api/v1/experts/", None, {"anon": 401, "*": 200}),
    ("expert.get", A, "get", "/api/v1/experts/{expert}/", None, {"anon": 401, "*": 200}),
    # Pages.
    # Need pages are for SMEs (others: 403); another SME's need does not exist for them (404).
    (
        "page.need",
        P,
        "get",
        "/needs/{need}/",
        None,
        {"owner": 200, "teammate": 200, "outsider": 404, "anon": 302, "*": 403},
    ),
    (
        "page.introduction",
        P,
        "get",
        "/introductions/{introduction}/",
        None,
        {"owner": 200, "teammate": 200, "expert": 200, "admin": 403, "anon": 302, "*": 404},
    ),
    (
        "page.bureau",
        P,
        "get",
        "/bureau/",
        None,
        {"bureau": 200, "bureau_far": 200, "admin": 200, "anon": 302, "*": 403},
    ),
    (
        "page.vetting",
        P,
        "get",
        "/bureau/vetting/{other_sme}/?decision=vetted",
        None,
        {"bureau": 200, "admin": 200, "bureau_far": 404, "anon": 302, "*": 403},
    ),
    (
        "page.supplier",
        P,
        "get",
        "/suppliers/{sme}/",
        None,
        # Buyers, experts and the bureau look for suppliers; an SME sees only its own page.
        {"outsider": 404, "anon": 302, "*": 200},
    ),
    # Prefectural expert dispatch: the firm, the assigned expert and the bureau in charge.
    (
        "dispatch.get",
        A,
        "get",
        "/api/v1/dispatch-requests/{dispatch}/",
        None,
        {"owner": 200, "teammate": 200, "expert": 200, "bureau": 200, "admin": 200, "anon": 401, "*": 404},
    ),
    ("page.admin", P, "get", "/admin/", None, {"admin": 200, "*": 302}),
    ("page.account", P, "get", "/account/", None, {"anon": 302, "*": 200}),
]

CASES = [pytest.param(row, persona, id=f"{row[0]}-{persona}") for row in MATRIX for persona in PERSONAS]


def _expected(row: tuple[Any, ...], persona: str) -> int:
    table: dict[str, int] = row[5]
    return table.get(persona, table["*"])


def _client(kind: str, user: User | None) -> Any:
    if kind == A:
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api
    page = Client()
    if user is not None:
        page.force_login(user)
    return page


@pytest.mark.parametrize(("row", "persona"), CASES)
def test_the_authorisation_matrix(row: tuple[Any, ...], persona: str) -> None:
    name, kind, method, template, body, _table = row
    world = build()
    url = template.format(**world.ids)
    client = _client(kind, world.users[persona])
    call = getattr(client, method)
    response = call(url, body, format="json") if kind == A and body is not None else call(url)

    assert response.status_code == _expected(row, persona), f"{name} as {persona}: {response.status_code}"
    if response.status_code == 200 and name in ("introduction.get", "page.introduction", "need.recommendations"):
        # Requested, not accepted: nobody sees the other side's contacts yet.
        assert CONTACT not in response.content.decode(), f"{name} as {persona} shows a contact"


def test_the_matrix_covers_every_persona_and_many_pairs() -> None:
    assert len(CASES) == len(MATRIX) * len(PERSONAS) >= 250
