"""Programmes API v1: the catalogue, an SME's eligibility for a need, paid engagements, their work log and
statements (CSV, XLSX), and the expert directory's list (filterable by programme registration)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.api import ActorApiMixin
from accounts.models import Organisation
from accounts.scope import bureau_scope_for_user
from core.api.pagination import Pagination
from core.api.views import paginated_response
from core.exceptions import NotFound, PermissionDenied
from core.spreadsheets import XLSX_TYPE
from matching import selectors as matching_selectors
from matching.apis import ExpertDirectoryOutputSerializer
from opportunities import selectors as opportunity_selectors
from programmes import dispatch, dispatch_selectors, selectors, services
from programmes.eligibility import Eligibility
from programmes.models import PaidEngagement, Programme
from programmes.statements import parse_month, statement_response
from reference import vocabulary


class RoundSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()


class ProgrammeOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name_ja = serializers.CharField()
    name_en = serializers.CharField()
    owner = serializers.CharField()
    prefecture = serializers.CharField()
    purpose_ja = serializers.CharField()
    need_categories = serializers.ListField(child=serializers.CharField())
    subsidy_rate = serializers.CharField()
    cap_jpy = serializers.IntegerField(allow_null=True)
    cap_per_year_jpy = serializers.IntegerField(allow_null=True)
    hourly_rate_jpy = serializers.IntegerField(allow_null=True)
    copay_per_hour_jpy = serializers.IntegerField(allow_null=True)
    cap_per_firm_jpy = serializers.IntegerField(allow_null=True)
    cap_per_expert_jpy = serializers.IntegerField(allow_null=True)
    visit_cap_per_firm = serializers.IntegerField(allow_null=True)
    eligibility = serializers.ListField(child=serializers.DictField())
    kpis = serializers.ListField(child=serializers.DictField())
    sources = serializers.DictField(child=serializers.CharField())
    rounds = RoundSerializer(many=True, source="rounds.all")


class ProgrammeListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        owner = serializers.ChoiceField(choices=["meti", "smrj", "prefecture"], required=False)
        paid = serializers.BooleanField(required=False, help_text="Only programmes that pay expert hours.")

    @extend_schema(parameters=[FilterSerializer], responses=ProgrammeOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.programme_list(filters=filters.validated_data)
        return paginated_response(queryset=qs, serializer_class=ProgrammeOutputSerializer, request=request, view=self)


class ProgrammeDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=ProgrammeOutputSerializer)
    def get(self, request: Request, code: str) -> Response:
        return Response(ProgrammeOutputSerializer(selectors.programme_get(code=code)).data)


class EligibilityOutputSerializer(serializers.Serializer[Any]):
    programme = serializers.SerializerMethodField()
    eligible = serializers.BooleanField()
    passed = serializers.SerializerMethodField()
    failed = serializers.SerializerMethodField()
    unknown = serializers.SerializerMethodField(help_text="Rules the profile cannot decide (e.g. no capital given).")
    to_arrange = serializers.SerializerMethodField(help_text="What the SME must arrange: partners, documents.")
    next_deadline = serializers.DateField(allow_null=True)

    def get_programme(self, obj: Eligibility) -> dict[str, str]:
        return {"code": obj.programme.code, "name_ja": obj.programme.name_ja, "name_en": obj.programme.name_en}

    def _reasons(self, rules: list[Any]) -> list[dict[str, str]]:
        return [{"rule": r.kind, "reason": r.reason} for r in rules]

    def get_passed(self, obj: Eligibility) -> list[dict[str, str]]:
        return self._reasons(obj.passed)

    def get_failed(self, obj: Eligibility) -> list[dict[str, str]]:
        return self._reasons(obj.failed)

    def get_unknown(self, obj: Eligibility) -> list[dict[str, str]]:
        return self._reasons(obj.unknown)

    def get_to_arrange(self, obj: Eligibility) -> list[dict[str, str]]:
        return self._reasons(obj.to_arrange)


class NeedProgrammesApi(ActorApiMixin, APIView):
    """The programmes serving a need's category that its SME qualifies for (all, with ?all=true)."""

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="Also the programmes the SME does not qualify for.")],
        responses=EligibilityOutputSerializer(many=True),
    )
    def get(self, request: Request, need_id: int) -> Response:
        need = opportunity_selectors.need_get(user=self.actor(request), need_id=need_id)
        results = selectors.programmes_for(
            organisation=need.organisation,
            category=need.category,
            include_ineligible=request.query_params.get("all") in ("1", "true", "True"),
        )
        return Response(EligibilityOutputSerializer(results, many=True).data)


class EntryOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    worked_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    description = serializers.CharField()
    amount_jpy = serializers.IntegerField()
    copay_jpy = serializers.IntegerField()
    status = serializers.CharField()
    dispute_reason = serializers.CharField()


class PaidEngagementOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    programme = serializers.CharField(source="programme.code")
    organisation = serializers.CharField(source="organisation.name")
    expert = serializers.CharField(source="expert.name")
    introduction = serializers.IntegerField(source="introduction_id", allow_null=True)
    hourly_rate_jpy = serializers.IntegerField()
    copay_per_hour_jpy = serializers.IntegerField()
    entries = EntryOutputSerializer(many=True, source="entries.all")
    cap_use = serializers.SerializerMethodField()

    def get_cap_use(self, obj: PaidEngagement) -> dict[str, int]:
        use = selectors.cap_use(obj)
        return {
            "firm_jpy": use.firm_jpy,
            "expert_jpy": use.expert_jpy,
            "programme_jpy": use.programme_jpy,
            "firm_visits": use.firm_visits,
        }


class PaidEngagementListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class InputSerializer(serializers.Serializer[Any]):
        introduction = serializers.IntegerField(help_text="An accepted introduction of the SME's need to an expert.")
        programme = serializers.CharField(help_text="The code of a programme that pays expert hours.")

    @extend_schema(responses=PaidEngagementOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.paid_engagement_list(user=self.actor(request)).prefetch_related("entries")
        return paginated_response(
            queryset=qs, serializer_class=PaidEngagementOutputSerializer, request=request, view=self
        )

    @extend_schema(request=InputSerializer, responses={201: PaidEngagementOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = self.actor(request)
        introduction = matching_selectors.introduction_get(
            user=actor, introduction_id=serializer.validated_data["introduction"]
        )
        programme = selectors.programme_get(code=serializer.validated_data["programme"])
        engagement = services.paid_engagement_start(actor=actor, introduction=introduction, programme=programme)
        return Response(PaidEngagementOutputSerializer(engagement).data, status=status.HTTP_201_CREATED)


class PaidEngagementDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=PaidEngagementOutputSerializer)
    def get(self, request: Request, engagement_id: int) -> Response:
        engagement = selectors.paid_engagement_get(user=self.actor(request), engagement_id=engagement_id)
        return Response(PaidEngagementOutputSerializer(engagement).data)


class WorkEntryCreateApi(ActorApiMixin, APIView):
    class InputSerializer(serializers.Serializer[Any]):
        worked_on = serializers.DateField()
        hours = serializers.DecimalField(
            max_digits=4, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal("24")
        )
        description = serializers.CharField(max_length=2000)

    @extend_schema(request=InputSerializer, responses={201: EntryOutputSerializer})
    def post(self, request: Request, engagement_id: int) -> Response:
        actor = self.actor(request)
        engagement = selectors.paid_engagement_get(user=actor, engagement_id=engagement_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.worklog_submit(actor=actor, engagement=engagement, **serializer.validated_data)
        return Response(EntryOutputSerializer(entry).data, status=status.HTTP_201_CREATED)


class WorkEntryDecideApi(ActorApiMixin, APIView):
    """POST confirm (no body) or dispute ({"reason": …}) one entry, as a member of the SME."""

    confirm = True

    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    @extend_schema(request=InputSerializer, responses=EntryOutputSerializer)
    def post(self, request: Request, entry_id: int) -> Response:
        actor = self.actor(request)
        entry = selectors.entry_get(user=actor, entry_id=entry_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.worklog_decide(
            actor=actor, entry=entry, confirm=self.confirm, reason=serializer.validated_data["reason"]
        )
        return Response(EntryOutputSerializer(entry).data)


class StatementApi(ActorApiMixin, APIView):
    """GET the signed-in expert's monthly statement of confirmed work as CSV (?month=YYYY-MM)."""

    fmt = "csv"

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default: this month.")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:
        actor = self.actor(request)
        expert = getattr(actor, "expert_profile", None)
        if expert is None:
            raise NotFound(_("Only experts have statements."))
        month = parse_month(request.query_params.get("month", ""))
        rows = selectors.statement_rows(month=month, expert=expert)
        return statement_response(
            rows, fmt=self.fmt, stem=f"statement-{month:%Y-%m}", header=selectors.STATEMENT_COLUMNS, month=month
        )


# A sibling path rather than ?format=xlsx: DRF reads `format` to pick a renderer and answers 404
# to one it does not have. The pages offer statement.csv and statement.xlsx the same way.
class StatementXlsxApi(StatementApi):
    """GET the same statement as XLSX (?month=YYYY-MM): the CSV's header and rows, yen and hours as numbers,
    dates as dates, a totals line, the month in the sheet's title."""

    fmt = "xlsx"

    @extend_schema(
        operation_id="v1_paid_engagements_statement_xlsx_retrieve",
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default: this month.")],
        responses={(200, XLSX_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> HttpResponse:
        return super().get(request)


# Served from programmes, not matching, for its programme filter: matching may not import programmes
# (tests/test_architecture.py). The profile (GET experts/<id>/) and the output serializer stay in matching.apis.
class ExpertListApi(ActorApiMixin, APIView):
    """The expert directory: any logged-in user may search it."""

    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        skill = serializers.ChoiceField(choices=list(vocabulary.entries("need_categories")), required=False)
        sector = serializers.ChoiceField(choices=list(vocabulary.entries("sectors")), required=False)
        region = serializers.ChoiceField(
            choices=list(vocabulary.entries("prefectures")),
            required=False,
            help_text="A prefecture served (nationwide experts match).",
        )
        expert_type = serializers.ChoiceField(choices=list(vocabulary.entries("expert_types")), required=False)
        available = serializers.BooleanField(
            required=False, default=False, help_text="Only experts with free capacity."
        )
        programme = serializers.CharField(
            required=False,
            max_length=40,
            help_text="An active programme's code (or id): only the experts registered with it.",
        )

        def validate_programme(self, value: str) -> Programme:
            try:
                return selectors.programme_find(key=value)
            except NotFound:
                raise serializers.ValidationError(_("No active programme has this code or id.")) from None

    @extend_schema(parameters=[FilterSerializer], responses=ExpertDirectoryOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        experts = selectors.expert_directory_list(filters=filters.validated_data)
        return paginated_response(
            queryset=experts, serializer_class=ExpertDirectoryOutputSerializer, request=request, view=self
        )


# --- Prefectural expert dispatch ---------------------------------------------------------------------------------


class DispatchRequestOutputSerializer(serializers.Serializer[Any]):
    """A dispatch request as its parties see it: no contact details (those travel by the desk)."""

    id = serializers.IntegerField()
    programme = serializers.CharField(source="programme.code")
    organisation = serializers.CharField(source="organisation.name")
    need = serializers.IntegerField(source="need_id", allow_null=True)
    description = serializers.CharField()
    status = serializers.CharField()
    expert = serializers.SerializerMethodField()
    visits = serializers.IntegerField(source="visit_count")
    created_at = serializers.DateTimeField()
    screened_at = serializers.DateTimeField(allow_null=True)
    reported_at = serializers.DateTimeField(allow_null=True)

    def get_expert(self, obj: Any) -> str | None:
        return obj.expert.name if obj.expert is not None else None


class DispatchRequestListApi(ActorApiMixin, APIView):
    """The requests the caller takes part in; POST: an SME member applies to its prefecture's programme."""

    pagination_class = Pagination

    class InputSerializer(serializers.Serializer[Any]):
        programme = serializers.CharField(help_text="An active dispatch programme (code) of the firm's prefecture.")
        description = serializers.CharField(max_length=4000, help_text="What the firm needs help with.")
        need = serializers.IntegerField(required=False, help_text="The firm's need it is about, if any.")

    @extend_schema(responses=DispatchRequestOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = self.actor(request)
        qs = dispatch_selectors.dispatch_list(user=user, scope=bureau_scope_for_user(user=user))
        return paginated_response(
            queryset=qs, serializer_class=DispatchRequestOutputSerializer, request=request, view=self
        )

    @extend_schema(request=InputSerializer, responses={201: DispatchRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = self.actor(request)
        organisation = account_selectors.user_organisation(user=user)
        if organisation is None or organisation.kind != Organisation.Kind.SME:
            raise PermissionDenied(_("Only members of the firm can apply for it."))
        programme = selectors.programme_get(code=serializer.validated_data["programme"])
        need = None
        if "need" in serializer.validated_data:
            need = opportunity_selectors.need_get(user=user, need_id=serializer.validated_data["need"])
        created = dispatch.dispatch_apply(
            actor=user,
            programme=programme,
            organisation=organisation,
            description=serializer.validated_data["description"],
            need=need,
        )
        fresh = dispatch_selectors.dispatch_get(user=user, request_id=created.pk)
        return Response(DispatchRequestOutputSerializer(fresh).data, status=status.HTTP_201_CREATED)


class DispatchRequestDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=DispatchRequestOutputSerializer)
    def get(self, request: Request, request_id: int) -> Response:
        user = self.actor(request)
        scope = bureau_scope_for_user(user=user)
        found = dispatch_selectors.dispatch_get(user=user, request_id=request_id, scope=scope)
        return Response(DispatchRequestOutputSerializer(found).data)
