"""Accessibility of the built site: axe-core on each kind of page, and a lesson used by keyboard alone.

axe-core (the engine behind most accessibility checkers) comes from npm, pinned in
tools/axe/package-lock.json and installed by ``make setup``; each page gets ``axe.min.js``
from disk, so nothing downloads at test time. Every kind of page is checked in both
languages and both colour schemes; a ``serious`` or ``critical`` violation fails the test
(rule, impact, the elements' selectors and the rule's help page), lesser ones are reported
as warnings in the test summary. Fixes belong in site_src/site/overrides, lessons.css and
docs/javascripts/accessibility.js, not in switching rules off.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass

import pytest
from browser_support import LANGUAGES, ROOT, SITE, Watch, new_page, open_page
from lesson_fixtures import REPO

from site_src.lesson.extract import extract_blocks
from site_src.lesson.lessons import PROJECTS_FROM, find_lesson
from site_src.site.render import COPY_DATA_ID, copy_script

pytestmark = pytest.mark.browser

AXE = REPO / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")
# Rules switched off, each with the reason and the upstream issue: only for a fault whose fix
# belongs in Material itself. None so far: every rule passes on every kind of page.
EXCLUDED_RULES: dict[str, str] = {}
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's data-md-color-scheme
KEYBOARD_LESSON = "01-tensors"  # a Markdown lesson with downloads, code blocks and folded solutions
MAX_TABS = 600


class AccessibilityWarning(UserWarning):
    """A moderate or minor axe-core finding: shown in the test summary, not a failure."""


@dataclass(frozen=True)
class PageKind:
    """One kind of page: where it is, and whether to open the search on it first."""

    name: str
    path: str
    search: str | None = None  # a query to type, to check the open search dialog and its results
    status: int = 200


def _project_path() -> str | None:
    """The first project (a lesson numbered from PROJECTS_FROM, 20), once one exists."""
    folders = sorted(p.name for p in (ROOT / "lessons").iterdir()
                     if p.is_dir() and re.match(r"\d\d-", p.name) and int(p.name[:2]) >= PROJECTS_FROM)
    return f"lessons/{folders[0]}/" if folders else None


def _page_kinds() -> list[PageKind]:
    kinds = [PageKind("home", ""), PageKind("search", "", search="tensor"),
             PageKind("markdown-lesson", "lessons/01-tensors/"), PageKind("notebook-lesson", "lessons/02-autograd/"),
             PageKind("glossary", "glossary/"), PageKind("404", "no-such-page/", status=404)]
    if project := _project_path():
        kinds.insert(4, PageKind("project", project))
    return kinds


# ----------------------------------------------------------------------- axe-core


@pytest.fixture(scope="module")
def scheme_pages(browser):
    """One watched page per colour scheme, reused for every page kind and language."""
    if not AXE.exists():
        pytest.fail(f"{AXE.relative_to(REPO)} is missing: run `make setup` (it installs axe-core from npm)")
    pages = {}

    def page_for(scheme: str):
        if scheme not in pages:
            watch = Watch()
            pages[scheme] = new_page(browser, watch, color_scheme=scheme)
            pages[scheme].watch = watch
        return pages[scheme]

    yield page_for
    for page in pages.values():
        page.context.close()


def _visit(page, site_url: str, kind: PageKind, lang: str, scheme: str) -> None:
    """Open the page as a reader in that scheme sees it: Material's JS done, solutions unfolded."""
    path = LANGUAGES[lang] + kind.path
    if kind.status == 404:
        page.watch.expected_404.add(site_url + path)
        response = page.goto(site_url + path)
        assert response.status == 404, f"{path}: HTTP {response.status}, expected the 404 page"
    else:
        if not (SITE / path / "index.html").exists():
            pytest.fail(f"{path} is not in the built site {SITE}: run `python -m site_src build`")
        open_page(page, site_url, path)
    # Material's components (and ours) mount when document$ emits; wait until every subscriber ran.
    page.evaluate("() => new Promise(done => window.document$.subscribe(() => setTimeout(done)))")
    shown = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert shown == SCHEMES[scheme], f"{path}: the page shows Material's {shown!r} scheme, not {SCHEMES[scheme]!r}"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (scheme == "light"), f"{path}: {scheme} scheme on a {background} page"
    # Folded solutions hold code too: check them open.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if kind.search:
        _open_search(page, kind.search)


