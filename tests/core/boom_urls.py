"""The project's URLs plus one that fails, to see what an unexpected error looks like."""

from __future__ import annotations

from django.db.utils import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


def database_down(request: HttpRequest) -> HttpResponse:
    # What psycopg raises (wrapped by Django) while PostgreSQL restarts.
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


urlpatterns = [
    path("api/v1/boom/", boom),
    path("boom/", boom),
    path("api/v1/database-down/", database_down),
    path("database-down/", database_down),
    *project_urlpatterns,
]
