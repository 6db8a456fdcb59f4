"""render.py, downloads.py, notebook_html.py, mathjax.py, page_weight.py: each stage alone, on tiny lessons.

Records are written by hand here (what runner.py would record), so nothing runs lesson
code except the checks that a copied or downloaded script runs with plain ``python``.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import datetime
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from lesson_fixtures import REPO

from site_src.lesson.extract import extract_blocks
from site_src.lesson.lessons import discover_lessons, find_lesson
from site_src.site.downloads import colab_url, download_notebook, download_script, notebook_path
from site_src.site.mathjax import MathError, typeset
from site_src.site.notebook_html import tidy_notebook_html
from site_src.site.page_weight import page_weight, weight_report
from site_src.site.render import (
    LABELS,
    RecordedLesson,
    copy_data,
    copy_script,
    lesson_cells,
    lesson_header,
    render_markdown_lesson,
    render_notebook,
    verified_on,
)

# The smallest valid PNG: what a record's figure file holds.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
SITE = "https://example.org/course/"
CPU_RUN = {"device": "CPU", "torch": "2.14.1+cpu", "python": "3.11.9", "date": "2026-05-03"}
GPU_RUN = {"device": "NVIDIA H200", "torch": "2.14.1+cu130", "cuda": "13.0", "python": "3.11.9", "date": "2026-05-04"}
GPU_LINE = {"zh": "GPU 上的运行：NVIDIA H200 · torch 2.14.1+cu130 · CUDA 13.0 · 2026-05-04",
            "en": "Run on a GPU: NVIDIA H200 · torch 2.14.1+cu130 · CUDA 13.0 · 2026-05-04"}
NOT_ON_GPU = {"zh": "尚未在 GPU 上运行这一版本", "en": "has not yet run on a GPU for this version"}

MARKDOWN = """
# 演示课

开场白，见[张量](../01-tensors/index.md)和 $x^2$。

```python
import math
total = 1
print("一", total)
```

!!! warning "常见错误"

    下面这段会出错。

```python
#| raises: ZeroDivisionError
1 / 0
```

```bash
pip install torch
```

```python
#| run: false
import not_installed_anywhere
```

```python
#| gpu: true
x = torch.ones(1, device="cuda")
```

```python
#| alt: 一条线
#| solution: true
total += 1
assert total == 2
print("二", total)
```
"""

NOTEBOOK = """
# %% [markdown]
# # 笔记本课
#
# 求导 $\\frac{dy}{dx}$ 与 $$y = x^2$$

# %%
value = 3
print(value)

