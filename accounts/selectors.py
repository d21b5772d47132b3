from __future__ import annotations

from django.db.models import Q, QuerySet

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


def user_can_vet(*, user: User, organisation: Organisation) -> bool:
    """Staff, or an owner of a bureau whose region holds the organisation's prefecture (rule: accounts.scope)."""
    return vetting_allowed(user=user, organisation=organisation)
