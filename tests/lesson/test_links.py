"""links.py: dead links, missing anchors and missing images name the lesson line."""

from __future__ import annotations

from lesson_fixtures import line_of

from site_src.lesson.links import check_alt_text, check_links


def test_links_to_lessons_anchors_and_files_that_exist_pass(lessons):
    lessons.markdown("01-first", "# 张量\n\n## 形状与类型\n\ntext\n")
    (lessons.lessons_dir / "02-second").mkdir()
    lesson = lessons.markdown("02-second", "See [shapes](../01-first/index.md#形状与类型) and ![a chart](chart.png).\n")
    (lesson.folder / "chart.png").write_bytes(b"\x89PNG")
    assert check_links(lesson) == []


def test_a_link_to_a_lesson_that_does_not_exist_names_its_line(lessons):
    lesson = lessons.markdown("01-first", "# Title\n\nSome text.\n\nSee [later](../09-missing/index.md).\n")
    problems = check_links(lesson)
    assert {(p.path, p.line) for p in problems} == {
        ("lessons/01-first/index.md", line_of(lesson.zh.path, "09-missing")),
        ("lessons/01-first/index.en.md", line_of(lesson.en.path, "09-missing"))}
    assert "link target `../09-missing/index.md` does not exist" in problems[0].message


def test_a_missing_anchor_is_reported(lessons):
    lesson = lessons.markdown("01-first", "# Title\n\n## Real heading\n\nSee [it](#no-such-heading).\n")
    problems = check_links(lesson)
    assert problems and problems[0].message.startswith("anchor `#no-such-heading` is not a heading")
    assert problems[0].line == line_of(lesson.zh.path, "#no-such-heading")


def test_a_missing_image_is_reported(lessons):
    lesson = lessons.markdown("01-first", "# Title\n\n![a diagram](diagram.png)\n")
    assert "link target `diagram.png` does not exist" in check_links(lesson)[0].message


def test_links_in_notebook_lessons_are_checked(lessons):
    lesson = lessons.notebook("02-nb", "# %% [markdown]\n# # Title\n#\n# See [nothing](../05-none/index.md).\n\n# %%\nx = 1\n")
    (problem, _) = check_links(lesson)
    assert problem.line == line_of(lesson.zh.path, "05-none")


def test_external_links_are_not_followed(lessons):
    lesson = lessons.markdown("01-first", "See [PyTorch](https://pytorch.org/docs/).\n")
    assert check_links(lesson) == []


def test_a_figure_without_alt_text_is_reported_in_each_language(lessons):
    from site_src.run.parent import run_lesson
    from site_src.run.records import RecordStore

    body = "```python\n#| alt: {alt}\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n```\n"
    lesson = lessons.markdown("01-first", body.format(alt="一条线"), body.replace("#| alt: {alt}\n", ""))
    record = run_lesson(lesson, RecordStore(lessons.root / "build" / "records")).record
    (problem,) = check_alt_text(lesson, record)
    assert (problem.path, problem.line) == ("lessons/01-first/index.en.md", line_of(lesson.en.path, "import matplotlib"))
    assert "has no alt text" in problem.message


def test_a_link_on_a_later_line_of_a_paragraph_names_that_line(lessons):
    lesson = lessons.markdown("01-first", "# Title\n\nintro\n\nfirst line of a paragraph\nsecond line\n"
                                          "third [dead](gone.md) line\nfourth, to [无](#不存在的标题)\n")
    problems = check_links(lesson)
    zh = [problem.line for problem in problems if problem.path.endswith("index.md")]
    assert zh == [line_of(lesson.zh.path, "gone.md"), line_of(lesson.zh.path, "不存在的标题")]


def test_a_reference_style_link_names_the_line_that_uses_it(lessons):
    lesson = lessons.markdown("01-first", "# Title\n\nintro\n\nSee [the docs][ref] here.\n\n[ref]: missing.md\n")
    (problem, _) = check_links(lesson)
    assert problem.line == line_of(lesson.zh.path, "See [the docs]")
    assert "`missing.md` does not exist" in problem.message


