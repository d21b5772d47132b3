"""Every eligibility rule, passing and failing, and how the programmes of a need are listed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organisation, User
from programmes.eligibility import evaluate, rule_problems
from tests.factories import NeedFactory, OrganisationFactory, ProgrammeFactory, RoundFactory

pytestmark = pytest.mark.django_db


def _org(**kwargs: Any) -> Organisation:
    defaults: dict[str, Any] = {
        "kind": "sme",
        "industry": "manufacturing",
        "capital_jpy": 10_000_000,
        "employees": 15,
        "prefecture": "04",
    }
    return OrganisationFactory(**(defaults | kwargs))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("rule", "org", "passed"),
    [
        ({"kind": "size_class", "in": ["small"]}, {"employees": 15}, True),  # manufacturing ≤ 20: 小規模
        ({"kind": "size_class", "in": ["small"]}, {"employees": 21}, False),
        ({"kind": "size_class", "in": ["small", "sme"]}, {"employees": 299}, True),
        ({"kind": "size_class", "in": ["sme"]}, {"employees": 301, "capital_jpy": 400_000_000}, False),
        ({"kind": "size_class", "in": ["small"]}, {"employees": None, "capital_jpy": None}, None),
        ({"kind": "industry", "in": ["manufacturing"]}, {}, True),
        ({"kind": "industry", "in": ["retail"]}, {}, False),
        ({"kind": "industry", "in": ["retail"]}, {"industry": ""}, None),
        ({"kind": "region", "in": ["04", "03"]}, {}, True),
        ({"kind": "region", "in": ["13"]}, {}, False),
        ({"kind": "region", "in": ["13"]}, {"prefecture": ""}, None),
    ],
)
def test_each_hard_rule_passes_fails_or_asks_for_the_missing_fact(
    rule: dict[str, Any], org: dict[str, Any], passed: bool | None
) -> None:
    programme = ProgrammeFactory(eligibility=[rule])
    result = evaluate(programme, _org(**org))
    bucket = {True: result.passed, False: result.failed, None: result.unknown}[passed]
    assert [r.kind for r in bucket] == [rule["kind"]]
    assert result.eligible is (passed is True)
    assert bucket[0].reason


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"kind": "partner", "any_of": ["university", "public_research_institute"]}, "公設試"),
        ({"kind": "document", "name_ja": "事業支援計画書"}, "事業支援計画書"),
        ({"kind": "joint_applicant", "name_ja": "IT導入支援事業者"}, "IT導入支援事業者"),
    ],
)
def test_what_the_sme_must_arrange_is_listed_not_refused(rule: dict[str, Any], words: str) -> None:
    result = evaluate(ProgrammeFactory(eligibility=[rule]), _org())
    assert result.eligible and [r.kind for r in result.to_arrange] == [rule["kind"]]
    assert words in result.to_arrange[0].reason


def test_bad_rules_are_refused_in_the_admin() -> None:
    assert rule_problems([{"kind": "size_class", "in": ["mid"]}, {"kind": "nope"}, {"kind": "partner"}]) == [
        "rule 0: size classes are small, sme, large",
        "rule 1: unknown kind 'nope'",
        "rule 2: partner needs a non-empty list 'any_of'",
    ]
    assert rule_problems([{"kind": "region", "in": ["04"]}]) == []


def test_the_next_deadline_is_the_nearest_open_round() -> None:
    programme = ProgrammeFactory()
    today = dt.date(2026, 12, 4)
    RoundFactory(programme=programme, opens_on=dt.date(2026, 1, 1), closes_on=dt.date(2026, 6, 30))
    RoundFactory(programme=programme, opens_on=dt.date(2026, 12, 1), closes_on=dt.date(2027, 2, 15))
    RoundFactory(programme=programme, opens_on=dt.date(2027, 4, 1), closes_on=dt.date(2027, 6, 1))
    assert evaluate(programme, _org(), today=today).next_deadline == dt.date(2027, 2, 15)


def test_a_need_lists_the_programmes_for_its_category_eligible_first(owner: User, owner_api: APIClient) -> None:
    sme = owner.memberships.get().organisation
    for field, value in {"industry": "manufacturing", "capital_jpy": 10_000_000, "employees": 10}.items():
        setattr(sme, field, value)
    sme.save()
    ProgrammeFactory(
        code="small-only", need_categories=["dx.it_tools"], eligibility=[{"kind": "size_class", "in": ["small"]}]
    )
    ProgrammeFactory(code="tokyo-only", need_categories=["dx.it_tools"], eligibility=[{"kind": "region", "in": ["13"]}])
    ProgrammeFactory(code="other-topic", need_categories=["finance.cashflow"])
    ProgrammeFactory(code="miyagi", prefecture="04", need_categories=[])
    ProgrammeFactory(code="osaka", prefecture="27", need_categories=[])
    need = NeedFactory(organisation=sme, category="dx.it_tools")

    eligible = owner_api.get(f"/api/v1/needs/{need.pk}/programmes/").json()
    assert [r["programme"]["code"] for r in eligible] == ["miyagi", "small-only"] or [
        r["programme"]["code"] for r in eligible
    ] == ["small-only", "miyagi"]
    every = owner_api.get(f"/api/v1/needs/{need.pk}/programmes/?all=true").json()
    failing = {r["programme"]["code"]: r for r in every if not r["eligible"]}
    assert set(failing) == {"tokyo-only"} and failing["tokyo-only"]["failed"][0]["rule"] == "region"
