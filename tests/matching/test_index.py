"""The candidate index lifecycle: versions, the delta of changed profiles, stable recommendations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.services import expert_profile_update, organisation_set_vetting
from matching.models import IndexVersion, Recommendation
from matching.selectors import recommendation_list
from matching.services.index import index_build, index_for_ranking
from matching.services.ranking import query_rank
from ml.engine import rank_index
from opportunities.models import Need, Opportunity, RecommendationsStatus
from opportunities.services import need_create
from tests.clients import api_client
from tests.factories import (
    ExpertProfileFactory,
    MembershipFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)

pytestmark = pytest.mark.django_db

WELDING = "真空チャンバーの溶接と気密試験（ヘリウムリーク試験）を長年指導してきました。"
UNRELATED = "釣り具の小売店で接客と販売促進を担当しています。"


def _experts(*bios: str) -> list[Any]:
    return [ExpertProfileFactory(bio=bio, user=UserFactory()) for bio in bios]


def _ranked_experts(need: Need) -> list[int]:
    return list(recommendation_list(query=need).values_list("expert_id", flat=True))


def test_an_edited_profile_is_ranked_through_the_delta_before_any_rebuild(owner: User, run: Callable[..., Any]) -> None:
    fisher, *_others = _experts(UNRELATED, "経理の電子化を支援します。", "採用と人材育成の相談に乗ります。")
    index_build(kind="expert", reason="test")
    expert_profile_update(profile=fisher, data={"bio": WELDING})

    need = run(need_create, actor=owner, data={"title": "真空チャンバーの溶接で漏れが出る", "status": "open"})

    assert _ranked_experts(need)[0] == fisher.pk
    assert IndexVersion.objects.filter(kind="expert").count() == 1  # found through the delta, no rebuild
    need.refresh_from_db()
    assert need.recommendations_status == RecommendationsStatus.READY and need.recommendations_at is not None


def test_a_deleted_profile_never_comes_back(owner: User) -> None:
    welder, other = _experts(WELDING, "経理の電子化を支援します。")
    index_build(kind="expert", reason="test")
    welder_id = welder.pk
    welder.delete()
    need = NeedFactory(organisation=owner.memberships.get().organisation, title="真空チャンバーの溶接", status="open")

    query_rank(kind="need", query_id=need.pk)

    assert welder_id not in _ranked_experts(need)
    assert other.pk in _ranked_experts(need)


def test_a_recommendation_keeps_its_id_and_a_stale_one_gets_a_clear_answer(
    owner: User, settings: Any, run: Callable[..., Any]
) -> None:
    settings.MATCHING_TOP_K = 1
    first, second = _experts(WELDING, UNRELATED)
    index_build(kind="expert", reason="test")
    need = NeedFactory(organisation=owner.memberships.get().organisation, title="真空チャンバーの溶接", status="open")
    query_rank(kind="need", query_id=need.pk)
    shown = Recommendation.objects.get(need=need, is_current=True)
    assert shown.expert_id == first.pk

    query_rank(kind="need", query_id=need.pk)  # ranking again keeps the row (and its id)
    assert Recommendation.objects.get(need=need, is_current=True).pk == shown.pk

    expert_profile_update(profile=first, data={"bio": UNRELATED})
    expert_profile_update(profile=second, data={"bio": WELDING})
    query_rank(kind="need", query_id=need.pk)
    shown.refresh_from_db()
    assert shown.is_current is False  # kept, so an older page's id still resolves
    assert Recommendation.objects.get(need=need, is_current=True).expert_id == second.pk

    response = run(api_client(owner).post, f"/api/v1/recommendations/{shown.pk}/request/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["code"] == "stale_recommendation"
    assert "最新ではありません" in response.json()["message"]


def test_a_revoked_organisation_cannot_be_requested_for_a_restricted_opportunity(buyer: User) -> None:
    opportunity = OpportunityFactory(organisation=buyer.memberships.get().organisation, restricted=True)
    supplier = OrganisationFactory(kind=Organisation.Kind.SME, vetting_status=Organisation.Vetting.VETTED)
    rec = recommend(opportunity, supplier)
    assert list(recommendation_list(query=opportunity)) == [rec]

    staff = UserFactory(is_staff=True)
    organisation_set_vetting(
        organisation=supplier,
        actor=staff,
        status=Organisation.Vetting.REJECTED,
        reason=Organisation.VettingReason.SECURITY_CONCERN,
    )

    assert list(recommendation_list(query=opportunity)) == []  # takes effect at read time, no refresh needed
    response = api_client(buyer).post(f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["code"] == "not_vetted"


def test_a_version_swap_during_ranking_is_safe(owner: User) -> None:
    _experts(WELDING, UNRELATED)
    first = index_build(kind="expert", reason="test")
    held = index_for_ranking(kind="expert")  # a ranker that loaded the first version
    second = index_build(kind="expert", reason="test")

    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert Path(first.path, "meta.json").exists()  # kept while a ranker may still hold it
    query = {"id": "q", "kind": "need", "owner": "nobody", "target": "expert", "title": "真空チャンバーの溶接"}
    old = rank_index(held.main, [query], top=2, policy="relevance")
    assert len(old[0]["results"]) == 2
    assert index_for_ranking(kind="expert").version.pk == second.pk

    third = index_build(kind="expert", reason="test")
    first.refresh_from_db()
    assert third.is_active and first.path == "" and not Path(held.main.path).exists()  # two versions kept


def test_a_closed_need_keeps_its_rows_none_current(owner: User) -> None:
    _experts(WELDING)
    need = NeedFactory(organisation=owner.memberships.get().organisation, title="溶接", status="open")
    query_rank(kind="need", query_id=need.pk)
    assert Recommendation.objects.filter(need=need, is_current=True).exists()
    Need.objects.filter(pk=need.pk).update(status="closed", closed_at=timezone.now())

    query_rank(kind="need", query_id=need.pk)

    assert Recommendation.objects.filter(need=need).exists()
    assert not Recommendation.objects.filter(need=need, is_current=True).exists()


def test_a_buyer_posting_an_opportunity_sees_pending_then_ready(
    buyer: User, django_capture_on_commit_callbacks: Any
) -> None:
    MembershipFactory(organisation=OrganisationFactory(kind=Organisation.Kind.SME, description=WELDING))
    api = api_client(buyer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = api.post("/api/v1/opportunities/", {"title": "溶接の協力工場", "status": "open"}, format="json")
    assert created.status_code == 201
    assert created.json()["recommendations_status"] == "pending"
    for callback in callbacks:
        callback()
    body = api.get(f"/api/v1/opportunities/{created.json()['id']}/").json()
    assert body["recommendations_status"] == "ready" and body["recommendations_at"]
    assert Opportunity.objects.get().recommendations_status == RecommendationsStatus.READY


def test_the_settings_check_refuses_a_visibility_timeout_below_the_training_limit(settings: Any) -> None:
    from matching.apps import matching_settings_check

    assert not [e for e in matching_settings_check(None) if e.id == "matching.E003"]
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    assert [e.id for e in matching_settings_check(None)] == ["matching.E003"]


def test_a_market_rerank_written_in_chunks_keeps_ids_and_marks_dropped_rows(
    owner: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matching.services import ranking
    from matching.services.recommendations import refresh_job_run
    from matching.services.scheduling import refresh_schedule

    monkeypatch.setattr(ranking, "UPSERT_CHUNK", 2)  # five needs: three transactions
    settings.MATCHING_TOP_K = 1
    welder, _fisher = _experts(WELDING, UNRELATED)
    organisation = owner.memberships.get().organisation
    needs = [NeedFactory(organisation=organisation, title="真空チャンバーの溶接", status="open") for _ in range(5)]

    first = refresh_job_run(job_id=refresh_schedule(kind="need", target="expert").pk)
    assert first.state == "done" and first.recommendations == 5
    ids = {need.pk: Recommendation.objects.get(need=need, is_current=True).pk for need in needs}

    refresh_job_run(job_id=refresh_schedule(kind="need", target="expert", reason="again").pk)
    assert {n.pk: Recommendation.objects.get(need=n, is_current=True).pk for n in needs} == ids

    expert_profile_update(profile=welder, data={"bio": UNRELATED, "capacity": 0})
    refresh_job_run(job_id=refresh_schedule(kind="need", target="expert", reason="third").pk)
    kept = Recommendation.objects.filter(pk__in=ids.values())
    assert kept.count() == 5  # no row deleted
    assert all(n.recommendations_status == RecommendationsStatus.READY for n in Need.objects.filter(pk__in=ids))


def test_the_sweep_resends_a_lost_ranking_and_fails_and_reruns_a_dead_refresh(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from matching.models import RefreshJob
    from matching.services.scheduling import pending_sweep

    _experts(WELDING)
    need = NeedFactory(organisation=owner.memberships.get().organisation, title="真空チャンバーの溶接", status="open")
    long_ago = timezone.now() - timedelta(hours=2)
    Need.objects.filter(pk=need.pk).update(recommendations_status=RecommendationsStatus.PENDING, updated_at=long_ago)
    fresh = NeedFactory(organisation=need.organisation, title="溶接", status="open")
    Need.objects.filter(pk=fresh.pk).update(recommendations_status=RecommendationsStatus.PENDING)
    # A group that ranks no need (re-ranking need→expert would rank `fresh` too).
    dead = RefreshJob.objects.create(
        kind="opportunity", target="sme", state=RefreshJob.State.RUNNING, started_at=long_ago
    )
    alive = RefreshJob.objects.create(
        kind="need", target="buyer", state=RefreshJob.State.RUNNING, started_at=timezone.now()
    )

    # Another group (re-ranking need→expert would rank `fresh` too); its message never reached a worker.
    lost = RefreshJob.objects.create(kind="opportunity", target="expert")
    RefreshJob.objects.filter(pk=lost.pk).update(created_at=long_ago)

    # Eager Celery: the re-sent ranking and refresh run at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert pending_sweep() == {"resent": 1, "refreshes_resent": 1, "failed_jobs": 1}

    need.refresh_from_db()
    fresh.refresh_from_db()
    assert need.recommendations_status == RecommendationsStatus.READY
    assert fresh.recommendations_status == RecommendationsStatus.PENDING  # still within its grace period
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == RefreshJob.State.FAILED and "time limit" in dead.error
    rerun = RefreshJob.objects.filter(kind="opportunity", target="sme").exclude(pk=dead.pk).get()
    assert rerun.state == RefreshJob.State.DONE and "worker died" in rerun.reason
    assert alive.state == RefreshJob.State.RUNNING
    lost.refresh_from_db()
    assert lost.state == RefreshJob.State.DONE


def test_saving_a_query_in_the_web_process_does_not_load_the_engine() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); import config.urls; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import matching.apps, matching.services.scheduling; "
        "print(sorted(m for m in ('ml.engine', 'scipy', 'sklearn', 'matching.services.ranking') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_the_delta_carries_a_hidden_background_and_returns_only_changed_profiles(
    owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delta of one row alone gives every word the idf of a one-document corpus (BM25 ~0.3 instead of ~14
    for a rare word at 1M rows): unchanged profiles are built in beside it and never returned."""
    from matching.services import index as index_services

    monkeypatch.setattr(index_services, "DELTA_BACKGROUND", 150)
    filler = ["経理の電子化を支援します。", "採用と人材育成の相談に乗ります。", "販路開拓と展示会出展の助言をします。"]
    for i in range(150):
        ExpertProfileFactory(bio=filler[i % 3], user=UserFactory())
    rivals = [
        ExpertProfileFactory(bio="医療機器のレーザー加工と品質管理を指導します。", user=UserFactory()) for _ in range(6)
    ]
    edited = ExpertProfileFactory(bio=filler[0], user=UserFactory())
    index_build(kind="expert", reason="test")
    expert_profile_update(
        profile=edited,
        data={"bio": "医療機器向けチタン製マイクロ流路チップのレーザー穴あけと極低温プラズマ接合を指導します。"},
    )
    need = NeedFactory(
        organisation=owner.memberships.get().organisation,
        title="医療機器のマイクロ流路チップにレーザー穴あけとプラズマ接合をしたい",
        status="open",
    )

    query_rank(kind="need", query_id=need.pk)

    ranked = _ranked_experts(need)
    assert ranked[0] == edited.pk, (ranked[:5], [r.pk for r in rivals])
    delta = index_for_ranking(kind="expert").delta
    assert delta is not None and delta.hidden is not None and int(delta.hidden.sum()) == 150
    assert int((~delta.hidden).sum()) == 1  # the edited profile is the delta's only returnable row
