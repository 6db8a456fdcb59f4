"""glue.py: numbers in the prose come from the run, in both lesson formats, checked before and after it."""

from __future__ import annotations

import html
import json

import pytest
from lesson_fixtures import line_of

from site_src.lesson.checks import static_problems
from site_src.lesson.extract import extract_blocks
from site_src.lesson.glue import bind_prose, check_placeholders, check_values, glue_value, prose_placeholders
from site_src.lesson.lessons import LessonSource, discover_lessons
from site_src.run.parent import run_lesson
from site_src.run.records import RecordStore
from site_src.site.downloads import download_notebook, download_script
from site_src.site.render import RecordedLesson, render_markdown_lesson, render_notebook

SITE = "https://example.org/course/"

MARKDOWN_ZH = """
# 训练

损失降到了 {{ final_loss:.2f }}，一共 {{ steps }} 步。

```python
#| glue: final_loss = losses[-1]
#| glue: steps
losses = [4.0, 1.0, 0.123456]
steps = len(losses)
print(f"{{ not a placeholder }} {steps}")
```

```text
{{ steps }} in a text fence stays as it is
```
"""

MARKDOWN_EN = (MARKDOWN_ZH.replace("# 训练", "# Training")
               .replace("损失降到了 {{ final_loss:.2f }}，一共 {{ steps }} 步。",
                        "The loss fell to {{ final_loss:.2f }} in {{ steps }} steps."))

NOTEBOOK_ZH = """
# %% [markdown]
# # 训练
#
# 准确率是 {{ accuracy:.1% }}。

# %%
#| glue: accuracy = correct / total
correct, total = 45, 50
text = "{{ accuracy }} inside code is code"
"""

NOTEBOOK_EN = NOTEBOOK_ZH.replace("# # 训练", "# # Training").replace("准确率是 {{ accuracy:.1% }}。",
                                                                    "The accuracy is {{ accuracy:.1% }}.")


@pytest.fixture
def store(lessons) -> RecordStore:
    return RecordStore(lessons.root / "build" / "records")


# ------------------------------------------------------------------------ the run


def test_the_run_records_each_bound_value_with_its_block(lessons, store):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN)
    outcome = run_lesson(lesson, store)
    assert outcome.failure is None
    assert outcome.record["blocks"][0]["glue"] == {"final_loss": 0.123456, "steps": 3}
    assert check_values(lesson, outcome.record) == []


def test_tensors_and_numpy_scalars_become_numbers_and_other_values_are_refused():
    import numpy as np
    import torch

    assert glue_value(torch.tensor(2.5)) == 2.5 and isinstance(glue_value(torch.tensor([7])), int)
    assert glue_value(np.float32(0.5)) == 0.5
    with pytest.raises(ValueError, match="one-element"):
        glue_value(torch.ones(3))
    with pytest.raises(ValueError, match="list"):
        glue_value([1, 2])


