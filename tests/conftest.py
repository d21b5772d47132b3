"""Persona fixtures, after healthchecks' alice/bob/charlie: owner, teammate, outsider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from tests.clients import api_client, web_client
from tests.factories import ExpertProfileFactory, MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Start every test with empty API throttle counters and no cached dashboard figures (the locmem cache).

    Every test client comes from 127.0.0.1, so without this the sign-up and token
    requests of earlier tests in the same worker would count against later ones.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sme(db: Any) -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.SME, name="株式会社みやぎ精工")


@pytest.fixture
def owner(sme: Organisation) -> User:
    return MembershipFactory(organisation=sme, role=Membership.Role.OWNER, user__email="owner@example.jp").user


@pytest.fixture
def teammate(sme: Organisation) -> User:
    return MembershipFactory(organisation=sme, role=Membership.Role.MEMBER, user__email="teammate@example.jp").user


@pytest.fixture
def other_sme(db: Any) -> Organisation:
    return OrganisationFactory(kind=Organisation.Kind.SME, name="有限会社いわて工業", prefecture="03")


@pytest.fixture
def outsider(other_sme: Organisation) -> User:
    return MembershipFactory(organisation=other_sme, user__email="outsider@example.jp").user


@pytest.fixture
def buyer_org(db: Any) -> Organisation:
    return OrganisationFactory(
        kind=Organisation.Kind.BUYER, name="東北セミコン株式会社", employees=1200, capital_jpy=5_000_000_000
    )


@pytest.fixture
def buyer(buyer_org: Organisation) -> User:
    return MembershipFactory(organisation=buyer_org, user__email="buyer@example.jp").user


@pytest.fixture
def expert_user(db: Any) -> User:
    return ExpertProfileFactory(user=UserFactory(email="expert@example.jp")).user


@pytest.fixture
def anon_api() -> APIClient:
    return api_client()


@pytest.fixture
def bureau_user(db: Any) -> User:
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="東北経済産業局", corporate_number=None)
    return MembershipFactory(organisation=bureau, role=Membership.Role.MEMBER, user__email="bureau@example.jp").user


@pytest.fixture
def other_buyer(db: Any) -> User:
    org = OrganisationFactory(kind=Organisation.Kind.BUYER, name="みちのく航空機株式会社")
    return MembershipFactory(organisation=org, user__email="other-buyer@example.jp").user


def _persona_client(name: str, user_fixture: str, make: Callable[[User], Any]) -> Any:
    """Fixture `name`: the persona `user_fixture` logged in with `make` (API or page client)."""

    @pytest.fixture(name=name)
    def fixture(request: pytest.FixtureRequest) -> Any:
        return make(request.getfixturevalue(user_fixture))

    return fixture


# <persona>_api: the API as that persona; <persona>_client: the pages as that persona.
owner_api = _persona_client("owner_api", "owner", api_client)
teammate_api = _persona_client("teammate_api", "teammate", api_client)
outsider_api = _persona_client("outsider_api", "outsider", api_client)
buyer_api = _persona_client("buyer_api", "buyer", api_client)
expert_api = _persona_client("expert_api", "expert_user", api_client)
owner_client = _persona_client("owner_client", "owner", web_client)
teammate_client = _persona_client("teammate_client", "teammate", web_client)
outsider_client = _persona_client("outsider_client", "outsider", web_client)
buyer_client = _persona_client("buyer_client", "buyer", web_client)
expert_client = _persona_client("expert_client", "expert_user", web_client)
bureau_client = _persona_client("bureau_client", "bureau_user", web_client)
other_buyer_client = _persona_client("other_buyer_client", "other_buyer", web_client)


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Put back the vocabulary after a transactional test.

    Transactional tests end with a flush of every table, which also empties the
    vocabulary that a data migration loaded; the next tests of the worker need it.
    """
    # After the last test the session fixtures have already destroyed the test
    # database: nothing needs the vocabulary any more.
    if nextitem is None or not _is_transactional(item):
        return
    from reference.models import VocabularyTerm
    from reference.vocabulary import sync_terms

    with item.config.stash[blocking_manager_key].unblock():
        if not VocabularyTerm.objects.exists():
            sync_terms(VocabularyTerm)
