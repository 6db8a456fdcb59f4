"""feedback.py + docs/javascripts/report-problem.js: the "report a problem" link of a tiny built course,
clicked in Chromium, opens a new issue whose address carries the lesson, language, section, commit
and torch, escaped."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lesson_fixtures import LessonFolder, write_site_config

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.site.build import build_site
from site_src.site.feedback import PageReport

pytestmark = pytest.mark.browser

TITLE = '演示 "引号" & <尖括号>'  # the zh title; characters a URL or HTML must escape
COMMIT = "fedcba9876543210fedcba9876543210fedcba98"
FILLER = "\n\n".join(f"Paragraph {number} & more, so that the page scrolls." for number in range(40))
LESSON = f"""
# 演示

```python
print(1 + 1)
```

## First part

{FILLER}

## Second part

{FILLER}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feedback")
    lessons = LessonFolder(root)
    write_site_config(root)
    lesson = lessons.markdown("01-demo", LESSON, LESSON.replace("演示", "Demo"), title=TITLE)
    assert run_lesson(lesson, RecordStore(root / "build" / "records")).failure is None
    os.environ["GITHUB_SHA"] = COMMIT
    try:
        build_site(root)
    finally:
        del os.environ["GITHUB_SHA"]
    return root / "site"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    page = context.new_page()
    errors = []
    # From file:// Material's search worker cannot load its index (the offline plugin is what fixes
    # that); every other uncaught error fails the test.
    page.on("pageerror", lambda error: None if "search_index.js" in str(error) else errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def _clicked_address(page) -> str:
    """The link's address once clicked (the click is kept from leaving for github.com)."""
    page.evaluate("window.addEventListener('click', event => event.preventDefault())")
    link = page.locator("a.lesson-report").first
    link.click()
    return link.get_attribute("href")


def _fields(address: str) -> dict[str, str]:
    parts = urlsplit(address)
    assert parts.netloc == "github.com" and parts.path == "/hands-on-pytorch/course/issues/new"
    assert not any(character in parts.query for character in ' \n"<>#'), "the query is not escaped"
    return {name: values[0] for name, values in parse_qs(parts.query, strict_parsing=True).items()}


@pytest.mark.parametrize(("prefix", "language"), [("", "语言：中文"), ("en/", "Language: English")])
def test_the_link_names_the_anchor_the_reader_followed(site, page, prefix, language):
    page.goto((site / prefix / "lessons/01-demo/index.html").as_uri() + "#second-part")
    assert page.locator(".lesson-meta__install").count() == 0  # the lesson imports nothing: no empty `pip install`
    fields = _fields(_clicked_address(page))
    assert fields["template"] == "page-problem.md" and fields["labels"] == "page-problem"
    assert fields["title"] == ("[01-demo] 页面问题：" + TITLE if prefix == "" else "[01-demo] Page problem: Test")
    body = fields["body"]
    assert language in body and COMMIT in body and "torch 2." in body and "01-demo" in body
    assert "/lessons/01-demo/index.html#second-part" in body and "{section}" not in body


def test_scrolling_back_up_to_the_link_keeps_the_section_the_reader_reached(site, page):
    page.goto((site / "lessons/01-demo/index.html").as_uri())
    page.evaluate("document.getElementById('second-part').scrollIntoView()")
    page.mouse.wheel(0, 300)  # a reader's scroll down past the heading
    page.wait_for_timeout(200)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    body = _fields(_clicked_address(page))["body"]
    assert "#second-part" in body


def test_without_a_section_the_link_says_the_top_of_the_page(site, page):
    page.goto((site / "en/lessons/01-demo/index.html").as_uri())
    assert "Section: (top of the page)" in _fields(_clicked_address(page))["body"]


def test_the_address_without_script_is_the_one_python_builds():
    report = PageReport("https://github.com/o/r", "01-demo", 'A "title" & <more>', "en", "https://x/#a b", "abc", "2.14.1")
    fields = _fields(report.issue_url("Intro & more").replace("/o/r/", "/hands-on-pytorch/course/"))
    assert fields["body"].startswith('Lesson: 01-demo (A "title" & <more>)\nLanguage: English\nSection: Intro & more\n')
    assert "What did you expect?" in fields["body"] and "What happened?" in fields["body"]
