from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import ActorApiMixin
from core.api.pagination import Pagination
from core.api.views import paginated_response
from opportunities import selectors, services
from opportunities.models import Status, TargetKind
from reference.fields import CodeListField


class CommonFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    prefecture = serializers.CharField(required=False)
    sector = serializers.CharField(required=False)
    target = serializers.ChoiceField(choices=TargetKind.choices, required=False)
    q = serializers.CharField(required=False, help_text="Words that must all appear in the title or description")


class NeedOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    category = serializers.CharField()
    category_label = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    sectors = CodeListField()
    prefecture = serializers.CharField()
    target = serializers.CharField()
    status = serializers.CharField()
    recommendations_status = serializers.CharField(
        help_text='Proposals: "" (not ranked), "pending" (being computed), "ready" or "failed"'
    )
    recommendations_at = serializers.DateTimeField(allow_null=True, help_text="When proposals were last computed")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NeedInputSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    sectors = serializers.ListField(child=serializers.CharField(), required=False)
    prefecture = serializers.CharField(required=False, allow_blank=True)
    target = serializers.ChoiceField(choices=[TargetKind.EXPERT, TargetKind.BUYER], required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class NeedListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(CommonFilterSerializer):
        category = serializers.CharField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=NeedOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        needs = selectors.need_list(user=self.actor(request), filters=filters.validated_data)
        return paginated_response(queryset=needs, serializer_class=NeedOutputSerializer, request=request, view=self)

    @extend_schema(request=NeedInputSerializer, responses={201: NeedOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = NeedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = services.need_create(actor=self.actor(request), data=serializer.validated_data)
        need = selectors.need_get(user=self.actor(request), need_id=need.pk)
        return Response(NeedOutputSerializer(need).data, status=status.HTTP_201_CREATED)


class NeedDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=NeedOutputSerializer)
    def get(self, request: Request, need_id: int) -> Response:
        return Response(NeedOutputSerializer(selectors.need_get(user=self.actor(request), need_id=need_id)).data)

    @extend_schema(request=NeedInputSerializer(partial=True), responses=NeedOutputSerializer)
    def patch(self, request: Request, need_id: int) -> Response:
        need = selectors.need_get(user=self.actor(request), need_id=need_id)
        serializer = NeedInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.need_update(need=need, data=serializer.validated_data, actor=self.actor(request))
        return Response(NeedOutputSerializer(selectors.need_get(user=self.actor(request), need_id=need_id)).data)


class OpportunityOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    title = serializers.CharField()
    description = serializers.CharField()
    sectors = CodeListField()
    prefecture = serializers.CharField()
    target = serializers.CharField()
    required_capabilities = CodeListField()
    required_certifications = CodeListField()
    deadline = serializers.DateField(allow_null=True)
    budget_jpy = serializers.IntegerField(allow_null=True)
    restricted = serializers.BooleanField()
    status = serializers.CharField()
    recommendations_status = serializers.CharField(
        help_text='Proposals: "" (not ranked), "pending" (being computed), "ready" or "failed"'
    )
    recommendations_at = serializers.DateTimeField(allow_null=True, help_text="When proposals were last computed")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OpportunityInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    sectors = serializers.ListField(child=serializers.CharField(), required=False)
    prefecture = serializers.CharField(required=False, allow_blank=True)
    required_capabilities = serializers.ListField(child=serializers.CharField(), required=False)
    required_certifications = serializers.ListField(child=serializers.CharField(), required=False)
    deadline = serializers.DateField(required=False, allow_null=True)
    budget_jpy = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    restricted = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class OpportunityListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(CommonFilterSerializer):
        capability = serializers.CharField(required=False)
        mine = serializers.BooleanField(required=False, help_text="Only my organisation's opportunities")

    @extend_schema(parameters=[FilterSerializer], responses=OpportunityOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.opportunity_list(user=self.actor(request), filters=filters.validated_data)
        return paginated_response(queryset=qs, serializer_class=OpportunityOutputSerializer, request=request, view=self)

    @extend_schema(request=OpportunityInputSerializer, responses={201: OpportunityOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = OpportunityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity = services.opportunity_create(actor=self.actor(request), data=serializer.validated_data)
        opportunity = selectors.opportunity_get(user=self.actor(request), opportunity_id=opportunity.pk)
        return Response(OpportunityOutputSerializer(opportunity).data, status=status.HTTP_201_CREATED)


class OpportunityDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=OpportunityOutputSerializer)
    def get(self, request: Request, opportunity_id: int) -> Response:
        opportunity = selectors.opportunity_get(user=self.actor(request), opportunity_id=opportunity_id)
        return Response(OpportunityOutputSerializer(opportunity).data)

    @extend_schema(request=OpportunityInputSerializer(partial=True), responses=OpportunityOutputSerializer)
    def patch(self, request: Request, opportunity_id: int) -> Response:
        opportunity = selectors.opportunity_get_for_owner(user=self.actor(request), opportunity_id=opportunity_id)
        serializer = OpportunityInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.opportunity_update(opportunity=opportunity, data=serializer.validated_data, actor=self.actor(request))
        opportunity = selectors.opportunity_get(user=self.actor(request), opportunity_id=opportunity_id)
        return Response(OpportunityOutputSerializer(opportunity).data)