def test_an_anchor_to_the_first_heading_and_to_one_after_a_code_block_is_found(lessons):
    lesson = lessons.markdown("01-first", "# First heading\n\n```python\nx = 1\n```\n\n## After the code\n\n"
                                          "See [top](#first-heading) and [there](#after-the-code).\n")
    assert check_links(lesson) == []


def test_an_anchor_missing_from_another_lesson_is_reported(lessons):
    lessons.markdown("01-first", "# 张量\n\n## 形状\n")
    (lessons.lessons_dir / "02-second").mkdir()
    (lessons.lessons_dir / "02-second" / "data.csv").write_text("a,b\n", encoding="utf-8")
    lesson = lessons.markdown("02-second", "See [shapes](../01-first/index.md#nope) and [rows](data.csv#row-2).\n")
    problems = check_links(lesson)
    assert [problem.message for problem in problems] == ["anchor `#nope` is not a heading of index.md"] * 2


def test_links_that_leave_the_lesson_files_are_not_followed(lessons):
    lesson = lessons.markdown("01-first", "[call](tel:+123), ![dot](data:image/png;base64,iVBORw0KGgo=), "
                                          "[glossary](/course/glossary/), [cdn](//cdn.example.com/x.js), "
                                          "[mail](mailto:a@example.com)\n")
    assert check_links(lesson) == []


NOTEBOOK_WITH_HEADINGS = """\
# %% [markdown]
# # Title
#
# ## Real heading
#
# See [real](#real-heading) and [a comment](#setup).

# %%
# Setup
s = "[not a link](nowhere.md)"
"""


def test_notebook_anchors_are_the_headings_of_markdown_cells_and_code_is_not_markdown(lessons):
    lesson = lessons.notebook("02-nb", NOTEBOOK_WITH_HEADINGS)
    problems = check_links(lesson)
    assert [(problem.line, problem.message) for problem in problems if problem.path.endswith("index.py")] == [
        (line_of(lesson.zh.path, "#setup"), "anchor `#setup` is not a heading of index.py")]


def test_notebook_links_name_their_line_when_cells_begin_alike_or_with_a_blank_line(lessons):
    lesson = lessons.notebook("02-nb", "# %% [markdown]\n# Same first line\n#\n# [a](gone-a.md)\n\n# %%\nx = 1\n\n"
                                       "# %% [markdown]\n#\n# Same first line\n#\n# [b](gone-b.md)\n")
    problems = [problem for problem in check_links(lesson) if problem.path.endswith("index.py")]
    assert [problem.line for problem in problems] == [line_of(lesson.zh.path, "gone-a"), line_of(lesson.zh.path, "gone-b")]


def test_raw_cells_are_not_markdown_and_a_long_notebook_is_read_to_its_end(lessons):
    filler = "".join(f"# %%\nx{n} = {n}\n\n" for n in range(120))  # past 256 lines: no `is` on line counts
    lesson = lessons.notebook("02-nb", "# %% [raw]\n# ## Raw heading\n# [raw](gone-raw.md)\n\n# %% [markdown]\n"
                                       "# See [it](#raw-heading).\n\n" + filler + "# %%\n# %% [markdown]\n"
                                       "# [last](gone-last.md)\n")
    assert len(lesson.zh.path.read_text(encoding="utf-8").splitlines()) > 300
    problems = [problem for problem in check_links(lesson) if problem.path.endswith("index.py")]
    assert [(problem.line, problem.message.split(" is")[0]) for problem in problems] == [
        (line_of(lesson.zh.path, "#raw-heading"), "anchor `#raw-heading`"),
        (line_of(lesson.zh.path, "gone-last"), "link target `gone-last.md` does not exist")]
