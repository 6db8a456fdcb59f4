"""preview.py: a save re-runs what it must, rebuilds one language or both, and reloads the open tab."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from lesson_fixtures import REPO, LessonFolder, write_site_config

from site_src.site.preview import Plan, Preview, plan_for
from site_src.upkeep.bench import copy_course

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
    ("site_src/site/overrides/main.html", Plan((), ("zh", "en"), clean=True)),
])
def test_a_save_asks_for_the_lesson_and_the_languages_it_touches(changed, plan):
    assert plan_for(REPO, {REPO / changed}) == plan


def test_saves_in_one_batch_are_merged():
    plan = plan_for(REPO, {REPO / "lessons/01-tensors/index.md", REPO / "docs/index.en.md"})
    assert plan == Plan(("01-tensors",), ("zh", "en"))


# ------------------------------------------------------------ rebuilding one page

MARKDOWN_LESSON = """
# 张量小课

第一段。

## 打印

```python
print("第一次的输出")
```
"""

NOTEBOOK_LESSON = """
# %% [markdown]
# # 求导小课
#
# 回到[张量](../01-markdown/index.md)。

# %%
print("notebook output")
"""


@pytest.fixture(scope="module")
def previewed(tmp_path_factory):
    """A tiny course (a Markdown lesson, a notebook lesson, a home page) as `make preview` starts it.
    Each test edits something of its own and asserts only about that."""
    root = tmp_path_factory.mktemp("preview")
    write_site_config(root)
    folder = LessonFolder(root)
    folder.markdown("01-markdown", MARKDOWN_LESSON, MARKDOWN_LESSON.replace("张量小课", "Tensor mini-lesson"),
                    title="张量小课")
    folder.notebook("02-notebook", NOTEBOOK_LESSON, NOTEBOOK_LESSON.replace("求导小课", "Autograd mini-lesson")
                    .replace("index.md", "index.en.md"), title="求导小课")
    preview = Preview(root)
    try:
        assert preview.start() == []
        yield root, preview
    finally:
        preview.warm.close()  # the warm server that ran the lessons


def _html_times(site: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in site.rglob("*.html")}


def _nav(page: Path) -> str:
    """The text of a page's navigation (the titles of every page)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.select_one("nav.md-nav--primary").get_text(" ").split())


def _search_docs(site: Path) -> list[dict]:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _saved(root: Path, preview: Preview, *paths: Path) -> None:
    """What the watcher does after these saves."""
    assert preview.refresh(plan_for(root, set(paths))) == []


def test_a_prose_edit_renders_only_its_page_and_keeps_the_nav_and_search_whole(previewed):
    root, preview = previewed
    site, page = root / "site", root / "site" / "lessons" / "01-markdown" / "index.html"
    times, nav, docs = _html_times(site), _nav(page), _search_docs(site)
    assert "求导小课" in nav

    _saved(root, preview, _edit(root / "lessons" / "01-markdown" / "index.md", "第一段。", "第一段，改过了。"))

    assert "第一段，改过了。" in page.read_text(encoding="utf-8")
    rendered = {path.relative_to(site).as_posix() for path, time in _html_times(site).items() if times.get(path) != time}
    assert rendered == {"lessons/01-markdown/index.html"}  # not the other lesson, the home page, or en
    assert _nav(page) == nav  # the pages it did not render are still named by their titles
    after = _search_docs(site)
    assert [doc["location"] for doc in after] == [doc["location"] for doc in docs]
    text = " ".join(doc["text"] for doc in after if doc["location"] == "lessons/01-markdown/")
    assert "第一段，改过了" in text.replace("\u200b", "")  # jieba splits Chinese words with zero-width spaces
    assert [doc for doc in after if not doc["location"].startswith("lessons/01-markdown/")] == \
        [doc for doc in docs if not doc["location"].startswith("lessons/01-markdown/")]


