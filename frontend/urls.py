from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from frontend import views
from frontend.views import dispatch as dispatch_views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("accounts/verify/resend/", views.accounts.email_verification_resend, name="email-verify-resend"),
    path("accounts/verify/<str:token>/", views.accounts.email_verify, name="email-verify"),
    path("terms/", TemplateView.as_view(template_name="frontend/account/terms.html"), name="terms"),
    path("privacy/", TemplateView.as_view(template_name="frontend/account/privacy_policy.html"), name="privacy"),
    path("account/", views.accounts.account_privacy, name="account"),
    path("account/export.json", views.accounts.account_export, name="account-export"),
    path("accounts/invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    # Organisation (SME, buyer, support organisation)
    path("organisation/", views.organisation_edit, name="organisation-edit"),
    path("organisation/members/", views.organisation_members, name="organisation-members"),
    # SME needs
    path("needs/", views.need_list, name="need-list"),
    path("needs/new/", views.need_create, name="need-create"),
    path("needs/<int:pk>/", views.need_detail, name="need-detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need-edit"),
    path("needs/<int:pk>/close/", views.need_close, name="need-close"),
    # Buyer opportunities
    path("opportunities/", views.opportunity_list, name="opportunity-list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity-create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity-detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity-edit"),
    path("opportunities/<int:pk>/close/", views.opportunity_close, name="opportunity-close"),
    # Experts
    path("expert/profile/", views.expert_profile, name="expert-profile"),
    # Directories: experts (any persona) and suppliers (buyers, experts, bureau); no contact details
    path("experts/", views.expert_directory, name="expert-directory"),
    path("experts/<int:pk>/", views.expert_directory_detail, name="expert-directory-detail"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier-detail"),
    # Matching: proposals, requests, the candidate's inbox
    path("recommendations/<int:pk>/request/", views.recommendation_request, name="recommendation-request"),
    path("introductions/", views.introduction_inbox, name="introduction-inbox"),
    path("introductions/<int:pk>/", views.introduction_detail, name="introduction-detail"),
    path("introductions/<int:pk>/accept/", views.introduction_accept, name="introduction-accept"),
    path("introductions/<int:pk>/decline/", views.introduction_decline, name="introduction-decline"),
    path("introductions/<int:pk>/withdraw/", views.introduction_withdraw, name="introduction-withdraw"),
    path("introductions/<int:pk>/start/", views.introduction_start, name="introduction-start"),
    path("introductions/<int:pk>/close/", views.introduction_close, name="introduction-close"),
    path("introductions/<int:pk>/outcome/", views.introduction_outcome, name="introduction-outcome"),
    path("engagements/", views.engagement_list, name="engagement-list"),
    path("introductions/<int:pk>/paid/", views.programmes.paid_engagement_start, name="paid-engagement-start"),
    path("paid-support/", views.programmes.paid_engagement_list, name="paid-engagement-list"),
    path("paid-support/statement.csv", views.programmes.expert_statement, name="expert-statement"),
    path(
        "paid-support/statement.xlsx",
        views.programmes.expert_statement,
        {"fmt": "xlsx"},
        name="expert-statement-xlsx",
    ),
    path("paid-support/<int:pk>/", views.programmes.paid_engagement_detail, name="paid-engagement-detail"),
    path(
        "paid-support/entries/<int:pk>/<str:action>/",
        views.programmes.work_entry_decide,
        name="work-entry-decide",
    ),
    path("bureau/programmes/", views.programmes.programme_budgets, name="programme-budgets"),
    path("bureau/programmes/kpis/", views.programmes.programme_kpis, name="programme-kpis"),
    path(
        "bureau/programmes/<slug:code>/kpis/<int:index>/target/",
        views.programmes.kpi_target_set,
        name="kpi-target-set",
    ),
    path("follow-ups/", views.programmes.follow_up_list, name="follow-up-list"),
    path("follow-ups/new/", views.programmes.participation_new, name="participation-new"),
    path("follow-ups/<int:pk>/", views.programmes.follow_up_detail, name="follow-up-detail"),
    path(
        "bureau/programmes/<slug:code>/statement.csv",
        views.programmes.programme_statement,
        name="programme-statement",
    ),
    path(
        "bureau/programmes/<slug:code>/statement.xlsx",
        views.programmes.programme_statement,
        {"fmt": "xlsx"},
        name="programme-statement-xlsx",
    ),
    # Notifications (in-app inbox)
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    # Conflicts of interest
    path("conflicts/", views.conflict_list, name="conflict-list"),
    path("conflicts/<int:pk>/delete/", views.conflict_delete, name="conflict-delete"),
    # SMEs browse buyers' open opportunities
    path("browse/opportunities/", views.opportunity_browse, name="opportunity-browse"),
    path("browse/opportunities/<int:pk>/", views.opportunity_browse_detail, name="opportunity-browse-detail"),
    path("browse/opportunities/<int:pk>/interest/", views.browse.opportunity_interest, name="opportunity-interest"),
    # Bureau
    path("bureau/", views.bureau_dashboard, name="bureau-dashboard"),
    path("bureau/export.csv", views.bureau.bureau_export, {"fmt": "csv"}, name="bureau-export-csv"),
    path("bureau/export.xlsx", views.bureau.bureau_export, {"fmt": "xlsx"}, name="bureau-export-xlsx"),
    path("bureau/report/", views.bureau.bureau_report_create, name="bureau-report-create"),
    path("bureau/report/<int:pk>/", views.bureau.bureau_report, name="bureau-report"),
    path("bureau/report/<int:pk>/status.json", views.bureau.bureau_report_status, name="bureau-report-status"),
    path("bureau/report/<int:pk>/download/", views.bureau.bureau_report_download, name="bureau-report-download"),
    path("bureau/vetting/", views.bureau.bureau_vetting, name="bureau-vetting"),
    path("bureau/vetting/<int:pk>/", views.bureau.bureau_vetting_decide, name="bureau-vetting-decide"),
]

# The prefectural expert dispatch (seed 003): the SME applies, the bureau screens and assigns, the expert reports.
urlpatterns += [
    path("dispatch/", dispatch_views.dispatch_list, name="dispatch-list"),
    path("dispatch/apply/", dispatch_views.dispatch_apply, name="dispatch-apply"),
    path("dispatch/<int:pk>/", dispatch_views.dispatch_detail, name="dispatch-detail"),
    path("dispatch/<int:pk>/withdraw/", dispatch_views.dispatch_withdraw, name="dispatch-withdraw"),
    path("dispatch/<int:pk>/visits/", dispatch_views.dispatch_visit, name="dispatch-visit"),
    path("dispatch/<int:pk>/report/", dispatch_views.dispatch_report, name="dispatch-report"),
    path("bureau/dispatch/", dispatch_views.bureau_dispatch, name="bureau-dispatch"),
    path("bureau/dispatch/counts/", dispatch_views.bureau_dispatch_counts, name="bureau-dispatch-counts"),
    path("bureau/dispatch/counts.csv", dispatch_views.bureau_dispatch_counts_csv, name="bureau-dispatch-counts-csv"),
    path("bureau/dispatch/<int:pk>/screen/", dispatch_views.bureau_dispatch_screen, name="bureau-dispatch-screen"),
    path("bureau/dispatch/<int:pk>/assign/", dispatch_views.bureau_dispatch_assign, name="bureau-dispatch-assign"),
]
