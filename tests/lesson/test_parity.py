"""parity.py: zh and en hold the same code; a drift names both file:line positions."""

from __future__ import annotations

from lesson_fixtures import line_of

from site_src.lesson.parity import check_parity

ZH = """
```python
# 创建一个张量
x = [1, 2, 3]  # 列表
#| alt: ignored here
print(sum(x))
```
"""


def test_comments_and_alt_text_may_differ(lessons):
    en = ZH.replace("# 创建一个张量", "# make a tensor").replace("# 列表", "# a list")
    lesson = lessons.markdown("01-demo", ZH, en)
    assert check_parity(lesson) == []


def test_a_code_drift_names_both_lines(lessons):
    en = "\n\nSome extra English prose.\n" + ZH.replace("print(sum(x))", "print(max(x))")
    lesson = lessons.markdown("01-demo", ZH, en)
    (problem,) = check_parity(lesson)
    assert problem.path == "lessons/01-demo/index.en.md"
    assert problem.line == line_of(lesson.en.path, "print(max(x))")
    assert f"lessons/01-demo/index.md:{line_of(lesson.zh.path, 'print(sum(x))')}" in problem.message


def test_a_missing_block_is_reported(lessons):
    zh = ZH + "\n```python\nprint('only in zh')\n```\n"
    lesson = lessons.markdown("01-demo", zh, ZH)
    (problem,) = check_parity(lesson)
    assert problem.line == line_of(lesson.zh.path, "only in zh")
    assert "1 in en" in problem.message and "2 code blocks in zh" in problem.message


def test_an_option_drift_is_reported(lessons):
    zh = "```python\n#| raises: KeyError\n{}[1]\n```\n"
    lesson = lessons.markdown("01-demo", zh, zh.replace("KeyError", "LookupError"))
    (problem,) = check_parity(lesson)
    assert problem.line == line_of(lesson.en.path, "LookupError")


def test_an_extra_code_line_in_en_is_reported_at_that_line(lessons):
    en = ZH.replace("print(sum(x))", "y = 0\nprint(sum(x))")
    lesson = lessons.markdown("01-demo", ZH, en.replace("y = 0\nprint(sum(x))", "print(sum(x))\ny = 0"))
    (problem,) = check_parity(lesson)
    assert (problem.path, problem.line) == ("lessons/01-demo/index.en.md", line_of(lesson.en.path, "y = 0"))
    assert "has no counterpart" in problem.message


def test_a_code_line_missing_in_en_is_reported_at_the_zh_line(lessons):
    lesson = lessons.markdown("01-demo", ZH, ZH.replace("print(sum(x))\n", ""))
    (problem,) = check_parity(lesson)
    assert (problem.path, problem.line) == ("lessons/01-demo/index.md", line_of(lesson.zh.path, "print(sum(x))"))


def test_blank_lines_do_not_count_as_code(lessons):
    lesson = lessons.markdown("01-demo", ZH, ZH.replace("print(sum(x))", "\n\nprint(sum(x))"))
    assert check_parity(lesson) == []


def test_an_extra_block_in_en_is_reported_in_en_naming_the_zh_file(lessons):
    en = ZH + "\n```python\nprint('only in en')\n```\n"
    lesson = lessons.markdown("01-demo", ZH, en)
    (problem,) = check_parity(lesson)
    assert (problem.path, problem.line) == ("lessons/01-demo/index.en.md", line_of(lesson.en.path, "only in en"))
    assert "1 code blocks in zh but 2 in en" in problem.message
    assert "no counterpart in lessons/01-demo/index.md" in problem.message


def test_a_missing_block_names_the_file_it_is_missing_from(lessons):
    lesson = lessons.markdown("01-demo", ZH + "\n```python\nprint('only in zh')\n```\n", ZH)
    (problem,) = check_parity(lesson)
    assert "no counterpart in lessons/01-demo/index.en.md" in problem.message


def test_code_before_a_trailing_comment_is_still_compared(lessons):
    en = ZH.replace("x = [1, 2, 3]  # 列表", "x = [9, 9, 9]  # a list")
    lesson = lessons.markdown("01-demo", ZH, en)
    (problem,) = check_parity(lesson)
    assert problem.line == line_of(lesson.en.path, "x = [9, 9, 9]")


def test_a_file_whose_blocks_do_not_parse_reports_that_instead_of_a_drift(lessons):
    lesson = lessons.markdown("01-demo", ZH, ZH + "\n```python\nprint('never closed')\n")
    (problem,) = check_parity(lesson)
    assert problem.path == "lessons/01-demo/index.en.md" and "never closed" in problem.message


def test_code_the_tokenizer_rejects_is_compared_as_written(lessons):
    broken = "```python\nif True:\n        x = 1\n    y = 2  # bad dedent\n```\n"
    lesson = lessons.markdown("01-demo", broken, broken.replace("# bad dedent", "# 缩进错误"))
    (problem,) = check_parity(lesson)  # no tokens, so comments cannot be told apart: the lines differ
    assert problem.line == line_of(lesson.en.path, "缩进错误")
    same = lessons.markdown("02-demo", broken, broken)
    assert check_parity(same) == []


def test_alt_text_may_differ_however_the_option_is_spaced(lessons):
    zh = "```python\n#|alt: 一张图\nprint(1)\n```\n"
    lesson = lessons.markdown("01-demo", zh, zh.replace("#|alt: 一张图", "#|  alt : a figure"))
    assert check_parity(lesson) == []


def test_spaces_at_a_line_end_or_before_a_comment_do_not_count_after_option_lines(lessons):
    zh = "```python\n#| raises: KeyError\nd = {}  # 空字典\nd[1]  # 键不存在\n```\n"
    en = "```python\n#| raises: KeyError   \nd = {} # an empty dict\nd[1]      # no such key\n```\n"
    assert check_parity(lessons.markdown("01-demo", zh, en)) == []


def test_a_drift_and_a_missing_line_say_what_differs_and_where(lessons):
    en = ZH.replace("print(sum(x))", "print( max(x) )")
    lesson = lessons.markdown("01-demo", ZH, en)
    (problem,) = check_parity(lesson)
    zh_line = line_of(lesson.zh.path, "print(sum(x))")
    assert problem.message == (f"code differs from lessons/01-demo/index.md:{zh_line}: "
                               "en `print( max(x) )` vs zh `print(sum(x))`")
    lesson = lessons.markdown("02-demo", ZH, ZH.replace("print(sum(x))\n", ""))
    (problem,) = check_parity(lesson)
    first = line_of(lesson.zh.path, "```python") + 1
    assert problem.message == ("line `print(sum(x))` has no counterpart in the other language "
                               f"(blocks at lessons/02-demo/index.md:{first} and lessons/02-demo/index.en.md:{first})")
