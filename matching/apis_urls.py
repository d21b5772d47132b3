from __future__ import annotations

from django.urls import URLPattern, path

from matching import apis

urlpatterns: list[URLPattern] = [
    path(
        "needs/<int:need_id>/recommendations/",
        apis.NeedRecommendationListApi.as_view(),
        name="api-need-recommendations",
    ),
    path(
        "opportunities/<int:opportunity_id>/recommendations/",
        apis.OpportunityRecommendationListApi.as_view(),
        name="api-opportunity-recommendations",
    ),
    path(
        "recommendations/<int:recommendation_id>/request/",
        apis.RecommendationRequestApi.as_view(),
        name="api-recommendation-request",
    ),
    path(
        "recommendations/<int:recommendation_id>/dismiss/",
        apis.RecommendationDismissApi.as_view(),
        name="api-recommendation-dismiss",
    ),
    path("introductions/", apis.IntroductionListApi.as_view(), name="api-introduction-list"),
    path("introductions/<int:introduction_id>/", apis.IntroductionDetailApi.as_view(), name="api-introduction-detail"),
    *[
        path(f"introductions/<int:introduction_id>/{action}/", view.as_view(), name=f"api-introduction-{action}")
        for action, view in (
            ("request", apis.IntroductionRequestApi),
            ("withdraw", apis.IntroductionWithdrawApi),
            ("accept", apis.IntroductionAcceptApi),
            ("decline", apis.IntroductionDeclineApi),
            ("dismiss", apis.IntroductionDismissApi),
            ("start", apis.IntroductionStartApi),
            ("close", apis.IntroductionCloseApi),
            ("outcome", apis.IntroductionOutcomeApi),
        )
    ],
    # experts/ (the directory list) is in programmes.apis_urls: its programme filter needs programmes.
    path("experts/<int:expert_id>/", apis.ExpertDetailApi.as_view(), name="api-expert-detail"),
    path("conflicts/", apis.ConflictListApi.as_view(), name="api-conflict-list"),
    path("conflicts/<int:conflict_id>/", apis.ConflictDetailApi.as_view(), name="api-conflict-detail"),
    path("notifications/", apis.NotificationListApi.as_view(), name="api-notification-list"),
    path("notifications/read-all/", apis.NotificationReadAllApi.as_view(), name="api-notification-read-all"),
    path(
        "notifications/<int:notification_id>/read/",
        apis.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
