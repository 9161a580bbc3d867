"""Chromium driven by Playwright for the browser tests.

The browser is Debian's package `chromium` (or CHROMIUM=/path), launched headless through
Playwright's `executable_path`; `playwright install`, which downloads a browser, is never used.
`make test` installs the package or stops with an instruction; a missing browser fails the tests
instead of skipping them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Response, sync_playwright

from conftest import REPO_ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")
SCREENSHOTS_DIR = REPO_ROOT / "screenshots"


LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class BrowserPage:
    """A page, and what its requests met: errors, failures, and any that left the machine.

    A request the page's content security policy blocked never left the browser (Superset's
    pages carry a tracking pixel; the project's policy blocks it); requests aborted because the
    page navigated away are not failures either.
    """

    page: Page
    error_responses: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    left_the_machine: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.on("response", self._on_response)
        self.page.on("requestfailed", self._on_failure)
        self.page.on("requestfinished", self._on_finished)

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.error_responses.append(f"{response.status} {response.url}")

    def _on_failure(self, request: Request) -> None:
        if request.failure not in ("csp", "net::ERR_ABORTED"):
            self.failed_requests.append(f"{request.failure} {request.url}")

    def _on_finished(self, request: Request) -> None:
        if urlsplit(request.url).hostname not in LOCAL_HOSTS and request.url.startswith("http"):
            self.left_the_machine.append(request.url)

    def assert_all_requests_stayed_local_and_succeeded(self, known_broken: str = "") -> None:
        """`known_broken`: a regular expression of error responses that are not ours to fix."""
        errors = [
            e for e in self.error_responses if not (known_broken and re.search(known_broken, e))
        ]
        assert errors == []
        assert self.failed_requests == []
        assert self.left_the_machine == []

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS_DIR.mkdir(exist_ok=True)
        path = SCREENSHOTS_DIR / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def chromium_page(width: int = 1600, height: int = 2000) -> Iterator[BrowserPage]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run 'make chromium' (installs Debian's package "
            "chromium as root) or 'sudo apt-get install chromium', or set CHROMIUM=/path"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(60_000)
            watched = BrowserPage(page)
            watched.watch()
            yield watched
        finally:
            browser.close()
