"""parity.py: zh and en hold the same code; a drift names both file:line positions."""

from __future__ import annotations

from lesson_fixtures import line_of

from site_src.parity import check_parity

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
