"""Persona fixtures, after healthchecks' alice/bob/charlie: owner, teammate, outsider."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from tests.factories import ExpertProfileFactory, MembershipFactory, OrganisationFactory, UserFactory


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


def _client(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner_api(owner: User) -> APIClient:
    return _client(owner)


@pytest.fixture
def teammate_api(teammate: User) -> APIClient:
    return _client(teammate)


@pytest.fixture
def outsider_api(outsider: User) -> APIClient:
    return _client(outsider)


@pytest.fixture
def buyer_api(buyer: User) -> APIClient:
    return _client(buyer)


@pytest.fixture
def expert_api(expert_user: User) -> APIClient:
    return _client(expert_user)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


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
