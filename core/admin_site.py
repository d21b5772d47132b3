"""The Django admin, for superusers only.

The admin shows every record nationwide, contact details included, and
edits them without the services' rules (vetting, audit). Bureau officers
work on the bureau pages, which apply their jurisdiction; staff status
alone no longer opens the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    """django.contrib.admin with the superuser-only site (INSTALLED_APPS names this instead of the admin)."""

    default_site = "core.admin_site.SuperuserAdminSite"