def _open_search(page, query: str) -> None:
    page.click(".md-search__input")
    # Material's worker builds the index after the page loads; a query typed before it is ready is lost.
    page.wait_for_function("""() => { const meta = document.querySelector('.md-search-result__meta');
        return meta && meta.textContent.trim() && !/Initializing search|正在初始化搜索引擎/.test(meta.textContent); }""",
                           timeout=20_000)
    page.keyboard.type(query)
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)


def _run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES}}
    return page.evaluate("options => axe.run(document, options).then(results => results.violations)", options)


def _describe(violation: dict, limit: int = 8) -> str:
    nodes = violation["nodes"]
    lines = [f"{violation['id']} ({violation['impact']}): {violation['help']}", f"  {violation['helpUrl']}"]
    for node in nodes[:limit]:
        why = node.get("failureSummary", "").replace("\n", " ")
        lines.append(f"  {' > '.join(map(str, node['target']))}  — {why[:220]}")
    if len(nodes) > limit:
        lines.append(f"  … and {len(nodes) - limit} more elements")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("kind", _page_kinds(), ids=lambda kind: kind.name)
def test_no_serious_accessibility_violation(scheme_pages, site_url, kind, lang, scheme):
    page = scheme_pages(scheme)
    _visit(page, site_url, kind, lang, scheme)
    violations = _run_axe(page)
    where = f"{lang} {kind.name} page (/{LANGUAGES[lang]}{kind.path}, {scheme} scheme)"
    for violation in violations:
        if violation["impact"] not in FAILING:
            warnings.warn(AccessibilityWarning(f"{where}: {_describe(violation, limit=3)}"), stacklevel=1)
    failing = [violation for violation in violations if violation["impact"] in FAILING]
    assert not failing, (f"{where}: {len(failing)} serious or critical accessibility violations (axe-core)\n"
                         + "\n".join(map(_describe, failing)))
    problems = page.watch.take()
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------ keyboard


# What a keyboard reader must reach on a lesson page: CSS selectors of the focused element.
KEYBOARD_TARGETS = {
    "language switch": '.md-select__link[hreflang="en"]',
    "search": "input.md-search__input",
    "download .py": '.lesson-meta a[href$=".py"]',
    "download .ipynb": '.lesson-meta a[href$=".ipynb"]',
    "copy button": '[data-lesson-block] .md-code__button[data-md-type="copy"]',
    "copy up to here": "[data-lesson-block] .lesson-copy-upto",
    "solution": "details > summary",
}


def _focused(page) -> dict:
    """Which keyboard target (if any) has the focus, and whether a reader can see it."""
    return page.evaluate("""targets => {
        const element = document.activeElement;
        const name = Object.keys(targets).find(key => element && element.matches(targets[key])) || null;
        const visible = !!element && element.checkVisibility({opacityProperty: true, visibilityProperty: true})
            && element.getBoundingClientRect().width > 0;
        return {name, visible, html: element ? element.outerHTML.slice(0, 120) : ''};
    }""", KEYBOARD_TARGETS)


