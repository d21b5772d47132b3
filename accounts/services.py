from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import selectors, signals
from accounts.models import ExpertProfile, Invitation, Membership, Organisation, User
from accounts.selectors import user_is_member, user_is_owner
from core.audit import audit_record, audit_snapshot
from core.bulk import BulkRow, bulk_clean, bulk_save
from core.exceptions import ApplicationError, PermissionDenied
from core.mail import mail_on_commit
from core.text import normalise
from reference.terms import TermMap, bulk_set_terms, codes, set_terms

ORGANISATION_FIELDS = (
    "name",
    "corporate_number",
    "prefecture",
    "description",
    "industry",
    "industry_detail",
    "capital_jpy",
    "employees",
    "capacity",
    "contact_name",
    "contact_email",
    "contact_phone",
)
# What a vetting decision records, in the audit trail too (who and when are the event's own actor and time).
VETTING_FIELDS = ("vetting_status", "vetting_reason", "vetting_note")
USER_FIELDS = ("full_name", "phone", "locale", "time_zone")
EXPERT_FIELDS = ("name", "expert_type", "prefecture", "capacity", "bio", "contact_email", "contact_phone")


ORGANISATION_TERMS = ("sectors", "capabilities", "certifications")
EXPERT_TERMS = ("sectors", "skills", "regions")


def _term_codes(obj: Any, relations: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: codes(getattr(obj, name)) for name in relations}


def _full_clean(obj: Any) -> None:
    # Model validation turns into the API's one error format via the exception handler.
    obj.full_clean(exclude=["vetted_by"] if isinstance(obj, Organisation) else None)


IMPORTED_ORGANISATION_FIELDS = (
    *ORGANISATION_FIELDS,
    "kind",
    "external_id",
    "active_engagements",
)
IMPORTED_EXPERT_FIELDS = (*EXPERT_FIELDS, "external_id", "active_engagements")


@transaction.atomic
def profiles_bulk_upsert(
    *, organisations: list[BulkRow[Organisation]], experts: list[BulkRow[ExpertProfile]]
) -> tuple[int, int]:
    """Write many organisation and expert profiles at once (the interchange import); returns (created, updated).

    Every row passes the model's validation first (all failures reported
    together, nothing written); then rows and their vocabulary terms are
    written in batches, and one `profiles_imported` signal tells matching
    which candidate kinds changed. The caller has checked uniqueness across
    the batch (ids, 法人番号); the database constraints back it.
    """
    bulk_clean([*organisations, *experts], exclude=["vetted_by", "user", "organisation"])
    term_map = TermMap()
    created, updated = bulk_save(
        Organisation, organisations, fields=IMPORTED_ORGANISATION_FIELDS, key_field="external_id"
    )
    bulk_set_terms(organisations, term_map)
    new, old = bulk_save(ExpertProfile, experts, fields=IMPORTED_EXPERT_FIELDS, key_field="external_id")
    bulk_set_terms(experts, term_map)
    created, updated = created + new, updated + old
    kinds = {row.obj.kind for row in organisations}
    if experts:
        kinds.add("expert")
    if kinds:
        signals.profiles_imported.send(sender=Organisation, kinds=sorted(kinds))
    return created, updated


class EmailAlreadyRegistered(ApplicationError):
    """Sign-up with an address that has an account (the API answers as for a new one)."""


def _signup_check(*, email: str, password: str, full_name: str, kind: str, organisation_name: str) -> None:
    """Everything about a sign-up that does not depend on whether the e-mail is taken.

    Run first, so that a bad request gets the same error for a new and a registered
    address and the answer cannot tell the two apart.
    """
    if kind not in {"expert", Organisation.Kind.SME, Organisation.Kind.BUYER, Organisation.Kind.SUPPORT_ORG}:
        # Bureau organisations are created by administrators, never by sign-up.
        raise ApplicationError(_("Unknown account type."), extra={"fields": {"kind": [_("Choose a valid type.")]}})
    if kind != "expert" and not organisation_name.strip():
        raise ApplicationError(
            _("Organisation name is required."), extra={"fields": {"organisation_name": [_("Required.")]}}
        )
    try:
        # The same validators as the sign-up page and password changes (AUTH_PASSWORD_VALIDATORS).
        validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ApplicationError(
            _("Choose a stronger password."), extra={"fields": {"password": list(exc.messages)}}
        ) from None


