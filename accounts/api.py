from __future__ import annotations

from rest_framework.request import Request

from accounts.models import User
from core.api.mixins import ApiAuthMixin


class ActorApiMixin(ApiAuthMixin):
    """ApiAuthMixin plus `actor()`: the authenticated user as the services expect it."""

    def actor(self, request: Request) -> User:
        user = request.user
        # IsAuthenticated has already refused anonymous requests.
        assert isinstance(user, User)
        return user
