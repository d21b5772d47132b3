from __future__ import annotations

from knox.auth import TokenAuthentication
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView


class ApiAuthMixin(APIView):
    """Authentication for every API view; object-level rules live in selectors and services.

    Knows nothing of the user model (core sits under the domain apps);
    `accounts.api.ActorApiMixin` adds the typed actor.
    """

    # Token first: DRF answers an anonymous request with the first class's challenge
    # (WWW-Authenticate: Token), which makes it a 401 instead of a 403.
    authentication_classes = (TokenAuthentication, SessionAuthentication)
    permission_classes = (IsAuthenticated,)
