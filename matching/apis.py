"""Matching API (/api/v1/): recommendations, introductions and their transitions, conflicts, inbox.

Visibility is decided by the selectors: anything a user may not see answers
404, the same as a missing row, so outsiders learn nothing. A user who sees
an introduction but may not perform an action on it gets 403.
Compatibility: adding fields is fine; type changes and new required inputs need /api/v2/.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.api import ActorApiMixin
from accounts.models import User
from core.api.pagination import Pagination
from core.api.views import paginated_response
from matching import selectors
from matching.models import MAX_OUTCOME_VALUE_JPY, Introduction
from matching.services import conflicts as conflict_services
from matching.services import introductions as services
from matching.services.notifications import notification_mark_read
from reference.fields import CodeListField


def _candidate(obj: Any) -> dict[str, Any]:
    if obj.expert_id:
        return {"kind": "expert", "id": obj.expert_id, "name": obj.expert.name, "prefecture": obj.expert.prefecture}
    org = obj.organisation
    return {"kind": org.kind, "id": org.pk, "name": org.name, "prefecture": org.prefecture}


def _query(obj: Any) -> dict[str, Any]:
    query = obj.query
    return {
        "kind": "need" if obj.need_id else "opportunity",
        "id": query.pk,
        "title": query.title,
        "organisation": query.organisation.name,
    }


class RecommendationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    policy = serializers.CharField()
    model_version = serializers.CharField()
    generated_at = serializers.DateTimeField()
    candidate = serializers.SerializerMethodField()
    introduction = serializers.SerializerMethodField()

    def get_candidate(self, obj: Any) -> dict[str, Any]:
        return _candidate(obj)

    def get_introduction(self, obj: Any) -> dict[str, Any] | None:
        intro = self.context.get("introductions", {}).get((obj.query_key, obj.candidate_key))
        return {"id": intro.pk, "status": intro.status} if intro else None


class EventSerializer(serializers.Serializer[Any]):
    # The actor is shown as a side, not a name: names are contact details until acceptance.
    side = serializers.CharField(source="actor_side")
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class OutcomeSerializer(serializers.Serializer[Any]):
    side = serializers.CharField()
    deal = serializers.BooleanField()
    value_jpy = serializers.IntegerField(allow_null=True)
    feedback = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    updated_at = serializers.DateTimeField()


class IntroductionOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    query = serializers.SerializerMethodField()
    candidate = serializers.SerializerMethodField()
    my_sides = serializers.SerializerMethodField()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.FloatField(allow_null=True)
    model_version = serializers.CharField()
    request_message = serializers.CharField()
    answer_message = serializers.CharField()
    decline_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    requested_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    contacts = serializers.SerializerMethodField()

    def get_query(self, obj: Introduction) -> dict[str, Any]:
        return _query(obj)

    def get_candidate(self, obj: Introduction) -> dict[str, Any]:
        return _candidate(obj)

    def get_my_sides(self, obj: Introduction) -> list[str]:
        return sorted(selectors.introduction_sides(user=self.context["user"], introduction=obj))

    def get_contacts(self, obj: Introduction) -> dict[str, Any] | None:
        return selectors.introduction_contacts(introduction=obj)


class IntroductionDetailSerializer(IntroductionOutputSerializer):
    events = EventSerializer(many=True)
    outcomes = OutcomeSerializer(many=True)
    engagement = serializers.SerializerMethodField()

    def get_engagement(self, obj: Introduction) -> dict[str, Any] | None:
        engagement = getattr(obj, "engagement", None)
        if engagement is None:
            return None
        return {
            "accepted_at": engagement.accepted_at,
            "started_at": engagement.started_at,
            "closed_at": engagement.closed_at,
        }


def _detail(request: Request, user: User, introduction_id: int, code: int = status.HTTP_200_OK) -> Response:
    introduction = selectors.introduction_get(user=user, introduction_id=introduction_id)
    return Response(IntroductionDetailSerializer(introduction, context={"user": user}).data, status=code)


class _RecommendationListApi(ActorApiMixin, APIView):
    def _render(self, request: Request, query: Any) -> Response:
        recs = list(selectors.recommendation_list(query=query))
        keys = list({r.query_key for r in recs})
        context = {"introductions": selectors.introductions_by_key(query_keys=keys)}
        return Response({"results": RecommendationOutputSerializer(recs, many=True, context=context).data})


class NeedRecommendationListApi(_RecommendationListApi):
    @extend_schema(responses=RecommendationOutputSerializer(many=True))
    def get(self, request: Request, need_id: int) -> Response:
        need = selectors.need_get_for_owner(user=self.actor(request), need_id=need_id)
        return self._render(request, need)


class OpportunityRecommendationListApi(_RecommendationListApi):
    @extend_schema(responses=RecommendationOutputSerializer(many=True))
    def get(self, request: Request, opportunity_id: int) -> Response:
        opportunity = selectors.opportunity_get_for_owner(user=self.actor(request), opportunity_id=opportunity_id)
        return self._render(request, opportunity)


class MessageInputSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class RecommendationRequestApi(ActorApiMixin, APIView):
    @extend_schema(request=MessageInputSerializer, responses={201: IntroductionDetailSerializer})
    def post(self, request: Request, recommendation_id: int) -> Response:
        user = self.actor(request)
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rec = selectors.recommendation_get_for_owner(user=user, recommendation_id=recommendation_id)
        introduction = services.recommendation_request(
            actor=user, recommendation=rec, message=serializer.validated_data["message"]
        )
        return _detail(request, user, introduction.pk, status.HTTP_201_CREATED)


class RecommendationDismissApi(ActorApiMixin, APIView):
    @extend_schema(request=None, responses=IntroductionDetailSerializer)
    def post(self, request: Request, recommendation_id: int) -> Response:
        user = self.actor(request)
        rec = selectors.recommendation_get_for_owner(user=user, recommendation_id=recommendation_id)
        introduction = services.recommendation_dismiss(actor=user, recommendation=rec)
        return _detail(request, user, introduction.pk)


class IntroductionListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(serializers.Serializer[Any]):
        state = serializers.ChoiceField(choices=Introduction.State.choices, required=False)
        role = serializers.ChoiceField(choices=[selectors.REQUESTER, selectors.CANDIDATE], required=False)
        turn = serializers.ChoiceField(
            choices=[selectors.YOURS, selectors.THEIRS],
            required=False,
            help_text="Requests waiting for your answer (yours) or for the other side's (theirs).",
        )
        need = serializers.IntegerField(required=False)
        opportunity = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=IntroductionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        user = self.actor(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.introduction_list(user=user, filters=filters.validated_data)

        # The sides shown per row depend on the viewer: bind it into the serializer's context.
        output = cast(type[serializers.Serializer[Any]], partial(IntroductionOutputSerializer, context={"user": user}))
        return paginated_response(queryset=qs, serializer_class=output, request=request, view=self)


class IntroductionDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=IntroductionDetailSerializer)
    def get(self, request: Request, introduction_id: int) -> Response:
        return _detail(request, self.actor(request), introduction_id)


class _TransitionApi(ActorApiMixin, APIView):
    """POST performs one transition; the body is parsed by InputSerializer."""

    InputSerializer: type[serializers.Serializer[Any]] = MessageInputSerializer

    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, introduction_id: int) -> Response:
        user = self.actor(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        introduction = selectors.introduction_get(user=user, introduction_id=introduction_id)
        self.perform(actor=user, introduction=introduction, data=serializer.validated_data)
        return _detail(request, user, introduction_id)


class IntroductionRequestApi(_TransitionApi):
    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_request(actor=actor, introduction=introduction, message=data["message"])


class IntroductionWithdrawApi(_TransitionApi):
    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_withdraw(actor=actor, introduction=introduction, note=data["message"])


class IntroductionAcceptApi(_TransitionApi):
    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_accept(actor=actor, introduction=introduction, message=data["message"])


class DeclineInputSerializer(MessageInputSerializer):
    reason = serializers.ChoiceField(choices=Introduction.DeclineReason.choices, required=False, allow_blank=True)


class IntroductionDeclineApi(_TransitionApi):
    InputSerializer = DeclineInputSerializer

    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_decline(
            actor=actor, introduction=introduction, message=data["message"], reason=data.get("reason", "")
        )


class IntroductionDismissApi(_TransitionApi):
    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_dismiss(actor=actor, introduction=introduction)


class IntroductionStartApi(_TransitionApi):
    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_start(actor=actor, introduction=introduction, note=data["message"])


class CloseInputSerializer(MessageInputSerializer):
    deal = serializers.BooleanField()


class IntroductionCloseApi(_TransitionApi):
    InputSerializer = CloseInputSerializer

    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.introduction_close(actor=actor, introduction=introduction, deal=data["deal"], note=data["message"])


class OutcomeInputSerializer(serializers.Serializer[Any]):
    deal = serializers.BooleanField()
    value_jpy = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_OUTCOME_VALUE_JPY)
    feedback = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class IntroductionOutcomeApi(_TransitionApi):
    InputSerializer = OutcomeInputSerializer

    def perform(self, *, actor: User, introduction: Introduction, data: dict[str, Any]) -> None:
        services.outcome_record(
            actor=actor,
            introduction=introduction,
            deal=data["deal"],
            value_jpy=data.get("value_jpy"),
            feedback=data.get("feedback"),
            comment=data["comment"],
        )


class ConflictOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    reason = serializers.CharField()
    declared_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_declared_by(self, obj: Any) -> dict[str, Any]:
        if obj.expert_id:
            return {"kind": "expert", "id": obj.expert_id}
        return {"kind": "organisation", "id": obj.declared_by_organisation_id}


class ConflictListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class InputSerializer(serializers.Serializer[Any]):
        organisation = serializers.IntegerField()
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    @extend_schema(responses=ConflictOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = selectors.conflict_list(user=self.actor(request))
        return paginated_response(queryset=qs, serializer_class=ConflictOutputSerializer, request=request, view=self)

    @extend_schema(request=InputSerializer, responses={201: ConflictOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = conflict_services.conflict_create(
            actor=self.actor(request),
            organisation_id=serializer.validated_data["organisation"],
            reason=serializer.validated_data["reason"],
        )
        return Response(ConflictOutputSerializer(conflict).data, status=status.HTTP_201_CREATED)


class ConflictDetailApi(ActorApiMixin, APIView):
    @extend_schema(responses=ConflictOutputSerializer)
    def get(self, request: Request, conflict_id: int) -> Response:
        conflict = selectors.conflict_get(user=self.actor(request), conflict_id=conflict_id)
        return Response(ConflictOutputSerializer(conflict).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, conflict_id: int) -> Response:
        conflict = selectors.conflict_get(user=self.actor(request), conflict_id=conflict_id)
        conflict_services.conflict_delete(conflict=conflict, actor=self.actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    introduction = serializers.IntegerField(source="introduction_id", allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class NotificationListApi(ActorApiMixin, APIView):
    pagination_class = Pagination  # documented (and served) as a page: count, next, previous, results

    class FilterSerializer(serializers.Serializer[Any]):
        unread = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[FilterSerializer], responses=NotificationOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.notification_list(user=self.actor(request), unread=filters.validated_data["unread"])
        return paginated_response(
            queryset=qs, serializer_class=NotificationOutputSerializer, request=request, view=self
        )


class NotificationReadApi(ActorApiMixin, APIView):
    @extend_schema(request=None, responses=NotificationOutputSerializer)
    def post(self, request: Request, notification_id: int) -> Response:
        user = self.actor(request)
        notification = selectors.notification_get(user=user, notification_id=notification_id)
        notification_mark_read(user=user, notification_id=notification.pk)
        notification.refresh_from_db()
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(ActorApiMixin, APIView):
    @extend_schema(request=None, responses={200: None})
    def post(self, request: Request) -> Response:
        return Response({"marked": notification_mark_read(user=self.actor(request))})


# --- Expert directory: public profiles and track records, never contact details -----------------------------------
# The list (GET experts/) is programmes.apis.ExpertListApi: its programme filter needs programmes.


class TrackRecordSerializer(serializers.Serializer[Any]):
    accepted = serializers.IntegerField(help_text="Introductions the candidate accepted (whatever happened next).")
    completed = serializers.IntegerField(help_text="Of those, closed with or without a deal.")
    deals = serializers.IntegerField(help_text="Closed with a deal.")
    feedback_average = serializers.FloatField(allow_null=True, help_text="Mean 1–5 feedback from requesters.")
    feedback_count = serializers.IntegerField()


class ExpertDirectoryOutputSerializer(serializers.Serializer[Any]):
    """An expert's public profile. No e-mail or phone: those are shared only after an accepted introduction."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    expert_type = serializers.CharField()
    prefecture = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name", default="", allow_null=True)
    sectors = CodeListField()
    skills = CodeListField()
    regions = CodeListField(help_text="Prefectures served; empty means nationwide.")
    capacity = serializers.IntegerField()
    free_capacity = serializers.IntegerField(source="free")
    bio = serializers.CharField()


class ExpertDetailApi(ActorApiMixin, APIView):
    class OutputSerializer(ExpertDirectoryOutputSerializer):
        track_record = TrackRecordSerializer()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, expert_id: int) -> Response:
        expert = account_selectors.expert_directory_get(expert_id=expert_id)
        record = selectors.candidate_track_record(expert=expert)
        # The profile's fields as in the list, plus the track record (a dataclass, not a model attribute).
        return Response(
            {**ExpertDirectoryOutputSerializer(expert).data, "track_record": TrackRecordSerializer(record).data}
        )
