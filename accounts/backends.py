"""Login lockout (django-axes) wired to our users: e-mail addresses compared case-insensitively."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc,unused-ignore]  # axes has no type hints
    """Axes' check that the client is not locked out, before ModelBackend checks the password.

    authenticate() called without a request (Django's test client `login()`, a shell,
    `bench.web`) has no client to lock out, so it is let through to ModelBackend instead
    of failing as axes' own backend does.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        return None


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail a failed login counts against, as the user model stores it (lower case)."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        # As axes does: a DRF request's parsed body, else the form post.
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return username.strip().lower() if isinstance(username, str) else None
