"""Reads of the matching app; visibility rules live here (outsiders get NotFound, never a hint)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Membership, Organisation, User
from accounts.selectors import user_organisation_ids
from core.exceptions import NotFound
from matching import conf
from matching.models import ConflictOfInterest, Engagement, Introduction, Notification, Outcome, Recommendation
from opportunities.models import Need, Opportunity, Status

# Declared conflicts for bulk filtering: ({(expert, org)}, {(declarer org, org)}).
ConflictPairs = tuple[set[tuple[int, int]], set[tuple[int, int]]]
REQUESTER = "requester"
CANDIDATE = "candidate"
# Whose answer a request waits for: the viewer's ("yours") or the other side's ("theirs").
YOURS = "yours"
THEIRS = "theirs"

INTRODUCTION_RELATED = ("need__organisation", "opportunity__organisation", "expert__user", "organisation")


def introduction_sides(*, user: User, introduction: Introduction) -> set[str]:
    """The sides ("requester", "candidate") the user acts for on this introduction."""
    sides: set[str] = set()
    org_ids = set(user_organisation_ids(user=user))
    if introduction.query_organisation_id in org_ids:
        sides.add(REQUESTER)
    if introduction.expert_id and introduction.expert is not None and introduction.expert.user_id == user.pk:
        sides.add(CANDIDATE)
    if introduction.organisation_id and introduction.organisation_id in org_ids:
        sides.add(CANDIDATE)
    return sides


def _visible_q(user: User) -> Q:
    org_ids = user_organisation_ids(user=user)
    requester = Q(need__organisation_id__in=org_ids) | Q(opportunity__organisation_id__in=org_ids)
    # A candidate learns about an introduction only once it is requested; proposed
    # and dismissed rows are the requester's private shortlist.
    candidate = (Q(expert__user_id=user.pk) | Q(organisation_id__in=org_ids)) & Q(requested_at__isnull=False)
    return requester | candidate


def introduction_list(*, user: User, filters: dict[str, Any] | None = None) -> QuerySet[Introduction]:
    filters = filters or {}
    qs = Introduction.objects.filter(_visible_q(user))
    if filters.get("state"):
        qs = qs.filter(status=filters["state"])
    elif filters.get("hide_shortlist"):
        # A shortlist is not an introduction yet: it lives on the need's or opportunity's page.
        qs = qs.exclude(status__in=(Introduction.State.PROPOSED, Introduction.State.DISMISSED))
    role = filters.get("role")
    org_ids = user_organisation_ids(user=user)
    if role == REQUESTER:
        qs = qs.filter(_requester_q(org_ids))
    elif role == CANDIDATE:
        qs = qs.filter(_candidate_q(user, org_ids))
    if filters.get("turn"):
        qs = qs.filter(_turn_q(user, list(org_ids), turn=filters["turn"]))
    if filters.get("need"):
        qs = qs.filter(need_id=filters["need"])
    if filters.get("opportunity"):
        qs = qs.filter(opportunity_id=filters["opportunity"])
    return qs.select_related(*INTRODUCTION_RELATED).order_by("-created_at", "-id")


def introduction_get(*, user: User, introduction_id: int) -> Introduction:
    introduction = (
        introduction_list(user=user)
        .filter(pk=introduction_id)
        .prefetch_related("events", "outcomes")
        .select_related("engagement")
        .first()
    )
    if introduction is None:
        raise NotFound(_("Introduction not found."))
    return introduction


def introduction_contacts(*, introduction: Introduction) -> dict[str, Any] | None:
    """Names, e-mails and phones of both sides, or None before the candidate accepted."""
    if not introduction.contacts_visible:
        return None
    query_org = introduction.query.organisation
    requester: dict[str, Any] = {
        "organisation": query_org.name,
        "name": query_org.contact_name,
        "email": query_org.contact_email,
        "phone": query_org.contact_phone,
    }
    if introduction.requested_by is not None:
        person = introduction.requested_by
        requester["person"] = {"name": person.full_name, "email": person.email, "phone": person.phone}
    if introduction.expert_id:
        expert = introduction.expert
        assert expert is not None
        user = expert.user
        candidate = {
            "name": expert.name,
            "email": expert.contact_email or (user.email if user else ""),
            "phone": expert.contact_phone or (user.phone if user else ""),
        }
    else:
        org = introduction.organisation
        assert org is not None
        candidate = {
            "organisation": org.name,
            "name": org.contact_name,
            "email": org.contact_email,
            "phone": org.contact_phone,
        }
    return {"requester": requester, "candidate": candidate}


def need_get_for_owner(*, user: User, need_id: int) -> Need:
    need = Need.objects.filter(pk=need_id, organisation_id__in=user_organisation_ids(user=user)).first()
    if need is None:
        raise NotFound(_("Need not found."))
    return need


def opportunity_get_for_owner(*, user: User, opportunity_id: int) -> Opportunity:
    opportunity = Opportunity.objects.filter(
        pk=opportunity_id, organisation_id__in=user_organisation_ids(user=user)
    ).first()
    if opportunity is None:
        raise NotFound(_("Opportunity not found."))
    return opportunity


def recommendation_list(*, query: Need | Opportunity) -> QuerySet[Recommendation]:
    """Current recommendations of one query; the caller got `query` through a *_get_for_owner selector.

    Vetting and conflicts are checked here, at read time, as well as when the
    rows were written: a rejection or a new conflict takes effect at once.
    """
    field = "need" if isinstance(query, Need) else "opportunity"
    qs = Recommendation.objects.filter(**{field: query}, is_current=True)
    return (
        shown_to_owners(qs, owner_ids=[query.organisation_id])
        .select_related("expert", "organisation")
        .order_by("rank", "id")
    )


def shown_to_owners(qs: QuerySet[Recommendation], *, owner_ids: list[int]) -> QuerySet[Recommendation]:
    """The recommendations a query's owners may see: the read-time rules, for one query or many."""
    # Restricted opportunities: organisations vetted by the bureau only.
    qs = qs.filter(
        Q(opportunity__isnull=True)
        | Q(opportunity__restricted=False)
        | Q(organisation__isnull=True)
        | Q(organisation__vetting_status=Organisation.Vetting.VETTED)
    )
    declared_by_owner = ConflictOfInterest.objects.filter(declared_by_organisation_id__in=owner_ids)
    qs = qs.exclude(expert__conflicts__organisation_id__in=owner_ids)
    qs = qs.exclude(organisation__declared_conflicts__organisation_id__in=owner_ids)
    qs = qs.exclude(organisation_id__in=declared_by_owner.values("organisation_id"))
    # Never oneself: an expert who belongs to the query's organisation (member or affiliated).
    qs = qs.exclude(expert__organisation_id__in=owner_ids).exclude(
        expert__user__memberships__organisation_id__in=owner_ids
    )
    return qs.exclude(expert__erased_at__isnull=False)  # an erased account is never proposed again


