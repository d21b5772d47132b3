"""Fixtures of the matching tests: a small market of experts and suppliers, and on_commit-aware API calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import ExpertProfile, Organisation, User
from tests.factories import ExpertProfileFactory, MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Call fn(*args) and run its on_commit callbacks (tasks, e-mails), as a real commit would."""

    def _run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run


@pytest.fixture
def experts(expert_user: User) -> list[ExpertProfile]:
    """Four experts with user accounts, the first being `expert_user` (capacity 2)."""
    first = expert_user.expert_profile
    others = [
        ExpertProfileFactory(
            user=UserFactory(email=f"expert{i}@example.jp", phone=f"090-0000-000{i}"),
            bio="製造業の生産管理とDX、在庫管理のデジタル化を支援します。",
        )
        for i in range(1, 4)
    ]
    return [first, *others]


@pytest.fixture
def suppliers(sme: Organisation, other_sme: Organisation) -> list[Organisation]:
    """SME suppliers able to answer a buyer: the owner's SME first, then three more with a member each."""
    more = []
    for i in range(3):
        org = OrganisationFactory(
            kind=Organisation.Kind.SME,
            name=f"精密加工{i}株式会社",
            description="ステンレス部品の精密切削加工。半導体製造装置部品の実績多数。",
            contact_name=f"佐藤 {i}郎",
        )
        MembershipFactory(organisation=org, user__email=f"supplier{i}@example.jp")
        more.append(org)
    return [sme, *more]