def _tab_to(page, name: str) -> None:
    """Press Tab until the target ``name`` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if _focused(page)["name"] == name:
            return
    pytest.fail(f"{name} ({KEYBOARD_TARGETS[name]}) not reached in {MAX_TABS} presses of Tab")


def _clipboard_after(page, key: str) -> str:
    """Press ``key`` on the focused button; what it put on the clipboard."""
    page.evaluate("navigator.clipboard.writeText('')")
    page.keyboard.press(key)
    page.wait_for_function("navigator.clipboard.readText().then(text => text.length > 0)", timeout=5000)
    return page.evaluate("navigator.clipboard.readText()")


def _use(page, name: str, blocks: dict[int, str]) -> None:
    """Use the focused target with the keyboard, and check that it did its job."""
    if name in ("copy button", "copy up to here"):
        index = int(page.evaluate("document.activeElement.closest('[data-lesson-block]').dataset.lessonBlock"))
        if name == "copy button":
            copied = _clipboard_after(page, "Enter")
            assert copied.rstrip("\n") == blocks[index].rstrip("\n"), f"Enter on block {index}'s copy button"
        else:
            copied = _clipboard_after(page, "Space")
            data = json.loads(page.locator(f"#{COPY_DATA_ID}").text_content())
            assert copied == copy_script(data, index), f"Space on block {index}'s copy-up-to-here button"
    elif name.startswith("download"):
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == f"{KEYBOARD_LESSON}.{name.split('.')[-1]}"
    elif name == "solution":
        details = "document.activeElement.parentElement.open"
        assert not page.evaluate(details), "a solution is open before the reader opens it"
        page.keyboard.press("Space")
        assert page.evaluate(details), "Space on a solution's summary did not open it"
        page.keyboard.press("Enter")
        assert not page.evaluate(details), "Enter on an open solution's summary did not close it"
        page.keyboard.press("Enter")
        assert page.evaluate(details), "Enter on a solution's summary did not open it"


def test_a_lesson_works_with_the_keyboard_alone(browser, site_url):
    """Tab through a lesson page: every control a reader needs is reached, visible, and works by key."""
    watch = Watch()
    page = new_page(browser, watch, accept_downloads=True)
    lesson = find_lesson(ROOT / "lessons", KEYBOARD_LESSON)
    blocks = {block.index: block.code for block in extract_blocks(lesson.zh)}
    path = f"lessons/{KEYBOARD_LESSON}/"
    open_page(page, site_url, path)
    page.evaluate("() => new Promise(done => window.document$.subscribe(() => setTimeout(done)))")

    reached, hidden = [], []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        name = focused["name"]
        if name and name not in reached:
            reached.append(name)
            if not focused["visible"]:
                # The language menu fades in when it holds the focus.
                page.wait_for_timeout(500)
                if not _focused(page)["visible"]:
                    hidden.append(f"{name}: {focused['html']}")
            _use(page, name, blocks)
        if len(reached) == len(KEYBOARD_TARGETS):
            break
    missing = [name for name in KEYBOARD_TARGETS if name not in reached]
    assert not missing, f"{path}: {MAX_TABS} presses of Tab never reached {missing} (reached {reached})"
    assert not hidden, f"{path}: focused but not visible: {hidden}"

    # Search by keyboard: Tab to the box, type, arrow down to a result, Enter opens it.
    open_page(page, site_url, path)
    _tab_to(page, "search")
    page.wait_for_function("""() => { const meta = document.querySelector('.md-search-result__meta');
        return meta && meta.textContent.trim() && !/正在初始化搜索引擎/.test(meta.textContent); }""", timeout=20_000)
    page.keyboard.type("autograd")
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    page.keyboard.press("ArrowDown")
    result = page.evaluate("document.activeElement.closest('.md-search-result__item') ? "
                           "document.activeElement.href : null")
    assert result, "ArrowDown in the search box did not move the focus to a result"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("#")[0] == result.split("#")[0], f"Enter on the result {result} opened {page.url}"

    # The language switch by keyboard: Tab to "English", Enter lands on the same page in English.
    opened = page.url.removeprefix(site_url).split("#")[0].split("?")[0]  # less the search's ?h=highlight
    _tab_to(page, "language switch")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{site_url}en/{opened}", f"the language switch on {opened} went to {page.url}"
    page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())
