"""preview.py: a save re-runs what it must, rebuilds one language or both, and reloads the open tab."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from lesson_fixtures import REPO

from site_src.bench import copy_course
from site_src.preview import Plan, plan_for

LESSON = "01-tensors"


# ------------------------------------------------------------------ what a save asks for


@pytest.mark.parametrize(("changed", "plan"), [
    ("lessons/01-tensors/index.md", Plan(("01-tensors",), ("zh",))),
    ("lessons/02-autograd/index.py", Plan(("02-autograd",), ("zh",))),
    ("lessons/01-tensors/index.en.md", Plan(("01-tensors",), ("en",))),
    ("lessons/09-datasets/sms.tsv", Plan(("09-datasets",), ("zh", "en"))),
    ("docs/glossary.md", Plan((), ("zh",))),
    ("docs/glossary.en.md", Plan((), ("en",))),
    ("docs/stylesheets/lessons.css", Plan((), ("zh", "en"))),
    ("mkdocs.yml", Plan((), ("zh", "en"), clean=True)),
    ("mkdocs.en.yml", Plan((), ("en",), clean=True)),
    ("site_src/overrides/main.html", Plan((), ("zh", "en"), clean=True)),
])
def test_a_save_asks_for_the_lesson_and_the_languages_it_touches(changed, plan):
    assert plan_for(REPO, {REPO / changed}) == plan


def test_saves_in_one_batch_are_merged():
    plan = plan_for(REPO, {REPO / "lessons/01-tensors/index.md", REPO / "docs/index.en.md"})
    assert plan == Plan(("01-tensors",), ("zh", "en"))


# ------------------------------------------------------------------- in a real browser


@pytest.fixture
def browser_page():
    from browser_support import CHROMIUM_ARGS, chromium_executable
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable(playwright), args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.set_default_timeout(30_000)
        yield page
        chromium.close()


@pytest.fixture
def preview(tmp_path):
    """`python -m site_src preview` on a throw-away copy of the course, with the current records."""
    copy = tmp_path / "course"
    copy_course(REPO, copy)
    shutil.copytree(REPO / "build" / "records", copy / "build" / "records")
    process = subprocess.Popen([sys.executable, "-m", "site_src", "preview", "--port", "0"], cwd=copy,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Previewing the course at "):
            break
    else:
        pytest.fail("the preview stopped before serving:\n" + "".join(lines))
    url = line.split()[4]
    yield copy, url
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.browser
def test_a_saved_edit_shows_in_the_open_tab_without_a_reload(preview, browser_page):
    from playwright.sync_api import expect

    copy, url = preview
    page = browser_page
    zh, en = (copy / "lessons" / LESSON / name for name in ("index.md", "index.en.md"))
    page.goto(f"{url}lessons/{LESSON}/")
    expect(page.locator("html[data-preview=connected]")).to_have_count(1)

    def saved(edit, files, shows, what: str) -> None:
        """Save `edit` of each file (code is edited in both languages, as parity asks), then wait
        until the open tab shows `shows` — it must reload by itself."""
        started = time.perf_counter()
        for path in files:
            path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        expect(shows).to_be_visible(timeout=120_000)
        print(f"preview: {what}: the page changed {time.perf_counter() - started:.1f} s after the save")
        expect(page.locator("html[data-preview=connected]")).to_have_count(1)

    saved(lambda text: text.replace("\n\n", "\n\n预览测试：这一段是刚加上的。\n\n", 1), [zh],
          page.get_by_text("预览测试：这一段是刚加上的。"), "prose edit")
    saved(lambda text: text.replace("print(", "print('preview-code-edit'); print(", 1), [zh, en],
          page.locator(".lesson-output", has_text="preview-code-edit"), "code edit (the lesson re-ran)")
    saved(lambda text: text.replace("print('preview-code-edit'); ", "raise ValueError('preview-failure'); ", 1),
          [zh, en], page.locator("#preview-problems", has_text="ValueError: preview-failure"), "failing block")
    expect(page.locator("#preview-problems")).to_contain_text(f"lessons/{LESSON}/index.md:")
    saved(lambda text: text.replace("raise ValueError('preview-failure'); ", "", 1).rstrip().removesuffix("```"),
          [zh], page.locator("#preview-problems", has_text="never closed"), "broken file")
    page.goto(f"{url}lessons/{LESSON}/")  # the server still serves the last good build, with the problem
    expect(page.locator("#preview-problems")).to_contain_text("never closed")
