"""Views of the platform itself: the health probe and error pages that answer the API in its own format."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import connection
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework import exceptions

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("healthz: database check failed")
        return "error"
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception:
        logger.exception("healthz: broker check failed")
        return "error"
    return "ok"


def _index_root() -> str:
    # A real write, not os.access(): that says yes to root whatever the mount allows.
    root = Path(settings.ML_INDEX_ROOT)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError:
        logger.exception("healthz: index root %s is not writable", root)
        return "error"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database, broker and index root work, else 503.

    No authentication and nothing about users; failures are logged, not shown.
    """
    checks = {"database": _database(), "broker": _broker(), "index_root": _index_root()}
    healthy = all(value in {"ok", "eager"} for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers and crawlers ask for whatever the pages say: the static SVG icon."""
    return HttpResponsePermanentRedirect(static("frontend/favicon.svg"))


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the API's error format under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"message": str(exceptions.NotFound.default_detail), "extra": {}}, status=404)
    return defaults.page_not_found(request, exception)


# Seconds a client is asked to wait when the database is out of reach (a restart takes a few).
RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's error format under /api/, the site's page elsewhere.

    A database that cannot be reached (restart, failover, too many connections)
    is a temporary state, not a bug: 503 with Retry-After, so clients and load
    balancers retry instead of reporting a failure. Nothing was written: the
    request's transaction never committed.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _unavailable(request)
    if _is_api(request):
        return JsonResponse({"message": str(exceptions.APIException.default_detail), "extra": {}}, status=500)
    return defaults.server_error(request)


def _unavailable(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            {"message": _("The service is briefly unavailable. Please try again in a few seconds."), "extra": {}},
            status=503,
        )
    else:
        # Rendered without a request or context processors, like 500.html: the database is down.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