@transaction.atomic
def user_signup(
    *,
    email: str,
    password: str,
    full_name: str = "",
    kind: str,
    organisation_name: str = "",
    expert_type: str = "",
    locale: str = "ja",
    accept_terms: bool = False,
) -> User:
    """Create a user with their organisation (SME, buyer, support org) or expert profile.

    Raises EmailAlreadyRegistered (after every other check) when the address has an account.
    """
    email = email.strip().lower()
    _signup_check(email=email, password=password, full_name=full_name, kind=kind, organisation_name=organisation_name)
    if User.objects.filter(email=email).exists():
        raise EmailAlreadyRegistered(
            _("An account with this e-mail address already exists."),
            extra={"fields": {"email": [_("Already registered.")]}},
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=full_name, locale=locale)
    except IntegrityError:
        # Two sign-ups with one address at once: the second loses here, as if it came later.
        raise EmailAlreadyRegistered(
            _("An account with this e-mail address already exists."),
            extra={"fields": {"email": [_("Already registered.")]}},
        ) from None
    if accept_terms:
        user.terms_accepted_at = timezone.now()
        user.save(update_fields=["terms_accepted_at"])
    audit_record(actor=user, action="user.signup", obj=user, note=kind)
    email_verification_send(user=user)
    if kind == "expert":
        profile = ExpertProfile(user=user, name=full_name or email, expert_type=expert_type, contact_email=email)
        _full_clean(profile)
        profile.save()
        audit_record(actor=user, action="expert_profile.create", obj=profile)
        return user
    organisation = Organisation(kind=kind, name=organisation_name.strip(), contact_name=full_name, contact_email=email)
    _full_clean(organisation)
    organisation.save()
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.OWNER)
    audit_record(actor=user, action="organisation.create", obj=organisation, note=kind)
    return user


@transaction.atomic
def user_signup_quiet(
    *,
    email: str,
    password: str,
    full_name: str = "",
    kind: str,
    organisation_name: str = "",
    expert_type: str = "",
    locale: str = "ja",
    accept_terms: bool = False,
) -> None:
    """Sign-up that does not reveal whether the e-mail address already has an account.

    The API answers a registered address exactly as a new one. Instead of an error, the
    owner of the address gets an e-mail saying someone tried to sign up with it, with the
    links to log in or reset the password: whoever typed it learns nothing unless they
    read that mailbox. Invalid input still fails, identically for both cases.
    """
    try:
        user_signup(
            email=email,
            password=password,
            full_name=full_name,
            kind=kind,
            organisation_name=organisation_name,
            expert_type=expert_type,
            locale=locale,
            accept_terms=accept_terms,
        )
    except EmailAlreadyRegistered:
        # Hash the password anyway, so the answer takes about as long as a real sign-up.
        make_password(password)
        existing = User.objects.get(email=email.strip().lower())

        def send() -> None:
            with translation.override(existing.locale):
                send_mail(
                    subject=_("Sign-up attempt on Tsunagu"),
                    message=_(
                        "Someone tried to create a Tsunagu account with this e-mail address, which "
                        "already has one.\n\nIf it was you, log in: %(login)s\nForgot your password? "
                        "Reset it: %(reset)s\n\nIf it was not you, you can ignore this e-mail."
                    )
                    % {
                        "login": f"{settings.SITE_URL}/accounts/login/",
                        "reset": f"{settings.SITE_URL}/accounts/password_reset/",
                    },
                    from_email=None,
                    recipient_list=[existing.email],
                )

        mail_on_commit(send, what="the sign-up notice")


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change one's own profile fields (name, phone, language, time zone), validated by the model."""
    before = audit_snapshot(user, USER_FIELDS)
    for field in USER_FIELDS:
        if field in data:
            setattr(user, field, data[field])
    user.full_clean()
    user.save(update_fields=[field for field in USER_FIELDS if field in data] or None)
    audit_record(actor=user, action="user.update", obj=user, before=before, after=audit_snapshot(user, USER_FIELDS))
    return user


