from __future__ import annotations

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import User


class ApiAuthMixin(APIView):
    """Authentication for every API view; object-level rules live in selectors and services."""

    authentication_classes = (SessionAuthentication, TokenAuthentication)
    permission_classes = (IsAuthenticated,)

    def actor(self, request: Request) -> User:
        user = request.user
        # IsAuthenticated has already refused anonymous requests.
        assert isinstance(user, User)
        return user