# %%
#| solution: true
assert value == 3
"""


def _english(text: str) -> str:
    return (text.replace("演示课", "Demo lesson")
            .replace("开场白，见[张量](../01-tensors/index.md)", "Intro, see [tensors](../01-tensors/index.en.md)")
            .replace("常见错误", "Common mistake").replace("下面这段会出错。", "The next block fails.")
            .replace("一条线", "a line").replace("笔记本课", "Notebook lesson").replace("求导", "Derivative"))


def _recorded(lesson, blocks: list[dict], figures: dict[str, bytes] | None = None) -> RecordedLesson:
    folder = lesson.folder.parent.parent / "build" / "records" / lesson.slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (figures or {}).items():
        (folder / name).write_bytes(data)
    full = [{"index": i, "status": "ok", "stdout": "", "stderr": "", "error": "", "figures": [], **block}
            for i, block in enumerate(blocks)]
    return RecordedLesson(lesson, {"blocks": full, "environment": CPU_RUN}, folder)


def _with_gpu_run(recorded: RecordedLesson, blocks: list[dict], figures: dict[str, bytes] | None = None) -> RecordedLesson:
    """The lesson as the site build sees it with a fresh GPU record (what mkdocs_hooks passes on)."""
    folder = recorded.figures_dir.parent.parent / "records-cuda" / recorded.lesson.slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (figures or {}).items():
        (folder / name).write_bytes(data)
    full = [{"index": i, "status": "ok", "stdout": "", "stderr": "", "error": "", "figures": [], **block}
            for i, block in enumerate(blocks)]
    return dataclasses.replace(recorded, gpu_record={"blocks": full, "environment": GPU_RUN}, gpu_figures_dir=folder)


DEMO_ON_GPU = [{"stdout": "一 1 (GPU)\n"}, {"status": "raised", "error": "ZeroDivisionError: division by zero"},
               {"status": "not-run"}, {"stdout": "ones on cuda:0\n", "figures": ["03-demo-b03-1.png"]},
               {"stdout": "二 2 (GPU)\n", "figures": ["03-demo-b04-1.png"]}]


@pytest.fixture
def markdown_lesson(lessons):
    lesson = lessons.markdown("03-demo", MARKDOWN, _english(MARKDOWN))
    lessons.markdown("01-tensors", "# 张量\n")
    recorded = _recorded(lesson, [{"stdout": "一 1\n"}, {"status": "raised", "error": "ZeroDivisionError: division by zero"},
                                  {"status": "not-run"}, {"status": "gpu-skipped"},
                                  {"stdout": "二 2\n", "figures": ["03-demo-b04-1.png"]}],
                         {"03-demo-b04-1.png": PNG})
    return lesson, recorded


@pytest.fixture
def notebook_lesson(lessons):
    lesson = lessons.notebook("04-notebook", NOTEBOOK, _english(NOTEBOOK))
    return lesson, _recorded(lesson, [{"stdout": "3\n"}, {}])


def _run(folder: Path, name: str, text: str) -> subprocess.CompletedProcess:
    (folder / name).write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, name], cwd=folder, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})


# ----------------------------------------------------------------------- the page


def test_markdown_blocks_are_tagged_with_their_index_for_copy_up_to_here(markdown_lesson):
    lesson, recorded = markdown_lesson
    page = render_markdown_lesson(lesson.zh, extract_blocks(lesson.zh), recorded)
    assert '```{ .python data-lesson-block="0" }' in page
    assert 'data-lesson-block="1" title="常见错误：这段代码会抛出 ZeroDivisionError（有意为之）"' in page
    assert "![一条线](figures/03-demo-b04-1.png)" in page
    assert "#| " not in page


def test_lesson_cells_alternate_prose_and_code_without_front_matter(markdown_lesson, notebook_lesson):
    lesson, _ = markdown_lesson
    cells = lesson_cells(lesson.zh, extract_blocks(lesson.zh), {})
    assert [cell.kind for cell in cells][:3] == ["markdown", "code", "markdown"]
    assert cells[0].text.startswith("# 演示课") and "title:" not in cells[0].text
    assert "pip install torch" in cells[4].text  # a shell block is prose: it is shown, not run
    notebook, _ = notebook_lesson
    assert [cell.kind for cell in lesson_cells(notebook.zh, extract_blocks(notebook.zh), {})] == ["markdown", "code", "code"]


def test_copy_up_to_here_gives_a_script_python_runs_with_each_block_as_the_tests_ran_it(markdown_lesson, tmp_path):
    lesson, _ = markdown_lesson
    blocks = extract_blocks(lesson.zh)
    tag = copy_data(lesson, blocks, "zh")
    data = json.loads(tag.split(">", 1)[1].rsplit("</script>", 1)[0])
    assert data["label"] == "复制到此处为止的全部代码"
    script = copy_script(data, blocks[-1].index)
    assert "except ZeroDivisionError as error:" in script
    assert "# import not_installed_anywhere" in script
    assert "if torch.cuda.is_available():" in script
    assert "import torch" in script
    assert copy_script(data, 0).count("print(") == 1
    done = _run(tmp_path, "up_to_here.py", script.replace("import torch\n", "torch = type('torch', (), {'cuda': "
                                                          "type('cuda', (), {'is_available': staticmethod(lambda: False)})})\n"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "一 1\nZeroDivisionError: division by zero\n二 2\n"


def test_copy_data_cannot_close_its_script_tag_early(lessons):
    lesson = lessons.markdown("05-tags", '```python\nprint("</script><b>")\n```\n')
    tag = copy_data(lesson, extract_blocks(lesson.zh), "en")
    assert tag.count("</script>") == 1 and "<\\/script>" in tag


def test_the_header_shows_time_prerequisites_gpu_and_downloads(lessons):
    lessons.markdown("01-tensors", "# 张量\n", "# Tensors\n", title="张量")
    later = lessons.markdown("02-next", "# 下一课\n")
    text = (later.zh.path.read_text(encoding="utf-8")
            .replace("time: 5", "time: 25\nprerequisites: [01-tensors]\ngpu: true"))
    later.zh.path.write_text(text, encoding="utf-8")
    header = lesson_header(later, [later], "zh", "https://colab.example/x.ipynb")
    assert "约 25 分钟" in header and "GPU：可选" in header
    assert '<a href="02-next.py" download>.py</a>' in header and '<a href="02-next.ipynb" download>' in header
    assert 'href="https://colab.example/x.ipynb"' in header
    everything = discover_lessons(lessons.lessons_dir)
    header = lesson_header(everything[1], everything, "zh", None)
    assert '<a href="../01-tensors/">张量</a>' in header and "Colab" not in header


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_gpu_block_shows_the_fresh_gpu_runs_output_under_a_line_naming_the_device(markdown_lesson, lang):
    lesson, recorded = markdown_lesson
    recorded = _with_gpu_run(recorded, DEMO_ON_GPU, {"03-demo-b03-1.png": PNG})
    source = lesson.sources[lang]
    page = render_markdown_lesson(source, extract_blocks(source), recorded)
    gpu_block = page.index('data-lesson-block="3"')
    line = page.index(f'<p class="lesson-gpu-run">{GPU_LINE[lang]}</p>')
    assert gpu_block < line < page.index("ones on cuda:0") < page.index("figures/03-demo-b03-1.png") < page.index(
        'data-lesson-block="4"')
    assert NOT_ON_GPU[lang] not in page
    # every other block still shows the CPU run: the site is the CPU run, GPU-only blocks aside
    assert "一 1\n" in page and "(GPU)" not in page and page.count("lesson-gpu-run") == 1
    assert recorded.gpu_figures(extract_blocks(source)) == [recorded.gpu_figures_dir / "03-demo-b03-1.png"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_without_a_gpu_record_a_gpu_block_says_it_has_not_yet_run_on_a_gpu(markdown_lesson, lang):
    lesson, recorded = markdown_lesson
    source = lesson.sources[lang]
    page = render_markdown_lesson(source, extract_blocks(source), recorded)
    assert page.count(NOT_ON_GPU[lang]) == 1 and "lesson-gpu-run" not in page
    assert recorded.gpu_figures(extract_blocks(source)) == []


def test_a_gpu_block_that_failed_on_the_gpu_is_not_shown_as_run(markdown_lesson):
    lesson, recorded = markdown_lesson
    failed = [*DEMO_ON_GPU[:3], {"status": "failed", "stdout": "half an output\n"}]
    page = render_markdown_lesson(lesson.en, extract_blocks(lesson.en), _with_gpu_run(recorded, failed))
    assert NOT_ON_GPU["en"] in page and "half an output" not in page


def test_the_notebook_download_holds_the_gpu_output_with_its_device_line(markdown_lesson):
    lesson, recorded = markdown_lesson
    recorded = _with_gpu_run(recorded, DEMO_ON_GPU, {"03-demo-b03-1.png": PNG})
    text = download_notebook(lesson.zh, extract_blocks(lesson.zh), recorded, discover_lessons(lesson.folder.parent), SITE)
    code = [cell for cell in nbformat.reads(text, as_version=4).cells if cell.cell_type == "code"]
    line, stream, figure = code[3].outputs
    assert line.data["text/plain"] == GPU_LINE["zh"] and stream.text == "ones on cuda:0\n"
    assert base64.b64decode(figure.data["image/png"]) == PNG


def test_the_real_lesson_07_shows_its_gpu_blocks_from_a_gpu_record_or_says_they_did_not_run(tmp_path):
    """Lesson 07 itself, with records crafted for its blocks: its two GPU-only blocks switch."""
    lesson = find_lesson(REPO / "lessons", "07-devices")
    blocks = extract_blocks(lesson.zh)
    gpu_blocks = [block.index for block in blocks if block.options.gpu]
    assert len(gpu_blocks) == 2
    cpu = [{"status": "gpu-skipped" if block.options.gpu else "not-run" if not block.options.run else "ok",
            "stdout": f"cpu output of block {block.index}\n"} for block in blocks]
    gpu = [{"status": "ok", "stdout": f"H200 output of block {block.index}\n"} for block in blocks]
    recorded = RecordedLesson(lesson, {"blocks": [{"index": i, **b} for i, b in enumerate(cpu)], "environment": CPU_RUN},
                              tmp_path)
    for lang in ("zh", "en"):
        source = lesson.sources[lang]
        plain = render_markdown_lesson(source, extract_blocks(source), recorded)
        assert plain.count(NOT_ON_GPU[lang]) == 2 and "H200 output" not in plain
        on_gpu = _with_gpu_run(recorded, gpu)
        page = render_markdown_lesson(source, extract_blocks(source), on_gpu)
        assert NOT_ON_GPU[lang] not in page and page.count(GPU_LINE[lang]) == 2
        assert [f"H200 output of block {index}" in page for index in gpu_blocks] == [True, True]
        assert "H200 output of block 0" not in page and "cpu output of block 0" in page


def test_the_verified_on_stamp_names_the_cpu_run_and_the_gpu_run_shown(markdown_lesson):
    _, recorded = markdown_lesson
    assert verified_on(recorded, "zh") == "验证环境：CPU · torch 2.14.1+cpu · Python 3.11.9（2026-05-03 运行）"
    assert verified_on(_with_gpu_run(recorded, DEMO_ON_GPU), "en") == (
        "Verified on: CPU · torch 2.14.1+cpu · Python 3.11.9 (run 2026-05-03); "
        "GPU (NVIDIA H200) · torch 2.14.1+cu130 · CUDA 13.0 (run 2026-05-04)")
    # a record made before runs kept their environment still names its torch
    old = dataclasses.replace(recorded, record={"blocks": [], "versions": {"torch": "2.14.1"}})
    assert verified_on(old, "en") == "Verified on: CPU · torch 2.14.1 · Python ?"


def test_the_header_carries_the_stamp_and_the_torch_a_lesson_needs(lessons):
    lesson = lessons.markdown("02-next", "# 下一课\n")
    for source in lesson.sources.values():
        source.path.write_text(source.read_text().replace("time: 5", 'time: 5\nmin_torch: "2.6"'), encoding="utf-8")
    zh = lesson_header(lesson, [lesson], "zh", None, "验证环境：CPU · torch 2.14.1")
    assert "需要 torch ≥ 2.6" in zh and '<span class="lesson-meta__item lesson-meta__verified">验证环境：CPU' in zh
    assert "Needs torch ≥ 2.6" in lesson_header(lesson, [lesson], "en", None)
    assert "torch ≥" not in lesson_header(lessons.markdown("03-plain", "# 课\n"), [lesson], "en", None)


# --------------------------------------------------------------------- downloads


def test_the_script_download_runs_and_keeps_the_prose_as_comments(markdown_lesson, tmp_path):
    lesson, recorded = markdown_lesson
    everything = discover_lessons(lesson.folder.parent)
    scripts = {lang: download_script(lesson.sources[lang], extract_blocks(lesson.sources[lang]), recorded,
                                     everything, SITE + ("en/" if lang == "en" else "")) for lang in ("zh", "en")}
    assert ast.dump(ast.parse(scripts["zh"])) == ast.dump(ast.parse(scripts["en"]))
    assert "# # 演示课" in scripts["zh"] and "# # Demo lesson" in scripts["en"]
    assert "# > **常见错误**" in scripts["zh"]  # Material's boxes become plain quotes
    assert f"{SITE}lessons/03-demo/" in scripts["zh"]
    assert "#| " not in scripts["zh"]
    assert "# > Verified on: CPU · torch 2.14.1+cpu · Python 3.11.9 (run 2026-05-03)" in scripts["en"]
    runnable = scripts["zh"].replace("import torch\n", "torch = None\n").replace(
        "if torch.cuda.is_available():", "if False:")
    done = _run(tmp_path, "03-demo.py", runnable)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "一 1\nZeroDivisionError: division by zero\n二 2\n"


def test_the_notebook_download_is_valid_and_holds_the_recorded_outputs(markdown_lesson):
    lesson, recorded = markdown_lesson
    everything = discover_lessons(lesson.folder.parent)
    text = download_notebook(lesson.en, extract_blocks(lesson.en), recorded, everything, SITE + "en/")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.id for cell in code] == [f"lesson-block-{i}" for i in range(5)]
    assert code[0].outputs[0].text == "一 1\n"
    assert code[1].outputs[0].output_type == "error" and code[1].outputs[0].ename == "ZeroDivisionError"
    assert code[1].metadata["tags"] == ["raises-exception"]
    assert base64.b64decode(code[4].outputs[1].data["image/png"]) == PNG
    assert code[4].outputs[1].data["text/plain"] == "a line"
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert notebook.cells[0].source == "# Demo lesson"
    assert f"read it online: {SITE}en/lessons/03-demo/" in notebook.cells[1].source
    assert "> Verified on: CPU · torch 2.14.1+cpu · Python 3.11.9 (run 2026-05-03)" in notebook.cells[1].source
    assert f"[tensors]({SITE}en/lessons/01-tensors/)" in prose
    assert text == download_notebook(lesson.en, extract_blocks(lesson.en), recorded, everything, SITE + "en/")


def test_colab_opens_the_notebook_from_the_published_branch(markdown_lesson):
    lesson, _ = markdown_lesson
    assert colab_url("https://github.com/hands-on-pytorch/course", "notebooks", notebook_path("en", lesson)) == (
        "https://colab.research.google.com/github/hands-on-pytorch/course/blob/notebooks/"
        "en/lessons/03-demo/03-demo.ipynb")
    with pytest.raises(ValueError, match="fix repo_url in mkdocs.yml"):
        colab_url("https://gitlab.com/someone/course", "notebooks", "x.ipynb")


# ----------------------------------------------------------------- notebook pages


def test_notebook_pages_get_outputs_as_markdown_pages_show_them(notebook_lesson):
    lesson, recorded = notebook_lesson
    notebook = render_notebook(lesson.zh, extract_blocks(lesson.zh), recorded, [lesson])
    output = notebook.cells[1].outputs[0]
    assert output.data["text/html"].startswith('<div class="lesson-output highlight"><pre><span></span><code>3')


def test_a_file_a_block_wrote_is_linked_for_download_on_both_kinds_of_page(lessons):
    notebook = lessons.notebook("04-notebook", NOTEBOOK, _english(NOTEBOOK))
    recorded = _recorded(notebook, [{"stdout": "3\n", "outputs": ["tune 1.mid"]}, {}])
    for lang, label in (("zh", "下载这段代码写出的文件：tune 1.mid"), ("en", "Download the file this block wrote: tune 1.mid")):
        source = notebook.sources[lang]
        html = render_notebook(source, extract_blocks(source), recorded, [notebook]).cells[1].outputs[-1].data["text/html"]
        assert html == f'<p><a href="outputs/tune%201.mid" class="lesson-download" download>{label}</a></p>'
    markdown = lessons.markdown("05-markdown", "```python\nprint(1)\n```\n")
    page = render_markdown_lesson(markdown.zh, extract_blocks(markdown.zh), _recorded(markdown, [{"outputs": ["a.mid"]}]))
    assert "[下载这段代码写出的文件：a.mid](outputs/a.mid){ .lesson-download download }" in page


NBCONVERT_HTML = """<style>.jp-Cell{color:red}</style><script>var x;</script>
<div class="jp-Cell jp-MarkdownCell" id="cell-id=text-0"><div class="jp-InputPrompt">In:</div>
<div class="jp-RenderedMarkdown"><h1 id="t">T<a class="anchor-link" href="#t">¶</a></h1>
<p>cost $5 and $x^2$ and $$y = \\frac{1}{2}$$ but <code>$HOME</code></p></div></div>
<div class="jp-Cell jp-CodeCell" id="cell-id=lesson-block-0"><div class="jp-InputPrompt">In [1]:</div>
<div class="zeroclipboard-container"><clipboard-copy for="cell-1">copy</clipboard-copy></div>
<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">value</span> <span class="o">=</span> 3</pre></div>
<div class="clipboard-copy-txt" id="cell-1">value = 3</div></div>
<div class="jp-Cell jp-CodeCell" id="cell-id=lesson-block-1">
<div class="jp-Cell-inputWrapper" tabindex="0"><div class="jp-InputArea jp-Cell-inputArea">
<div class="jp-CodeMirrorEditor jp-Editor"><div class="CodeMirror cm-s-jupyter">
<div class="highlight-ipynb hl-python"><pre><span></span>assert value == 3</pre></div></div></div></div></div>
<div class="jp-Cell-outputWrapper"><div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">
<div class="jp-RenderedHTMLCommon jp-OutputArea-output"><p>shown</p></div></div></div></div></div>"""


def test_tidy_notebook_html_makes_material_code_blocks_and_math(notebook_lesson):
    lesson, _ = notebook_lesson
    html = tidy_notebook_html(NBCONVERT_HTML, extract_blocks(lesson.zh), LABELS["zh"])
    for gone in ("<style", "<script", "clipboard", "In [1]", "cell-id="):
        assert gone not in html
    assert ('<div class="highlight" data-lesson-block="0"><pre><span></span><code><span class="n">value</span>'
            in html)
    assert '<details class="success"><summary>参考答案</summary><div class="jp-Cell jp-CodeCell">' in html
    assert '<span class="arithmatex">\\(x^2\\)</span>' in html
    assert '<span class="arithmatex">\\[y = \\frac{1}{2}\\]</span>' in html
    assert "cost $5 and" in html and "<code>$HOME</code>" in html
    assert '<a class="headerlink" href="#t">' in html
    # JupyterLab's layout wrappers go, what they held stays.
    for wrapper in ("inputWrapper", "jp-InputArea", "CodeMirror", "outputWrapper", "jp-OutputArea ", "OutputArea-child"):
        assert wrapper not in html
    assert '<div class="jp-RenderedHTMLCommon jp-OutputArea-output"><p>shown</p></div>' in html


def test_notebook_headings_get_the_ids_of_markdown_pages_and_the_toc_points_at_them():
    from mkdocs.structure.toc import get_toc

    from site_src.site.notebook_html import toc_ids

    heading = '<h{level} id="">{text}<a class="anchor-link" href="#">¶</a></h{level}>'
    content = "".join(heading.format(level=level, text=text) for level, text in
                      ((1, "张量"), (2, "形状 (shape)"), (2, "形状 (shape)"), (4, "更深一层")))
    html = tidy_notebook_html(f'<div class="jp-Cell"><div class="jp-RenderedMarkdown">{content}</div></div>', [],
                              LABELS["zh"])
    # As on a Markdown page (pymdownx's slugify, made unique): never id="" as mkdocs-jupyter gave.
    for heading_id in ("张量", "形状-shape", "形状-shape_1", "更深一层"):
        assert f'id="{heading_id}"' in html and f'href="#{heading_id}"' in html

    # mkdocs-jupyter's toc (Python-Markdown's ASCII ids, levels 1–3) follows the page's ids.
    tokens = [{"level": 1, "id": "_1", "name": "张量", "children": [
        {"level": 2, "id": "shape", "name": "形状 (shape)", "children": []},
        {"level": 2, "id": "shape_1", "name": "形状 (shape)", "children": []}]}]
    toc = get_toc(tokens)
    assert toc_ids(html, toc, depth=3) is None
    assert [toc.items[0].url, *(child.url for child in toc.items[0].children)] == \
        ["#张量", "#形状-shape", "#形状-shape_1"]
    # A toc that does not match the page is a problem, not a silent guess.
    assert "2 entries for 3 headings" in toc_ids(html, get_toc(tokens[:1][0]["children"]), depth=3)


# -------------------------------------------------------------------------- math


def test_math_is_typeset_at_build_time_with_the_page_styles(tmp_path):
    content = '<p><span class="arithmatex">\\(x &lt; y\\)</span></p><div class="arithmatex">\\[\\sum_i x_i\\]</div>'
    html = typeset(content, "../../assets/mathjax/woff-v2", "lessons/x/index.md", tmp_path)
    assert html.startswith("<style>") and "../../assets/mathjax/woff-v2/MathJax_" in html
    assert html.count("<mjx-container") == 2 and 'display="true"' in html
    assert "\\(" not in html and "arithmatex" in html
    assert typeset(content, "../../assets/mathjax/woff-v2", "lessons/x/index.md", tmp_path) == html  # cached


def test_a_tex_error_names_the_page_and_the_formula(tmp_path):
    with pytest.raises(MathError, match=r"lessons/x/index.md: TeX error in `\\frac\{1`"):
        typeset('<span class="arithmatex">\\(\\frac{1\\)</span>', "f", "lessons/x/index.md", tmp_path)


# ------------------------------------------------------------------- page weight


def test_page_weight_counts_the_html_and_what_it_loads(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.css").write_text("x" * 1000)
    (tmp_path / "assets" / "b.js").write_text("y" * 2000)
    (tmp_path / "assets" / "worker.js").write_text("z" * 500)
    page = tmp_path / "lessons" / "01-x" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text('<link rel="stylesheet" href="../../assets/a.css"><script src="../../assets/b.js"></script>'
                    '<script id="__config" type="application/json">{"search": "../../assets/worker.js"}</script>'
                    '<link rel="stylesheet" href="https://fonts.example/x.css">')
    weight = page_weight(tmp_path, page)
    assert (weight.css, weight.js) == (1000, 2500)
    assert weight.total == weight.html + 3500 and weight.transfer < weight.total
    assert weight.missing == ("https://fonts.example/x.css",)
    report, ok = weight_report(tmp_path)
    assert not ok and "links https://fonts.example/x.css" in report


# ------------------------------------------------------------ pending translations


def _pending_in_en(lesson) -> None:
    """The zh text of the lesson's first section changed, its en marked pending on 2026-12-01."""
    from site_src.lesson.translations import load_record, mark_pending, mark_synced, write_record

    record = {}
    assert mark_synced(record, lesson) == []
    text = lesson.zh.path.read_text(encoding="utf-8")
    lesson.zh.path.write_text(text.replace("开场白", "新的开场白"), encoding="utf-8")
    assert len(mark_pending(record, lesson, None, None, datetime.date(2026, 12, 1))) == 1
    write_record(lesson.folder.parent, record)
    assert load_record(lesson.folder.parent)[lesson.slug][1]["pending"] == {"lagging": "en", "since": "2026-12-01"}


