"""Logged-in Django test clients for each persona (fixtures from tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership, Organisation, User
from tests.factories import MembershipFactory, OrganisationFactory


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner: User) -> Client:
    return _client(owner)


@pytest.fixture
def teammate_client(teammate: User) -> Client:
    return _client(teammate)


@pytest.fixture
def outsider_client(outsider: User) -> Client:
    return _client(outsider)


@pytest.fixture
def buyer_client(buyer: User) -> Client:
    return _client(buyer)


@pytest.fixture
def expert_client(expert_user: User) -> Client:
    return _client(expert_user)


@pytest.fixture
def bureau_user(db: Any) -> User:
    bureau = OrganisationFactory(kind=Organisation.Kind.BUREAU, name="東北経済産業局", corporate_number=None)
    return MembershipFactory(organisation=bureau, role=Membership.Role.MEMBER, user__email="bureau@example.jp").user


@pytest.fixture
def bureau_client(bureau_user: User) -> Client:
    return _client(bureau_user)


@pytest.fixture
def other_buyer(db: Any) -> User:
    org = OrganisationFactory(kind=Organisation.Kind.BUYER, name="みちのく航空機株式会社")
    return MembershipFactory(organisation=org, user__email="other-buyer@example.jp").user


@pytest.fixture
def other_buyer_client(other_buyer: User) -> Client:
    return _client(other_buyer)
