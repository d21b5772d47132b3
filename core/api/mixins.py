from __future__ import annotations

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView


class ApiAuthMixin(APIView):
    """Authentication for every API view; object-level rules live in selectors and services.

    Knows nothing of the user model (core sits under the domain apps);
    `accounts.api.ActorApiMixin` adds the typed actor.
    """

    authentication_classes = (SessionAuthentication, TokenAuthentication)
    permission_classes = (IsAuthenticated,)
