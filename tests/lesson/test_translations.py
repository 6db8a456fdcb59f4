"""translations.py: zh and en prose pair up by section; one side changed alone is stale, pending passes."""

from __future__ import annotations

import datetime

from lesson_fixtures import line_of

from site_src.lesson.checks import static_problems
from site_src.lesson.translations import (
    lesson_report,
    load_record,
    mark_pending,
    mark_synced,
    pair_sections,
    pending_notes,
    report_markdown,
    text_hash,
    write_record,
)

ZH = """
# 张量

张量是多维数组。它和 NumPy 的数组很像，
但可以放在 GPU 上。

```python
x = [1, 2, 3]  # 一个列表
print(x)
```

上面打印了一个列表。

## 形状

每个张量都有形状。
"""

EN = """
# Tensors

A tensor is a multi-dimensional array. It is much like a NumPy array,
but it can live on a GPU.

```python
x = [1, 2, 3]  # a list
print(x)
```

Above, a list is printed.

## Shape

Every tensor has a shape.
"""

NOTEBOOK_ZH = """
# %% [markdown]
# # 张量
#
# 张量是多维数组。

# %%
x = 1

# %% [markdown]
# ## 形状
#
# 每个张量都有形状。
"""

NOTEBOOK_EN = """
# %% [markdown]
# # Tensors
#
# A tensor is a multi-dimensional array.

# %%
x = 1

# %% [markdown]
# ## Shape
#
# Every tensor has a shape.
"""


def _synced(lessons, zh=ZH, en=EN, notebook=False):
    """A lesson recorded in sync as written."""
    write = lessons.notebook if notebook else lessons.markdown
    lesson = write("01-demo", zh, en)
    record = {}
    assert mark_synced(record, lesson) == []
    write_record(lessons.lessons_dir, record)
    return lesson


def _edit(source, old: str, new: str) -> None:
    text = source.path.read_text(encoding="utf-8")
    assert old in text
    source.path.write_text(text.replace(old, new), encoding="utf-8")


def test_sections_pair_by_headings_and_code_blocks(lessons):
    lesson = lessons.markdown("01-demo", ZH, EN)
    pairs, problems = pair_sections(lesson)
    assert problems == []
    assert [pair.zh.opener for pair in pairs] == ["start", "h1", "code", "h2"]
    assert [pair.en.line for pair in pairs][1:] == [line_of(lesson.en.path, "# Tensors"),
                                                   line_of(lesson.en.path, "Above, a list") - 1,
                                                   line_of(lesson.en.path, "## Shape")]
    assert "print(x)" not in pairs[1].zh.text  # code is parity's business


def test_notebook_lessons_pair_by_their_markdown_cells(lessons):
    lesson = lessons.notebook("01-demo", NOTEBOOK_ZH, NOTEBOOK_EN)
    pairs, problems = pair_sections(lesson)
    assert problems == []
    assert [pair.zh.opener for pair in pairs] == ["start", "h1", "code", "h2"]
    assert pairs[3].en.line == line_of(lesson.en.path, "## Shape")
    assert "Every tensor has a shape." in pairs[3].en.text


def test_a_structural_mismatch_names_both_positions(lessons):
    lesson = lessons.markdown("01-demo", ZH, EN.replace("## Shape", "Shape:"))
    _, (problem,) = pair_sections(lesson)
    assert str(problem).startswith("lessons/01-demo/index.md:" + str(line_of(lesson.zh.path, "## 形状")))
    assert "index.en.md" in problem.message and "heading" in problem.message


def test_a_heading_level_mismatch_names_both_positions(lessons):
    lesson = lessons.markdown("01-demo", ZH, EN.replace("## Shape", "### Shape"))
    _, (problem,) = pair_sections(lesson)
    assert (problem.path, problem.line) == ("lessons/01-demo/index.en.md", line_of(lesson.en.path, "### Shape"))
    assert f"lessons/01-demo/index.md:{line_of(lesson.zh.path, '## 形状')}" in problem.message


