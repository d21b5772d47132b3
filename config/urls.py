from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views

# Swagger UI loads its bundle and stylesheet from jsDelivr (drf-spectacular's default) and
# has one inline <style>; the split view serves its start-up script from here, not inline.
# Only this page gets the wider policy.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
api_docs = csp_update(
    {"script-src": [SWAGGER_CDN], "style-src": [SWAGGER_CDN, UNSAFE_INLINE], "img-src": [SWAGGER_CDN]}
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

handler404 = core_views.page_not_found
handler500 = core_views.server_error

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("config.api_urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("frontend.urls")),
]

if settings.DEBUG:  # pragma: no cover
    pass
