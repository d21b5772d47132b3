"""Views of the platform itself: the health probe and error pages that answer the API in its own format."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
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


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's error format under /api/, the site's page elsewhere."""
    if _is_api(request):
        return JsonResponse({"message": str(exceptions.APIException.default_detail), "extra": {}}, status=500)
    return defaults.server_error(request)