def test_a_pending_section_shows_the_note_under_its_heading_on_the_lagging_page_only(markdown_lesson):
    lesson, recorded = markdown_lesson
    _pending_in_en(lesson)
    en = render_markdown_lesson(lesson.en, extract_blocks(lesson.en), recorded)
    note = ('<p class="lesson-translation-pending">This section&#x27;s English may lag behind the Chinese version, '
            'changed on 2026-12-01. <a href="../../../lessons/03-demo/#演示课">Read this section in Chinese</a></p>')
    assert "# Demo lesson\n\n" + note + "\n" in en
    assert '```{ .python data-lesson-block="0" }' in en  # the blocks are where they were
    zh = render_markdown_lesson(lesson.zh, extract_blocks(lesson.zh), recorded)
    assert "lesson-translation-pending" not in zh


def test_a_pending_section_of_a_notebook_lesson_shows_the_note_in_its_cell(notebook_lesson):
    from site_src.lesson.translations import mark_pending, mark_synced, write_record

    lesson, recorded = notebook_lesson
    record = {}
    assert mark_synced(record, lesson) == []
    text = lesson.en.path.read_text(encoding="utf-8")
    lesson.en.path.write_text(text.replace("# # Notebook lesson", "# # A notebook lesson"), encoding="utf-8")
    assert len(mark_pending(record, lesson, None, None, datetime.date(2026, 12, 2))) == 1
    write_record(lesson.folder.parent, record)
    zh = render_notebook(lesson.zh, extract_blocks(lesson.zh), recorded, [lesson])
    (cell,) = [cell for cell in zh.cells if "lesson-translation-pending" in cell.source]
    note = '<p class="lesson-translation-pending">本节的中文可能落后于英文版（英文版改于 2026-12-02）。'
    assert cell.source.startswith("# 笔记本课\n\n" + note)
    assert 'href="../../en/lessons/04-notebook/#a-notebook-lesson"' in cell.source
    en = render_notebook(lesson.en, extract_blocks(lesson.en), recorded, [lesson])
    assert not any("lesson-translation-pending" in cell.source for cell in en.cells)
