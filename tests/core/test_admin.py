from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import NeedFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("core", "accounts", "opportunities", "matching", "reports")


def test_it_registers_every_model_of_our_apps_in_admin() -> None:
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for label in OUR_APPS
        if label in {c.label for c in apps.get_app_configs()}
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry
    ]
    assert missing == []


def test_it_shuts_the_admin_to_staff_who_are_not_superusers(client: Client) -> None:
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(*Permission.objects.all())
    client.force_login(staff)
    for url in ("/admin/", "/admin/accounts/organisation/", "/admin/accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def test_it_lets_superusers_browse_every_changelist(client: Client) -> None:
    NeedFactory()
    OpportunityFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in admin.site._registry:
        if model._meta.app_label not in OUR_APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, url
        first = model._default_manager.first()
        if first is not None:
            change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            assert client.get(change).status_code == 200, change