def test_a_new_title_reaches_the_nav_of_every_page_and_the_home_page(previewed):
    root, preview = previewed
    notebook = root / "lessons" / "02-notebook" / "index.py"
    _edit(notebook, "title: 求导小课", "title: 自动求导小课")
    _saved(root, preview, _edit(notebook, "# # 求导小课", "# # 自动求导小课"))

    site = root / "site"
    for page in (site / "index.html", site / "lessons" / "01-markdown" / "index.html"):
        assert "自动求导小课" in _nav(page)
    assert "自动求导小课" in (site / "index.html").read_text(encoding="utf-8")  # its table of lessons
    assert any(doc["title"].replace("\u200b", "") == "自动求导小课" for doc in _search_docs(site))
    assert (site / "en" / "index.html").exists()  # a clean zh build empties site/: en is kept


def test_a_lessons_front_matter_reaches_the_home_page(previewed):
    root, preview = previewed
    _saved(root, preview, _edit(root / "lessons" / "01-markdown" / "index.md", "summary: a lesson written for a test",
                                "summary: 一份改过的简介"))
    assert "一份改过的简介" in (root / "site" / "index.html").read_text(encoding="utf-8")


def test_a_new_record_of_the_same_outputs_renews_the_pages_stamp(previewed):
    """The page text is the same, but the header under its title says what the run ran on."""
    root, preview = previewed
    record = root / "build" / "records" / "01-markdown" / "record.json"
    _edit(record, '"date": "', '"date": "2031-02-03 was ')
    assert preview.build(("zh",)) == []
    assert "2031-02-03" in (root / "site" / "lessons" / "01-markdown" / "index.html").read_text(encoding="utf-8")


def test_a_preview_that_has_not_built_a_language_yet_builds_it_clean(previewed):
    """A dirty build needs the titles and search entries of a previous build in the same process."""
    root, _ = previewed
    times = _html_times(root / "site" / "en")
    assert Preview(root).build(("en",)) == []
    assert all(path.stat().st_mtime_ns != time for path, time in times.items())


def test_a_code_edit_shows_the_new_outputs_in_both_languages(previewed):
    root, preview = previewed
    folder = root / "lessons" / "01-markdown"
    _saved(root, preview, *(_edit(folder / name, "第一次的输出", "第二次的输出") for name in ("index.md", "index.en.md")))

    for page in (root / "site" / "lessons" / "01-markdown" / "index.html",
                 root / "site" / "en" / "lessons" / "01-markdown" / "index.html"):
        outputs = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(".lesson-output")
        assert [output.get_text() for output in outputs if "输出" in output.get_text()] == ["第二次的输出\n"]


def test_a_theme_change_renders_every_page_again(previewed):
    root, preview = previewed
    site = root / "site"
    times = _html_times(site)
    assert preview.refresh(Plan((), ("en",), clean=True)) == []
    rendered = {path for path, time in _html_times(site).items() if times.get(path) != time}
    assert rendered == {path for path in times if path.is_relative_to(site / "en")}
def test_a_code_edit_reruns_its_lesson_forked_from_the_warm_interpreter(lessons, monkeypatch, capsys):
    from site_src.site.preview import Preview

    lessons.markdown("01-demo", "```python\nprint('first')\n```\n")
    preview = Preview(lessons.root)
    monkeypatch.setattr(preview, "build", lambda languages, dirty=True: [])  # the build is tested below
    try:
        preview.warm_up()
        assert preview.refresh(Plan(("01-demo",), ("zh",))) == []
        assert "preview: 01-demo ran in" in capsys.readouterr().out
        lessons.markdown("01-demo", "```python\nprint('edited')\n```\n")
        assert preview.refresh(Plan(("01-demo",), ("zh",))) == []
        assert "(forked from the warm interpreter)" in capsys.readouterr().out
        assert preview.warm.servers_started == 1
    finally:
        preview.warm.close()


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
