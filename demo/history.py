"""A believable past for the demo: ten months of introductions and their outcomes.

Without history the bureau dashboard of a fresh demo would show empty
funnels. This walks a deterministic sample of the engine's recommendations
through the lifecycle (request → accept / decline / expire → engagement →
deal or not), with timestamps spread over the past months. It writes the
rows directly, with the system as actor, because the candidates of the demo
market have no logins; real introductions always go through the services in
matching.services.introductions.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ExpertProfile, Membership
from matching.models import Engagement, Introduction, IntroductionEvent, Outcome, Recommendation

State = Introduction.State
DEMO_NOTE = "demo history"


def _event(intro: Introduction, frm: str, to: str, side: str, when: datetime) -> IntroductionEvent:
    event = IntroductionEvent.objects.create(
        introduction=intro, actor_side=side, from_state=frm, to_state=to, note=DEMO_NOTE
    )
    # auto_now_add cannot be overridden on create: backdate afterwards. Past events count as
    # notified, or the outbox sweep would e-mail the whole demo history.
    IntroductionEvent.objects.filter(pk=event.pk).update(created_at=when, notified_at=when)
    return event


@transaction.atomic
def demo_history_build(*, seed: int = 20261123, sample: int = 260) -> Counter[str]:
    """Create past introductions from recommendations; returns the count per final state."""
    if Introduction.objects.exists():
        return Counter()
    rng = random.Random(seed)
    now = timezone.now()
    persona_orgs = set(Membership.objects.values_list("organisation_id", flat=True))
    persona_experts = set(ExpertProfile.objects.filter(user__isnull=False).values_list("pk", flat=True))
    recommendations = [
        r
        for r in Recommendation.objects.select_related("need", "opportunity").order_by("query_key", "rank")
        if r.query_organisation_id not in persona_orgs
        and r.expert_id not in persona_experts
        and r.organisation_id not in persona_orgs
    ]
    rng.shuffle(recommendations)
    free: dict[int, int] = {e.pk: max(e.capacity - e.active_engagements, 0) for e in ExpertProfile.objects.all()}
    counts: Counter[str] = Counter()
    for rec in recommendations[:sample]:
        created = now - timedelta(days=rng.uniform(3, 300), hours=rng.uniform(0, 23))
        intro = Introduction(
            need=rec.need,
            opportunity=rec.opportunity,
            expert_id=rec.expert_id,
            organisation_id=rec.organisation_id,
            rank=rec.rank,
            score=rec.score,
            model_version=rec.model_version,
            policy=rec.policy,
        )
        intro.fill_keys()
        intro.save()
        # Better-ranked proposals are requested and accepted more often: the pattern
        # the dashboard's "acceptance by rank" table is there to show.
        final: str
        if rng.random() > 0.75 - 0.04 * rec.rank:
            final, times = (State.DISMISSED if rng.random() < 0.3 else State.PROPOSED), {}
        else:
            requested = created + timedelta(hours=rng.uniform(1, 72))
            times = {"requested_at": requested}
            _event(intro, State.PROPOSED, State.REQUESTED, "requester", requested)
            roll = rng.random()
            answered = requested + timedelta(hours=rng.lognormvariate(3.3, 0.8))
            if requested > now - timedelta(days=3):
                final = State.REQUESTED
            elif roll < 0.12 or answered > requested + timedelta(days=14):
                final = State.EXPIRED
                _event(intro, State.REQUESTED, State.EXPIRED, "system", requested + timedelta(days=14))
            elif roll < 0.35 + 0.03 * rec.rank:
                final = State.DECLINED
                times["answered_at"] = answered
                _event(intro, State.REQUESTED, State.DECLINED, "candidate", answered)
            else:
                final = _accepted_path(rng, intro, answered, now, free, times)
        Introduction.objects.filter(pk=intro.pk).update(
            status=final, created_at=created, updated_at=max([created, *times.values()]), **times
        )
        counts[final] += 1
    counts.update(_persona_request())
    return counts


def _persona_request() -> Counter[str]:
    """The demo SME asks the demo expert for help, so the expert's inbox has a request to answer."""
    from matching.services.introductions import recommendation_request

    expert = ExpertProfile.objects.filter(user__isnull=False).first()
    membership = Membership.objects.filter(organisation__kind="sme").select_related("user").first()
    if expert is None or membership is None:
        return Counter()
    recommendation = (
        Recommendation.objects.filter(expert=expert, need__organisation_id=membership.organisation_id)
        .order_by("rank")
        .first()
    )
    if recommendation is None:
        return Counter()
    recommendation_request(
        actor=membership.user, recommendation=recommendation, message="ご相談させていただけますと幸いです。"
    )
    return Counter({State.REQUESTED: 1})


def _accepted_path(
    rng: random.Random,
    intro: Introduction,
    accepted: datetime,
    now: datetime,
    free: dict[int, int],
    times: dict[str, datetime],
) -> str:
    times["answered_at"] = accepted
    _event(intro, State.REQUESTED, State.ACCEPTED, "candidate", accepted)
    started = accepted + timedelta(days=rng.uniform(1, 10))
    closed = started + timedelta(days=rng.uniform(14, 90))
    still_open = closed > now and (intro.expert_id is None or free.get(intro.expert_id, 0) > 0)
    if still_open and intro.expert_id is not None:
        free[intro.expert_id] -= 1
    engagement = Engagement.objects.create(
        introduction=intro,
        expert_id=intro.expert_id,
        organisation_id=intro.organisation_id,
        accepted_at=accepted,
        started_at=started if started < now else None,
        closed_at=None if still_open else min(closed, now),
    )
    if still_open:
        if engagement.started_at is None:
            return State.ACCEPTED
        _event(intro, State.ACCEPTED, State.ENGAGED, "requester", started)
        return State.ENGAGED
    closed = min(closed, now)
    _event(intro, State.ACCEPTED, State.ENGAGED, "requester", started)
    deal = rng.random() < 0.55
    final = State.COMPLETED if deal else State.NO_DEAL
    _event(intro, State.ENGAGED, final, "requester", closed)
    times["closed_at"] = closed
    Outcome.objects.create(
        introduction=intro,
        side=Outcome.Side.REQUESTER,
        deal=deal,
        value_jpy=rng.choice([300_000, 800_000, 1_500_000, 3_000_000, 12_000_000]) if deal else None,
        feedback=rng.choice([3, 4, 4, 5, 5]) if deal else rng.choice([2, 3, 3, 4]),
        comment="",
    )
    return final
