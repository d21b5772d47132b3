from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("reference.apis_urls")),
    path("", include("accounts.apis_urls")),
    path("", include("opportunities.apis_urls")),
    path("", include("matching.apis_urls")),
    path("", include("programmes.apis_urls")),
]