def test_whitespace_does_not_count():
    assert text_hash("但可以放在\nGPU 上。  ") == text_hash("但可以放在 GPU 上。")
    assert text_hash("a GPU.") != text_hash("a CPU.")


def test_a_lesson_in_sync_has_no_problems(lessons):
    lesson = _synced(lessons)
    assert static_problems([lesson]) == []


def test_reflowing_a_paragraph_or_editing_a_code_comment_is_not_a_change(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "张量是多维数组。它和 NumPy 的数组很像，\n但可以放在 GPU 上。",
          "张量是多维数组。\n它和 NumPy 的数组很像，但可以\n放在 GPU 上。")
    _edit(lesson.en, "# a list", "# a Python list of three numbers")
    assert static_problems([lesson]) == []


def test_one_edited_zh_sentence_fails_with_both_positions(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    (problem,) = static_problems([lesson])
    zh_line, en_line = line_of(lesson.zh.path, "## 形状"), line_of(lesson.en.path, "## Shape")
    assert (problem.path, problem.line) == ("lessons/01-demo/index.md", zh_line)
    assert f"lessons/01-demo/index.en.md:{en_line}" in problem.message
    assert "--mark 01-demo" in problem.fix and f"--pending lessons/01-demo/index.md:{zh_line}" in problem.fix


def test_an_edited_en_section_is_stale_at_the_en_side(lessons):
    lesson = _synced(lessons, notebook=True, zh=NOTEBOOK_ZH, en=NOTEBOOK_EN)
    _edit(lesson.en, "A tensor is a multi-dimensional array.", "A tensor is an n-dimensional array.")
    (problem,) = static_problems([lesson])
    assert (problem.path, problem.line) == ("lessons/01-demo/index.en.py", line_of(lesson.en.path, "# # Tensors"))


def test_both_sides_edited_is_not_stale(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状和类型。")
    _edit(lesson.en, "Every tensor has a shape.", "Every tensor has a shape and a dtype.")
    assert static_problems([lesson]) == []
    assert lesson_report(lesson, load_record(lessons.lessons_dir)).counts["new"] == 1


def test_a_pending_section_passes_and_the_lagging_side_gets_a_note(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    record = load_record(lessons.lessons_dir)
    (marked,) = mark_pending(record, lesson, line_of(lesson.zh.path, "用 .shape"), "zh", datetime.date(2026, 12, 1))
    assert marked.changed == "zh"
    write_record(lessons.lessons_dir, record)
    assert static_problems([lesson]) == []
    (note,) = pending_notes(lesson, "en")
    assert (note.line, note.at_heading, note.since, note.other_heading) == (
        line_of(lesson.en.path, "## Shape"), True, "2026-12-01", "形状")
    assert pending_notes(lesson, "zh") == []


def test_pending_never_enters_an_unrecorded_lesson_as_in_sync(lessons):
    lesson = lessons.markdown("01-demo", ZH, EN)
    record = {}
    assert mark_pending(record, lesson, None, None) == [] and record == {}


def test_marking_synced_again_clears_pending(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    record = load_record(lessons.lessons_dir)
    mark_pending(record, lesson, None, None)
    assert mark_synced(record, lesson) == []
    assert not any("pending" in entry for entry in record["01-demo"])


def test_a_lesson_missing_from_the_record_is_a_problem_but_a_course_without_one_is_not_checked(lessons):
    lesson = lessons.markdown("01-demo", ZH, EN)
    assert static_problems([lesson]) == []
    write_record(lessons.lessons_dir, {})
    (problem,) = static_problems([lesson])
    assert "--mark 01-demo" in problem.fix


def test_the_record_is_one_line_per_section(lessons):
    _synced(lessons)
    lines = (lessons.lessons_dir / "translations.json").read_text(encoding="utf-8").splitlines()
    assert lines[1] == '  "01-demo": ['
    assert lines[2:6] == [line for line in lines[2:6] if line.strip().startswith('{"zh": ')]
    assert '"at": "at 形状"' in lines[5]


def test_the_markdown_report_gives_the_oldest_pending_age(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    record = load_record(lessons.lessons_dir)
    mark_pending(record, lesson, None, None, datetime.date(2026, 12, 1))
    markdown = report_markdown([lesson_report(lesson, record)], today=datetime.date(2026, 12, 6))
    assert "| 01-demo | 3 | 0 | 1 | 2026-12-01 (5 days) | 0 |" in markdown


# ------------------------------------------------------------------- the command line


def _course(lessons, monkeypatch):
    (lessons.root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    monkeypatch.chdir(lessons.root)
    return lessons.markdown("01-demo", ZH, EN)


def test_the_command_marks_reports_and_fails_on_a_stale_section(lessons, monkeypatch, capsys):
    from site_src.cli import main

    lesson = _course(lessons, monkeypatch)
    assert main(["translations", "--mark-all"]) == 0
    assert main(["translations"]) == 0
    assert "01-demo: 4 in sync, 0 stale, 0 pending" in capsys.readouterr().out
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    assert main(["translations"]) == 1
    captured = capsys.readouterr()
    assert "1 stale" in captured.out
    assert f"lessons/01-demo/index.en.md:{line_of(lesson.en.path, '## Shape')}" in captured.err
    assert main(["check"]) == 1


def test_the_command_leaves_a_section_pending_and_appends_the_summary(lessons, monkeypatch, capsys):
    from site_src.cli import main

    lesson = _course(lessons, monkeypatch)
    assert main(["translations", "--mark", "01-demo"]) == 0
    _edit(lesson.zh, "每个张量都有形状。", "每个张量都有形状，用 .shape 读出。")
    zh_line = line_of(lesson.zh.path, "## 形状")
    assert main(["translations", "--pending", f"lessons/01-demo/index.md:{zh_line}"]) == 0
    assert f"lessons/01-demo/index.md:{zh_line}: en left pending" in capsys.readouterr().out
    summary = lessons.root / "summary.md"
    assert main(["translations", "--summary", str(summary)]) == 0
    today = datetime.date.today().isoformat()
    assert f"01-demo: 3 in sync, 0 stale, 1 pending (oldest since {today}, 0 days)" in capsys.readouterr().out
    assert f"| 01-demo | 3 | 0 | 1 | {today} (0 days) | 0 |" in summary.read_text(encoding="utf-8")
    assert main(["check"]) == 0


def test_pending_at_a_line_that_is_no_stale_section_marks_nothing(lessons, monkeypatch, capsys):
    from site_src.cli import main

    _course(lessons, monkeypatch)
    assert main(["translations", "--mark", "01-demo"]) == 0
    assert main(["translations", "--pending", "lessons/01-demo/index.md:3"]) == 0
    assert "no stale section there" in capsys.readouterr().err
    assert "pending" not in (lessons.lessons_dir / "translations.json").read_text(encoding="utf-8")


def test_the_title_and_summary_count_as_prose_of_the_first_section(lessons):
    lesson = _synced(lessons)
    _edit(lesson.en, "title: Test", "title: A test lesson")
    (problem,) = static_problems([lesson])
    assert problem.path == "lessons/01-demo/index.en.md" and "lessons/01-demo/index.md:" in problem.message


def test_a_pending_first_section_shows_its_note_under_the_title(lessons):
    lesson = _synced(lessons)
    _edit(lesson.zh, "title: 测试", "title: 张量测试")
    record = load_record(lessons.lessons_dir)
    (marked,) = mark_pending(record, lesson, None, None, datetime.date(2026, 12, 1))
    assert marked.pair.index == 0
    write_record(lessons.lessons_dir, record)
    (note,) = pending_notes(lesson, "en")
    assert (note.line, note.at_heading, note.other_heading) == (line_of(lesson.en.path, "# Tensors"), True, "张量")
