"""Who a client is, for the API throttles and the login lockout alike."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address by DRF's rule (REMOTE_ADDR, or X-Forwarded-For past TRUSTED_PROXY_COUNT proxies).

    django-axes calls this too (AXES_CLIENT_IP_CALLABLE), so a client cannot dodge the
    lockout with an X-Forwarded-For header that the throttles would ignore, or the reverse.
    """
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]
