from __future__ import annotations

from django.urls import path

from programmes import apis

urlpatterns = [
    # The expert directory's list; the profile (experts/<id>/) is in matching.apis_urls.
    path("experts/", apis.ExpertListApi.as_view(), name="api-expert-list"),
    path("programmes/", apis.ProgrammeListApi.as_view(), name="api-programmes"),
    path("programmes/<slug:code>/", apis.ProgrammeDetailApi.as_view(), name="api-programme"),
    path("needs/<int:need_id>/programmes/", apis.NeedProgrammesApi.as_view(), name="api-need-programmes"),
    path("paid-engagements/", apis.PaidEngagementListApi.as_view(), name="api-paid-engagements"),
    path("paid-engagements/statement/", apis.StatementApi.as_view(), name="api-statement"),
    path("paid-engagements/statement.xlsx", apis.StatementXlsxApi.as_view(), name="api-statement-xlsx"),
    path("paid-engagements/<int:engagement_id>/", apis.PaidEngagementDetailApi.as_view(), name="api-paid-engagement"),
    path(
        "paid-engagements/<int:engagement_id>/entries/",
        apis.WorkEntryCreateApi.as_view(),
        name="api-work-entries",
    ),
    path("dispatch-requests/", apis.DispatchRequestListApi.as_view(), name="api-dispatch-requests"),
    path("dispatch-requests/<int:request_id>/", apis.DispatchRequestDetailApi.as_view(), name="api-dispatch-request"),
    path(
        "work-entries/<int:entry_id>/confirm/", apis.WorkEntryDecideApi.as_view(confirm=True), name="api-entry-confirm"
    ),
    path(
        "work-entries/<int:entry_id>/dispute/", apis.WorkEntryDecideApi.as_view(confirm=False), name="api-entry-dispute"
    ),
]
