from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.mixins import ApiAuthMixin
from reference import selectors, vocabulary


class VocabularyListApi(ApiAuthMixin, APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        section = serializers.CharField()
        code = serializers.CharField()
        display = serializers.CharField(source="label", help_text="Label in the active language")
        label_ja = serializers.CharField()
        label_en = serializers.CharField()
        aliases_ja = serializers.ListField(child=serializers.CharField())

    class FilterSerializer(serializers.Serializer[Any]):
        section = serializers.ChoiceField(choices=vocabulary.section_choices(), required=False)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        terms = selectors.vocabulary_term_list(section=filters.validated_data.get("section"))
        # The vocabulary is small reference data: one unpaginated list.
        return Response(self.OutputSerializer(terms, many=True).data)
