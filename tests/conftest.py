"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_fixtures import LessonFolder

pytest_plugins = ["pytester"]


@pytest.fixture
def lessons(tmp_path: Path) -> LessonFolder:
    """An empty repository layout in a temp dir, to write lessons into."""
    return LessonFolder(tmp_path)


@pytest.fixture
def bubblewrap():
    """Fail where the lesson sandbox should exist and does not; only other systems skip."""
    import sys

    from site_src.run.sandbox import SETUP_HINT, SandboxUnavailable, choose

    try:
        sandbox = choose()
    except SandboxUnavailable as error:
        pytest.fail(str(error))
    if not sandbox.enabled:
        if sys.platform.startswith("linux"):
            pytest.fail(f"the lesson sandbox is missing: {sandbox.reason}; {SETUP_HINT}")
        pytest.skip(f"bubblewrap runs only on Linux: {sandbox.reason}")


@pytest.fixture(scope="module")
def site_url() -> str:
    """The built site served like GitHub Pages on 127.0.0.1, for the browser tests."""
    from browser_support import PREFIX, SITE

    from site_src.site.build import served_site

    if not (SITE / "index.html").exists() or not (SITE / "en" / "index.html").exists():
        pytest.fail(f"no built site in {SITE}: run `python -m site_src build` first (`make test` does)")
    with served_site(SITE, PREFIX) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Chromium ($CHROMIUM) through Playwright, one per test module (closed at its end: a module that
    starts its own Playwright, like test_preview.py, cannot run beside another in the same thread)."""
    from browser_support import CHROMIUM_ARGS, chromium_executable
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable(playwright), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
