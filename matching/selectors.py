"""Reads of the matching app; visibility rules live here (outsiders get NotFound, never a hint)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Organisation, User
from accounts.selectors import user_organisation_ids
from core.exceptions import NotFound
from matching.models import ConflictOfInterest, Engagement, Introduction, Notification, Recommendation
from opportunities.models import Need, Opportunity

# Declared conflicts for bulk filtering: ({(expert, org)}, {(declarer org, org)}).
ConflictPairs = tuple[set[tuple[int, int]], set[tuple[int, int]]]
REQUESTER = "requester"
CANDIDATE = "candidate"

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
    role = filters.get("role")
    org_ids = user_organisation_ids(user=user)
    if role == REQUESTER:
        qs = qs.filter(Q(need__organisation_id__in=org_ids) | Q(opportunity__organisation_id__in=org_ids))
    elif role == CANDIDATE:
        qs = qs.filter(Q(expert__user_id=user.pk) | Q(organisation_id__in=org_ids))
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
    owner_id = query.organisation_id
    qs = Recommendation.objects.filter(**{field: query}, is_current=True)
    if isinstance(query, Opportunity) and query.restricted:
        qs = qs.filter(Q(organisation__isnull=True) | Q(organisation__vetting_status=Organisation.Vetting.VETTED))
    declared_by_owner = ConflictOfInterest.objects.filter(declared_by_organisation_id=owner_id)
    qs = qs.exclude(expert__conflicts__organisation_id=owner_id)
    qs = qs.exclude(organisation__declared_conflicts__organisation_id=owner_id)
    qs = qs.exclude(organisation_id__in=declared_by_owner.values("organisation_id"))
    return qs.select_related("expert", "organisation").order_by("rank", "id")


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


def candidate_allowed(
    *, query: Need | Opportunity, candidate: ExpertProfile | Organisation, conflicts: ConflictPairs
) -> bool:
    """May this candidate be proposed for this query? Own organisation, conflicts, vetting for restricted work."""
    expert_pairs, org_pairs = conflicts
    owner_id = query.organisation_id
    if isinstance(candidate, ExpertProfile):
        return (candidate.pk, owner_id) not in expert_pairs
    if candidate.pk == owner_id:
        return False
    if (candidate.pk, owner_id) in org_pairs or (owner_id, candidate.pk) in org_pairs:
        return False
    # Restricted opportunities are only for organisations vetted by the bureau.
    return not (isinstance(query, Opportunity) and query.restricted and not candidate.is_vetted)


def conflict_pairs() -> ConflictPairs:
    """All declared conflicts for bulk filtering: ({(expert, org)}, {(declarer org, org)})."""
    experts: set[tuple[int, int]] = set()
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
