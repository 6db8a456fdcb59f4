"""The built site (site/) in a real browser: what a reader does, checked the way a reader sees it.

Run after ``python -m site_src build`` (``make test`` does both). The site is served on
127.0.0.1 under ``/course/``, the path of ``site_url``, the way GitHub Pages serves it
(a missing address gets the root 404.html). Chromium ($CHROMIUM, as in the Makefile) runs
headless through Playwright; every request for anything not on 127.0.0.1 is aborted and fails the test
that made it, and so does any console error.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from browser_support import LANGUAGES, ROOT, SITE, Watch, new_page, open_page
from lesson_fixtures import REPO

from site_src.lesson.extract import extract_blocks
from site_src.lesson.lessons import discover_lessons, read_front_matter
from site_src.run.records import RecordStore
from site_src.site.render import COPY_DATA_ID, copy_script

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "build" / "screenshots"
# Lessons that read no data files, so their scripts run from any folder; one of each format.
MARKDOWN_LESSON, NOTEBOOK_LESSON = "01-tensors", "02-autograd"


# ------------------------------------------------------------------------ fixtures
# site_url (the served site) and browser (Chromium) are in conftest.py, as test_accessibility.py uses them too.


@pytest.fixture
def reader(browser):
    """A fresh browser page (light colour scheme); the test fails on console errors or outside requests."""
    watch = Watch()
    page = new_page(browser, watch)
    page.watch = watch
    yield page
    page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())


@pytest.fixture(scope="module")
def lessons():
    return course_lessons(SITE, ROOT)


def course_lessons(site: Path, root: Path) -> dict:
    """Every lesson of the course in root; one whose page is missing from the built site fails the test."""
    found = {lesson.slug: lesson for lesson in discover_lessons(root / "lessons")}
    missing = [f"{prefix}lessons/{slug}/" for slug in found for prefix in LANGUAGES.values()
               if not (site / prefix / "lessons" / slug / "index.html").exists()]
    if missing:
        pytest.fail(f"lessons missing from the built site {site}: {', '.join(missing)}: "
                    "rebuild it (`python -m site_src build`)")
    return found


def _a_lesson(lessons, slug: str):
    """The lesson a test names; failing (not skipping) when the course has no such lesson."""
    assert slug in lessons, f"this test names lesson {slug}, which the course does not have: name one it has"
    return lessons[slug]


# -------------------------------------------------------------------------- tests


def test_a_lesson_without_a_page_fails_instead_of_being_left_out(tmp_path):
    slugs = [lesson.slug for lesson in discover_lessons(ROOT / "lessons")]
    for prefix in LANGUAGES.values():
        for slug in slugs:
            (tmp_path / prefix / "lessons" / slug).mkdir(parents=True)
            (tmp_path / prefix / "lessons" / slug / "index.html").write_text("<html>", encoding="utf-8")
    assert list(course_lessons(tmp_path, ROOT)) == slugs
    (tmp_path / "en" / "lessons" / slugs[-1] / "index.html").unlink()
    with pytest.raises(pytest.fail.Exception, match=f"en/lessons/{slugs[-1]}/: rebuild"):
        course_lessons(tmp_path, ROOT)


@pytest.mark.parametrize("slug", [MARKDOWN_LESSON, NOTEBOOK_LESSON])
@pytest.mark.parametrize("start,target", [("zh", "en"), ("en", "zh")])
def test_the_language_switch_lands_on_the_same_lesson(reader, site_url, lessons, slug, start, target):
    open_page(reader, site_url, f"{LANGUAGES[start]}lessons/{slug}/")
    reader.hover(".md-header__option .md-select")
    reader.click(f'.md-select__link[hreflang="{target}"]')
    reader.wait_for_load_state("load")
    assert reader.url == f"{site_url}{LANGUAGES[target]}lessons/{slug}/"
    title = read_front_matter(lessons[slug].sources[target]).title
    assert reader.locator("article h1").first.inner_text().strip().rstrip("¶").strip() == title


@pytest.mark.parametrize("lang,query,slug", [("zh", "张量", "01-tensors"), ("zh", "反向传播", "03-backprop"),
                                              ("en", "tensor", "01-tensors"), ("en", "chain rule", "03-backprop")])
def test_search_finds_the_lessons_that_use_the_word(reader, site_url, lessons, lang, query, slug):
    _a_lesson(lessons, slug)
    open_page(reader, site_url, LANGUAGES[lang])
    reader.click(".md-search__input")
    # Material's worker builds the index after the page loads; a query typed before it is ready is lost.
    reader.wait_for_function("""() => { const meta = document.querySelector('.md-search-result__meta');
        return meta && meta.textContent.trim() && !/Initializing search|正在初始化搜索引擎/.test(meta.textContent); }""",
                             timeout=20_000)
    box = reader.locator("input.md-search__input")
    box.fill(query)  # as an input method enters 张量: text without key presses...
    box.press("End")  # ...and Material reads the query on a key release
    results = reader.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = [results.nth(index).get_attribute("href") for index in range(results.count())]
    assert any(f"lessons/{slug}/" in href for href in hrefs), f"{query!r} on the {lang} site found only {hrefs}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_search_index_is_fetched_when_the_reader_turns_to_search_not_before(reader, site_url, lessons, lang):
    _a_lesson(lessons, MARKDOWN_LESSON)
    fetched = []
    reader.on("request", lambda request: fetched.append(request.url) if "search_index.json" in request.url else None)
    open_page(reader, site_url, f"{LANGUAGES[lang]}lessons/{MARKDOWN_LESSON}/")
    reader.wait_for_timeout(1000)
    assert fetched == [], "the search index (about 2 MB) was fetched before the reader turned to search"
    reader.keyboard.press("s")  # Material's key for search: focuses the search box
    reader.wait_for_function("""() => { const meta = document.querySelector('.md-search-result__meta');
        return meta && meta.textContent.trim() && !/Initializing search|正在初始化搜索引擎/.test(meta.textContent); }""",
                             timeout=20_000)
    assert fetched == [f"{site_url}{LANGUAGES[lang]}search/search_index.json"]


def test_a_page_opened_from_a_search_result_fetches_the_index_at_once_to_highlight_the_words(reader, site_url, lessons):
    _a_lesson(lessons, MARKDOWN_LESSON)
    open_page(reader, site_url, f"lessons/{MARKDOWN_LESSON}/?h=tensor")
    reader.locator("mark[data-md-highlight]").first.wait_for(timeout=20_000)


def _show_block(block) -> None:
    """Bring a code block into view as a reader does: Material gives it its buttons only then
    (mkdocs.yml: content.lazy). A solution's block sits in a folded box: open it first."""
    folded = block.locator("xpath=ancestor::details[not(@open)]/summary")
    if folded.count():
        folded.first.click()
    block.scroll_into_view_if_needed()


