"""The introduction lifecycle: one service per transition.

Every transition is atomic, moves the row with a compare-and-set update
(`filter(pk=…, status__in=OLD).update(status=NEW) == 1`) so that of many
concurrent identical requests exactly one wins and writes the event, and
schedules notifications with transaction.on_commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Organisation, User
from core.audit import audit_record, audit_snapshot
from core.exceptions import ApplicationError, PermissionDenied
from core.tasks import task_send_on_commit
from matching import conf
from matching.models import MAX_OUTCOME_VALUE_JPY, Engagement, Introduction, IntroductionEvent, Outcome, Recommendation
from matching.selectors import CANDIDATE, REQUESTER, conflict_exists, introduction_sides, is_own_candidate
from opportunities.models import Opportunity, Status

State = Introduction.State
SYSTEM = "system"

OPEN_STATES = (State.PROPOSED, State.REQUESTED, State.ACCEPTED)
OUTCOME_STATES = (State.ACCEPTED, State.ENGAGED, State.COMPLETED, State.NO_DEAL)


def _schedule_notifications(event: IntroductionEvent) -> None:
    task_send_on_commit("matching.notifications_send_for_event", queue=conf.task_queue(), event_id=event.pk)


def _require_other_side(pair: Introduction | Recommendation) -> None:
    """Refuse a pair that a declared conflict forbids, or that would introduce a side to itself."""
    query_org, expert, organisation = pair.query_organisation_id, pair.expert_id, pair.organisation_id
    if pair.expert is not None and pair.expert.erased_at is not None:
        raise ApplicationError(_("This expert has left the platform."), {"code": "candidate_gone"})
    if is_own_candidate(query_organisation_id=query_org, expert_id=expert, organisation_id=organisation):
        raise ApplicationError(
            _("This candidate belongs to your own organisation; an introduction needs another party."),
            {"code": "own_organisation"},
        )
    if conflict_exists(query_organisation_id=query_org, expert_id=expert, organisation_id=organisation):
        raise ApplicationError(_("A declared conflict of interest forbids this introduction."), {"code": "conflict"})


def _require_vetting(introduction: Introduction) -> None:
    """A restricted opportunity may reach only organisations the bureau vetted, checked now (not at ranking)."""
    opportunity = introduction.opportunity
    if opportunity is None or not opportunity.restricted or introduction.organisation_id is None:
        return
    vetted = Organisation.objects.filter(
        pk=introduction.organisation_id, vetting_status=Organisation.Vetting.VETTED
    ).exists()
    if not vetted:
        raise ApplicationError(
            _("This opportunity is restricted to organisations vetted by the bureau; this one is not (or no longer)."),
            {"code": "not_vetted"},
        )


def _require_side(*, actor: User, introduction: Introduction, side: str) -> str:
    if side not in introduction_sides(user=actor, introduction=introduction):
        if side == REQUESTER:
            raise PermissionDenied(_("Only the side that asked for this introduction can do this."))
        raise PermissionDenied(_("Only the recommended candidate can do this."))
    return side


def _either_side(*, actor: User, introduction: Introduction) -> str:
    sides = introduction_sides(user=actor, introduction=introduction)
    if not sides:
        raise PermissionDenied(_("You are not part of this introduction."))
    return REQUESTER if REQUESTER in sides else CANDIDATE


def _transition(
    *,
    introduction: Introduction,
    from_states: tuple[str, ...],
    to_state: str,
    actor: User | None,
    side: str,
    note: str = "",
    fields: dict[str, Any] | None = None,
) -> IntroductionEvent:
    """Move an introduction to `to_state` if it is still in one of `from_states`; must run inside atomic."""
    # Lock the row so the event records the state we really left (on PostgreSQL);
    # the compare-and-set below is what guarantees a single winner on every backend.
    current = Introduction.objects.select_for_update().filter(pk=introduction.pk).values_list("status", flat=True)
    previous = current.first()
    updated = Introduction.objects.filter(pk=introduction.pk, status__in=from_states).update(
        status=to_state, updated_at=timezone.now(), **(fields or {})
    )
    if updated != 1:
        raise ApplicationError(
            _("This introduction is %(state)s; it cannot become %(target)s.")
            % {"state": State(previous).label if previous else "?", "target": State(to_state).label},
            extra={"code": "invalid_state", "state": previous},
        )
    event = IntroductionEvent.objects.create(
        introduction_id=introduction.pk,
        actor=actor,
        actor_side=side,
        from_state=previous or "",
        to_state=to_state,
        note=note,
    )
    introduction.refresh_from_db()
    _schedule_notifications(event)
    return event


def _query_is_open(introduction: Introduction | Recommendation) -> bool:
    return bool(introduction.query.status == Status.OPEN)


@transaction.atomic
def introduction_propose(*, actor: User, recommendation: Recommendation) -> Introduction:
    """The proposed introduction for a recommendation, created on first use.

    Introductions are created lazily (when the requester requests or dismisses
    a recommendation), not at every refresh: recommendations are rewritten by
    each refresh, whereas an introduction is a durable record of a decision.
    """
    if REQUESTER not in _sides_for_recommendation(actor, recommendation):
        raise PermissionDenied(_("Only the side that owns this need or opportunity can do this."))
    _require_other_side(recommendation)
    existing = Introduction.objects.filter(
        query_key=recommendation.query_key, candidate_key=recommendation.candidate_key
    ).first()
    if existing is not None:
        return existing
    if not recommendation.is_current:
        raise ApplicationError(
            _("This proposal is no longer current: the candidate dropped out of the latest ranking. Reload the page."),
            {"code": "stale_recommendation"},
        )
    introduction = Introduction(
        need_id=recommendation.need_id,
        opportunity_id=recommendation.opportunity_id,
        expert_id=recommendation.expert_id,
        organisation_id=recommendation.organisation_id,
        rank=recommendation.rank,
        score=recommendation.score,
        model_version=recommendation.model_version,
        policy=recommendation.policy,
    )
    introduction.fill_keys()
    try:
        # A savepoint, so that losing the race to a concurrent propose keeps the outer transaction usable.
        with transaction.atomic():
            introduction.save()
    except IntegrityError:
        return Introduction.objects.get(query_key=introduction.query_key, candidate_key=introduction.candidate_key)
    IntroductionEvent.objects.create(
        introduction=introduction, actor=actor, actor_side=REQUESTER, from_state="", to_state=State.PROPOSED
    )
    return introduction


def _sides_for_recommendation(actor: User, recommendation: Recommendation) -> set[str]:
    from accounts.selectors import user_organisation_ids

    return {REQUESTER} if recommendation.query_organisation_id in user_organisation_ids(user=actor) else set()


# A request counts against the need's limit while it waits for an answer or after it was accepted.
LIMITED_STATES = (State.REQUESTED, State.ACCEPTED)


def _require_request_room(introduction: Introduction) -> None:
    """Refuse a request when the need/opportunity already has MATCHING_MAX_OPEN_REQUESTS open ones.

    Must run inside atomic. The query's row is locked first so that two requests
    for the same need made at once are counted one after the other (on
    PostgreSQL; SQLite serialises writers anyway): without the lock both could
    count limit - 1 and both pass.
    """
    query_model = type(introduction.query)
    query_model.objects.select_for_update().filter(pk=introduction.query.pk).values_list("pk", flat=True).first()
    limit = conf.max_open_requests()
    # Only the owner's own requests count: SMEs that said they were interested do not use up its room.
    open_requests = Introduction.objects.filter(
        query_key=introduction.query_key, status__in=LIMITED_STATES, initiated_by=REQUESTER
    ).count()
    if open_requests >= limit:
        raise ApplicationError(
            _(
                "This need or opportunity already has %(open)d open requests (waiting for an answer or accepted), "
                "the most allowed at once. Wait for an answer, or withdraw a request, before asking someone else."
            )
            % {"open": open_requests},
            extra={"code": "too_many_open_requests", "limit": limit, "open": open_requests},
        )


@transaction.atomic
def introduction_request(*, actor: User, introduction: Introduction, message: str = "") -> Introduction:
    _require_side(actor=actor, introduction=introduction, side=REQUESTER)
    if not _query_is_open(introduction):
        raise ApplicationError(_("Only open needs and opportunities can ask for introductions."))
    _require_other_side(introduction)
    _require_vetting(introduction)
    _require_request_room(introduction)
    _ask(introduction, actor=actor, side=REQUESTER, message=message)
    return introduction


def _ask(introduction: Introduction, *, actor: User, side: str, message: str) -> None:
    """Proposed → requested: the asking side (`side`) sends its message; the other side will answer."""
    _transition(
        introduction=introduction,
        from_states=(State.PROPOSED,),
        to_state=State.REQUESTED,
        actor=actor,
        side=side,
        note=message,
        fields={"requested_by": actor, "requested_at": timezone.now(), "request_message": message},
    )


@transaction.atomic
def opportunity_interest(*, actor: User, opportunity: Opportunity, message: str = "") -> Introduction:
    """An SME tells a buyer it wants to supply an open opportunity: a request the buyer answers.

    The caller got `opportunity` through opportunities.selectors.opportunity_get, so the
    SME may see it (restricted ones only when vetted). The same rules as a buyer's request
    apply: not one's own, no declared conflict, vetting for restricted work.
    """
    sme = (
        Organisation.objects.filter(memberships__user=actor, kind=Organisation.Kind.SME)
        .order_by("memberships__created_at")
        .first()
    )
    if sme is None:
        raise PermissionDenied(_("Only members of an SME can answer an opportunity."))
    if opportunity.status != Status.OPEN:
        raise ApplicationError(_("Only open opportunities take interest."), {"code": "not_open"})
    introduction = Introduction.objects.filter(opportunity=opportunity, organisation=sme).first()
    if introduction is None:
        introduction = Introduction(opportunity=opportunity, organisation=sme, status=State.PROPOSED)
        introduction.fill_keys()
    elif introduction.status != State.PROPOSED:
        raise ApplicationError(
            _("You are already in touch with this buyer about this opportunity (%(state)s).")
            % {"state": introduction.get_status_display()},
            {"code": "exists", "introduction": introduction.pk},
        )
    _require_other_side(introduction)
    _require_vetting(introduction)
    introduction.initiated_by = CANDIDATE
    introduction.save()
    _ask(introduction, actor=actor, side=CANDIDATE, message=message)
    introduction.refresh_from_db()
    return introduction


@transaction.atomic
def recommendation_request(*, actor: User, recommendation: Recommendation, message: str = "") -> Introduction:
    introduction = introduction_propose(actor=actor, recommendation=recommendation)
    return introduction_request(actor=actor, introduction=introduction, message=message)


@transaction.atomic
def introduction_dismiss(*, actor: User, introduction: Introduction) -> Introduction:
    _require_side(actor=actor, introduction=introduction, side=REQUESTER)
    _transition(
        introduction=introduction,
        from_states=(State.PROPOSED,),
        to_state=State.DISMISSED,
        actor=actor,
        side=REQUESTER,
        fields={"closed_at": timezone.now()},
    )
    return introduction


@transaction.atomic
def recommendation_dismiss(*, actor: User, recommendation: Recommendation) -> Introduction:
    introduction = introduction_propose(actor=actor, recommendation=recommendation)
    return introduction_dismiss(actor=actor, introduction=introduction)


@transaction.atomic
def introduction_withdraw(*, actor: User, introduction: Introduction, note: str = "") -> Introduction:
    """The side that asked takes it back (the requester, or an SME that said it was interested)."""
    asking = introduction.initiated_by
    _require_side(actor=actor, introduction=introduction, side=asking)
    now = timezone.now()
    _transition(
        introduction=introduction,
        from_states=OPEN_STATES,
        to_state=State.WITHDRAWN,
        actor=actor,
        side=asking,
        note=note,
        fields={"closed_at": now},
    )
    # Withdrawing after acceptance gives the candidate its capacity back.
    Engagement.objects.filter(introduction=introduction, closed_at__isnull=True).update(closed_at=now)
    return introduction


def expert_load(*, expert: ExpertProfile) -> int:
    """Engagements recorded outside the platform plus open engagements on it."""
    open_here = Engagement.objects.filter(expert=expert, closed_at__isnull=True).count()
    return int(expert.active_engagements) + open_here


@transaction.atomic
def introduction_accept(*, actor: User, introduction: Introduction, message: str = "") -> Introduction:
    """The side that was asked accepts; an expert must have capacity left (counted from acceptance on)."""
    answering = introduction.answering_side
    _require_side(actor=actor, introduction=introduction, side=answering)
    _require_vetting(introduction)
    now = timezone.now()
    if introduction.expert_id:
        # Serialise all accepts of one expert on the expert's row: without the lock two
        # accepts could each count load < capacity and both succeed (lost update).
        expert = ExpertProfile.objects.select_for_update().get(pk=introduction.expert_id)
        load = expert_load(expert=expert)
        if load >= expert.capacity:
            raise ApplicationError(
                _(
                    "You have reached your capacity (受入可能数) of %(capacity)d concurrent engagements. "
                    "Close an engagement or raise your capacity before accepting."
                )
                % {"capacity": expert.capacity},
                extra={"code": "capacity_reached", "capacity": expert.capacity, "load": load},
            )
    _transition(
        introduction=introduction,
        from_states=(State.REQUESTED,),
        to_state=State.ACCEPTED,
        actor=actor,
        side=answering,
        note=message,
        fields={"answered_at": now, "answer_message": message},
    )
    Engagement.objects.create(
        introduction=introduction,
        expert_id=introduction.expert_id,
        organisation_id=introduction.organisation_id,
        accepted_at=now,
    )
    return introduction


@transaction.atomic
def introduction_decline(
    *, actor: User, introduction: Introduction, message: str = "", reason: str = ""
) -> Introduction:
    """The side that was asked declines, with one of Introduction.DeclineReason (pages require one) and a note."""
    answering = introduction.answering_side
    _require_side(actor=actor, introduction=introduction, side=answering)
    if reason and reason not in Introduction.DeclineReason.values:
        raise ApplicationError(
            _("Validation error"), extra={"fields": {"reason": [_("Choose a reason from the list.")]}}
        )
    now = timezone.now()
    _transition(
        introduction=introduction,
        from_states=(State.REQUESTED,),
        to_state=State.DECLINED,
        actor=actor,
        side=answering,
        note=message,
        fields={"answered_at": now, "answer_message": message, "closed_at": now, "decline_reason": reason},
    )
    return introduction


@transaction.atomic
def introduction_start(*, actor: User, introduction: Introduction, note: str = "") -> Introduction:
    side = _either_side(actor=actor, introduction=introduction)
    _transition(
        introduction=introduction,
        from_states=(State.ACCEPTED,),
        to_state=State.ENGAGED,
        actor=actor,
        side=side,
        note=note,
    )
    Engagement.objects.filter(introduction=introduction, started_at__isnull=True).update(started_at=timezone.now())
    return introduction


@transaction.atomic
def introduction_close(*, actor: User, introduction: Introduction, deal: bool, note: str = "") -> Introduction:
    """Close an engagement as completed (deal) or no deal; frees the candidate's capacity."""
    side = _either_side(actor=actor, introduction=introduction)
    now = timezone.now()
    _transition(
        introduction=introduction,
        from_states=(State.ENGAGED,),
        to_state=State.COMPLETED if deal else State.NO_DEAL,
        actor=actor,
        side=side,
        note=note,
        fields={"closed_at": now},
    )
    Engagement.objects.filter(introduction=introduction, closed_at__isnull=True).update(closed_at=now)
    return introduction


