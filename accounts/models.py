from __future__ import annotations

import operator
import secrets
import zoneinfo
from functools import cache, reduce
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import rules
from core.models import optional_user
from reference import vocabulary
from reference.models import term_field


@cache
def _time_zones() -> frozenset[str]:
    # Read from the tz database once per process (it lists ~600 files).
    return frozenset(zoneinfo.available_timezones())


def time_zone_is_valid(value: str) -> bool:
    return value in _time_zones()


def validate_time_zone(value: str) -> None:
    if not time_zone_is_valid(value):
        raise ValidationError(
            _("Unknown time zone %(value)s (use a name such as Asia/Tokyo)."),
            params={"value": value},
            code="invalid_time_zone",
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    locale = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="ja")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone])
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    email_verified_at = models.DateTimeField(_("e-mail address confirmed at"), null=True, blank=True)
    terms_accepted_at = models.DateTimeField(_("terms and privacy policy accepted at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() leaves the new password in _password until save(): a changed password
        # ends every API token, as it ends every other session.
        password_changed = self.pk is not None and getattr(self, "_password", None) is not None
        super().save(*args, **kwargs)
        if password_changed:
            from knox.models import AuthToken

            AuthToken.objects.filter(user=self).delete()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email

    @property
    def zone(self) -> str:
        """The time zone to show this user's times in: theirs, or the site's if the stored one is unknown.

        Rows written before the field had a validator (or by hand) may hold a bad name,
        which would make every page that renders in the user's zone fail.
        """
        return self.time_zone if time_zone_is_valid(self.time_zone) else settings.TIME_ZONE


def validate_corporate_number(value: str) -> None:
    if not rules.corporate_number_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid corporate number (13 digits with a correct check digit)."),
            params={"value": value},
            code="invalid_corporate_number",
        )


def validate_prefecture(value: str) -> None:
    if value and not vocabulary.is_valid("prefectures", value):
        raise ValidationError(_("Unknown prefecture code %(value)s."), params={"value": value})


class IndustryDetail(models.TextChoices):
    """The 政令 sub-industries with their own SME limits (rules: accounts.rules.INDUSTRY_EXCEPTIONS)."""

    RUBBER_PRODUCTS = "rubber_products", _("Rubber products manufacturing (ゴム製品製造業)")
    SOFTWARE_IT = "software_it", _("Software or information processing services (ソフトウェア業・情報処理サービス業)")
    RYOKAN = "ryokan", _("Inns and hotels (旅館業・宿泊業)")
    ENTERTAINMENT = "entertainment", _("Entertainment (娯楽業)")


class VettingReason(models.TextChoices):
    """Why a bureau approved or rejected an organisation: a short fixed list, so decisions can be counted and explained.

    The organisation may see its reason (the API shows it); the free-text note next to it stays internal.
    """

    # Approvals.
    IDENTITY_CONFIRMED = (
        "identity_confirmed",
        _("Corporate number and address checked against the National Tax Agency register"),
    )
    KNOWN_SUPPLIER = "known_supplier", _("Track record with public bodies confirmed")
    # Rejections.
    IDENTITY_UNCONFIRMED = "identity_unconfirmed", _("Corporate number or address could not be confirmed")
    NOT_ELIGIBLE = "not_eligible", _("Does not meet the opportunity programme's requirements")
    SECURITY_CONCERN = "security_concern", _("Security or export-control concern")
    DUPLICATE = "duplicate", _("Duplicate registration")
    OTHER = "other", _("Other reason")


# The reasons that fit each decision, keyed by Organisation.Vetting value (module level so that the model's
# Meta can build its constraint from the same list). "other" needs a note, which the service enforces.
VettingReasons = tuple[VettingReason, ...]
VETTING_REASONS: dict[str, VettingReasons] = {
    "vetted": (VettingReason.IDENTITY_CONFIRMED, VettingReason.KNOWN_SUPPLIER),
    "rejected": (
        VettingReason.IDENTITY_UNCONFIRMED,
        VettingReason.NOT_ELIGIBLE,
        VettingReason.SECURITY_CONCERN,
        VettingReason.DUPLICATE,
        VettingReason.OTHER,
    ),
}


EMPLOYEES_HELP = _("Regular employees (常時使用する従業員): owners, part-time and casual staff are not counted.")


class Organisation(models.Model):
    """A company or public body: an SME, a buyer, a support organisation or a bureau."""

    class Kind(models.TextChoices):
        SME = "sme", _("SME")
        BUYER = "buyer", _("Buyer")
        SUPPORT_ORG = "support_org", _("Support organisation")
        BUREAU = "bureau", _("Bureau")

    class Vetting(models.TextChoices):
        NONE = "none", _("Not requested")
        PENDING = "pending", _("Pending")
        VETTED = "vetted", _("Vetted")
        REJECTED = "rejected", _("Rejected")

    VettingReason = VettingReason

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    external_id = models.CharField(_("interchange id"), max_length=100, unique=True, null=True, blank=True)
    corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        null=True,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("13 digits. Leave empty for sole proprietors."),
    )
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True, validators=[validate_prefecture])
    description = models.TextField(_("description"), blank=True)
    sectors = term_field("sectors", _("sectors"))
    capabilities = term_field("capabilities", _("capabilities"))
    certifications = term_field("certifications", _("certifications"))
    industry = models.CharField(_("industry"), max_length=32, blank=True)
    industry_detail = models.CharField(
        _("sub-industry"),
        max_length=32,
        choices=IndustryDetail.choices,
        blank=True,
        help_text=_("Only for the sub-industries with their own SME limits under the SME Basic Act's cabinet order."),
    )
    capital_jpy = models.BigIntegerField(_("capital (yen)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True, help_text=EMPLOYEES_HELP)
    capacity = models.PositiveIntegerField(
        _("capacity"), default=3, help_text=_("Introductions the organisation can take on at the same time.")
    )
    active_engagements = models.PositiveIntegerField(
        _("engagements outside the platform"),
        default=0,
        help_text=_("Load recorded elsewhere (e.g. imported); engagements on the platform are added to it."),
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    vetting_status = models.CharField(
        _("vetting for restricted opportunities"), max_length=10, choices=Vetting.choices, default=Vetting.NONE
    )
    vetting_reason = models.CharField(_("vetting reason"), max_length=20, choices=VettingReason.choices, blank=True)
    vetting_note = models.CharField(
        _("vetting note"),
        max_length=500,
        blank=True,
        help_text=_("Internal: seen by bureau staff only, never by the organisation."),
    )
    vetted_by = optional_user(_("vetted by"))
    vetted_at = models.DateTimeField(_("vetted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("corporate_number",),
                condition=models.Q(corporate_number__isnull=False),
                name="organisation_unique_corporate_number",
            ),
            models.CheckConstraint(
                condition=models.Q(capital_jpy__isnull=True) | models.Q(capital_jpy__gte=0),
                name="organisation_capital_non_negative",
            ),
            # A reason belongs to its decision; an organisation never vetted, or pending again, has none.
            models.CheckConstraint(
                condition=reduce(
                    operator.or_,
                    (
                        models.Q(vetting_status=status, vetting_reason__in=[r.value for r in reasons])
                        for status, reasons in VETTING_REASONS.items()
                    ),
                    models.Q(vetting_reason=""),
                ),
                name="organisation_vetting_reason_fits_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.industry and not vocabulary.is_valid("industries", self.industry):
            raise ValidationError({"industry": _("Unknown industry code %(code)s.") % {"code": self.industry}})
        exception = rules.INDUSTRY_EXCEPTIONS.get(self.industry_detail)
        if exception is not None and self.industry != exception.industry:
            raise ValidationError(
                {
                    "industry_detail": _("%(detail)s belongs to the industry %(industry)s.")
                    % {
                        "detail": self.get_industry_detail_display(),
                        "industry": vocabulary.label("industries", exception.industry),
                    }
                }
            )

    @property
    def size_class(self) -> rules.SizeClass | None:
        """Derived from industry, capital and employees; never stored or typed in."""
        if self.kind != self.Kind.SME:
            return None
        return rules.size_class(self.industry, self.capital_jpy, self.employees, self.industry_detail)

    @property
    def size_class_label(self) -> str:
        labels = {
            "small": _("Small enterprise"),
            "sme": _("SME"),
            "large": _("Mid-tier / large"),
        }
        return str(labels.get(self.size_class or "", _("Unknown")))

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture)

    @property
    def is_vetted(self) -> bool:
        return self.vetting_status == self.Vetting.VETTED

    @classmethod
    def vetting_reasons(cls, status: str) -> VettingReasons:
        """The reasons that fit a decision (none for statuses that are not a decision)."""
        return VETTING_REASONS.get(str(status), ())


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=("user", "organisation"), name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation for a colleague to join an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return self.email


class ExpertProfile(models.Model):
    """An expert (イノベP, DX coordinator, よろず adviser, …) who takes engagements."""

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="expert_profile", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experts",
        verbose_name=_("support organisation"),
    )
    external_id = models.CharField(_("interchange id"), max_length=100, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=150)
    expert_type = models.CharField(_("expert type"), max_length=32)
    prefecture = models.CharField(_("base prefecture"), max_length=2, blank=True, validators=[validate_prefecture])
    sectors = term_field("sectors", _("sectors"))
    skills = term_field("need_categories", _("skills"))
    regions = term_field("prefectures", _("regions served"), help_text=_("Empty means nationwide."))
    capacity = models.PositiveIntegerField(_("capacity"), default=3, help_text=_("Concurrent engagements."))
    active_engagements = models.PositiveIntegerField(_("engagements outside the platform"), default=0)
    bio = models.TextField(_("profile"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Set when the expert's account was erased but past introductions keep the (anonymised) row:
    # never recommended, listed or requested again.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not vocabulary.is_valid("expert_types", self.expert_type):
            raise ValidationError({"expert_type": _("Unknown expert type %(code)s.") % {"code": self.expert_type}})

    @property
    def expert_type_label(self) -> str:
        return vocabulary.label("expert_types", self.expert_type)

    @property
    def prefecture_label(self) -> str:
        return vocabulary.label("prefectures", self.prefecture)