def _clipboard_after_click(page, button) -> str:
    page.evaluate("navigator.clipboard.writeText('')")
    button.hover()
    button.click()
    page.wait_for_function("navigator.clipboard.readText().then(text => text.length > 0)", timeout=5000)
    return page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize("slug", [MARKDOWN_LESSON, NOTEBOOK_LESSON])
def test_the_copy_button_copies_exactly_the_blocks_code(reader, site_url, lessons, slug):
    blocks = extract_blocks(lessons[slug].zh)
    open_page(reader, site_url, f"lessons/{slug}/")
    for block in (blocks[0], blocks[len(blocks) // 2], blocks[-1]):
        code = reader.locator(f'[data-lesson-block="{block.index}"]')
        _show_block(code)
        copied = _clipboard_after_click(reader, code.locator('.md-code__button[data-md-type="copy"]'))
        assert copied.rstrip("\n") == block.code.rstrip("\n"), f"{block.path}:{block.line}"


@pytest.mark.parametrize("slug", [MARKDOWN_LESSON, NOTEBOOK_LESSON])
def test_a_block_gets_its_buttons_in_one_named_group_when_it_comes_into_view(reader, site_url, lessons, slug):
    last = extract_blocks(lessons[slug].zh)[-1]
    open_page(reader, site_url, f"lessons/{slug}/")
    block = reader.locator(f'[data-lesson-block="{last.index}"]')
    assert block.locator(".md-code__button").count() == 0, "the last block was set up before it came into view"
    _show_block(block)
    group = block.locator('div.md-code__nav[role="group"][aria-label="代码块操作"]')
    group.locator(".lesson-copy-upto").wait_for(timeout=5000)
    assert group.locator('.md-code__button[data-md-type="copy"]').count() == 1
    assert reader.locator("nav.md-code__nav").count() == 0  # every bar regrouped (accessibility.js)


@pytest.mark.parametrize("slug,lang", [(MARKDOWN_LESSON, "zh"), (NOTEBOOK_LESSON, "en")])
def test_copy_up_to_here_gives_a_script_that_python_runs(reader, site_url, lessons, slug, lang, tmp_path):
    blocks = extract_blocks(lessons[slug].sources[lang])
    last = blocks[-1]
    open_page(reader, site_url, f"{LANGUAGES[lang]}lessons/{slug}/")
    _show_block(reader.locator(f'[data-lesson-block="{last.index}"]'))
    button = reader.locator(f'[data-lesson-block="{last.index}"] .lesson-copy-upto')
    label = "复制到此处为止的全部代码" if lang == "zh" else "Copy all code up to here"
    assert button.get_attribute("title") == label
    script = _clipboard_after_click(reader, button)
    data = json.loads(reader.locator(f"#{COPY_DATA_ID}").text_content())
    assert script == copy_script(data, last.index)
    _run_python(tmp_path, f"{slug}-up-to-here.py", script)


def _run_python(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")
    environment = {**os.environ, "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, name], cwd=folder, env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"python {name} failed:\n{done.stderr[-3000:]}"


@dataclass
class PageVisit:
    """What one page showed a reader: its figures, header links and edit link, and what went wrong."""

    figures: list[dict]
    header: str | None
    header_links: list[str]
    edit: str | None
    problems: list[str]


@pytest.fixture(scope="module")
def tour(browser, site_url) -> dict[str, PageVisit]:
    """Every page of both languages, each visited once; the tests below check what each showed."""
    visits, watch = {}, Watch()
    page = new_page(browser, watch)  # one page, so its cache keeps the theme's CSS and JS as a reader's would
    for html_file in sorted(SITE.rglob("index.html")):
        folder = html_file.relative_to(SITE).parent.as_posix()
        path = "" if folder == "." else folder + "/"
        if folder.endswith("print"):
            continue  # the whole course on one page: test_the_print_view_… below
        open_page(page, site_url, path)
        # Figures load lazily: load them all, then ask each whether it decoded.
        figures = page.evaluate("""async () => {
            const images = [...document.querySelectorAll('.md-content img')];
            await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
            return images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth, alt: img.alt}));
        }""")
        header = page.locator(".lesson-meta")
        if path in LANGUAGES.values():
            # Once per language, wait for the search worker to fetch and index (the same on every page).
            page.wait_for_load_state("networkidle")
        visits[path] = PageVisit(
            figures=figures,
            header=header.inner_text() if header.count() else None,
            header_links=header.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
            if header.count() else [],
            edit=page.locator("a[rel=edit]").get_attribute("href") if page.locator("a[rel=edit]").count() else None,
            problems=watch.take())
    page.context.close()
    return visits


@pytest.mark.parametrize("prefix", list(LANGUAGES.values()))
def test_the_print_view_holds_every_lesson_in_order_and_loads_every_figure(reader, site_url, lessons, prefix):
    reader.set_default_timeout(120_000)  # megabytes of HTML and every figure of the course, on a busy machine
    open_page(reader, site_url, f"{prefix}print/")
    assert reader.locator("section.print-lesson").evaluate_all("sections => sections.map(section => section.id)") \
        == [f"lesson-{slug}" for slug in lessons]
    figures = reader.evaluate("""async () => {
        const images = [...document.querySelectorAll('section.print-lesson img')];
        await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
        return images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth}));
    }""")
    assert figures and not [figure["src"] for figure in figures if figure["width"] == 0]


def test_no_console_errors_and_no_request_leaves_127_0_0_1_on_any_page(tour):
    assert len(tour) > 10
    problems = [f"{path}: {problem}" for path, visit in tour.items() for problem in visit.problems]
    assert not problems, "\n".join(problems)


def test_every_figure_loads_and_has_alt_text(tour):
    assert sum(len(visit.figures) for visit in tour.values()) > 0
    for path, visit in tour.items():
        for figure in visit.figures:
            assert figure["width"] > 0, f"{path}: {figure['src']} did not load"
            assert figure["alt"].strip() and figure["alt"] not in ("图", "figure"), \
                f"{path}: {figure['src']} has no alt text: add `#| alt: …` to the block that draws it"
    assert any("learning-path.svg" in figure["src"] for figure in tour[""].figures), "no learning path on the home page"


def test_lesson_headers_link_the_prerequisites_and_edit_links_point_at_the_source(tour, lessons):
    edit = "https://github.com/hands-on-pytorch/course/edit/main/"
    for lang, prefix in LANGUAGES.items():
        for slug, lesson in lessons.items():
            visit = tour[f"{prefix}lessons/{slug}/"]
            assert visit.edit == edit + lesson.sources[lang].rel
            matter = read_front_matter(lesson.sources[lang])
            assert visit.header and str(matter.time) in visit.header
            for prerequisite in matter.prerequisites:
                assert f"../{prerequisite}/" in visit.header_links, f"{prefix}lessons/{slug}/: no link to {prerequisite}"
            assert {f"{slug}.py", f"{slug}.ipynb"} <= set(visit.header_links)


@pytest.mark.parametrize("path", ["lessons/03-backprop/", "en/lessons/03-backprop/",
                                  f"lessons/{NOTEBOOK_LESSON}/", f"en/lessons/{NOTEBOOK_LESSON}/"])
def test_math_is_typeset_with_the_sites_own_fonts(reader, site_url, lessons, path):
    _a_lesson(lessons, path.split("/")[-2])
    open_page(reader, site_url, path)
    assert reader.locator("article mjx-container").count() > 0
    text = reader.locator("article").inner_text()
    for raw in ("$$", "\\(", "\\["):
        assert raw not in text, f"{path}: untypeset math ({raw}) left in the page"
    reader.locator("article mjx-container").first.scroll_into_view_if_needed()
    fonts = reader.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.startsWith('MJXTEX') && f.status === 'loaded').length; }""")
    assert fonts > 0, f"{path}: no MathJax font loaded"


@pytest.mark.parametrize("slug", [MARKDOWN_LESSON, NOTEBOOK_LESSON])
def test_downloads_run_and_hold_the_recorded_outputs(reader, site_url, lessons, slug, tmp_path):
    lesson = lessons[slug]
    record = RecordStore(ROOT / "build" / "records").load(slug)
    scripts = {}
    for lang, prefix in LANGUAGES.items():
        open_page(reader, site_url, f"{prefix}lessons/{slug}/")
        files = {}
        for extension in ("py", "ipynb"):
            with reader.expect_download() as download:
                reader.click(f'.lesson-meta a[href="{slug}.{extension}"]')
            files[extension] = tmp_path / lang / download.value.suggested_filename
            download.value.save_as(files[extension])
        notebook = nbformat.read(files["ipynb"], as_version=4)
        nbformat.validate(notebook)
        assert _outputs_by_block(notebook) == _recorded_outputs(record, ROOT / "build" / "records" / slug)
        scripts[lang] = files["py"].read_text(encoding="utf-8")
        colab = reader.locator(".lesson-meta__colab").get_attribute("href")
        assert colab.endswith(f"/blob/notebooks/{prefix}lessons/{slug}/{slug}.ipynb")
    # One module per language: the same code, the prose (comments) in that language.
    assert ast.dump(ast.parse(scripts["zh"])) == ast.dump(ast.parse(scripts["en"]))
    assert read_front_matter(lesson.en).title in scripts["en"] and read_front_matter(lesson.zh).title in scripts["zh"]
    _run_python(tmp_path / "zh", f"{slug}.py", scripts["zh"])


def _outputs_by_block(notebook) -> dict[int, dict]:
    """Each code cell's outputs in the record's terms: stdout, stderr, error, figures (PNG bytes)."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "code" or not cell.id.startswith("lesson-block-"):
            continue  # the install cell at the top is the download's own, not a block of the lesson
        index = int(cell.id.removeprefix("lesson-block-"))
        outputs = {"stdout": "", "stderr": "", "error": "", "figures": []}
        for output in cell.outputs:
            if output.output_type == "stream":
                outputs[output.name] += output.text
            elif output.output_type == "error":
                outputs["error"] = f"{output.ename}: {output.evalue}"
            elif "image/png" in output.get("data", {}):
                outputs["figures"].append(base64.b64decode(output.data["image/png"]))
        found[index] = outputs
    return found


def _recorded_outputs(record: dict, folder: Path) -> dict[int, dict]:
    return {block["index"]: {"stdout": block["stdout"], "stderr": block["stderr"], "error": block["error"],
                             "figures": [(folder / name).read_bytes() for name in block["figures"]]}
            for block in record["blocks"]}


def test_the_404_page_works_in_both_languages(reader, site_url):
    for path in ("no-such-page/", "en/lessons/no-such-lesson/"):
        reader.watch.expected_404.add(site_url + path)
        response = reader.goto(site_url + path)
        assert response.status == 404
        assert "Page not found" in reader.locator("h1").inner_text() and "页面不存在" in reader.locator("h1").inner_text()
        # Its CSS loaded although the page sits at another depth than its assets.
        assert reader.evaluate("getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
        reader.click('a[hreflang="en"][lang="en"]')
        reader.wait_for_load_state("load")
        assert reader.url == site_url + "en/"


def _shown_palette(page) -> dict:
    """What the reader sees of the colour scheme: the body's scheme, the color-scheme meta, the visible toggle."""
    return page.evaluate("""() => ({
        scheme: document.body.dataset.mdColorScheme,
        meta: [...document.querySelectorAll('meta[name="color-scheme"]')].map(m => m.content),
        toggle: [...document.querySelectorAll('[data-course-palette] label')].filter(l => !l.hidden).map(l => l.htmlFor),
    })""")


def test_the_light_dark_toggle_switches_and_the_next_page_keeps_the_choice(reader, site_url):
    open_page(reader, site_url, f"lessons/{MARKDOWN_LESSON}/")
    assert _shown_palette(reader) == {"scheme": "default", "meta": ["light"], "toggle": ["__palette_1"]}

    reader.click('[data-course-palette] label:not([hidden])')
    assert _shown_palette(reader) == {"scheme": "slate", "meta": ["dark"], "toggle": ["__palette_0"]}
    reader.wait_for_function("document.querySelector('meta[name=\"theme-color\"]')?.content.startsWith('#')")

    # The choice is saved: another page, and the other language's toggle, open dark.
    open_page(reader, site_url, "")
    assert _shown_palette(reader) == {"scheme": "slate", "meta": ["dark"], "toggle": ["__palette_0"]}

    # By keyboard: Enter on the focused toggle goes back to light.
    reader.focus("#__palette_1")
    reader.keyboard.press("Enter")
    assert _shown_palette(reader) == {"scheme": "default", "meta": ["light"], "toggle": ["__palette_1"]}


def test_without_a_saved_choice_the_page_follows_the_system_setting_live(reader, site_url):
    open_page(reader, site_url, f"en/lessons/{MARKDOWN_LESSON}/")
    assert _shown_palette(reader)["scheme"] == "default"
    reader.emulate_media(color_scheme="dark")
    reader.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    assert _shown_palette(reader) == {"scheme": "slate", "meta": ["dark"], "toggle": ["__palette_0"]}


def test_dark_mode_keeps_figures_readable_and_screenshots_are_saved(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = f"lessons/{MARKDOWN_LESSON}/"
    for name, prefix, scheme in (("zh", "", "light"), ("en", "en/", "light"), ("dark", "", "dark")):
        watch = Watch()
        page = new_page(browser, watch, color_scheme=scheme)
        open_page(page, site_url, prefix + path)
        expected = "slate" if scheme == "dark" else "default"
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
        figure = page.locator("img.lesson-figure").first
        assert figure.evaluate("img => getComputedStyle(img).backgroundColor") == "rgb(255, 255, 255)"
        # Frame a figure with the code and output above it: what the README promises.
        figure.evaluate("img => { img.loading = 'eager'; return img.decode(); }")
        figure.evaluate("img => window.scrollTo(0, img.getBoundingClientRect().top + window.scrollY - 520)")
        page.wait_for_timeout(600)  # the header swaps the site name for the page title, animated
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
        page.context.close()
        assert not watch.problems(), "\n".join(watch.problems())
    # Tests write only under build/: `make screenshot` copies zh.png to the README's image.


def test_the_measured_page_weight_is_what_the_browser_loads(reader, site_url):
    """page_weight.py reads the HTML for what a page loads; the browser must load no more than that."""
    from site_src.site.page_weight import page_weight

    for path in (f"lessons/{MARKDOWN_LESSON}/", f"en/lessons/{NOTEBOOK_LESSON}/"):
        loaded = {}

        def keep(response, loaded=loaded):
            if response.request.resource_type in ("document", "stylesheet", "script"):
                loaded[response.url] = len(response.body())

        reader.on("response", keep)
        open_page(reader, site_url, path)
        reader.wait_for_load_state("networkidle")
        reader.remove_listener("response", keep)
        weight = page_weight(SITE, SITE / path / "index.html")
        assert sum(loaded.values()) == weight.total, f"{path}: page_weight counts {weight}, the browser loaded {loaded}"


# ------------------------------------------------------------ pending translations

PENDING_ZH = """
# 待译小课

开场白。

```python
print("ok")
```

## 形状

每个张量都有形状。
"""


@pytest.fixture(scope="module")
def pending_site(tmp_path_factory):
    """A tiny course built for real, whose zh section `## 形状` changed and whose en is pending since
    2026-12-01; served like GitHub Pages."""
    import datetime

    from browser_support import PREFIX
    from lesson_fixtures import LessonFolder, write_site_config

    from site_src.lesson.translations import mark_pending, mark_synced, write_record
    from site_src.run.parent import run_lesson
    from site_src.site.build import build_site, served_site

    root = tmp_path_factory.mktemp("pending")
    write_site_config(root)
    english = PENDING_ZH.replace("待译小课", "Pending mini-lesson").replace("开场白。", "Intro.") \
        .replace("## 形状", "## Shape").replace("每个张量都有形状。", "Every tensor has a shape.")
    lesson = LessonFolder(root).markdown("01-demo", PENDING_ZH, english, title="待译小课")
    record = {}
    assert mark_synced(record, lesson) == []
    lesson.zh.path.write_text(lesson.zh.read_text().replace("都有形状。", "都有形状，用 .shape 读出。"), encoding="utf-8")
    assert len(mark_pending(record, lesson, None, None, datetime.date(2026, 12, 1))) == 1
    write_record(lesson.folder.parent, record)
    assert run_lesson(lesson, RecordStore(root / "build" / "records")).failure is None
    build_site(root)
    with served_site(root / "site", PREFIX) as url:
        yield url


def test_a_pending_section_shows_a_note_on_the_lagging_page_that_leads_to_the_other_language(reader, pending_site):
    open_page(reader, pending_site, "en/lessons/01-demo/")
    note = reader.locator("article .lesson-translation-pending")
    assert note.count() == 1 and note.is_visible()
    assert note.inner_text().startswith(
        "This section's English may lag behind the Chinese version, changed on 2026-12-01.")
    # the note sits in the section it is about: right under its heading
    assert note.evaluate("node => node.previousElementSibling.id") == "shape"
    note.locator("a").click()
    reader.wait_for_load_state("load")
    assert reader.url.startswith(f"{pending_site}lessons/01-demo/#")
    assert reader.evaluate("decodeURIComponent(location.hash)") == "#形状"
    assert reader.locator("article h2#形状").is_visible()
    assert reader.locator(".lesson-translation-pending").count() == 0  # the zh page is the one that changed