# --- E-mail verification ---------------------------------------------------------------------------------------

VERIFY_SALT = "tsunagu.email-verification"
VERIFY_MAX_AGE = 3 * 24 * 3600


def email_verification_send(*, user: User) -> None:
    """E-mail a link that confirms the address (signed; valid three days; void once the address changes)."""
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)
    link = f"{settings.SITE_URL}/accounts/verify/{token}/"

    def send() -> None:
        with translation.override(user.locale):
            send_mail(
                subject=_("Confirm your e-mail address for Tsunagu"),
                message=_(
                    "Please confirm that this is your e-mail address by opening this link within three days:\n"
                    "%(link)s\n\nIf you did not sign up for Tsunagu, you can ignore this e-mail."
                )
                % {"link": link},
                from_email=None,
                recipient_list=[user.email],
            )

    mail_on_commit(send, what="the e-mail verification")


def email_verify(*, token: str) -> User:
    """Mark the address in `token` as confirmed; ApplicationError when the link is bad, old or outdated."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise ApplicationError(
            _("This confirmation link has expired. Ask for a new one."), {"code": "expired"}
        ) from None
    except signing.BadSignature:
        raise ApplicationError(_("This confirmation link is not valid."), {"code": "invalid"}) from None
    user = User.objects.filter(pk=data.get("u"), email=data.get("e"), is_active=True).first()
    if user is None:
        raise ApplicationError(_("This confirmation link is not valid."), {"code": "invalid"})
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit_record(actor=user, action="user.email_verified", obj=user)
    return user


# --- API tokens ------------------------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User) -> tuple[str, Any]:
    """A new API token for `user`: (the token, shown once; its expiry). Only its hash is stored.

    A user keeps at most REST_KNOX TOKEN_LIMIT_PER_USER tokens; the oldest go first.
    """
    from knox.models import AuthToken
    from knox.settings import knox_settings

    limit = knox_settings.TOKEN_LIMIT_PER_USER
    live = AuthToken.objects.filter(user=user).order_by("-created")
    if limit:
        AuthToken.objects.filter(pk__in=list(live.values_list("pk", flat=True)[limit - 1 :])).delete()
    instance, token = AuthToken.objects.create(user=user)
    audit_record(actor=user, action="api_token.create", obj=user, note=f"token {instance.token_key}")
    return token, instance.expiry


def api_token_revoke(*, user: User, token: Any) -> None:
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user, pk=token.pk).delete()
    audit_record(actor=user, action="api_token.revoke", obj=user, note=f"token {token.token_key}")


def api_tokens_revoke_all(*, user: User) -> int:
    from knox.models import AuthToken

    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    audit_record(actor=user, action="api_token.revoke_all", obj=user, note=f"{deleted} token(s)")
    return int(deleted)


# --- Organisations --------------------------------------------------------------------------------------------

# A change of any of these makes the firm a different one for the bureau: its vetting is asked for again.
VETTED_IDENTITY = ("name", "corporate_number", "prefecture")


@transaction.atomic
def organisation_update(*, organisation: Organisation, actor: User, data: dict[str, Any]) -> Organisation:
    """Edit the company profile: owners only. A bureau's prefecture (its jurisdiction) is set by administrators.

    A vetted organisation that changes its name, 法人番号 or prefecture goes
    back to "pending": the bureau vetted the firm it saw, not the new one.
    """
    if not user_is_member(user=actor, organisation_id=organisation.pk):
        raise PermissionDenied(_("You are not a member of this organisation."))
    if not user_is_owner(user=actor, organisation=organisation):
        raise PermissionDenied(_("Only owners of the organisation can change its profile."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    audited = (*ORGANISATION_FIELDS, *VETTING_FIELDS)
    snapshot = audit_snapshot(organisation, audited, **_term_codes(organisation, ORGANISATION_TERMS))
    before = {field: getattr(organisation, field) for field in VETTED_IDENTITY}
    if (
        organisation.kind == Organisation.Kind.BUREAU
        and "prefecture" in data
        and (data["prefecture"] or "") != organisation.prefecture
    ):
        raise ApplicationError(
            _("A bureau's prefecture decides where it may vet; only an administrator can change it."),
            extra={"fields": {"prefecture": [_("Only an administrator can change this.")]}},
        )
    for field in ORGANISATION_FIELDS:
        if field in data:
            value = data[field]
            if field == "corporate_number":
                # Full-width digits (７０００…) are the same number: store and compare the
                # ASCII form, or the check digit and the uniqueness test see a different string.
                value = normalise(value or "") or None
            setattr(organisation, field, value)
    number = organisation.corporate_number
    if number and Organisation.objects.filter(corporate_number=number).exclude(pk=organisation.pk).exists():
        raise ApplicationError(
            _("This corporate number is already registered to another organisation."),
            extra={"fields": {"corporate_number": [_("Already registered to another organisation.")]}},
        )
    _full_clean(organisation)
    changed_identity = any(getattr(organisation, field) != value for field, value in before.items())
    if changed_identity and organisation.vetting_status == Organisation.Vetting.VETTED:
        organisation.vetting_status = Organisation.Vetting.PENDING
        # The reason and note were about the firm the bureau saw; they go with the decision.
        organisation.vetting_reason = ""
        organisation.vetting_note = ""
        organisation.vetted_by = None
        organisation.vetted_at = None
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # Another organisation took the same 法人番号 between the check above and this save.
        raise ApplicationError(
            _("This corporate number is already registered to another organisation."),
            extra={"fields": {"corporate_number": [_("Already registered to another organisation.")]}},
        ) from None
    set_terms(
        organisation,
        {
            "sectors": ("sectors", data.get("sectors")),
            "capabilities": ("capabilities", data.get("capabilities")),
            "certifications": ("certifications", data.get("certifications")),
        },
    )
    audit_record(
        actor=actor,
        action="organisation.update",
        obj=organisation,
        before=snapshot,
        after=audit_snapshot(organisation, audited, **_term_codes(organisation, ORGANISATION_TERMS)),
    )
    signals.profile_changed.send(sender=Organisation, organisation_id=organisation.pk, expert_id=None)
    return organisation


@transaction.atomic
def expert_profile_update(*, profile: ExpertProfile, data: dict[str, Any], actor: User | None = None) -> ExpertProfile:
    profile = ExpertProfile.objects.select_for_update().get(pk=profile.pk)
    snapshot = audit_snapshot(profile, EXPERT_FIELDS, **_term_codes(profile, EXPERT_TERMS))
    for field in EXPERT_FIELDS:
        if field in data:
            setattr(profile, field, data[field])
    _full_clean(profile)
    profile.save()
    term_map = TermMap()
    set_terms(
        profile,
        {
            "sectors": ("sectors", data.get("sectors")),
            "skills": ("need_categories", data.get("skills")),
            "regions": ("prefectures", data.get("regions")),
        },
        term_map,
    )
    audit_record(
        actor=actor or profile.user,
        action="expert_profile.update",
        obj=profile,
        before=snapshot,
        after=audit_snapshot(profile, EXPERT_FIELDS, **_term_codes(profile, EXPERT_TERMS)),
    )
    signals.profile_changed.send(sender=ExpertProfile, organisation_id=None, expert_id=profile.pk)
    return profile


@transaction.atomic
def invitation_create(*, organisation: Organisation, actor: User, email: str, role: str = "member") -> Invitation:
    """Invite a colleague; only owners may invite. The e-mail goes out after commit."""
    if not user_is_owner(user=actor, organisation=organisation):
        raise PermissionDenied(_("Only owners of the organisation can invite colleagues."))
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise ApplicationError(
            _("%(email)s is already a member.") % {"email": email},
            extra={"fields": {"email": [_("Already a member.")]}},
        )
    invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, invited_by=actor)
    audit_record(actor=actor, action="invitation.create", obj=invitation, note=role)
    link = f"{settings.SITE_URL}/accounts/invitations/{invitation.token}/"

    def send() -> None:
        with translation.override(actor.locale):
            send_mail(
                subject=_("Invitation to join %(name)s on Tsunagu") % {"name": organisation.name},
                message=_("%(inviter)s invited you to join %(name)s on Tsunagu.\n\nAccept the invitation: %(link)s")
                % {"inviter": actor.get_full_name(), "name": organisation.name, "link": link},
                from_email=None,
                recipient_list=[email],
            )

    mail_on_commit(send, what="an invitation")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    # Lock the invitation so two tabs accepting at once create one membership.
    invitation = Invitation.objects.select_for_update().filter(token=token, accepted_at__isnull=True).first()
    if invitation is None:
        raise ApplicationError(_("This invitation is invalid or has already been used."))
    if invitation.email != user.email.lower():
        raise PermissionDenied(_("This invitation was sent to a different e-mail address."))
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=user, action="membership.join", obj=membership, note=f"invitation {invitation.pk}")
    return membership


@transaction.atomic
def organisation_set_vetting(
    *, organisation: Organisation, actor: User, status: str, reason: str, note: str = ""
) -> Organisation:
    """Bureau staff grant or refuse access to restricted opportunities, with a reason.

    Allowed to Django staff, and to owners of a bureau organisation whose
    region contains the organisation's prefecture (a bureau without a
    prefecture covers the whole country). Plain bureau members see aggregates
    only, so they cannot vet.

    `status` is Vetting.VETTED or Vetting.REJECTED; `reason` one of
    Organisation.vetting_reasons(status); `note` is internal, and required for
    the reason "other". The organisation may learn the reason, never the note.
    """
    if not selectors.user_can_vet(user=actor, organisation=organisation):
        raise PermissionDenied(_("Only bureau staff can vet organisations."))
    reasons = Organisation.vetting_reasons(status)
    if not reasons:  # "none" and "pending" are not decisions
        raise ApplicationError(
            _("Choose approve or reject."), extra={"fields": {"status": [_("Choose approve or reject.")]}}
        )
    note = (note or "").strip()
    if not reason:
        raise ApplicationError(
            _("Choose a reason for the decision."),
            extra={"fields": {"reason": [_("Choose a reason for the decision.")]}},
        )
    if reason not in reasons:
        raise ApplicationError(
            _("This reason does not fit the decision: choose one of the reasons listed for it."),
            extra={"fields": {"reason": [_("Choose one of the reasons listed for this decision.")]}},
        )
    if reason == Organisation.VettingReason.OTHER and not note:
        raise ApplicationError(
            _("Explain the decision in the note when the reason is “Other reason”."),
            extra={"fields": {"note": [_("Required when the reason is “Other reason”.")]}},
        )
    max_note = Organisation._meta.get_field("vetting_note").max_length or 0
    if len(note) > max_note:
        # The update below skips model validation; PostgreSQL would refuse the value, SQLite would keep it.
        raise ApplicationError(
            _("The note can be at most %(max)d characters.") % {"max": max_note},
            extra={"fields": {"note": [_("At most %(max)d characters.") % {"max": max_note}]}},
        )
    # Lock the row so that the audit's "before" is the decision this one replaces, even when two
    # officers decide at the same moment (the second then waits and records the first as its "before").
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = {field: getattr(current, field) for field in VETTING_FIELDS}
    after = {"vetting_status": str(status), "vetting_reason": str(reason), "vetting_note": note}
    Organisation.objects.filter(pk=organisation.pk).update(**after, vetted_by=actor, vetted_at=timezone.now())
    organisation.refresh_from_db()
    # Every decision is kept here; the organisation row holds only the latest.
    audit_record(
        actor=actor,
        action="organisation.vetting",
        obj=organisation,
        before=before,
        after=after,
        always=True,  # a decision that confirms the previous one is still a decision
    )
    return organisation
