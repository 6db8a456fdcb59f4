"""What the browser tests share: where the built site is, how Chromium starts, and a watched page.

The fixtures that use these (``site_url``, ``browser``) are in conftest.py: one server and one
Chromium per test module, each module reusing its pages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lesson_fixtures import REPO

from site_src.site.build import site_prefix
from site_src.site.pdf import CHROMIUM_ARGS  # noqa: F401 — the flags `python -m site_src pdf` starts it with

# SITE_DIR: test another build than the one in site/ (its lessons and records are beside it)
SITE = Path(os.environ.get("SITE_DIR", REPO / "site"))
ROOT = SITE.parent
PREFIX = site_prefix(REPO)  # "/course/", as GitHub Pages serves it
# The Chromium to drive: $CHROMIUM, the Makefile's variable of the same name and default.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LANGUAGES = {"zh": "", "en": "en/"}


def chromium_executable(playwright) -> str:
    """$CHROMIUM; when it is not set and /usr/bin/chromium is missing (Ubuntu), the Chromium that
    Playwright's own installer put in its cache (`make browser` installs one of them)."""
    import pytest

    if Path(CHROMIUM).exists():
        return CHROMIUM
    if "CHROMIUM" not in os.environ and Path(playwright.chromium.executable_path).exists():
        return playwright.chromium.executable_path
    pytest.fail(f"no Chromium for the browser tests: {CHROMIUM} is missing"
                + ("" if "CHROMIUM" in os.environ else " and Playwright's own Chromium is not installed")
                + ": run `make browser` (Debian's chromium, or Playwright's on Ubuntu), or set CHROMIUM=/path/to/chromium")


@dataclass
class Watch:
    """What went wrong in a page while a test used it: console errors, requests off 127.0.0.1."""

    outside: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    expected_404: set[str] = field(default_factory=set)

    def problems(self) -> list[str]:
        return ([f"request off 127.0.0.1 (aborted): {url}" for url in self.outside]
                + [f"console error: {text}" for text in self.console])

    def take(self) -> list[str]:
        """The problems so far, forgetting them (one page, many visits)."""
        found = self.problems()
        self.outside.clear()
        self.console.clear()
        return found


def new_page(browser, watch: Watch, **options):
    """A page in its own context (``options`` go to the context: color_scheme=…), watched by ``watch``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.grant_permissions(["clipboard-read", "clipboard-write"])

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    context.set_default_timeout(10_000)
    page = context.new_page()

    def console(message):
        # The 404 page itself answers with status 404, which Chromium logs as an error.
        if message.type == "error" and not any(url in message.location.get("url", "") for url in watch.expected_404):
            watch.console.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: watch.console.append(f"uncaught: {error}"))
    return page


def open_page(page, site_url: str, path: str):
    """Go to ``path`` under the site and wait for it to load; fails unless the answer is 2xx."""
    response = page.goto(site_url + path)
    assert response is not None and response.ok, f"{path}: HTTP {response.status if response else 'no response'}"
    page.wait_for_load_state("load")
    return response
