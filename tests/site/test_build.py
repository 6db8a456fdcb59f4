"""mkdocs_hooks.py + render.py: a real MkDocs build of tiny lessons in both languages."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from lesson_fixtures import write_site_config

from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.site.build import SiteBuildError, build_site

pytestmark = pytest.mark.site

MARKDOWN_ZH = """
# 张量演示

```python
import matplotlib.pyplot as plt
print("输出来自运行 42")
```

```python
#| alt: 一条直线
plt.plot([0, 1], [0, 1])
plt.show()
```

```python
#| raises: ZeroDivisionError
1 / 0
```

导数 $\\frac{dy}{dx}$ 与

$$
y = x^2
$$

练习：

```python
#| solution: true
assert 2 + 2 == 4
print("solved")
```

```python
#| gpu: true
print("只在 GPU 上运行")
```

见[自动求导](../02-notebook/index.py)。
"""

NOTEBOOK_ZH = """
# %% [markdown]
# # 自动求导演示
#
# 回到[张量](../01-markdown/index.md)。求导 $y = x^2$。

# %%
import matplotlib.pyplot as plt
print("notebook output 7")

# %% [markdown]
# ## 画图

# %%
#| alt: 一条曲线
plt.plot([1, 4, 9])
plt.show()

# %%
#| gpu: true
print("notebook on a GPU")
"""


# A project whose block writes a file for the reader to download (a generated MIDI file, say).
PROJECT_CODE = """```python
import os
import jieba
print('project')
os.makedirs("outputs")
with open("outputs/tune.mid", "wb") as file:
    file.write(b"MThd")
```
"""


def _english(text: str) -> str:
    return (text.replace("张量演示", "Tensor demo").replace("自动求导演示", "Autograd demo")
            .replace("一条直线", "a straight line").replace("一条曲线", "a curve")
            .replace("练习：", "Exercise:").replace("## 画图", "## Plotting")
            .replace("见[自动求导](../02-notebook/index.py)", "See [autograd](../02-notebook/index.en.py)")
            .replace("回到[张量](../01-markdown/index.md)", "Back to [tensors](../01-markdown/index.en.md)"))


BUILT_FROM = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    from lesson_fixtures import LessonFolder

    root = tmp_path_factory.mktemp("site")
    lessons = LessonFolder(root)
    write_site_config(root)
    store = RecordStore(root / "build" / "records")
    markdown = lessons.markdown("01-markdown", MARKDOWN_ZH, _english(MARKDOWN_ZH))
    (markdown.folder / "DATA-LICENSE.md").write_text("# Licence of the data\n", encoding="utf-8")
    notebook = lessons.notebook("02-notebook", NOTEBOOK_ZH, _english(NOTEBOOK_ZH))
    project = lessons.markdown("20-project", "# 项目演示\n\n" + PROJECT_CODE, "# Project demo\n\n" + PROJECT_CODE)
    for lesson in (markdown, notebook, project):
        assert run_lesson(lesson, store).failure is None
    gpu_store = RecordStore(root / "build" / "records-cuda")
    _gpu_record(store, gpu_store, markdown, "GPU 输出 H200\n")  # fresh: shown
    _gpu_record(store, gpu_store, notebook, "STALE GPU OUTPUT\n", source_key="0" * 20)  # older code: never shown
    os.environ["GITHUB_SHA"] = BUILT_FROM  # what CI sets; the report link names the commit
    try:
        build_site(root)
    finally:
        del os.environ["GITHUB_SHA"]
    return root / "site"


GPU_RUN = {"device": "NVIDIA H200", "torch": "2.14.1+cu130", "cuda": "13.0", "python": "3.11.9", "date": "2026-05-04"}


def _gpu_record(store: RecordStore, gpu_store: RecordStore, lesson, stdout: str, source_key: str | None = None) -> None:
    """What the GPU job's `records-cuda` artifact holds for the lesson: its CPU record with the GPU-only
    block run (and a figure), and the GPU's environment."""
    record = store.load(lesson.slug)
    gpu_block = record["blocks"][-1]
    assert gpu_block["status"] == "gpu-skipped"
    figure = f"{lesson.slug}-b{gpu_block['index']:02d}-1.png"
    gpu_block.update(status="ok", stdout=stdout, figures=[figure])
    record.update(environment=GPU_RUN, versions={**record["versions"], "torch": record["versions"]["torch"] + "+cu130"})
    if source_key:
        record["source_key"] = source_key
    gpu_store.folder(lesson.slug).mkdir(parents=True)
    shutil.copy(store.folder(lesson.slug) / record["blocks"][1]["figures"][0], gpu_store.folder(lesson.slug) / figure)
    gpu_store.record_path(lesson.slug).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(("prefix", "device_line"), [("", "GPU 上的运行：NVIDIA H200 · torch "),
                                                     ("en/", "Run on a GPU: NVIDIA H200 · torch ")])
