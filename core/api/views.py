from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination


def paginated_response(
    *, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer[Any]], request: Request, view: APIView
) -> Response:
    # The view's pagination_class is also what drf-spectacular reads to document the page envelope.
    paginator = (getattr(view, "pagination_class", None) or Pagination)()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
