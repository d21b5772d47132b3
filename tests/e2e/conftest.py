"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

- Every test here is marked `e2e`; all of them skip with a reason when
  /usr/bin/chromium (or the playwright package) is missing. Playwright's own
  browser download is never used: the browser is launched from
  `executable_path`.
- One browser per test session (per xdist worker), started on first use. It is
  stopped as soon as the worker moves on to a test outside tests/e2e, because a
  running Playwright keeps an asyncio event loop marked as running in the test
  thread (see below).
- Each test gets fresh browser contexts (cookies, storage), in Japanese
  (`Accept-Language: ja-JP`, as a Japanese user's browser sends).
- Screenshots go to tests/e2e/screenshots/ (gitignored); a failing test also
  leaves `FAILED-<test>.png` of every page it had open.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No --user-data-dir: Playwright refuses it in launch() and instead gives
    # every launch a fresh temporary profile, deleted when the browser closes.
]
TIMEOUT_MS = 10_000

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]
else:
    # Auto-waiting assertions: generous, because the suite shares the CPUs with the rest of the tests.
    expect.set_options(timeout=TIMEOUT_MS)

SKIP_REASON = (
    None
    if sync_playwright is not None and CHROMIUM.exists()
    else "browser tests need Debian's Chromium at /usr/bin/chromium and the playwright package "
    "(`make test` installs Chromium with apt when run as root; otherwise `sudo apt-get install chromium`)"
)


def _in_e2e(item: pytest.Item | None) -> bool:
    return item is not None and E2E_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not _in_e2e(item):
            continue
        item.add_marker(pytest.mark.e2e)
        # The live server's request threads see the browser drop connections it no longer needs
        # (a page navigated away mid-response); that socket error is not the application's.
        item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"))
        if SKIP_REASON:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


class _BrowserHolder:
    """The worker's Playwright and Chromium, started lazily and stoppable early."""

    def __init__(self) -> None:
        self.playwright: Playwright | None = None
        self.browser: Browser | None = None
        self._async_unsafe: str | None = None

    def get(self) -> Browser:
        if self.browser is None or not self.browser.is_connected():
            self.stop()
            # Playwright's sync API runs an asyncio event loop in this (the test)
            # thread and leaves it marked as running between calls. Django then
            # believes every ORM call in the test (factories, assertions) comes
            # from async code and raises SynchronousOnlyOperation. The calls are
            # in fact synchronous and the loop is idle while they run, so the
            # guard is switched off, only while Playwright is running.
            self._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        return self.browser

    def stop(self) -> None:
        if self.browser is not None:
            try:
                self.browser.close()
            finally:
                self.browser = None
        if self.playwright is not None:
            try:
                self.playwright.stop()
            finally:
                self.playwright = None
                if self._async_unsafe is None:
                    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
                else:
                    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._async_unsafe


_HOLDER = _BrowserHolder()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Runs after the test's fixtures are torn down, i.e. after the transactional test's flush."""
    if not _in_e2e(item) or item.get_closest_marker("skip"):
        return
    # (tests/conftest.py puts the vocabulary back after the flush.)
    # The session fixture below would keep the browser (and its event loop) up
    # until the end of the worker's session; stop it once the e2e tests are done.
    if not _in_e2e(nextitem):
        _HOLDER.stop()


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


@pytest.fixture(scope="session")
def _browser_session() -> Generator[_BrowserHolder]:
    """Chromium for this worker (session scope); see _BrowserHolder for its lifetime."""
    yield _HOLDER
    _HOLDER.stop()


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest, _browser_session: _BrowserHolder, live_server: Any
) -> Generator[Callable[..., BrowserContext]]:
    """Factory of fresh browser contexts (one per person), Japanese and 1280 px wide unless told otherwise."""
    contexts: list[BrowserContext] = []
    browser = _browser_session.get()  # (re)started on first use

    def make(
        locale: str = "ja-JP", *, bypass_csp: bool = False, viewport: ViewportSize | None = None
    ) -> BrowserContext:
        # bypass_csp: only for injecting test tools (axe-core) that our Content-Security-Policy would refuse.
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            accept_downloads=True,
            viewport=viewport or {"width": 1280, "height": 900},
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_FAILED, False):
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        SCREENSHOTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                with contextlib.suppress(Exception):  # never hide the test's own failure
                    page.screenshot(path=SCREENSHOTS / f"FAILED-{name}-{i}{j}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, "sme-need") saves tests/e2e/screenshots/sme-need.png (full page)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
