"""pdf.py and the print view in Chromium: a tiny course built for real, seen as print sees it, and
printed to a PDF per language."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from browser_support import PREFIX, Watch, new_page, open_page
from lesson_fixtures import REPO, LessonFolder, write_site_config

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.site.build import build_site, served_site
from site_src.site.pdf import pdf_pages

pytestmark = [pytest.mark.site, pytest.mark.browser]

LONG_LINE = "print(" + " + ".join(f"{number}" for number in range(60)) + ")"


def _lesson(title: str) -> str:
    return f"""
# {title}

```python
import matplotlib.pyplot as plt
{LONG_LINE}
```

```python
#| alt: a line
plt.plot([0, 1], [0, 1])
plt.show()
```
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pdf")
    lessons = LessonFolder(root)
    write_site_config(root)
    store = RecordStore(root / "build" / "records")
    for slug, zh, en in (("01-first", "第一课", "First"), ("02-second", "第二课", "Second"), ("20-project", "项目", "Project")):
        lesson = lessons.markdown(slug, _lesson(zh), _lesson(en))
        assert run_lesson(lesson, store).failure is None
    build_site(root)
    return root / "site"


@pytest.fixture(scope="module")
def site_url(site):
    with served_site(site, PREFIX) as url:
        yield url


@pytest.mark.parametrize("path", ["print/", "en/print/"])
def test_printed_the_view_hides_the_site_around_it_wraps_code_and_starts_each_lesson_on_a_page(browser, site_url, path):
    watch = Watch()
    page = new_page(browser, watch)
    open_page(page, site_url, path)
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-footer', '.print-screen-note']
        .map(selector => document.querySelector(selector))
        .filter(element => element && getComputedStyle(element).display !== 'none').map(element => element.className)""")
    assert hidden == []
    breaks = page.locator("section.print-lesson").evaluate_all(
        "sections => sections.map(section => getComputedStyle(section).breakBefore)")
    assert breaks == ["page", "page", "page"]
    code = page.locator("section.print-lesson pre > code").first
    assert code.evaluate("code => getComputedStyle(code).whiteSpace") == "pre-wrap"
    # wrapped: the long line takes several lines of the page instead of running off its edge
    assert code.evaluate("code => code.scrollWidth <= code.clientWidth + 1")
    page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())


def test_the_pdf_command_prints_each_language_with_a_page_per_lesson_and_more(site):
    # `python -m site_src pdf` in the course's root, as CI and `make build` run it (its own Playwright,
    # in its own process: this module's browser holds this thread's).
    done = subprocess.run([sys.executable, "-m", "site_src", "pdf"], cwd=site.parent, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == 0, done.stderr
    for lang in ("zh", "en"):
        data = (site / "downloads" / f"course-{lang}.pdf").read_bytes()
        assert data.startswith(b"%PDF-")
        # a title page, then three lessons each from a new page
        pages = pdf_pages(data)
        assert pages > 3
        assert f"site/downloads/course-{lang}.pdf: {pages} pages, " in done.stdout


def test_pages_are_counted_from_the_page_objects_not_the_page_tree():
    assert pdf_pages(b"1 0 obj <</Type /Pages /Count 2>> 2 0 obj <</Type /Page>> 3 0 obj <</Type/Page /Parent 1 0 R>>") == 2