def test_a_fresh_gpu_record_puts_its_output_and_device_under_the_gpu_block(built_site, prefix, device_line):
    html = (built_site / prefix / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert device_line in html and " · CUDA 13.0 · 2026-05-04</p>" in html
    assert html.index(device_line) < html.index("GPU 输出 H200") < html.index('src="figures/01-markdown-b04-1.png"')
    assert "not yet run on a GPU" not in html and "尚未在 GPU 上运行" not in html
    assert (built_site / prefix / "lessons/01-markdown/figures/01-markdown-b04-1.png").exists()


@pytest.mark.parametrize(("prefix", "plain_line"), [("", "尚未在 GPU 上运行这一版本"),
                                                    ("en/", "has not yet run on a GPU for this version")])
def test_a_stale_gpu_record_is_never_shown_the_block_says_it_has_not_yet_run(built_site, prefix, plain_line):
    html = (built_site / prefix / "lessons/02-notebook/index.html").read_text(encoding="utf-8")
    assert plain_line in html and "STALE GPU OUTPUT" not in html
    assert not (built_site / prefix / "lessons/02-notebook/figures/02-notebook-b02-1.png").exists()


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_every_lesson_page_and_download_is_stamped_with_what_its_runs_ran_on(built_site, prefix):
    verified, run = ("验证环境：", "运行）") if prefix == "" else ("Verified on: ", "(run ")
    for slug in ("01-markdown", "02-notebook"):
        html = (built_site / prefix / f"lessons/{slug}/index.html").read_text(encoding="utf-8")
        stamp = html[html.index('<span class="lesson-meta__item lesson-meta__verified">'):]
        stamp = stamp[:stamp.index("</span>")]
        assert f"{verified}CPU · torch " in stamp and " · Python 3.11." in stamp and run in stamp
        assert ("NVIDIA H200" in stamp) == (slug == "01-markdown")  # the stale GPU record stamps nothing
        script = (built_site / prefix / f"lessons/{slug}/{slug}.py").read_text(encoding="utf-8")
        assert f"# > {verified}CPU · torch " in script


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_markdown_lesson_pages_show_recorded_output_and_figures(built_site, prefix):
    html = (built_site / prefix / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert "输出来自运行 42" in html
    assert '<img alt="' in html and 'src="figures/01-markdown-b01-1.png"' in html
    assert (built_site / prefix / "lessons/01-markdown/figures/01-markdown-b01-1.png").exists()
    assert "ZeroDivisionError: division by zero" in html
    assert "#| " not in html  # options are for the pipeline, not the reader
    assert "<details class=\"success\"" in html  # the solution is folded


def test_alt_text_is_per_language(built_site):
    assert 'alt="一条直线"' in (built_site / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert 'alt="a straight line"' in (built_site / "en/lessons/01-markdown/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_notebook_lesson_pages_are_rendered_cells_with_outputs(built_site, prefix):
    html = (built_site / prefix / "lessons/02-notebook/index.html").read_text(encoding="utf-8")
    assert "jp-Cell" in html
    assert "notebook output 7" in html
    assert 'src="figures/02-notebook-b01-1.png"' in html and "data:image/png;base64," not in html
    assert "# %%" not in html
    # mkdocs-jupyter's inline JupyterLab CSS, scripts and prompts are gone; code is Material's
    assert "--jp-" not in html and "In&nbsp;[" not in html and html.count("<style") == 1  # the one is MathJax's
    # ... with its line count (height kept while off screen) and a focus stop until Material sets it up
    assert re.search(r'<div class="highlight" style="--lines: \d+" data-lesson-block="0"><pre><span></span>'
                     r'<code tabindex="0">', html)
    assert '<span class="n">' not in html  # names are the code's own colour: no span (site/code_spans.py)


@pytest.mark.parametrize(("prefix", "headings"), [("", ["自动求导演示", "画图"]),
                                                 ("en/", ["autograd-demo", "plotting"])])
def test_a_notebook_pages_table_of_contents_leads_to_its_headings(built_site, prefix, headings):
    html = (built_site / prefix / "lessons/02-notebook/index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    ids = [heading["id"] for heading in soup.select("article h1, article h2")]
    assert ids == headings  # the site's slugify, as on Markdown pages: Chinese kept, never id=""
    toc = [link["href"] for link in soup.select(".md-sidebar--secondary a.md-nav__link")]
    assert toc and all(href.lstrip("#") in ids for href in toc)


def test_the_search_dialog_is_named_in_each_language(built_site):
    assert 'role="dialog" aria-label="搜索"' in (built_site / "index.html").read_text(encoding="utf-8")
    assert 'role="dialog" aria-label="Search"' in (built_site / "en/index.html").read_text(encoding="utf-8")


def test_english_pages_hold_the_english_text(built_site):
    assert "Autograd demo" in (built_site / "en/lessons/02-notebook/index.html").read_text(encoding="utf-8")
    assert "Tensor demo" in (built_site / "en/lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert "张量演示" in (built_site / "lessons/01-markdown/index.html").read_text(encoding="utf-8")


def test_the_language_switch_points_at_the_same_lesson(built_site):
    zh = (built_site / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    en = (built_site / "en/lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert 'href="../../en/lessons/01-markdown/" hreflang="en"' in zh
    assert 'href="../../../lessons/01-markdown/" hreflang="zh"' in en


def test_links_between_lessons_lead_to_the_pages(built_site):
    zh = (built_site / "lessons/01-markdown/index.html").read_text(encoding="utf-8")
    assert 'href="../02-notebook/"' in zh
    notebook = (built_site / "en/lessons/02-notebook/index.html").read_text(encoding="utf-8")
    assert 'href="../01-markdown/"' in notebook


def test_home_pages_list_the_lessons_with_their_front_matter(built_site):
    zh = (built_site / "index.html").read_text(encoding="utf-8")
    en = (built_site / "en/index.html").read_text(encoding="utf-8")
    assert '<a href="lessons/01-markdown/">测试</a>' in zh and '<a href="lessons/02-notebook/">测试</a>' in zh
    assert '<a href="lessons/01-markdown/">Test</a>' in en
    assert "a lesson written for a test" in en


def _nav_sections(html: str) -> dict[str, list[str]]:
    """The primary nav's sections of a built page: section title -> the hrefs in it."""
    soup = BeautifulSoup(html, "html.parser")
    sections = {}
    for item in soup.select("nav.md-nav--primary > ul > li.md-nav__item--nested"):
        title = item.find(class_="md-nav__link").get_text(" ", strip=True)
        sections[title] = [link["href"] for link in item.select("nav a.md-nav__link")]
    return sections


@pytest.mark.parametrize(("prefix", "lessons", "projects"), [("", "课程", "实战项目"), ("en/", "Lessons", "Projects")])
def test_a_lesson_numbered_from_20_is_in_the_projects_section(built_site, prefix, lessons, projects):
    sections = _nav_sections((built_site / prefix / "lessons/01-markdown/index.html").read_text(encoding="utf-8"))
    assert sections[lessons] == ["./", "../02-notebook/"]
    assert sections[projects] == ["../20-project/"]


@pytest.mark.parametrize(("prefix", "heading"), [("", "实战项目"), ("en/", "Projects")])
def test_the_home_page_lists_the_projects_in_a_table_of_their_own(built_site, prefix, heading):
    html = (built_site / prefix / "index.html").read_text(encoding="utf-8")
    tables = BeautifulSoup(html, "html.parser").select("article table")
    assert [[a["href"] for a in table.select("a")] for table in tables] == [
        ["lessons/01-markdown/", "lessons/02-notebook/"], ["lessons/20-project/"]]
    assert tables[1].find_previous("h3").get_text(strip=True).startswith(heading)


def test_chinese_search_index_holds_chinese_words_split_into_terms(built_site):
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["en", "zh"]
    texts = " ".join(doc["text"] for doc in index["docs"])
    assert "张量" in texts
    assert "\u200b" in texts  # jieba's word boundaries, so a query for 张量 matches inside a sentence


def test_the_build_refuses_a_stale_record(tmp_path):
    from lesson_fixtures import LessonFolder

    lessons = LessonFolder(tmp_path)
    write_site_config(tmp_path)
    lesson = lessons.markdown("01-markdown", "```python\nprint(1)\n```\n")
    run_lesson(lesson, RecordStore(tmp_path / "build" / "records"))
    lessons.markdown("01-markdown", "```python\nprint(2)\n```\n")
    with pytest.raises(SiteBuildError, match="lessons/01-markdown/index.md: no up-to-date test record: the record is stale"):
        build_site(tmp_path)


def test_the_build_refuses_a_lesson_whose_latest_run_failed(tmp_path):
    """The same code passed once, then failed: the earlier passing record is not shown."""
    from lesson_fixtures import LessonFolder

    lessons = LessonFolder(tmp_path)
    write_site_config(tmp_path)
    flag = tmp_path / "FAIL-NOW"
    lesson = lessons.markdown("01-markdown", f"```python\nimport os\nassert not os.path.exists({str(flag)!r}), 'flagged'\n```\n")
    store = RecordStore(tmp_path / "build" / "records")
    assert run_lesson(lesson, store).failure is None
    flag.write_text("")
    assert run_lesson(lesson, store, force=True).failure
    with pytest.raises(SiteBuildError, match=r"index.md: no up-to-date test record: the record is from a failed run "
                                             r"\(AssertionError: flagged\)"):
        build_site(tmp_path)


def test_the_build_refuses_a_record_with_a_missing_block(tmp_path):
    from lesson_fixtures import LessonFolder

    lessons = LessonFolder(tmp_path)
    write_site_config(tmp_path)
    lesson = lessons.markdown("01-markdown", "```python\nprint(1)\n```\n\n```python\nprint(2)\n```\n")
    store = RecordStore(tmp_path / "build" / "records")
    record = run_lesson(lesson, store).record
    store.record_path("01-markdown").write_text(json.dumps({**record, "blocks": record["blocks"][:1]}))
    with pytest.raises(SiteBuildError, match=r"the record is incomplete \(1 of 2 blocks recorded\)"):
        build_site(tmp_path)


def test_the_build_refuses_a_record_holding_an_output_that_could_carry_script(tmp_path):
    """publish.py never keeps one; a record made otherwise (or changed since) is refused as well."""
    from lesson_fixtures import LessonFolder

    lessons = LessonFolder(tmp_path)
    write_site_config(tmp_path)
    lesson = lessons.markdown("01-markdown", "```python\nimport os\nos.makedirs('outputs')\n"
                                             "open('outputs/notes.txt', 'w').write('fine')\n```\n")
    store = RecordStore(tmp_path / "build" / "records")
    assert run_lesson(lesson, store).failure is None
    (store.outputs_folder("01-markdown") / "page.html").write_text("<script>alert(1)</script>")
    with pytest.raises(SiteBuildError, match=r"refusing to publish outputs/page.html of the record: only regular files "
                                             r"of these types are published: \.mid, \.midi"):
        build_site(tmp_path)


def test_the_build_refuses_a_missing_record(tmp_path):
    from lesson_fixtures import LessonFolder

    LessonFolder(tmp_path).markdown("01-markdown", "```python\nprint(1)\n```\n")
    write_site_config(tmp_path)
    with pytest.raises(SiteBuildError, match="record is missing.*run `make test`"):
        build_site(tmp_path)


@pytest.mark.parametrize("prefix", ["", "en/"])
@pytest.mark.parametrize("slug", ["01-markdown", "02-notebook"])
def test_lesson_pages_have_a_header_downloads_and_copy_data(built_site, prefix, slug):
    html = (built_site / prefix / f"lessons/{slug}/index.html").read_text(encoding="utf-8")
    assert '<div class="lesson-meta">' in html
    assert f'<a href="{slug}.py" download>.py</a>' in html
    colab = "https://colab.research.google.com/github/hands-on-pytorch/course/blob/notebooks/"
    assert f"{colab}{prefix}lessons/{slug}/{slug}.ipynb" in html
    assert '<script type="application/json" id="lesson-code">' in html
    assert (built_site / prefix / f"lessons/{slug}/{slug}.py").exists()
    nbformat.validate(nbformat.read(built_site / prefix / f"lessons/{slug}/{slug}.ipynb", as_version=4))


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_math_is_typeset_at_build_time_on_both_kinds_of_page(built_site, prefix):
    for slug in ("01-markdown", "02-notebook"):
        html = (built_site / prefix / f"lessons/{slug}/index.html").read_text(encoding="utf-8")
        assert "<mjx-container" in html and "../../assets/mathjax/woff-v2/" in html
        assert "$y = x^2$" not in html and "\\(" not in html
    assert (built_site / prefix / "assets/mathjax/woff-v2/MathJax_Main-Regular.woff").exists()


def test_edit_links_point_at_the_lesson_source_in_both_formats(built_site):
    edit = "https://github.com/hands-on-pytorch/course/edit/main/lessons/"
    assert f'href="{edit}02-notebook/index.py"' in (built_site / "lessons/02-notebook/index.html").read_text(encoding="utf-8")
    assert f'href="{edit}01-markdown/index.en.md"' in (built_site / "en/lessons/01-markdown/index.html").read_text(
        encoding="utf-8")


def test_the_home_page_shows_the_learning_path_in_its_language(built_site):
    assert '<img alt="学习路线图' in (built_site / "index.html").read_text(encoding="utf-8")
    assert "Basics" in (built_site / "en/assets/learning-path.svg").read_text(encoding="utf-8")
    assert "基础" in (built_site / "assets/learning-path.svg").read_text(encoding="utf-8")
    assert ">Projects</text>" in (built_site / "en/assets/learning-path.svg").read_text(encoding="utf-8")
    assert ">实战项目</text>" in (built_site / "assets/learning-path.svg").read_text(encoding="utf-8")


def test_pages_load_nothing_from_outside_the_site(built_site):
    from site_src.site.page_weight import page_weight

    for page in ("lessons/01-markdown/index.html", "en/lessons/02-notebook/index.html", "index.html"):
        assert page_weight(built_site, built_site / page).missing == ()


def test_a_markdown_file_among_a_lessons_data_is_a_page_outside_the_nav(built_site):
    # The strict build would fail if it were a page missing from the nav.
    assert "Licence of the data" in (built_site / "lessons/01-markdown/DATA-LICENSE/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("prefix", "label"), [("", "下载这段代码写出的文件：tune.mid"),
                                               ("en/", "Download the file this block wrote: tune.mid")])
def test_a_file_a_block_wrote_into_outputs_is_a_download_under_the_block(built_site, prefix, label):
    page = BeautifulSoup((built_site / prefix / "lessons/20-project/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    link = page.find("a", string=label)
    assert link is not None and link["href"] == "outputs/tune.mid" and link.has_attr("download")
    assert link.find_parent("p").find_previous("pre").get_text().strip() == "project"  # under the block's output
    assert (built_site / prefix / "lessons/20-project/outputs/tune.mid").read_bytes() == b"MThd"


@pytest.mark.parametrize("prefix", ["", "en/"])
@pytest.mark.parametrize(("slug", "install"), [("01-markdown", "pip install matplotlib==3.11.2"),
                                               ("02-notebook", "pip install matplotlib==3.11.2"),
                                               ("20-project", "pip install jieba==0.42.1")])
def test_every_lesson_page_shows_the_install_line_of_what_it_imports(built_site, prefix, slug, install):
    page = BeautifulSoup((built_site / prefix / f"lessons/{slug}/index.html").read_text(encoding="utf-8"), "html.parser")
    (line,) = page.select(".lesson-meta .lesson-meta__install code")
    assert line.get_text() == install
    script = (built_site / prefix / f"lessons/{slug}/{slug}.py").read_text(encoding="utf-8")
    assert f"# > `{install}`" in script[:script.index("\n# %%\n")]  # in the header note, before the first code cell


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_the_notebook_download_first_installs_what_the_kernel_lacks(built_site, prefix):
    notebook = nbformat.read(built_site / prefix / "lessons/20-project/20-project.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code[0].id == "install" and '"jieba": "jieba==0.42.1"' in code[0].source
    assert "find_spec" in code[0].source and "pip" in code[0].source
    why = notebook.cells[notebook.cells.index(code[0]) - 1]
    assert why.cell_type == "markdown" and ("Colab" in why.source)


@pytest.mark.parametrize(("prefix", "link_text"), [("", "报告本页的问题"), ("en/", "Report a problem with this page")])
@pytest.mark.parametrize("slug", ["01-markdown", "02-notebook", "20-project"])
def test_every_lesson_page_has_a_report_link_naming_lesson_commit_and_torch(built_site, prefix, link_text, slug):
    from urllib.parse import parse_qs, urlsplit

    page = BeautifulSoup((built_site / prefix / f"lessons/{slug}/index.html").read_text(encoding="utf-8"), "html.parser")
    (link,) = page.select("a.lesson-report")
    assert link.get_text() == link_text and link["target"] == "_blank"
    address = urlsplit(link["href"])
    assert f"{address.scheme}://{address.netloc}{address.path}" == "https://github.com/hands-on-pytorch/course/issues/new"
    fields = parse_qs(address.query)
    assert slug in fields["title"][0] and fields["labels"] == ["page-problem"] and fields["template"] == ["page-problem.md"]
    body = fields["body"][0]
    assert slug in body and BUILT_FROM in body and "torch 2." in body
    assert ("语言：中文" if prefix == "" else "Language: English") in body
    assert "{section}" in link["data-body"]  # what the page's script fills with the reader's section


# ------------------------------------------------------------------- the print view

def _print_view(built_site: Path, prefix: str) -> BeautifulSoup:
    return BeautifulSoup((built_site / prefix / "print/index.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_the_print_view_holds_every_lesson_in_nav_order_each_starting_a_page(built_site, prefix):
    book = _print_view(built_site, prefix)
    sections = book.select("article section.print-lesson")
    assert [section["id"] for section in sections] == ["lesson-01-markdown", "lesson-02-notebook", "lesson-20-project"]
    assert [section.find("h1").get_text(strip=True).rstrip("¶") for section in sections] == (
        ["张量演示", "自动求导演示", "项目演示"] if prefix == "" else ["Tensor demo", "Autograd demo", "Project demo"])
    style = " ".join(element.get_text() for element in book.select("article style"))
    assert ".print-lesson { break-before: page; }" in style
    assert "white-space: pre-wrap" in style
    printed = style[style.index("@media print"):]
    assert ".md-header" in printed and ".md-sidebar" in printed and ".md-footer" in printed


@pytest.mark.parametrize("prefix", ["", "en/"])
def test_the_print_view_keeps_figures_outputs_and_math_with_addresses_that_resolve(built_site, prefix):
    book = _print_view(built_site, prefix)
    lesson = book.select_one("#lesson-01-markdown")
    assert "输出来自运行 42" in lesson.get_text() and lesson.select("mjx-container")
    images = book.select("section.print-lesson img")
    assert images
    for image in images:
        assert (built_site / prefix / "print" / image["src"]).resolve().is_file(), image["src"]
    fonts = " ".join(style.get_text() for style in book.select("#lesson-01-markdown style"))
    assert 'url("../assets/mathjax/woff-v2/' in fonts and "../../assets" not in fonts  # from print/, not the lesson's


def test_the_print_view_links_lessons_inside_the_book_and_keeps_ids_unique(built_site):
    book = _print_view(built_site, "")
    assert book.select_one('#lesson-01-markdown a[href="#lesson-02-notebook"]') is not None
    ids = [element["id"] for element in book.select("[id]")]
    assert len(ids) == len(set(ids))
    for link in book.select('section.print-lesson a[href^="#"]'):
        assert book.find(id=link["href"][1:]) is not None, link["href"]
    assert book.select("#lesson-code") == []  # the pages' "copy up to here" data stays on the pages


def test_the_print_view_is_neither_in_the_nav_nor_in_search(built_site):
    assert "print/" not in _nav_sections((built_site / "lessons/01-markdown/index.html").read_text(encoding="utf-8"))
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    assert not [doc["location"] for doc in index["docs"] if doc["location"].startswith("print/")]
