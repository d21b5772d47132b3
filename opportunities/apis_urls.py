from __future__ import annotations

from django.urls import path

from opportunities import apis

urlpatterns = [
    path("needs/", apis.NeedListApi.as_view(), name="api-need-list"),
    path("needs/<int:need_id>/", apis.NeedDetailApi.as_view(), name="api-need-detail"),
    path("opportunities/", apis.OpportunityListApi.as_view(), name="api-opportunity-list"),
    path("opportunities/<int:opportunity_id>/", apis.OpportunityDetailApi.as_view(), name="api-opportunity-detail"),
]