@transaction.atomic
def outcome_record(
    *,
    actor: User,
    introduction: Introduction,
    deal: bool,
    value_jpy: int | None = None,
    feedback: int | None = None,
    comment: str = "",
) -> Outcome:
    """Either side records (or corrects) its own view of the outcome, from acceptance on."""
    side = _either_side(actor=actor, introduction=introduction)
    if introduction.status not in OUTCOME_STATES:
        raise ApplicationError(_("An outcome can be recorded only after the introduction was accepted."))
    errors: dict[str, list[str]] = {}
    if feedback is not None and not 1 <= feedback <= 5:
        errors["feedback"] = [_("Feedback is a number from 1 to 5.")]
    if value_jpy is not None and value_jpy < 0:
        errors["value_jpy"] = [_("The value cannot be negative.")]
    elif value_jpy is not None and value_jpy > MAX_OUTCOME_VALUE_JPY:
        errors["value_jpy"] = [_("The value cannot exceed 1,000,000,000,000 yen.")]
    if errors:
        raise ApplicationError(_("Validation error"), extra={"fields": errors})
    previous = Outcome.objects.filter(introduction=introduction, side=side).first()
    before = audit_snapshot(previous, OUTCOME_FIELDS) if previous is not None else {}
    outcome, _created = Outcome.objects.update_or_create(
        introduction=introduction,
        side=side,
        defaults={
            "recorded_by": actor,
            "deal": deal,
            "value_jpy": value_jpy,
            "feedback": feedback,
            "comment": comment,
        },
    )
    # The row holds the side's latest view; each correction stays in the trail.
    audit_record(
        actor=actor, action="outcome.record", obj=outcome, before=before, after=audit_snapshot(outcome, OUTCOME_FIELDS)
    )
    return outcome


