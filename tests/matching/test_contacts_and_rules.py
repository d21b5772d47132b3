"""Contact details appear only from acceptance on; conflicts of interest; capacity; the inbox API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accounts.models import Organisation, User
from matching import metrics
from matching.models import Introduction, Recommendation
from matching.services.scheduling import refresh_schedule
from opportunities.models import Need, Opportunity
from reference.models import VocabularyTerm
from tests.clients import api_client as client_for
from tests.factories import ExpertProfileFactory, NeedFactory, OpportunityFactory, UserFactory, recommend

pytestmark = pytest.mark.django_db


def _every_response(api: Any, intro_id: int, query_url: str | None) -> str:
    bodies = [
        api.get("/api/v1/introductions/").content,
        api.get(f"/api/v1/introductions/{intro_id}/").content,
        api.get("/api/v1/notifications/").content,
    ]
    if query_url:
        bodies.append(api.get(query_url).content)
    return "\n".join(b.decode() for b in bodies)


@pytest.mark.parametrize("flow", ["need_to_expert", "opportunity_to_supplier"])
def test_it_reveals_contacts_only_from_acceptance_on(
    flow: str, run: Any, owner: User, sme: Organisation, buyer: User, buyer_org: Organisation, outsider: User
) -> None:
    owner.phone = "022-111-2222"
    owner.save()
    buyer.phone = "03-3333-4444"
    buyer.save()
    if flow == "need_to_expert":
        query: Need | Opportunity = NeedFactory(organisation=sme)
        expert = ExpertProfileFactory(
            user=UserFactory(email="sensei@example.jp"), contact_email="sensei-office@example.jp", contact_phone="099"
        )
        rec = recommend(query, expert)
        requester, candidate = owner, expert.user
        requester_secrets = [owner.email, owner.phone, sme.contact_email, sme.contact_name, sme.contact_phone]
        candidate_secrets = ["sensei-office@example.jp"]
        query_url = f"/api/v1/needs/{query.pk}/recommendations/"
    else:
        query = OpportunityFactory(organisation=buyer_org)
        rec = recommend(query, sme)
        requester, candidate = buyer, owner
        requester_secrets = [buyer.email, buyer.phone, buyer_org.contact_email, buyer_org.contact_name]
        candidate_secrets = [sme.contact_email, sme.contact_name, sme.contact_phone]
        query_url = f"/api/v1/opportunities/{query.pk}/recommendations/"
    req_api, cand_api, out_api = client_for(requester), client_for(candidate), client_for(outsider)

    def check(intro_id: int, *, visible: bool) -> None:
        seen_by_requester = _every_response(req_api, intro_id, query_url)
        seen_by_candidate = _every_response(cand_api, intro_id, None)
        for secret in candidate_secrets:
            assert (secret in seen_by_requester) is visible, secret
        for secret in requester_secrets:
            assert (secret in seen_by_candidate) is visible, secret
        seen_by_outsider = _every_response(out_api, intro_id, query_url)
        for secret in candidate_secrets + requester_secrets:
            assert secret not in seen_by_outsider
        assert out_api.get(f"/api/v1/introductions/{intro_id}/").status_code == 404
        assert out_api.get(query_url).status_code == 404
        assert json.loads(out_api.get("/api/v1/introductions/").content)["results"] == []

    response = run(req_api.post, f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json")
    intro_id = response.json()["id"]
    check(intro_id, visible=False)
    assert run(cand_api.post, f"/api/v1/introductions/{intro_id}/accept/").status_code == 200
    check(intro_id, visible=True)
    run(req_api.post, f"/api/v1/introductions/{intro_id}/start/")
    check(intro_id, visible=True)
    run(cand_api.post, f"/api/v1/introductions/{intro_id}/close/", {"deal": True}, format="json")
    check(intro_id, visible=True)


def test_it_refuses_an_accept_beyond_capacity_with_a_clear_error(run: Any, owner: User, sme: Organisation) -> None:
    expert = ExpertProfileFactory(capacity=1, active_engagements=0)
    api, expert_api = client_for(owner), client_for(expert.user)
    intro_ids = []
    for _ in range(2):
        rec = recommend(NeedFactory(organisation=sme), expert)
        intro_ids.append(run(api.post, f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json").json()["id"])
    assert run(expert_api.post, f"/api/v1/introductions/{intro_ids[0]}/accept/").status_code == 200
    refused = run(expert_api.post, f"/api/v1/introductions/{intro_ids[1]}/accept/")
    assert refused.status_code == 400
    assert "受入可能数" in refused.json()["message"] and refused.json()["extra"]["code"] == "capacity_reached"
    # Closing the engagement frees the capacity.
    run(api.post, f"/api/v1/introductions/{intro_ids[0]}/start/")
    run(api.post, f"/api/v1/introductions/{intro_ids[0]}/close/", {"deal": False}, format="json")
    assert run(expert_api.post, f"/api/v1/introductions/{intro_ids[1]}/accept/").status_code == 200


def test_it_never_recommends_nor_introduces_a_declared_conflict(
    run: Any, owner: User, sme: Organisation, expert_user: User
) -> None:
    expert = expert_user.expert_profile
    other = ExpertProfileFactory()
    need = NeedFactory(organisation=sme)
    rec = recommend(need, expert)
    expert_api = client_for(expert_user)
    created = run(
        expert_api.post, "/api/v1/conflicts/", {"organisation": sme.pk, "reason": "親族の会社"}, format="json"
    )
    assert created.status_code == 201
    assert [c["organisation"] for c in expert_api.get("/api/v1/conflicts/").json()["results"]] == [sme.pk]
    assert client_for(owner).get(f"/api/v1/conflicts/{created.json()['id']}/").status_code == 404
    assert not Recommendation.objects.filter(pk=rec.pk).exists()

    # Whatever the engine scores, the refresh drops the pair.
    run(lambda: refresh_schedule(kind="need", target="expert"))
    keys = set(Recommendation.objects.filter(need=need).values_list("candidate_key", flat=True))
    assert f"expert:{other.pk}" in keys and f"expert:{expert.pk}" not in keys

    # And a stale recommendation cannot be turned into an introduction.
    stale = recommend(need, expert, rank=2)
    refused = run(client_for(owner).post, f"/api/v1/recommendations/{stale.pk}/request/", {}, format="json")
    assert refused.status_code == 400 and refused.json()["extra"]["code"] == "conflict"
    assert not Introduction.objects.filter(expert=expert).exists()
    assert run(expert_api.delete, f"/api/v1/conflicts/{created.json()['id']}/").status_code == 204


def test_it_lists_and_marks_notifications_read(run: Any, owner: User, sme: Organisation, outsider: User) -> None:
    expert = ExpertProfileFactory()
    rec = recommend(NeedFactory(organisation=sme), expert)
    run(client_for(owner).post, f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json")
    api = client_for(expert.user)
    inbox = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["kind"] for n in inbox] == ["introduction_requested"]
    assert client_for(outsider).post(f"/api/v1/notifications/{inbox[0]['id']}/read/").status_code == 404
    assert api.post(f"/api/v1/notifications/{inbox[0]['id']}/read/").json()["read_at"]
    assert api.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_it_computes_dashboard_metrics(run: Any, owner: User, sme: Organisation) -> None:
    experts = [ExpertProfileFactory(capacity=5) for _ in range(3)]
    api = client_for(owner)
    ids = []
    for rank, expert in enumerate(experts, start=1):
        rec = recommend(NeedFactory(organisation=sme, prefecture="04"), expert, rank=rank)
        ids.append(run(api.post, f"/api/v1/recommendations/{rec.pk}/request/", {}, format="json").json()["id"])
    run(client_for(experts[0].user).post, f"/api/v1/introductions/{ids[0]}/accept/")
    run(client_for(experts[1].user).post, f"/api/v1/introductions/{ids[1]}/decline/")

    states = metrics.funnel(metrics.Filters(prefectures=("04",)))["states"]
    assert states["accepted"] == 1 and states["declined"] == 1 and states["requested"] == 1
    everywhere = metrics.Filters()
    assert metrics.funnel(everywhere)["acceptance_rate"] == 0.5
    responsiveness = metrics.responsiveness(everywhere)
    assert responsiveness["expired_share"] == 0.0 and responsiveness["median_hours"] is not None
    by_rank = metrics.quality(everywhere)["by_rank"]
    assert [(r["rank"], r["rate"]) for r in by_rank] == [(1, 1.0), (2, 0.0)]
    NeedFactory(organisation=sme, prefecture="47")
    # Nobody has the needs' skill yet: every open need lacks a suitable expert.
    assert metrics.coverage(everywhere)["uncovered"] == metrics.coverage(everywhere)["open_needs"] == 4
    experts[2].skills.add(VocabularyTerm.objects.get(section="need_categories", code="dx.digitization"))
    coverage = metrics.coverage(everywhere)
    # Experts without regions serve the whole country.
    assert coverage["uncovered"] == 0 and coverage["open_needs"] >= 4


def test_it_declares_periodic_tasks_that_exist() -> None:
    from config.celery import app

    schedule = app.conf.beat_schedule
    assert {"matching.pending_sweep", "reports.export_jobs_sweep"} <= {e["task"] for e in schedule.values()}
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
    assert all(app.tasks[entry["task"]].acks_late for entry in schedule.values())
