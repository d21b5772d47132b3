"""Production hardening: settings, error pages outside DRF, health probe, Content-Security-Policy."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a fresh process with only the given settings variables (as on a server)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS"}}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy_in_production() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        SITE_URL="https://tsunagu.example.jp",
        ALLOWED_HOSTS="tsunagu.example.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_secret_key_unless_debug() -> None:
    production = _manage("check", DEBUG="false")
    assert production.returncode != 0
    assert "ImproperlyConfigured" in production.stderr and "SECRET_KEY" in production.stderr
    assert _manage("check").returncode != 0  # DEBUG defaults to false
    assert _manage("check", DEBUG="true").returncode == 0


def test_it_answers_unknown_api_paths_in_the_error_format(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"message", "extra"}


def test_it_keeps_html_404_pages_outside_the_api(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.core.boom_urls")
def test_it_answers_api_server_errors_in_the_error_format() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json() == {"message": response.json()["message"], "extra": {}}
    assert "boom" not in response.content.decode()
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.core.boom_urls")
def test_it_answers_503_with_retry_after_while_the_database_is_out_of_reach() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert set(response.json()) == {"message", "extra"}
    assert "5432" not in response.content.decode()
    page = client.get("/database-down/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "503" in page.content.decode() and "5432" not in page.content.decode()
    # Any other failure stays a 500.
    assert client.get("/api/v1/boom/").status_code == 500


def test_it_reports_health_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "eager", "index_root": "ok"},
    }


def test_it_reports_503_when_the_index_root_is_not_writable(client: Client, settings: object, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.ML_INDEX_ROOT = blocker / "index"  # type: ignore[attr-defined]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["index_root"] == "error"


def test_it_sends_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy


def test_it_lets_the_api_docs_load_swagger(owner_api: APIClient) -> None:
    response = owner_api.get("/api/docs/")
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.IGNORECASE)


def test_it_has_no_inline_scripts_or_styles_in_templates() -> None:
    # The policy above would block them in the browser; catch them here instead.
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in sorted((ROOT / "frontend" / "templates").rglob("*.html"))
        for match in INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