OUTCOME_FIELDS = ("deal", "value_jpy", "feedback", "comment")


def introductions_expire(*, now: Any = None) -> int:
    """Expire requests left unanswered for MATCHING_EXPIRY_DAYS; safe to re-run (compare-and-set)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.expiry_days())
    expired = 0
    ids = list(
        Introduction.objects.filter(status=State.REQUESTED, requested_at__lt=cutoff).values_list("pk", flat=True)
    )
    for pk in ids:
        try:
            with transaction.atomic():
                introduction = Introduction.objects.select_related(*_RELATED).get(pk=pk)
                _transition(
                    introduction=introduction,
                    from_states=(State.REQUESTED,),
                    to_state=State.EXPIRED,
                    actor=None,
                    side=SYSTEM,
                    note=_("No answer within %(days)d days.") % {"days": conf.expiry_days()},
                    fields={"closed_at": now},
                )
                expired += 1
        except ApplicationError:
            continue  # answered or withdrawn in the meantime
    return expired


_RELATED = ("need__organisation", "opportunity__organisation", "expert__user", "organisation")


def introductions_remind(*, now: Any = None) -> int:
    """Remind candidates who have not answered in MATCHING_REMINDER_DAYS; each request is reminded once."""
    from matching.services.notifications import notification_send_reminder

    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.reminder_days())
    sent = 0
    ids = list(
        Introduction.objects.filter(
            status=State.REQUESTED, requested_at__lt=cutoff, reminded_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            # Compare-and-set on reminded_at: a concurrent or repeated run finds it set and sends nothing.
            claimed = Introduction.objects.filter(pk=pk, status=State.REQUESTED, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed != 1:
                continue
            notification_send_reminder(introduction_id=pk)
            sent += 1
    return sent


def candidate_open_load() -> dict[str, dict[int, int]]:
    """Open engagements per expert and per organisation, for the capacity given to the engine."""
    experts = dict(
        Engagement.objects.filter(closed_at__isnull=True, expert__isnull=False)
        .values("expert_id")
        .annotate(n=Count("id"))
        .values_list("expert_id", "n")
    )
    orgs = dict(
        Engagement.objects.filter(closed_at__isnull=True, organisation__isnull=False)
        .values("organisation_id")
        .annotate(n=Count("id"))
        .values_list("organisation_id", "n")
    )
    return {"expert": experts, "org": orgs}


__all__ = [
    "candidate_open_load",
    "expert_load",
    "introduction_accept",
    "introduction_close",
    "introduction_decline",
    "introduction_dismiss",
    "introduction_propose",
    "introduction_request",
    "introduction_start",
    "introduction_withdraw",
    "introductions_expire",
    "introductions_remind",
    "outcome_record",
    "recommendation_dismiss",
    "recommendation_request",
]