def recommendation_get_for_owner(*, user: User, recommendation_id: int) -> Recommendation:
    org_ids = user_organisation_ids(user=user)
    rec = (
        Recommendation.objects.filter(
            Q(need__organisation_id__in=org_ids) | Q(opportunity__organisation_id__in=org_ids), pk=recommendation_id
        )
        .select_related("need__organisation", "opportunity__organisation", "expert", "organisation")
        .first()
    )
    if rec is None:
        raise NotFound(_("Recommendation not found."))
    return rec


def shortlist(*, query: Need | Opportunity) -> QuerySet[Introduction]:
    """The requester's private shortlist of a query: candidates kept aside, not yet asked (caller checked access)."""
    field = "need" if isinstance(query, Need) else "opportunity"
    return (
        Introduction.objects.filter(**{field: query}, status=Introduction.State.PROPOSED)
        .select_related("expert", "organisation")
        .order_by("rank", "id")
    )


def introduction_for_pair(*, query: Need | Opportunity, organisation: Organisation | None) -> Introduction | None:
    """The introduction between a query and a candidate organisation that is past the proposal, if any."""
    if organisation is None:
        return None
    field = "need" if isinstance(query, Need) else "opportunity"
    return (
        Introduction.objects.filter(**{field: query}, organisation=organisation)
        .exclude(status__in=(Introduction.State.PROPOSED, Introduction.State.DISMISSED))
        .first()
    )


def introductions_by_key(*, query_keys: list[str]) -> dict[tuple[str, str], Introduction]:
    return {
        (i.query_key, i.candidate_key): i
        for i in Introduction.objects.filter(query_key__in=query_keys).only("status", "query_key", "candidate_key")
    }


def conflict_list(*, user: User) -> QuerySet[ConflictOfInterest]:
    org_ids = user_organisation_ids(user=user)
    return ConflictOfInterest.objects.filter(
        Q(expert__user_id=user.pk) | Q(declared_by_organisation_id__in=org_ids)
    ).select_related("organisation", "expert", "declared_by_organisation")


