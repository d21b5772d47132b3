"""Issue 11 item 9: the OpenAPI schema says what the API does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import ExpertProfileFactory, NeedFactory

pytestmark = pytest.mark.django_db

PAGINATED = (
    "/api/v1/needs/",
    "/api/v1/opportunities/",
    "/api/v1/introductions/",
    "/api/v1/conflicts/",
    "/api/v1/notifications/",
    "/api/v1/experts/",
)
TRANSITIONS = ("accept", "decline", "withdraw", "start", "close", "dismiss", "outcome")


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any) -> dict[str, Any]:
    out = Path(tmp_path_factory.mktemp("schema")) / "schema.yaml"
    with django_db_blocker.unblock():
        # --fail-on-warn: any warning of drf-spectacular (an unresolvable field, a duplicate name) fails.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    loaded: dict[str, Any] = yaml.safe_load(out.read_text())
    return loaded


def _ref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_every_paginated_list_is_documented_as_a_page(schema: dict[str, Any], owner_api: APIClient, owner: Any) -> None:
    NeedFactory(organisation=owner.memberships.get().organisation)
    ExpertProfileFactory()
    for path in PAGINATED:
        get = schema["paths"][path]["get"]
        assert {"page", "page_size"} <= {p["name"] for p in get["parameters"]}, path
        documented = _ref(schema, get["responses"]["200"]["content"]["application/json"]["schema"])
        served = owner_api.get(path)
        assert served.status_code == 200, path
        assert set(served.json()) == set(documented["properties"]) == {"count", "next", "previous", "results"}, path


def test_each_view_documents_its_own_body(schema: dict[str, Any]) -> None:
    def body(path: str) -> set[str]:
        content = schema["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]
        return set(_ref(schema, content)["properties"])

    assert "time_zone" in body("/api/v1/me/") and "bio" not in body("/api/v1/me/")
    assert "capacity" in body("/api/v1/organisation/") and "bio" not in body("/api/v1/organisation/")
    assert "bio" in body("/api/v1/expert-profile/") and "time_zone" not in body("/api/v1/expert-profile/")


def test_the_transition_endpoints_document_their_body(schema: dict[str, Any]) -> None:
    for action in TRANSITIONS:
        post = schema["paths"][f"/api/v1/introductions/{{introduction_id}}/{action}/"]["post"]
        assert "requestBody" in post, action
    decline = schema["paths"]["/api/v1/introductions/{introduction_id}/decline/"]["post"]
    fields = _ref(schema, decline["requestBody"]["content"]["application/json"]["schema"])["properties"]
    assert "reason" in fields


def test_the_directory_filter_and_the_statement_files_are_documented(schema: dict[str, Any]) -> None:
    experts = {p["name"]: p for p in schema["paths"]["/api/v1/experts/"]["get"]["parameters"]}
    assert experts["programme"]["schema"]["type"] == "string" and "registered" in experts["programme"]["description"]
    csv_ok = schema["paths"]["/api/v1/paid-engagements/statement/"]["get"]["responses"]["200"]["content"]
    xlsx_ok = schema["paths"]["/api/v1/paid-engagements/statement.xlsx"]["get"]["responses"]["200"]["content"]
    assert set(csv_ok) == {"text/csv"}
    assert xlsx_ok == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        }
    }