def test_a_binding_that_fails_fails_the_lesson_at_its_option_line(lessons, store):
    lesson = lessons.markdown("01-train", """
        ```python
        #| glue: missing_name
        x = 1
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert outcome.failure.startswith(f"{lesson.zh.rel}:{line_of(lesson.zh.path, '#| glue: missing_name')}:")
    assert "NameError" in outcome.failure


def test_a_tensor_of_many_values_cannot_be_bound(lessons, store):
    lesson = lessons.markdown("01-train", """
        ```python
        #| glue: weights
        import torch
        weights = torch.ones(3)
        ```
    """)
    outcome = run_lesson(lesson, store)
    assert "could not be recorded" in outcome.failure and "one-element" in outcome.failure


# ------------------------------------------------------------------- the checks


def test_placeholders_are_found_in_prose_only_with_their_lines(lessons):
    markdown = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN)
    found = prose_placeholders(markdown.zh)
    assert [(p.name, p.spec) for p in found] == [("final_loss", ".2f"), ("steps", "")]
    assert {p.line for p in found} == {line_of(markdown.zh.path, "损失降到了")}
    notebook = lessons.notebook("02-nb", NOTEBOOK_ZH, NOTEBOOK_EN)
    found = prose_placeholders(notebook.zh)
    assert [(p.name, p.spec, p.line) for p in found] == [("accuracy", ".1%", line_of(notebook.zh.path, "准确率"))]


def test_a_well_bound_lesson_passes_the_check_in_both_formats(lessons):
    assert check_placeholders(lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN)) == []
    assert check_placeholders(lessons.notebook("02-nb", NOTEBOOK_ZH, NOTEBOOK_EN)) == []


def test_an_unknown_name_fails_the_check_at_its_line(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace("{{ steps }} 步", "{{ stepz }} 步"),
                              MARKDOWN_EN.replace("{{ steps }} steps", "{{ stepz }} steps"))
    problems = check_placeholders(lesson)
    assert [(p.path, p.line) for p in problems] == [(lesson.zh.rel, line_of(lesson.zh.path, "stepz")),
                                                   (lesson.en.rel, line_of(lesson.en.path, "stepz"))]
    assert "no block binds" in problems[0].message and "final_loss, steps" in problems[0].message


def test_a_name_used_in_one_language_only_fails_the_check(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN.replace(" in {{ steps }} steps", ""))
    problems = check_placeholders(lesson)
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == (lesson.zh.rel, line_of(lesson.zh.path, "损失降到了"))
    assert "`steps` is used in this language's prose but not in" in problems[0].message


def test_a_binding_in_one_language_only_is_a_parity_problem(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN.replace("#| glue: steps\n", ""))
    assert any("#| glue: steps" in problem.message for problem in static_problems([lesson]))


def test_a_malformed_format_spec_fails_the_check(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace(":.2f", ":.2q"), MARKDOWN_EN.replace(":.2f", ":.2q"))
    problems = check_placeholders(lesson)
    assert len(problems) == 2 and all("`:.2q` is not a Python format spec" in p.message for p in problems)


def test_a_spec_that_does_not_fit_the_recorded_value_fails_after_the_run(lessons, store):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace("{{ steps }}", "{{ steps:.1% }}"),
                              MARKDOWN_EN.replace("{{ steps }}", "{{ steps:.1% }}"))
    record = {"blocks": [{"glue": {"final_loss": 0.5, "steps": "three"}}]}
    problems = check_values(lesson, record)
    assert len(problems) == 2 and "cannot format `steps` = 'three' (str)" in problems[0].message
    assert problems[0].line == line_of(lesson.zh.path, "损失降到了")


def test_a_value_whose_block_did_not_run_is_reported(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN)
    problems = check_values(lesson, {"blocks": [{"status": "gpu-skipped"}]})
    assert {p.message.split("`")[1] for p in problems} == {"final_loss", "steps"}


def test_glue_option_syntax_errors_name_the_line(lessons):
    lesson = lessons.markdown("01-train", "```python\n#| glue: 1x = 2\n#| glue: y = (\nx = 1\n```\n")
    problems = static_problems([lesson])
    messages = [p.message for p in problems if p.path == lesson.zh.rel]
    assert any("does not start with a name" in m for m in messages)
    assert any("is not valid Python" in m for m in messages)


# ---------------------------------------------------------- pages and downloads


def _recorded(lesson, glue: dict) -> RecordedLesson:
    blocks = [{"index": i, "status": "ok", "stdout": "", "stderr": "", "error": "", "figures": [],
               "glue": glue if i == 0 else {}} for i in range(len(extract_blocks(lesson.zh)))]
    return RecordedLesson(lesson, {"blocks": blocks}, lesson.folder)


def test_pages_and_downloads_show_the_values_in_both_languages(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH, MARKDOWN_EN)
    recorded = _recorded(lesson, {"final_loss": 0.123456, "steps": 3})
    everything = discover_lessons(lessons.lessons_dir)
    zh_page = render_markdown_lesson(lesson.zh, extract_blocks(lesson.zh), recorded)
    assert "损失降到了 0.12，一共 3 步。" in zh_page
    assert 'print(f"{{ not a placeholder }} {steps}")' in zh_page  # code is never touched
    assert "{{ steps }} in a text fence" in zh_page
    en_script = download_script(lesson.en, extract_blocks(lesson.en), recorded, everything, SITE)
    assert "# The loss fell to 0.12 in 3 steps." in en_script
    notebook = json.loads(download_notebook(lesson.zh, extract_blocks(lesson.zh), recorded, everything, SITE))
    assert any("损失降到了 0.12" in "".join(cell["source"]) for cell in notebook["cells"])


def test_notebook_lessons_show_the_values_on_the_page(lessons):
    lesson = lessons.notebook("02-nb", NOTEBOOK_ZH, NOTEBOOK_EN)
    recorded = _recorded(lesson, {"accuracy": 0.9})
    page = render_notebook(lesson.en, extract_blocks(lesson.en), recorded, [lesson])
    sources = ["".join(cell.source) for cell in page.cells]
    assert any("The accuracy is 90.0%." in text for text in sources)
    assert any('"{{ accuracy }} inside code is code"' in text for text in sources)


def test_bind_prose_leaves_unknown_names_visible():
    assert bind_prose("a {{ x:.1f }} b {{ y }}", {"x": 2}) == "a 2.0 b {{ y }}"


# Prose right against its fences (a fence may interrupt a paragraph, and a paragraph follow the
# closing fence), and code whose last line looks like a placeholder; two fences, so the closing
# fences fall on an odd and an even line.
HUGGING_FENCES = """\
Before: {{ x:.1f }}
```python
y = 1
print("{{ not_glue }}")
```
After: {{ x }}

Between: {{ x }}
and more prose
```text
{{ not_glue }}
```
Last: {{ x:.2f }}
"""


def test_prose_right_against_a_fence_is_prose_and_code_is_code_however_the_lines_fall(lessons):
    lesson = lessons.markdown("01-train", HUGGING_FENCES)
    found = prose_placeholders(lesson.zh)
    assert [(p.line, p.name) for p in found] == [
        (line_of(lesson.zh.path, start), "x") for start in ("Before:", "After:", "Between:", "Last:")]
    closing = [number for number, text in enumerate(lesson.zh.path.read_text().splitlines(), 1) if text == "```"]
    assert {line % 2 for line in closing} == {0, 1}


def test_binding_a_markdown_file_replaces_prose_placeholders_only(lessons):
    from site_src.lesson.glue import bind_markdown_lines

    lines = HUGGING_FENCES.splitlines()
    bound = bind_markdown_lines(lines, {"x": 2.345, "not_glue": "WRONG"})
    assert bound == [line.replace("{{ x:.1f }}", "2.3").replace("{{ x:.2f }}", "2.35").replace("{{ x }}", "2.345")
                     for line in lines]
    assert sum("{{ not_glue }}" in line for line in bound) == 2


def test_a_fence_left_open_to_the_end_of_the_file_is_code_to_its_last_line(lessons):
    lesson = lessons.markdown("01-train", "Prose: {{ x }}\n\n~~~text\nan example to the end\n{{ not_glue }}")
    assert [(p.name, p.line) for p in prose_placeholders(lesson.zh)] == [("x", line_of(lesson.zh.path, "Prose:"))]


def test_a_name_used_in_the_english_prose_only_fails_the_check_there(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace("，一共 {{ steps }} 步", ""), MARKDOWN_EN)
    (problem,) = check_placeholders(lesson)
    assert (problem.path, problem.line) == (lesson.en.rel, line_of(lesson.en.path, "The loss fell"))
    assert f"`steps` is used in this language's prose but not in {lesson.zh.rel}" in problem.message


def test_a_lesson_whose_blocks_cannot_be_read_gets_their_problems_not_an_exception(lessons):
    lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace("#| glue: steps", "#| glue: 1steps"), MARKDOWN_EN)
    problems = check_placeholders(lesson)
    assert [problem.message for problem in problems] == ["`glue: 1steps` does not start with a name"]


def test_a_notebooks_header_is_not_prose(lessons):
    lesson = lessons.notebook("02-nb", NOTEBOOK_ZH, NOTEBOOK_EN, title="训练 {{ accuracy }}")
    assert [p.line for p in prose_placeholders(lesson.zh)] == [line_of(lesson.zh.path, "准确率")]


def test_an_indented_code_block_is_code_from_its_first_line(lessons):
    lesson = lessons.markdown("01-train", 'Prose: {{ x }}\n\n    print("{{ not_glue }}")\n    print(2)\n\nAfter.\n')
    assert [(p.name, p.line) for p in prose_placeholders(lesson.zh)] == [("x", line_of(lesson.zh.path, "Prose:"))]


def test_a_notebooks_code_before_its_first_marker_is_not_prose_from_the_first_line(tmp_path):
    path = tmp_path / "index.py"
    path.write_text("value = '{{ not_prose }}'\n\n# %% [markdown]\n# The value is {{ shown }}.\n", encoding="utf-8")
    source = LessonSource(path=path, rel="lessons/02-nb/index.py", lang="zh", format="notebook")
    assert [(p.name, p.line) for p in prose_placeholders(source)] == [("shown", 4)]


# ------------------------------------------------------------- values only a GPU run binds


GPU_ZH = """
在 GPU 上，一步只要 {{ gpu_ms:.1f }} 毫秒。

```python
#| gpu: true
#| glue: gpu_ms
gpu_ms = 1.25
```
"""
GPU_EN = GPU_ZH.replace("在 GPU 上，一步只要 {{ gpu_ms:.1f }} 毫秒。", "On a GPU one step takes {{ gpu_ms:.1f }} ms.")


def test_a_value_only_a_gpu_block_binds_is_not_asked_of_the_cpu_run(lessons):
    lesson = lessons.markdown("01-gpu", GPU_ZH, GPU_EN)
    cpu_record = {"device": "cpu", "blocks": [{"index": 0, "status": "gpu-skipped", "glue": {}}]}
    assert check_values(lesson, cpu_record) == []
    gpu_record = {"device": "cuda", "blocks": [{"index": 0, "status": "ok", "glue": {}}]}
    assert [problem.message for problem in check_values(lesson, gpu_record)][:1] == [
        "the run recorded no value for `gpu_ms` (its block did not run: shown-only, GPU-only, or failed)"]


def test_the_page_says_a_gpu_value_has_not_been_measured_until_a_gpu_record_exists(lessons):
    lesson = lessons.markdown("01-gpu", GPU_ZH, GPU_EN)
    blocks = extract_blocks(lesson.zh)
    cpu_record = {"device": "cpu", "blocks": [{"index": 0, "status": "gpu-skipped", "glue": {}, "stdout": "",
                                               "stderr": "", "error": "", "figures": []}]}
    without = RecordedLesson(lesson, cpu_record, lesson.folder)
    assert "一步只要 （尚未在 GPU 上运行） 毫秒" in render_markdown_lesson(lesson.zh, blocks, without)
    assert "one step takes (not yet run on a GPU) ms" in render_markdown_lesson(lesson.en, extract_blocks(lesson.en),
                                                                                 without)
    gpu_record = {"device": "cuda", "blocks": [{**cpu_record["blocks"][0], "status": "ok", "glue": {"gpu_ms": 1.25}}]}
    with_gpu = RecordedLesson(lesson, cpu_record, lesson.folder, gpu_record, lesson.folder)
    assert "一步只要 1.2 毫秒" in render_markdown_lesson(lesson.zh, blocks, with_gpu)
# ------------------------------------------------------------- text values are text

HOSTILE_TEXT = ("<img src=x onerror=alert(1)><script>alert(2)</script> [x](javascript:alert(3)) "
                "*bold* _it_ `code` $x$ \\(y\\) | a | ~~s~~ &amp; {: .c} ??? note\n# heading\n<b>b</b>")
MARKDOWN_EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "footnotes", "pymdownx.details",
                       "pymdownx.inlinehilite", "pymdownx.superfences", "pymdownx.arithmatex"]  # mkdocs.yml's


def _as_html(markdown_text: str) -> tuple[str, str]:
    """The text as MkDocs' Markdown (Python-Markdown, the site's extensions) and as CommonMark
    (markdown-it: what Jupyter-like renderers follow) turn it into HTML."""
    import markdown
    from markdown_it import MarkdownIt

    return (markdown.markdown(markdown_text, extensions=MARKDOWN_EXTENSIONS),
            MarkdownIt("commonmark").render(markdown_text))


def test_a_text_value_is_shown_as_text_never_as_markup():
    bound = bind_prose("Before {{ evil }} after.", {"evil": HOSTILE_TEXT})
    assert "\n" not in bound and "<" not in bound and "`" not in bound and "*" not in bound
    for page in _as_html(bound):
        body = page.strip().removeprefix("<p>").removesuffix("</p>")
        assert "<" not in body, body  # no tag at all: no img, script, a, em, code, h1, math
        assert html.unescape(body) == "Before " + HOSTILE_TEXT.replace("\n", " ") + " after."  # shown as written


@pytest.mark.parametrize("value, shown", [
    ("555, http, example, free, claim", "555, http, example, free, claim"),  # 09-datasets' spam_words
    ("a/b: 50%; c@d", "a/b: 50%; c@d"),
    ("1. x", "1&#46; x"), ("- x", "&#45; x"), ("a\tb\r\nc\x1b[31m", "a b  c &#91;31m"),
])
def test_text_values_keep_letters_digits_and_plain_punctuation(value, shown):
    assert bind_prose("{{ v }}", {"v": value}) == shown


def test_numbers_and_booleans_are_shown_as_formatted():
    values = {"loss": 0.123456, "count": 12345, "flag": False, "neg": -1.5e-7}
    assert (bind_prose("{{ loss:.2f }} {{ count:, }} {{ count:_ }} `{{ flag }}` {{ neg:.1e }} {{ loss:*^9.2f }}", values)
            == "0.12 12,345 12_345 `False` -1.5e-07 **0.12***")


def test_every_lesson_page_and_download_shows_the_text_value_as_text(lessons):
    markdown_lesson = lessons.markdown("01-train", MARKDOWN_ZH.replace("{{ steps }} 步", "{{ steps }} 步 {{ evil }}")
                                       .replace("#| glue: steps", "#| glue: steps\n#| glue: evil = steps"),
                                       MARKDOWN_EN.replace("{{ steps }} steps", "{{ steps }} steps {{ evil }}")
                                       .replace("#| glue: steps", "#| glue: steps\n#| glue: evil = steps"))
    notebook_lesson = lessons.notebook("02-nb", NOTEBOOK_ZH.replace("。", " {{ evil }}。").replace(
        "#| glue: accuracy = correct / total", "#| glue: accuracy = correct / total\n#| glue: evil = 'x'"))
    everything = discover_lessons(lessons.lessons_dir)
    values = {"final_loss": 0.5, "steps": 3, "accuracy": 0.9, "evil": HOSTILE_TEXT}
    texts = []
    for lesson in (markdown_lesson, notebook_lesson):
        recorded = _recorded(lesson, values)
        blocks = extract_blocks(lesson.zh)
        if lesson.format == "markdown":
            texts.append(render_markdown_lesson(lesson.zh, blocks, recorded))
        else:
            texts += ["".join(cell.source) for cell in render_notebook(lesson.zh, blocks, recorded, everything).cells
                      if cell.cell_type == "markdown"]
        texts.append(download_script(lesson.zh, blocks, recorded, everything, SITE))
        notebook = json.loads(download_notebook(lesson.zh, blocks, recorded, everything, SITE))
        texts += ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"]
    assert sum("&#60;img src&#61;x" in text for text in texts) >= 6
    for text in texts:
        assert "<img" not in text and "<script" not in text and "(javascript:" not in text, text


def test_a_text_value_over_the_length_cap_is_refused_when_recorded():
    from site_src.lesson.glue import MAX_GLUE_CHARS

    assert glue_value("x" * MAX_GLUE_CHARS) == "x" * MAX_GLUE_CHARS
    with pytest.raises(ValueError, match=f"at most {MAX_GLUE_CHARS} characters, this one has 501"):
        glue_value("x" * (MAX_GLUE_CHARS + 1))