def conflict_get(*, user: User, conflict_id: int) -> ConflictOfInterest:
    conflict = conflict_list(user=user).filter(pk=conflict_id).first()
    if conflict is None:
        raise NotFound(_("Conflict of interest not found."))
    return conflict


def conflict_exists(
    *, query_organisation_id: int, expert_id: int | None = None, organisation_id: int | None = None
) -> bool:
    """Whether a declared conflict forbids matching this query owner with this candidate (either direction)."""
    if expert_id:
        return ConflictOfInterest.objects.filter(expert_id=expert_id, organisation_id=query_organisation_id).exists()
    return ConflictOfInterest.objects.filter(
        Q(declared_by_organisation_id=organisation_id, organisation_id=query_organisation_id)
        | Q(declared_by_organisation_id=query_organisation_id, organisation_id=organisation_id)
    ).exists()


def is_own_candidate(
    *, query_organisation_id: int, expert_id: int | None = None, organisation_id: int | None = None
) -> bool:
    """Whether the candidate is the query's own side: the same organisation, or an expert belonging to it."""
    if not expert_id:
        return organisation_id == query_organisation_id
    return (
        ExpertProfile.objects.filter(pk=expert_id)
        .filter(Q(organisation_id=query_organisation_id) | Q(user__memberships__organisation_id=query_organisation_id))
        .exists()
    )


def candidate_allowed(
    *, query: Need | Opportunity, candidate: ExpertProfile | Organisation, conflicts: ConflictPairs
) -> bool:
    """May this candidate be proposed for this query? Own organisation, conflicts, vetting for restricted work."""
    expert_pairs, org_pairs = conflicts
    owner_id = query.organisation_id
    if isinstance(candidate, ExpertProfile):
        return candidate.erased_at is None and (candidate.pk, owner_id) not in expert_pairs
    if candidate.pk == owner_id:
        return False
    if (candidate.pk, owner_id) in org_pairs or (owner_id, candidate.pk) in org_pairs:
        return False
    # Restricted opportunities are only for organisations vetted by the bureau.
    return not (isinstance(query, Opportunity) and query.restricted and not candidate.is_vetted)


def conflict_pairs() -> ConflictPairs:
    """All declared conflicts for bulk filtering: ({(expert, org)}, {(declarer org, org)}).

    An expert's own organisations (affiliation, or their user's memberships) count
    as conflicts too: nobody is proposed to themselves.
    """
    experts: set[tuple[int, int]] = set(
        ExpertProfile.objects.filter(organisation__isnull=False).values_list("pk", "organisation_id")
    )
    experts.update(
        Membership.objects.filter(user__expert_profile__isnull=False).values_list(
            "user__expert_profile__id", "organisation_id"
        )
    )
    orgs: set[tuple[int, int]] = set()
    for expert_id, declarer_id, org_id in ConflictOfInterest.objects.values_list(
        "expert_id", "declared_by_organisation_id", "organisation_id"
    ):
        if expert_id:
            experts.add((expert_id, org_id))
        else:
            orgs.add((declarer_id, org_id))
    return experts, orgs


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound(_("Notification not found."))
    return notification


def recommendations_busy(*, recommendations: Sequence[Recommendation]) -> set[int]:
    """Ids of the recommendations whose candidate has no capacity left right now.

    Load is the engagements recorded outside the platform plus the open ones
    here (two grouped queries for the whole page).
    """
    expert_ids = {r.expert_id for r in recommendations if r.expert_id}
    org_ids = {r.organisation_id for r in recommendations if r.organisation_id}
    open_engagements = Engagement.objects.filter(closed_at__isnull=True)
    by_expert = dict(open_engagements.filter(expert_id__in=expert_ids).values_list("expert_id").annotate(n=Count("id")))
    by_org = dict(
        open_engagements.filter(organisation_id__in=org_ids).values_list("organisation_id").annotate(n=Count("id"))
    )
    busy: set[int] = set()
    for rec in recommendations:
        candidate = rec.candidate
        here = by_expert.get(rec.expert_id, 0) if rec.expert_id else by_org.get(rec.organisation_id, 0)
        if candidate.active_engagements + here >= candidate.capacity:
            busy.add(rec.pk)
    return busy


