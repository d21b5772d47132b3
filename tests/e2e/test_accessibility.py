"""An accessibility check of the four personas' main pages with axe-core: no serious or critical violation.

axe-core comes from npm (package.json, pinned; `make test` installs it) and is
loaded into each page by the test. The browser context bypasses our CSP only
to let that test script in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.support import log_in, main_pages_world

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], runOnly: ['wcag2a', 'wcag2aa']})"
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def test_the_main_pages_have_no_serious_accessibility_violation(
    new_context: Callable[..., BrowserContext], screenshot: Callable[[Page, str], object]
) -> None:
    assert AXE.exists(), "axe-core is missing: run `make browser` (npm ci)"
    pages = main_pages_world()
    pages[""] = ["/", "/accounts/login/", "/signup/"]  # anonymous
    found: list[str] = []
    checked = 0
    for email, paths in pages.items():
        page = new_context(bypass_csp=True).new_page()
        if email:
            log_in(page, email)
        for path in paths:
            page.goto(path)
            expect(page.locator("main")).to_be_visible()
            checked += 1
            for violation in _violations(page):
                targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
                found.append(f"{path} ({email or 'anonymous'}): {violation['id']} [{violation['impact']}] {targets}")
        page.context.close()
    assert checked >= 20
    assert found == [], "\n".join(found)
