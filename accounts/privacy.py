"""Personal data (個人情報保護法): a user's copy of what the platform holds about them, and erasure.

Export gathers the accounts app's part and asks every other app for its own
(signal ``user_data_exported``). Erasure removes or anonymises personal data
in one transaction (signal ``user_erasing`` for the other apps) and keeps
what the bureau's aggregates and the audit trail need: introductions,
outcomes and audit events stay, their actor shown as the pseudonym
``user#<id>``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import signals
from accounts.models import ExpertProfile, Invitation, Membership, Organisation, User
from core.audit import actor_label, audit_record
from core.exceptions import ApplicationError
from core.models import AuditEvent
from reference.terms import codes

ERASED_DOMAIN = "erased.invalid"


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about `user`, as JSON-able sections (the user's own request)."""
    data: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "account": _plain(user, ("id", "email", "full_name", "phone", "locale", "time_zone", "date_joined")),
        "memberships": [
            {"organisation": m.organisation.name, "kind": m.organisation.kind, "role": m.role, "since": m.created_at}
            for m in Membership.objects.filter(user=user).select_related("organisation")
        ],
    }
    data["memberships"] = [{**m, "since": m["since"].isoformat()} for m in data["memberships"]]
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is not None:
        data["expert_profile"] = {
            **_plain(profile, ("name", "expert_type", "prefecture", "capacity", "bio", "contact_email")),
            "contact_phone": profile.contact_phone,
            "sectors": codes(profile.sectors),
            "skills": codes(profile.skills),
            "regions": codes(profile.regions),
        }
    data["audit_trail"] = [
        {
            "when": event.created_at.isoformat(),
            "action": event.action,
            "object": f"{event.object_type}#{event.object_id}",
            "changes": event.changes,
        }
        for event in AuditEvent.objects.filter(actor=user).order_by("created_at", "id")
    ]
    for _receiver, section in signals.user_data_exported.send(sender=User, user=user):
        if isinstance(section, dict):
            data.update(section)
    return data


@transaction.atomic
def user_erase(*, user: User, password: str) -> None:
    """Erase `user`'s personal data after checking their password; the account cannot log in again."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.has_usable_password() or not check_password(password, user.password):
        raise ApplicationError(
            _("The password is not correct."), extra={"fields": {"password": [_("The password is not correct.")]}}
        )
    signals.user_erasing.send(sender=User, user=user)
    email = user.email
    _erase_expert_profile(user)
    for organisation in Organisation.objects.filter(memberships__user=user):
        # Company contacts that are this person's own details go with them; the company stays.
        changed = [
            f
            for f, v in (("contact_email", email), ("contact_name", user.full_name))
            if v and getattr(organisation, f) == v
        ]
        for field in changed:
            setattr(organisation, field, "")
        if changed:
            organisation.save(update_fields=[*changed, "updated_at"])
    Membership.objects.filter(user=user).delete()
    Invitation.objects.filter(Q(email=email) | Q(invited_by=user)).filter(accepted_at__isnull=True).delete()
    # Audit events about this person keep their action and time, not the values (their name, phone, …).
    AuditEvent.objects.filter(object_type=User._meta.label_lower, object_id=str(user.pk)).update(
        changes={"erased": True}
    )
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user).delete()
    user.email = f"user-{user.pk}@{ERASED_DOMAIN}"
    user.full_name = ""
    user.phone = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.user_permissions.clear()
    user.groups.clear()
    audit_record(actor=None, action="user.erase", obj=user, note=f"at the request of {actor_label(user)}")


def _erase_expert_profile(user: User) -> None:
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is None:
        return
    AuditEvent.objects.filter(object_type=ExpertProfile._meta.label_lower, object_id=str(profile.pk)).update(
        changes={"erased": True}
    )
    try:
        with transaction.atomic():
            profile.delete()
        return
    except ProtectedError:
        pass  # past introductions refer to it: keep an anonymous row so their history still reads
    profile.user = None
    profile.name = f"#{profile.pk}"
    profile.bio = ""
    profile.contact_email = ""
    profile.contact_phone = ""
    profile.capacity = 0
    profile.erased_at = timezone.now()
    profile.save()
    for relation in ("sectors", "skills", "regions"):
        getattr(profile, relation).clear()
    signals.profile_changed.send(sender=ExpertProfile, organisation_id=None, expert_id=profile.pk)