# --- Home pages: what needs doing, with counts --------------------------------------------------------------------
#
# One selector per persona, each a fixed handful of COUNT queries plus one short list (HOME_LIST_SIZE rows),
# however large the market: the home page is the most visited page and must stay cheap.

HOME_LIST_SIZE = 5
# A request still unanswered this close to its expiry (MATCHING_EXPIRY_DAYS) is "expiring soon".
EXPIRING_WITHIN = timedelta(days=3)
CLOSED_STATES = (Introduction.State.COMPLETED, Introduction.State.NO_DEAL)


@dataclass(frozen=True)
class SmeTodo:
    needs_without_proposals: list[Need]  # the first HOME_LIST_SIZE, newest first
    needs_without_proposals_count: int
    requests_waiting: int  # asked by the SME (requests to experts, offers to buyers), not answered yet
    requests_received: int  # waiting for the SME's answer (a buyer asking it to supply)
    accepted: int  # accepted by the candidate: contact them and start the engagement
    outcomes_to_record: int


@dataclass(frozen=True)
class ExpertTodo:
    requests_waiting: int
    expiring_soon: int
    engagements_to_close: int
    outcomes_to_record: int


@dataclass(frozen=True)
class BuyerTodo:
    opportunities_with_new_proposals: list[tuple[Opportunity, int]]  # (opportunity, proposals not acted on)
    opportunities_with_new_proposals_count: int
    shortlisted: int
    requests_waiting: int  # asked by the buyer, not answered yet
    offers_received: int  # SMEs offering to supply, waiting for the buyer's answer
    accepted: int
    outcomes_to_record: int


def _requester_q(org_ids: Any) -> Q:
    return Q(need__organisation_id__in=org_ids) | Q(opportunity__organisation_id__in=org_ids)


def _candidate_q(user: User, org_ids: Any) -> Q:
    return Q(expert__user_id=user.pk) | Q(organisation_id__in=org_ids)


def _turn_q(user: User, org_ids: Sequence[int], *, turn: str) -> Q:
    """Requests waiting for the viewer's answer (YOURS) or for the other side's (THEIRS).

    Usually the owner of the need or opportunity asks and the candidate answers; an
    SME's offer to supply a buyer's opportunity is the other way round, so the side
    alone does not say whose turn it is.
    """
    asked_by_owner = Q(initiated_by=REQUESTER)
    asked_by_candidate = Q(initiated_by=CANDIDATE)
    as_owner, as_candidate = _requester_q(org_ids), _candidate_q(user, org_ids)
    if turn == YOURS:
        waiting = (as_candidate & asked_by_owner) | (as_owner & asked_by_candidate)
    else:
        waiting = (as_owner & asked_by_owner) | (as_candidate & asked_by_candidate)
    return Q(status=Introduction.State.REQUESTED) & waiting


def _outcomes_missing(qs: QuerySet[Introduction], *, side: str) -> int:
    """Closed introductions of `qs` for which `side` has not recorded an outcome."""
    recorded = Outcome.objects.filter(introduction_id=OuterRef("pk"), side=side)
    return qs.filter(status__in=CLOSED_STATES).exclude(Exists(recorded)).count()


def todo_for_sme(*, user: User) -> SmeTodo:
    org_ids = list(user_organisation_ids(user=user))
    mine = Introduction.objects.filter(_requester_q(org_ids))
    has_proposals = Recommendation.objects.filter(need_id=OuterRef("pk"), is_current=True)
    bare = (
        Need.objects.filter(organisation_id__in=org_ids, status=Status.OPEN)
        .exclude(Exists(has_proposals))
        .order_by("-created_at", "-id")
    )
    return SmeTodo(
        needs_without_proposals=list(bare[:HOME_LIST_SIZE]),
        needs_without_proposals_count=bare.count(),
        requests_waiting=Introduction.objects.filter(_turn_q(user, org_ids, turn=THEIRS)).count(),
        requests_received=Introduction.objects.filter(_turn_q(user, org_ids, turn=YOURS)).count(),
        # Accepted on either side (its own requests, buyers' requests to it, its offers): contact and start.
        accepted=Introduction.objects.filter(
            _requester_q(org_ids) | _candidate_q(user, org_ids), status=Introduction.State.ACCEPTED
        ).count(),
        outcomes_to_record=_outcomes_missing(mine, side=REQUESTER),
    )


