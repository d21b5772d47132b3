"""Conflicts of interest: pairs that are never recommended nor introduced, whatever the engine scores."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import ExpertProfile, Organisation, User
from accounts.selectors import user_organisation
from core.audit import audit_record, audit_snapshot
from core.exceptions import ApplicationError
from matching.models import ConflictOfInterest, Introduction, IntroductionEvent, Recommendation

CONFLICT_FIELDS = ("expert", "declared_by_organisation", "organisation", "reason")


@transaction.atomic
def conflict_create(*, actor: User, organisation_id: int, reason: str = "") -> ConflictOfInterest:
    """Declare, as the actor's expert profile or else the actor's organisation, a conflict with an organisation.

    Existing recommendations of the pair disappear at once; proposed
    (not yet requested) introductions of the pair are dismissed.
    """
    target = Organisation.objects.filter(pk=organisation_id).first()
    if target is None:
        raise ApplicationError(_("Validation error"), {"fields": {"organisation": [_("Unknown organisation.")]}})
    expert = ExpertProfile.objects.filter(user=actor).first()
    own_org = None if expert is not None else user_organisation(user=actor)
    if expert is None and own_org is None:
        raise ApplicationError(_("Only experts and members of an organisation can declare conflicts of interest."))
    if own_org is not None and own_org.pk == target.pk:
        raise ApplicationError(_("Your own organisation is never matched with itself."))
    try:
        with transaction.atomic():
            conflict = ConflictOfInterest.objects.create(
                expert=expert,
                declared_by_organisation=own_org,
                organisation=target,
                reason=reason,
                created_by=actor,
            )
    except IntegrityError:
        raise ApplicationError(_("This conflict of interest is already declared.")) from None

    query_of_target = Q(need__organisation=target) | Q(opportunity__organisation=target)
    if expert is not None:
        pair = query_of_target & Q(expert=expert)
    else:
        assert own_org is not None
        pair = (query_of_target & Q(organisation=own_org)) | (
            (Q(need__organisation=own_org) | Q(opportunity__organisation=own_org)) & Q(organisation=target)
        )
    Recommendation.objects.filter(pair).delete()
    for introduction_id in Introduction.objects.filter(pair, status=Introduction.State.PROPOSED).values_list(
        "pk", flat=True
    ):
        if Introduction.objects.filter(pk=introduction_id, status=Introduction.State.PROPOSED).update(
            status=Introduction.State.DISMISSED
        ):
            IntroductionEvent.objects.create(
                introduction_id=introduction_id,
                actor=actor,
                actor_side="system",
                from_state=Introduction.State.PROPOSED,
                to_state=Introduction.State.DISMISSED,
                note=_("Conflict of interest declared."),
            )
    audit_record(actor=actor, action="conflict.create", obj=conflict, after=audit_snapshot(conflict, CONFLICT_FIELDS))
    return conflict


@transaction.atomic
def conflict_delete(*, conflict: ConflictOfInterest, actor: User | None = None) -> None:
    # The caller got `conflict` through conflict_get, which checked ownership.
    audit_record(actor=actor, action="conflict.delete", obj=conflict, before=audit_snapshot(conflict, CONFLICT_FIELDS))
    conflict.delete()
