from __future__ import annotations

from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/signup/", apis.SignupApi.as_view(), name="api-signup"),
    path("auth/token/", apis.AuthTokenApi.as_view(), name="api-token"),
    path("auth/tokens/", apis.AuthTokensApi.as_view(), name="api-tokens"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("me/export/", apis.MeExportApi.as_view(), name="api-me-export"),
    path("me/erase/", apis.MeEraseApi.as_view(), name="api-me-erase"),
    path("organisation/", apis.OrganisationDetailApi.as_view(), name="api-organisation"),
    path("organisation/invitations/", apis.OrganisationInviteApi.as_view(), name="api-organisation-invite"),
    path("expert-profile/", apis.ExpertProfileApi.as_view(), name="api-expert-profile"),
]
