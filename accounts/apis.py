from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import privacy, selectors, services
from accounts.api import ActorApiMixin
from accounts.models import EMPLOYEES_HELP, IndustryDetail, validate_time_zone
from reference.fields import CodeListField


class LoginLockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed login attempts. Try again later.")
    default_code = "locked_out"


class AuthTokenApi(ActorApiMixin, APIView):
    """POST e-mail and password for a new API token; DELETE revokes the token the request carries.

    Tokens are stored hashed (django-rest-knox), expire after API_TOKEN_TTL_DAYS
    and all end when the password changes. POST is throttled and under the
    login lockout.
    """

    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField()
        expiry = serializers.DateTimeField(allow_null=True)

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(request=AuthTokenSerializer, responses=OutputSerializer, auth=[])
    def post(self, request: Request) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # django-axes flags the request while authenticating; the page's middleware
            # never sees a DRF request, so the lockout is answered here, in the API's format.
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut() from None
            raise
        token, expiry = services.api_token_create(user=serializer.validated_data["user"])
        return Response(self.OutputSerializer({"token": token, "expiry": expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if request.auth is None:
            raise exceptions.ValidationError(
                {"detail": [_("This request carries no API token to revoke (it is signed in by session).")]}
            )
        services.api_token_revoke(user=self.actor(request), token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthTokensApi(ActorApiMixin, APIView):
    """DELETE revokes every API token of the signed-in user (a lost laptop, a leaked script)."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        services.api_tokens_revoke_all(user=self.actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignupApi(APIView):
    permission_classes = (AllowAny,)
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer[Any]):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)
        full_name = serializers.CharField(required=False, allow_blank=True, default="")
        kind = serializers.ChoiceField(choices=["sme", "buyer", "support_org", "expert"])
        organisation_name = serializers.CharField(required=False, allow_blank=True, default="")
        expert_type = serializers.CharField(required=False, allow_blank=True, default="")
        locale = serializers.ChoiceField(choices=["ja", "en"], default="ja")
        accept_terms = serializers.BooleanField(
            required=False, default=False, help_text="The person accepted the terms of use and the privacy policy."
        )

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_signup_quiet(**serializer.validated_data)
        # The same answer whether or not the address already had an account (no user id:
        # it would tell them apart); GET /api/v1/me/ with the token gives it.
        return Response({"email": serializer.validated_data["email"].strip().lower()}, status=status.HTTP_201_CREATED)


class MeApi(ActorApiMixin, APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()
        phone = serializers.CharField()
        locale = serializers.CharField()
        time_zone = serializers.CharField()

    class InputSerializer(serializers.Serializer[Any]):
        full_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
        phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
        locale = serializers.ChoiceField(choices=["ja", "en"], required=False)
        time_zone = serializers.CharField(required=False, max_length=64, validators=[validate_time_zone])

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(self.actor(request)).data)

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=self.actor(request), data=serializer.validated_data)
        return Response(self.OutputSerializer(user).data)


class OrganisationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    corporate_number = serializers.CharField(allow_null=True)
    prefecture = serializers.CharField()
    description = serializers.CharField()
    sectors = CodeListField()
    capabilities = CodeListField()
    certifications = CodeListField()
    industry = serializers.CharField()
    industry_detail = serializers.CharField(
        help_text=_("A cabinet-order sub-industry with its own SME limits, or empty.")
    )
    capital_jpy = serializers.IntegerField(allow_null=True)
    employees = serializers.IntegerField(allow_null=True, help_text=EMPLOYEES_HELP)
    size_class = serializers.CharField(allow_null=True, help_text=_("Derived by 中小企業基本法; read-only."))
    capacity = serializers.IntegerField()
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    vetting_status = serializers.CharField()
    # The reason for the last vetting decision, so that a rejected firm learns why (read-only). The
    # officer's note stays internal and is never serialised.
    vetting_reason = serializers.CharField(
        help_text=_("Why the bureau approved or rejected the organisation (a reason code); empty when undecided.")
    )


class OrganisationDetailApi(ActorApiMixin, APIView):
    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(required=False, max_length=200)
        corporate_number = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=13)
        prefecture = serializers.CharField(required=False, allow_blank=True)
        description = serializers.CharField(required=False, allow_blank=True)
        sectors = serializers.ListField(child=serializers.CharField(), required=False)
        capabilities = serializers.ListField(child=serializers.CharField(), required=False)
        certifications = serializers.ListField(child=serializers.CharField(), required=False)
        industry = serializers.CharField(required=False, allow_blank=True)
        industry_detail = serializers.ChoiceField(
            choices=[("", ""), *IndustryDetail.choices], required=False, allow_blank=True
        )
        capital_jpy = serializers.IntegerField(required=False, allow_null=True, min_value=0)
        employees = serializers.IntegerField(required=False, allow_null=True, min_value=0, help_text=EMPLOYEES_HELP)
        capacity = serializers.IntegerField(required=False, min_value=0)
        contact_name = serializers.CharField(required=False, allow_blank=True)
        contact_email = serializers.EmailField(required=False, allow_blank=True)
        contact_phone = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=OrganisationOutputSerializer)
    def get(self, request: Request) -> Response:
        organisation = selectors.organisation_get_for_user(user=self.actor(request))
        return Response(OrganisationOutputSerializer(organisation).data)

    @extend_schema(request=InputSerializer, responses=OrganisationOutputSerializer)
    def patch(self, request: Request) -> Response:
        organisation = selectors.organisation_get_for_user(user=self.actor(request))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.organisation_update(
            organisation=organisation, actor=self.actor(request), data=serializer.validated_data
        )
        organisation = selectors.organisation_get_for_user(user=self.actor(request))
        return Response(OrganisationOutputSerializer(organisation).data)


class OrganisationInviteApi(ActorApiMixin, APIView):
    class InputSerializer(serializers.Serializer[Any]):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=["owner", "member"], default="member")

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        organisation = selectors.organisation_get_for_user(user=self.actor(request))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organisation=organisation, actor=self.actor(request), **serializer.validated_data
        )
        return Response({"id": invitation.pk, "email": invitation.email}, status=status.HTTP_201_CREATED)


class ExpertProfileOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    expert_type = serializers.CharField()
    prefecture = serializers.CharField()
    sectors = CodeListField()
    skills = CodeListField()
    regions = CodeListField()
    capacity = serializers.IntegerField()
    bio = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()


class ExpertProfileApi(ActorApiMixin, APIView):
    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(required=False, max_length=150)
        expert_type = serializers.CharField(required=False)
        prefecture = serializers.CharField(required=False, allow_blank=True)
        sectors = serializers.ListField(child=serializers.CharField(), required=False)
        skills = serializers.ListField(child=serializers.CharField(), required=False)
        regions = serializers.ListField(child=serializers.CharField(), required=False)
        capacity = serializers.IntegerField(required=False, min_value=0)
        bio = serializers.CharField(required=False, allow_blank=True)
        contact_email = serializers.EmailField(required=False, allow_blank=True)
        contact_phone = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=ExpertProfileOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(ExpertProfileOutputSerializer(selectors.expert_profile_for_user(user=self.actor(request))).data)

    @extend_schema(request=InputSerializer, responses=ExpertProfileOutputSerializer)
    def patch(self, request: Request) -> Response:
        profile = selectors.expert_profile_for_user(user=self.actor(request))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.expert_profile_update(profile=profile, data=serializer.validated_data, actor=self.actor(request))
        return Response(ExpertProfileOutputSerializer(selectors.expert_profile_for_user(user=self.actor(request))).data)


class MeExportApi(ActorApiMixin, APIView):
    """GET a copy of everything the platform holds about the signed-in user (JSON, 個人情報保護法)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        data = privacy.user_data_export(user=self.actor(request))
        response = Response(data)
        response["Content-Disposition"] = 'attachment; filename="tsunagu-my-data.json"'
        return response


class MeEraseApi(ActorApiMixin, APIView):
    """POST the password to erase the signed-in user's personal data; the account stops working at once."""

    class InputSerializer(serializers.Serializer[Any]):
        password = serializers.CharField(write_only=True)

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        privacy.user_erase(user=self.actor(request), password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
