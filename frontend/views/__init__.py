"""Server-rendered pages, one module per area; urls.py imports them from here."""

from __future__ import annotations

from frontend.views import programmes  # noqa: F401  (urls use views.programmes.*)
from frontend.views.accounts import home, invitation_accept, signup
from frontend.views.browse import opportunity_browse, opportunity_browse_detail
from frontend.views.bureau import bureau_dashboard
from frontend.views.conflicts import conflict_delete, conflict_list
from frontend.views.directory import expert_directory, expert_directory_detail, supplier_detail
from frontend.views.engagements import engagement_list
from frontend.views.expert import expert_profile
from frontend.views.matching import (
    introduction_accept,
    introduction_close,
    introduction_decline,
    introduction_detail,
    introduction_inbox,
    introduction_outcome,
    introduction_start,
    introduction_withdraw,
    recommendation_request,
)
from frontend.views.needs import need_close, need_create, need_detail, need_edit, need_list
from frontend.views.notifications import notification_list, notification_read, notification_read_all
from frontend.views.opportunities import (
    opportunity_close,
    opportunity_create,
    opportunity_detail,
    opportunity_edit,
    opportunity_list,
)
from frontend.views.organisation import organisation_edit, organisation_members

__all__ = [
    "bureau_dashboard",
    "conflict_delete",
    "conflict_list",
    "engagement_list",
    "expert_directory",
    "expert_directory_detail",
    "expert_profile",
    "home",
    "introduction_accept",
    "introduction_close",
    "introduction_decline",
    "introduction_detail",
    "introduction_inbox",
    "introduction_outcome",
    "introduction_start",
    "introduction_withdraw",
    "invitation_accept",
    "need_close",
    "need_create",
    "need_detail",
    "need_edit",
    "need_list",
    "notification_list",
    "notification_read",
    "notification_read_all",
    "opportunity_browse",
    "opportunity_browse_detail",
    "opportunity_close",
    "opportunity_create",
    "opportunity_detail",
    "opportunity_edit",
    "opportunity_list",
    "organisation_edit",
    "organisation_members",
    "recommendation_request",
    "signup",
    "supplier_detail",
]
