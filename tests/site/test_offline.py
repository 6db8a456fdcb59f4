"""offline.py: a tiny course built for real, then built again for file:// and zipped per language;
the unpacked archive opened from the disk in Chromium (the tests marked browser)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from browser_support import Watch, new_page
from lesson_fixtures import LessonFolder, write_site_config

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.site.build import build_site
from site_src.site.offline import archive_name, build_archives

pytestmark = pytest.mark.site

LESSON_ZH = """
# 离线演示

```python
import matplotlib.pyplot as plt
print("离线输出 42")
```

```python
#| alt: 一条直线
plt.plot([0, 1], [0, 1])
plt.show()
```

导数 $\\frac{dy}{dx}$ 与

$$
y = x^2
$$

下一课：[笔记本](../02-notebook/index.py)。
"""

NOTEBOOK_ZH = """
# %% [markdown]
# # 笔记本演示
#
# 梯度下降 (gradient descent) 的一步：$w \\leftarrow w - \\eta g$。

# %%
print("notebook output 7")
"""


def _english(text: str) -> str:
    return (text.replace("离线演示", "Offline demo").replace("一条直线", "a straight line")
            .replace("导数", "The derivative").replace(" 与", " and").replace("下一课：[笔记本](../02-notebook/index.py)。",
                                                                           "Next: [the notebook](../02-notebook/index.en.py).")
            .replace("笔记本演示", "Notebook demo").replace("梯度下降 (gradient descent) 的一步", "One step of gradient descent"))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course of two lessons, built as the site and then as the two archives; its root."""
    root = tmp_path_factory.mktemp("offline")
    lessons = LessonFolder(root)
    write_site_config(root)
    store = RecordStore(root / "build" / "records")
    for lesson in (lessons.markdown("01-markdown", LESSON_ZH, _english(LESSON_ZH)),
                   lessons.notebook("02-notebook", NOTEBOOK_ZH, _english(NOTEBOOK_ZH))):
        assert run_lesson(lesson, store).failure is None
    build_site(root)
    build_archives(root)
    return root


@pytest.fixture(scope="module")
def unpacked(course, tmp_path_factory) -> dict[str, Path]:
    """Each language's archive unpacked, as a reader would: the folder it makes, by language."""
    folders = {}
    for lang in ("zh", "en"):
        target = tmp_path_factory.mktemp(f"unpacked-{lang}")
        with zipfile.ZipFile(course / "site" / "downloads" / archive_name(lang)) as archive:
            archive.extractall(target)
        folders[lang] = target / f"course-{lang}"
    return folders


# ----------------------------------------------------------------- what the archive holds

def test_each_language_has_its_archive_beside_the_site(course):
    for lang in ("zh", "en"):
        archive = course / "site" / "downloads" / archive_name(lang)
        with zipfile.ZipFile(archive) as bundle:
            names = bundle.namelist()
        assert names and all(name.startswith(f"course-{lang}/") for name in names)
        assert f"course-{lang}/index.html" in names
    assert not (course / "site" / "downloads" / "course-zh").exists()  # only the zips land in the site
    assert f"course-{lang}/search/search_index.json" not in names  # the pages load search_index.js from the disk
    assert not [name for name in names if name.endswith(".map")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_archive_holds_every_lesson_page_with_its_downloads_and_figures(unpacked, lang):
    folder = unpacked[lang]
    for slug in ("01-markdown", "02-notebook"):
        assert (folder / f"lessons/{slug}/index.html").is_file()
        assert (folder / f"lessons/{slug}/{slug}.py").is_file()
        assert (folder / f"lessons/{slug}/{slug}.ipynb").is_file()
    assert (folder / "lessons/01-markdown/figures/01-markdown-b01-1.png").is_file()
    assert (folder / "print.html").is_file()
    title = "离线演示" if lang == "zh" else "Offline demo"
    assert title in (folder / "lessons/01-markdown/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_link_in_the_archive_names_a_file_that_is_in_it(unpacked, lang):
    folder = unpacked[lang]
    for page in folder.rglob("*.html"):
        if page.name == "404.html":
            continue  # its links are absolute (it answers for any address on the web); never opened from the disk
        text = page.read_text(encoding="utf-8")
        for address in re.findall(r'(?:href|src)="([^"#?]+)[^"]*"', text):
            if re.match(r"^[a-z]+:", address):
                continue
            assert (page.parent / address).is_file(), f"{page.relative_to(folder)}: {address} is not in the archive"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_archive_searches_from_the_disk_and_loads_nothing_from_the_web(unpacked, lang):
    folder = unpacked[lang]
    assert (folder / "search/search_index.js").read_text(encoding="utf-8").startswith("var __index = {")
    assert (folder / "assets/javascripts/iframe-worker.js").is_file()
    page = (folder / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert "unpkg.com" not in page and "../../assets/javascripts/iframe-worker.js" in page


def test_the_language_switch_leads_to_the_other_language_on_the_web(unpacked):
    page = (unpacked["zh"] / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert 'href="https://hands-on-pytorch.github.io/course/en/lessons/01-markdown/index.html" hreflang="en"' in page
    page = (unpacked["en"] / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert 'href="https://hands-on-pytorch.github.io/course/lessons/01-markdown/index.html" hreflang="zh"' in page


def test_the_home_pages_link_the_archive_the_pdf_and_the_print_view(course, unpacked):
    zh = (course / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="downloads/course-zh.zip" download' in zh and 'href="downloads/course-zh.pdf"' in zh
    assert 'href="print/"' in zh
    en = (course / "site" / "en" / "index.html").read_text(encoding="utf-8")
    assert 'href="../downloads/course-en.zip" download' in en and 'href="../downloads/course-en.pdf"' in en
    offline = (unpacked["zh"] / "index.html").read_text(encoding="utf-8")
    assert 'href="https://hands-on-pytorch.github.io/course/downloads/course-zh.zip"' in offline
    assert 'href="print.html"' in offline


# ------------------------------------------------------------ the archive in a browser

@pytest.fixture
def reader(browser):
    """A page of Chromium; the test fails on console errors or on any request off the disk."""
    watch = Watch()
    page = new_page(browser, watch)

    def only_files(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    page.context.unroute("**/*")
    page.context.route("**/*", only_files)
    yield page
    page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "query"), [("zh", "离线"), ("en", "derivative")])
def test_a_lesson_of_the_unpacked_archive_shows_figures_math_and_search_from_the_disk(reader, unpacked, lang, query):
    reader.goto((unpacked[lang] / "lessons/01-markdown/index.html").as_uri())
    reader.wait_for_load_state("load")
    widths = reader.evaluate("""async () => {
        const images = [...document.querySelectorAll('.md-content img')];
        await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
        return images.map(img => img.naturalWidth); }""")
    assert widths and all(width > 0 for width in widths)
    assert reader.locator("article mjx-container").count() >= 2
    reader.click(".md-search__input")
    reader.wait_for_function("""() => { const meta = document.querySelector('.md-search-result__meta');
        return meta && meta.textContent.trim() && !/Initializing search|正在初始化搜索引擎/.test(meta.textContent); }""",
                             timeout=20_000)
    box = reader.locator("input.md-search__input")
    box.fill(query)
    box.press("End")
    results = reader.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = [results.nth(index).get_attribute("href") for index in range(results.count())]
    assert any("lessons/01-markdown/index.html" in href for href in hrefs), f"{query!r} found only {hrefs}"
    results.first.click()
    reader.wait_for_load_state("load")
    assert reader.url.startswith("file://") and "/lessons/01-markdown/index.html" in reader.url
