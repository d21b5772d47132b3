from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from accounts.models import ExpertProfile, Invitation, Membership, Organisation, User
from accounts.scope import vetting_allowed
from core.exceptions import NotFound

ORGANISATION_TERMS = ("sectors", "capabilities", "certifications")


def user_organisation(*, user: User) -> Organisation | None:
    """The organisation a user acts for (their first membership)."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(user=user).select_related("organisation").order_by("created_at", "id").first()
    )
    return membership.organisation if membership else None


def user_organisation_ids(*, user: User) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))


def user_is_member(*, user: User, organisation_id: int) -> bool:
    """Whether `user` belongs to the organisation, in any role (the rule every member-only action checks)."""
    return Membership.objects.filter(user=user, organisation_id=organisation_id).exists()


def user_is_owner(*, user: User, organisation: Organisation) -> bool:
    return Membership.objects.filter(user=user, organisation=organisation, role=Membership.Role.OWNER).exists()


def organisation_get_for_user(*, user: User) -> Organisation:
    organisation = user_organisation(user=user)
    if organisation is None:
        raise NotFound("You do not belong to an organisation.")
    return Organisation.objects.prefetch_related(*ORGANISATION_TERMS).get(pk=organisation.pk)


def organisation_members(*, organisation: Organisation, q: str = "") -> QuerySet[Membership]:
    members = Membership.objects.filter(organisation=organisation).select_related("user").order_by("created_at")
    for word in q.split():
        members = members.filter(Q(user__email__icontains=word) | Q(user__full_name__icontains=word))
    return members


def invitation_list_pending(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True).order_by("-created_at")


def user_expert_profile(*, user: User) -> ExpertProfile | None:
    """The user's expert profile, if they registered as an expert."""
    if not user.is_authenticated:
        return None
    return ExpertProfile.objects.filter(user=user).first()


def expert_profile_for_user(*, user: User) -> ExpertProfile:
    try:
        return ExpertProfile.objects.prefetch_related("sectors", "skills", "regions").get(user=user)
    except ExpertProfile.DoesNotExist:
        raise NotFound("You do not have an expert profile.") from None


def organisation_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.prefetch_related(*ORGANISATION_TERMS)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


# --- Directories (experts, suppliers): public profiles without contact details -------------------------------

EXPERT_TERMS = ("sectors", "skills", "regions")


def expert_directory_list(*, filters: dict[str, Any] | None = None) -> QuerySet[ExpertProfile]:
    """Experts any logged-in user may browse, with `load` and `free` (capacity left) annotated.

    Filters: skill (need category), sector, region (a prefecture served: experts
    without regions serve all of Japan), expert_type, available (free capacity
    left), q (words in the name or profile). Relation filters go through
    `pk__in` subqueries so the load count is never multiplied by joined rows.
    Load = engagements recorded outside the platform + open engagements on it
    (matching's Engagement rows, reached by their related name).
    """
    filters = filters or {}
    qs = ExpertProfile.objects.filter(erased_at__isnull=True)
    if filters.get("skill"):
        qs = qs.filter(pk__in=ExpertProfile.objects.filter(skills__code=filters["skill"]).values("pk"))
    if filters.get("sector"):
        qs = qs.filter(pk__in=ExpertProfile.objects.filter(sectors__code=filters["sector"]).values("pk"))
    if filters.get("region"):
        serving = ExpertProfile.objects.filter(Q(regions__code=filters["region"]) | Q(regions__isnull=True))
        qs = qs.filter(pk__in=serving.values("pk"))
    if filters.get("expert_type"):
        qs = qs.filter(expert_type=filters["expert_type"])
    for word in (filters.get("q") or "").split():
        qs = qs.filter(Q(name__icontains=word) | Q(bio__icontains=word))
    qs = qs.annotate(
        load=F("active_engagements") + Count("engagements", filter=Q(engagements__closed_at__isnull=True))
    ).annotate(free=Case(When(capacity__gt=F("load"), then=F("capacity") - F("load")), default=Value(0)))
    if filters.get("available"):
        qs = qs.filter(capacity__gt=F("load"))
    return qs.select_related("organisation").prefetch_related(*EXPERT_TERMS).order_by("name", "id")


def expert_directory_get(*, expert_id: int) -> ExpertProfile:
    expert = expert_directory_list().filter(pk=expert_id).first()
    if expert is None:
        raise NotFound("Expert not found.")
    return expert


def supplier_get(*, organisation_id: int) -> Organisation:
    """An SME's public profile (the supplier page); NotFound for other kinds of organisation."""
    organisation = (
        Organisation.objects.filter(pk=organisation_id, kind=Organisation.Kind.SME)
        .prefetch_related(*ORGANISATION_TERMS)
        .first()
    )
    if organisation is None:
        raise NotFound("Supplier not found.")
    return organisation


def user_can_vet(*, user: User, organisation: Organisation) -> bool:
    """Staff, or an owner of a bureau whose region holds the organisation's prefecture (rule: accounts.scope)."""
    return vetting_allowed(user=user, organisation=organisation)
