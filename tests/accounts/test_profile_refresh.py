from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from matching.models import RefreshJob

pytestmark = pytest.mark.django_db


def test_it_refreshes_recommendations_when_an_organisation_profile_changes(
    buyer_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert buyer_api.patch("/api/v1/organisation/", {"description": "EV向け"}, format="json").status_code == 200
    # A buyer is a candidate only for needs looking for buyers.
    assert set(RefreshJob.objects.values_list("target", flat=True)) == {"buyer"}
    assert RefreshJob.objects.filter(kind="need").exists()
    assert len(callbacks) == RefreshJob.objects.count()


def test_it_refreshes_recommendations_when_an_expert_profile_changes(
    expert_api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        assert expert_api.patch("/api/v1/expert-profile/", {"capacity": 5}, format="json").status_code == 200
    assert {kind for kind, target in RefreshJob.objects.values_list("kind", "target")} == {"need", "opportunity"}
    assert set(RefreshJob.objects.values_list("target", flat=True)) == {"expert"}
