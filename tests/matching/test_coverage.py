"""Coverage: an open need is covered only by an expert who serves its prefecture, fits it and has room."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import ExpertProfile
from matching import metrics
from opportunities.models import Need
from reference.models import VocabularyTerm
from tests.factories import EngagementFactory, ExpertProfileFactory, IntroductionFactory, NeedFactory

pytestmark = pytest.mark.django_db
EVERYWHERE = metrics.Filters()


def term(section: str, code: str) -> VocabularyTerm:
    return VocabularyTerm.objects.get(section=section, code=code)


def expert(
    *, skills: tuple[str, ...] = (), sectors: tuple[str, ...] = (), regions: tuple[str, ...] = (), **kw: Any
) -> ExpertProfile:
    profile = ExpertProfileFactory(**kw)
    profile.skills.add(*[term("need_categories", c) for c in skills])
    profile.sectors.add(*[term("sectors", c) for c in sectors])
    profile.regions.add(*[term("prefectures", c) for c in regions])
    return profile


def need(*, category: str = "dx.digitization", prefecture: str = "04", sectors: tuple[str, ...] = ()) -> Need:
    row = NeedFactory(category=category, prefecture=prefecture)
    row.sectors.add(*[term("sectors", c) for c in sectors])
    return row


def uncovered() -> set[int]:
    assert metrics.coverage(EVERYWHERE)["uncovered"] == metrics.uncovered_needs(EVERYWHERE).count()
    return set(metrics.uncovered_needs(EVERYWHERE).values_list("pk", flat=True))


def test_a_nationwide_expert_without_the_skill_covers_nothing() -> None:
    """Before, one nationwide expert made the figure 0 whatever they could do."""
    open_need = need()
    expert(skills=("succession.ma",), capacity=5)
    assert uncovered() == {open_need.pk}
    expert(skills=("dx.digitization",), capacity=5)
    assert uncovered() == set()


def test_the_expert_must_serve_the_prefecture() -> None:
    aomori = need(prefecture="02")
    miyagi = need(prefecture="04")
    expert(skills=("dx.digitization",), regions=("04",))
    assert uncovered() == {aomori.pk}
    coverage = metrics.coverage(EVERYWHERE)
    rows = {r["key"]: (r["open_needs"], r["uncovered"]) for r in coverage["by_prefecture"]}
    assert rows == {"02": (1, 1), "04": (1, 0)} and miyagi.pk not in uncovered()


def test_a_full_expert_covers_nothing() -> None:
    open_need = need()
    busy = expert(skills=("dx.digitization",), capacity=2, active_engagements=1)
    assert uncovered() == set()
    # One open engagement on the platform fills the last slot; a closed one would not count.
    EngagementFactory(introduction=IntroductionFactory(query=open_need, candidate=busy, status="accepted"))
    assert uncovered() == {open_need.pk}
    ExpertProfile.objects.filter(pk=busy.pk).update(capacity=3)
    assert uncovered() == set()


def test_a_need_without_a_category_needs_a_shared_sector() -> None:
    open_need = need(category="", sectors=("semiconductor",))
    expert(sectors=("aerospace",))
    assert uncovered() == {open_need.pk}
    expert(sectors=("semiconductor", "automotive"))
    assert uncovered() == set()


def test_a_need_with_neither_category_nor_sector_takes_any_expert_with_room() -> None:
    open_need = need(category="")
    assert uncovered() == {open_need.pk}
    expert()
    assert uncovered() == set()


def test_the_expert_type_filter_applies_to_the_suitable_experts() -> None:
    open_need = need()
    expert(skills=("dx.digitization",), expert_type="dx_coordinator")
    assert metrics.coverage(metrics.Filters(expert_type="innovation_producer"))["uncovered"] == 1
    assert metrics.coverage(metrics.Filters(expert_type="dx_coordinator"))["uncovered"] == 0
    assert open_need.pk not in uncovered()


@pytest.mark.parametrize("size", [3, 25])
def test_coverage_runs_a_fixed_number_of_queries(size: int, django_assert_max_num_queries: Any) -> None:
    for i in range(size):
        need(prefecture=f"{(i % 47) + 1:02d}", sectors=("semiconductor",))
        expert(skills=("dx.digitization",), regions=(f"{(i % 47) + 1:02d}",), sectors=("semiconductor",))
    with django_assert_max_num_queries(6):
        metrics.coverage(EVERYWHERE)
    with django_assert_max_num_queries(1):
        list(metrics.uncovered_needs(EVERYWHERE))