def todo_for_expert(*, expert: ExpertProfile, now: datetime | None = None) -> ExpertTodo:
    now = now or timezone.now()
    addressed = Introduction.objects.filter(expert=expert)
    waiting = addressed.filter(status=Introduction.State.REQUESTED)
    expiry_cutoff = now - timedelta(days=conf.expiry_days()) + EXPIRING_WITHIN
    return ExpertTodo(
        requests_waiting=waiting.count(),
        expiring_soon=waiting.filter(requested_at__lte=expiry_cutoff).count(),
        engagements_to_close=addressed.filter(status=Introduction.State.ENGAGED).count(),
        outcomes_to_record=_outcomes_missing(addressed, side=CANDIDATE),
    )


def todo_for_buyer(*, user: User) -> BuyerTodo:
    org_ids = list(user_organisation_ids(user=user))
    mine = Introduction.objects.filter(_requester_q(org_ids))
    # "New" proposals: current recommendations the buyer has not acted on (no introduction for the pair yet).
    acted_on = Introduction.objects.filter(query_key=OuterRef("query_key"), candidate_key=OuterRef("candidate_key"))
    new_proposals = shown_to_owners(
        Recommendation.objects.filter(
            opportunity__organisation_id__in=org_ids, opportunity__status=Status.OPEN, is_current=True
        ).exclude(Exists(acted_on)),
        owner_ids=org_ids,
    )
    per_opportunity = new_proposals.values("opportunity_id").annotate(n=Count("id")).order_by("-n", "-opportunity_id")
    top = list(per_opportunity[:HOME_LIST_SIZE])
    opportunities = Opportunity.objects.in_bulk([row["opportunity_id"] for row in top])
    return BuyerTodo(
        opportunities_with_new_proposals=[(opportunities[row["opportunity_id"]], row["n"]) for row in top],
        opportunities_with_new_proposals_count=per_opportunity.count(),
        shortlisted=mine.filter(status=Introduction.State.PROPOSED).count(),
        requests_waiting=Introduction.objects.filter(_turn_q(user, org_ids, turn=THEIRS)).count(),
        offers_received=Introduction.objects.filter(_turn_q(user, org_ids, turn=YOURS)).count(),
        accepted=mine.filter(status=Introduction.State.ACCEPTED).count(),
        outcomes_to_record=_outcomes_missing(mine, side=REQUESTER),
    )


# --- Track record of a candidate (the expert directory and the supplier page) -----------------------------------

_ACCEPTED_OR_LATER = (
    Introduction.State.ACCEPTED,
    Introduction.State.ENGAGED,
    Introduction.State.COMPLETED,
    Introduction.State.NO_DEAL,
)
_CLOSED = (Introduction.State.COMPLETED, Introduction.State.NO_DEAL)


@dataclass(frozen=True)
class TrackRecord:
    """What a candidate's introductions came to; aggregates only, never who the counterparts were."""

    accepted: int  # introductions the candidate accepted (whatever happened next)
    completed: int  # of those, closed (with a deal or without)
    deals: int  # closed with a deal
    feedback_average: float | None  # mean 1–5 feedback recorded by the requesters
    feedback_count: int


def candidate_track_record(
    *, expert: ExpertProfile | None = None, organisation: Organisation | None = None
) -> TrackRecord:
    """The track record of one candidate (an expert, or an organisation proposed as a supplier); two queries.

    Feedback counts only the requester's side of each outcome: it is the
    counterpart's rating of the candidate, not the candidate's own view.
    """
    if (expert is None) == (organisation is None):
        raise ValueError("Pass exactly one of expert and organisation.")
    own = Q(expert=expert) if expert is not None else Q(organisation=organisation)
    counts = Introduction.objects.filter(own).aggregate(
        accepted=Count("id", filter=Q(status__in=_ACCEPTED_OR_LATER)),
        completed=Count("id", filter=Q(status__in=_CLOSED)),
        deals=Count("id", filter=Q(status=Introduction.State.COMPLETED)),
    )
    own_outcomes = Q(introduction__expert=expert) if expert is not None else Q(introduction__organisation=organisation)
    feedback = Outcome.objects.filter(own_outcomes, side=Outcome.Side.REQUESTER, feedback__isnull=False).aggregate(
        average=Avg("feedback"), n=Count("id")
    )
    return TrackRecord(
        accepted=int(counts["accepted"] or 0),
        completed=int(counts["completed"] or 0),
        deals=int(counts["deals"] or 0),
        feedback_average=round(float(feedback["average"]), 2) if feedback["average"] is not None else None,
        feedback_count=int(feedback["n"] or 0),
    )
