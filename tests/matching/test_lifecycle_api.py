"""The whole introduction lifecycle through the API, for both kinds of query."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail

from accounts.models import ExpertProfile, Organisation, User
from matching import tasks
from matching.models import Engagement, Introduction, IntroductionEvent, Notification, Outcome
from tests.clients import api_client as client_for

pytestmark = pytest.mark.django_db


def _recs(api: Any, url: str) -> dict[str, dict[str, Any]]:
    response = api.get(url)
    assert response.status_code == 200, response.json()
    return {f"{r['candidate']['kind']}:{r['candidate']['id']}": r for r in response.json()["results"]}


def _post(run: Any, api: Any, url: str, data: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    response = run(api.post, url, data or {}, format="json")
    assert response.status_code == status, response.json()
    return response.json()


def _events(intro_id: int) -> list[tuple[str, str, str]]:
    return list(
        IntroductionEvent.objects.filter(introduction_id=intro_id)
        .order_by("id")
        .values_list("from_state", "to_state", "actor_side")
    )


def _inbox(user: User) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_it_carries_an_sme_need_to_experts_through_every_state(
    run: Any, owner_api: Any, owner: User, teammate: User, outsider_api: Any, experts: list[ExpertProfile]
) -> None:
    mail.outbox.clear()
    created = run(
        owner_api.post,
        "/api/v1/needs/",
        {"title": "紙の生産管理をデジタル化したい", "description": "在庫管理のデジタル化", "status": "open"},
        format="json",
    )
    assert created.status_code == 201
    need_id = created.json()["id"]
    recs_url = f"/api/v1/needs/{need_id}/recommendations/"

    # The on_commit hook refreshed recommendations without any manual step.
    recs = _recs(owner_api, recs_url)
    assert {f"expert:{e.pk}" for e in experts} <= set(recs)
    assert all(r["reasons"] and r["model_version"] == "untrained" for r in recs.values())
    assert outsider_api.get(recs_url).status_code == 404
    assert client_for(experts[0].user).get(recs_url).status_code == 404

    a, b, c, d = (client_for(e.user) for e in experts)
    rec_a, rec_b, rec_c, rec_d = (recs[f"expert:{e.pk}"] for e in experts)

    # Happy path: request → accept → start → close with a deal → outcomes from both sides.
    intro = _post(run, owner_api, f"/api/v1/recommendations/{rec_a['id']}/request/", {"message": "ぜひ"}, 201)
    ia = intro["id"]
    assert intro["status"] == "requested" and intro["contacts"] is None
    assert _inbox(experts[0].user) == ["introduction_requested"]
    assert [m.to for m in mail.outbox] == [[experts[0].user.email]]
    assert outsider_api.get(f"/api/v1/introductions/{ia}/").status_code == 404
    assert [i["id"] for i in a.get("/api/v1/introductions/?role=candidate").json()["results"]] == [ia]
    # Only the candidate answers; the requester cannot accept its own request.
    assert _post(run, owner_api, f"/api/v1/introductions/{ia}/accept/", status=403)["message"]
    assert b.get(f"/api/v1/introductions/{ia}/").status_code == 404

    accepted = _post(run, a, f"/api/v1/introductions/{ia}/accept/", {"message": "お受けします"})
    assert accepted["status"] == "accepted" and accepted["contacts"]["candidate"]["email"] == experts[0].user.email
    assert sorted(_inbox(owner)) == ["introduction_accepted"] and _inbox(teammate) == ["introduction_accepted"]
    assert Engagement.objects.get(introduction_id=ia).closed_at is None

    assert _post(run, owner_api, f"/api/v1/introductions/{ia}/start/")["status"] == "engaged"
    assert _post(run, a, f"/api/v1/introductions/{ia}/close/", {"deal": True})["status"] == "completed"
    assert Engagement.objects.get(introduction_id=ia).closed_at is not None
    _post(run, owner_api, f"/api/v1/introductions/{ia}/outcome/", {"deal": True, "value_jpy": 1_200_000, "feedback": 5})
    _post(run, a, f"/api/v1/introductions/{ia}/outcome/", {"deal": True, "feedback": 4, "comment": "良い案件"})
    assert Outcome.objects.filter(introduction_id=ia).count() == 2
    bad = owner_api.post(f"/api/v1/introductions/{ia}/outcome/", {"deal": True, "feedback": 9}, format="json")
    assert bad.status_code == 400
    assert _events(ia) == [
        ("", "proposed", "requester"),
        ("proposed", "requested", "requester"),
        ("requested", "accepted", "candidate"),
        ("accepted", "engaged", "requester"),
        ("engaged", "completed", "candidate"),
    ]

    # Decline with a message.
    ib = _post(run, owner_api, f"/api/v1/recommendations/{rec_b['id']}/request/", {}, 201)["id"]
    declined = _post(run, b, f"/api/v1/introductions/{ib}/decline/", {"message": "今は手一杯です"})
    assert declined["status"] == "declined" and declined["answer_message"] == "今は手一杯です"
    assert _events(ib)[-1] == ("requested", "declined", "candidate")
    assert _inbox(owner)[-1] == "introduction_declined"
    # Declined is final: a second answer is refused with a clear error.
    refused = _post(run, b, f"/api/v1/introductions/{ib}/accept/", status=400)
    assert refused["extra"]["code"] == "invalid_state"
    assert "辞退" in refused["message"]  # the message names the current state, in the user's language

    # Withdrawal by the requester tells the candidate.
    ic = _post(run, owner_api, f"/api/v1/recommendations/{rec_c['id']}/request/", {}, 201)["id"]
    assert _post(run, c, f"/api/v1/introductions/{ic}/withdraw/", status=403)
    assert _post(run, owner_api, f"/api/v1/introductions/{ic}/withdraw/")["status"] == "withdrawn"
    assert _inbox(experts[2].user) == ["introduction_requested", "introduction_withdrawn"]

    # Reminder after 3 days, expiry after 14; both idempotent.
    id_ = _post(run, owner_api, f"/api/v1/recommendations/{rec_d['id']}/request/", {}, 201)["id"]
    now = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(now + dt.timedelta(days=4)):
        assert run(tasks.introductions_remind.delay).get() == 1
        assert run(tasks.introductions_remind.delay).get() == 0
        assert run(tasks.introductions_expire.delay).get() == 0
    assert _inbox(experts[3].user) == ["introduction_requested", "introduction_reminder"]
    with time_machine.travel(now + dt.timedelta(days=15)):
        assert run(tasks.introductions_expire.delay).get() == 1
        assert run(tasks.introductions_expire.delay).get() == 0
    assert d.get(f"/api/v1/introductions/{id_}/").json()["status"] == "expired"
    assert _events(id_)[-1] == ("requested", "expired", "system")
    assert _inbox(experts[3].user)[-1] == "introduction_expired"
    assert _inbox(owner)[-1] == "introduction_expired"

    # The requester's list shows everything, filterable by state; each email was sent once.
    listed = owner_api.get("/api/v1/introductions/?state=expired").json()["results"]
    assert [i["id"] for i in listed] == [id_]
    assert len(mail.outbox) == Notification.objects.count()
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_it_carries_a_buyer_opportunity_to_sme_suppliers(
    run: Any, buyer_api: Any, buyer: User, owner_api: Any, owner: User, outsider_api: Any, suppliers: list[Organisation]
) -> None:
    created = run(
        buyer_api.post,
        "/api/v1/opportunities/",
        {"title": "半導体製造装置部品の精密加工先募集", "description": "ステンレス精密切削", "status": "open"},
        format="json",
    )
    assert created.status_code == 201
    url = f"/api/v1/opportunities/{created.json()['id']}/recommendations/"
    recs = _recs(buyer_api, url)
    assert {f"sme:{s.pk}" for s in suppliers} <= set(recs)
    assert owner_api.get(url).status_code == 404
    members = [client_for(s.memberships.first().user) for s in suppliers]
    rec_ids = [recs[f"sme:{s.pk}"]["id"] for s in suppliers]

    # The owner's SME accepts; contacts become visible to both.
    i0 = _post(run, buyer_api, f"/api/v1/recommendations/{rec_ids[0]}/request/", {"message": "見積依頼"}, 201)["id"]
    assert _inbox(owner) == ["introduction_requested"]
    seen = owner_api.get(f"/api/v1/introductions/{i0}/").json()
    assert seen["my_sides"] == ["candidate"] and seen["contacts"] is None
    accepted = _post(run, owner_api, f"/api/v1/introductions/{i0}/accept/")
    assert accepted["contacts"]["candidate"]["email"] == suppliers[0].contact_email
    assert accepted["contacts"]["requester"]["person"]["email"] == buyer.email
    assert _inbox(buyer) == ["introduction_accepted"]
    _post(run, buyer_api, f"/api/v1/introductions/{i0}/start/")
    assert _post(run, owner_api, f"/api/v1/introductions/{i0}/close/", {"deal": False})["status"] == "no_deal"
    _post(run, owner_api, f"/api/v1/introductions/{i0}/outcome/", {"deal": False, "feedback": 3})

    # Decline, withdrawal, expiry and dismissal.
    i1 = _post(run, buyer_api, f"/api/v1/recommendations/{rec_ids[1]}/request/", {}, 201)["id"]
    _post(run, members[1], f"/api/v1/introductions/{i1}/decline/", {"message": "対応不可"})
    i2 = _post(run, buyer_api, f"/api/v1/recommendations/{rec_ids[2]}/request/", {}, 201)["id"]
    _post(run, buyer_api, f"/api/v1/introductions/{i2}/withdraw/", {"message": "社内で解決"})
    i3 = _post(run, buyer_api, f"/api/v1/recommendations/{rec_ids[3]}/request/", {}, 201)["id"]
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=15)):
        assert run(tasks.introductions_expire.delay).get() == 1
    dismissed = _post(
        run, buyer_api, f"/api/v1/recommendations/{recs[f'sme:{suppliers[0].pk}']['id']}/dismiss/", status=400
    )
    # Already requested: dismiss applies to proposals only.
    assert dismissed["extra"]["code"] == "invalid_state"
    assert dismissed["message"]

    states = dict(Introduction.objects.values_list("id", "status"))
    assert [states[i] for i in (i0, i1, i2, i3)] == ["no_deal", "declined", "withdrawn", "expired"]
    assert [e[1] for e in _events(i1)] == ["proposed", "requested", "declined"]
    assert [e[1] for e in _events(i2)] == ["proposed", "requested", "withdrawn"]
    assert [e[1] for e in _events(i3)] == ["proposed", "requested", "expired"]
    assert _inbox(buyer) == [
        "introduction_accepted",
        "introduction_engaged",
        "introduction_no_deal",
        "introduction_declined",
        "introduction_expired",
    ]
    supplier3 = suppliers[3].memberships.first().user
    assert _inbox(supplier3) == ["introduction_requested", "introduction_expired"]
    # Outsiders see none of it.
    assert outsider_api.get("/api/v1/introductions/").json()["results"] == []
    for intro_id in (i0, i1, i2, i3):
        assert outsider_api.get(f"/api/v1/introductions/{intro_id}/").status_code == 404
        assert outsider_api.post(f"/api/v1/introductions/{intro_id}/withdraw/").status_code == 404


def test_it_dismisses_a_proposal_privately(run: Any, owner_api: Any, experts: list[ExpertProfile]) -> None:
    need_id = run(owner_api.post, "/api/v1/needs/", {"title": "DX", "status": "open"}, format="json").json()["id"]
    rec = _recs(owner_api, f"/api/v1/needs/{need_id}/recommendations/")[f"expert:{experts[1].pk}"]
    dismissed = _post(run, owner_api, f"/api/v1/recommendations/{rec['id']}/dismiss/")
    assert dismissed["status"] == "dismissed"
    assert _recs(owner_api, f"/api/v1/needs/{need_id}/recommendations/")[f"expert:{experts[1].pk}"]["introduction"] == {
        "id": dismissed["id"],
        "status": "dismissed",
    }
    # The candidate never hears about a proposal.
    assert client_for(experts[1].user).get(f"/api/v1/introductions/{dismissed['id']}/").status_code == 404
    assert Notification.objects.count() == 0
