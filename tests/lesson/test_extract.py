"""extract.py: code blocks keep their lesson file and line; options are parsed strictly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lesson_fixtures import line_of

from site_src.lesson.extract import BlockOptions, extract_blocks, write_module
from site_src.lesson.problems import LessonError

MARKDOWN_LESSON = """
# 标题

Some prose with `inline code`.

```python
x = 1
print(x)
```

```bash
pip install torch
```

```python
#| raises: ZeroDivisionError
1 / 0
```

```python
#| run: false
import this_module_does_not_exist
```

```python
#| gpu: true
#| timeout: 5
import torch
print(torch.ones(1, device="cuda"))
```

```python
#| solution: true
#| alt: a figure
assert x == 1
```
"""


def test_markdown_blocks_map_to_their_lesson_lines(lessons):
    lesson = lessons.markdown("01-demo", MARKDOWN_LESSON)
    blocks = extract_blocks(lesson.zh)
    assert [block.code.splitlines()[0] for block in blocks] == [
        "x = 1", "1 / 0", "import this_module_does_not_exist", "import torch", "assert x == 1"]
    assert blocks[0].code_line == line_of(lesson.zh.path, "x = 1")
    assert blocks[1].line == line_of(lesson.zh.path, "#| raises")
    assert blocks[1].code_line == line_of(lesson.zh.path, "1 / 0")
    assert blocks[0].path == "lessons/01-demo/index.md"


def test_non_python_fences_are_shown_not_extracted(lessons):
    lesson = lessons.markdown("01-demo", MARKDOWN_LESSON)
    assert all("pip install" not in block.code for block in extract_blocks(lesson.zh))


def test_each_option_is_parsed(lessons):
    lesson = lessons.markdown("01-demo", MARKDOWN_LESSON)
    plain, raising, shown, gpu, solution = extract_blocks(lesson.zh)
    assert plain.options.run and plain.options.raises is None
    assert raising.options.raises == "ZeroDivisionError"
    assert shown.options.run is False
    assert gpu.options.gpu is True and gpu.options.timeout == 5.0
    assert solution.options.solution is True and solution.options.alt == "a figure"


def test_notebook_cells_map_to_their_lesson_lines(lessons):
    lesson = lessons.notebook("02-nb", """
        # %% [markdown]
        # # Title

        # %%
        a = 2
        print(a)

        # %%
        #| raises: KeyError
        {}["missing"]
    """)
    first, second = extract_blocks(lesson.zh)
    assert first.code == "a = 2\nprint(a)"
    assert first.code_line == line_of(lesson.zh.path, "a = 2")
    assert second.options.raises == "KeyError"
    assert second.line == line_of(lesson.zh.path, "#| raises")
    assert second.code_line == line_of(lesson.zh.path, '{}["missing"]')


@pytest.mark.parametrize("option, message", [
    ("#| rasies: KeyError", "unknown block option `rasies`"),
    ("#| gpu: yes", "block option `gpu` has no valid bool value"),
    ("#| timeout: soon", "block option `timeout` has no valid float value"),
    ("#| timeout: 0", "block option `timeout` has no valid float value"),
    ("#| timeout: -0.5", "block option `timeout` has no valid float value"),
])
def test_a_bad_option_names_its_line(lessons, option, message):
    lesson = lessons.markdown("01-demo", f"\n```python\n{option}\nx = 1\n```\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"lessons/01-demo/index.md:{line_of(lesson.zh.path, option)}: {message}" in str(error.value)


def test_an_unclosed_fence_names_its_opening_line(lessons):
    lesson = lessons.markdown("01-demo", "\n```python\nx = 1\n\nmore prose\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{line_of(lesson.zh.path, '```python')}: this ```python fence is never closed" in str(error.value)


def test_a_block_inside_an_admonition_is_an_error_not_silently_skipped(lessons):
    lesson = lessons.markdown("01-demo", '\n!!! warning "Careful"\n    Text.\n\n    ```python\n    x = 1\n    ```\n')
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{line_of(lesson.zh.path, '```python')}:" in str(error.value)
    assert "unindent" in str(error.value)


def test_invalid_jupytext_is_reported_with_the_file(lessons):
    lesson = lessons.notebook("02-nb", "x = 1\nprint(x)\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert "lessons/02-nb/index.py" in str(error.value)
    assert "`# %%`" in str(error.value)


def test_the_module_runs_with_plain_python(lessons, tmp_path):
    lesson = lessons.markdown("01-demo", MARKDOWN_LESSON)
    module = write_module(lesson, tmp_path / "build" / "modules")
    done = subprocess.run([sys.executable, str(module)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1", "ZeroDivisionError: division by zero"]
    text = module.read_text()
    assert "# %% lessons/01-demo/index.md:" in text
    assert "# import this_module_does_not_exist" in text
    assert "if torch.cuda.is_available():" in text


def test_notebook_cells_keep_their_lines_on_odd_and_even_lines(lessons):
    lesson = lessons.notebook("02-nb", "# %%\none = 1\n\n# %%\ntwo = 2\nprint(two)\n\n# %%\nthree = 3\n\n# %%\n"
                                       "four = 4\n")
    blocks = extract_blocks(lesson.zh)
    firsts = ["one = 1", "two = 2", "three = 3", "four = 4"]
    assert [block.code_line for block in blocks] == [line_of(lesson.zh.path, first) for first in firsts]
    assert {line % 2 for line in (block.code_line for block in blocks)} == {0, 1}
    assert [block.end_line for block in blocks] == [0] * 4  # notebooks have no closing fence


def test_blocks_are_immutable_so_the_cache_can_share_them(lessons):
    import dataclasses

    lesson = lessons.markdown("01-demo", "\n```python\n#| glue: x\nx = 1\n```\n")
    (block,) = extract_blocks(lesson.zh)
    for thing, name in ((block, "code"), (block.options, "run"), (block.options.glue[0], "name")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(thing, name, None)
    assert extract_blocks(lesson.zh)[0] is block  # the same object, from the cache
    from site_src.lesson.extract import LessonBlock

    assert LessonBlock(index=0, path="p", line=1, code_line=1, code="x").end_line == 0


@pytest.mark.parametrize("indent", [" ", "  ", "   "])
def test_an_indented_fence_names_its_line(lessons, indent):
    lesson = lessons.markdown("01-demo", f"\nprose\n\n{indent}```python\n{indent}x = 1\n{indent}```\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{line_of(lesson.zh.path, '```python')}: a ```python block is indented" in str(error.value)


def test_hidden_fences_name_their_own_lines(lessons):
    lesson = lessons.markdown("01-demo", '\n!!! note\n    ```python\n    a = 1\n    ```\n\n!!! tip\n'
                                         '    ```python\n    b = 2\n    ```\n')
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    lines = [number for number, text in enumerate(lesson.zh.path.read_text().splitlines(), 1) if "```python" in text]
    assert {line % 2 for line in lines} == {0, 1}
    for line in lines:
        assert f"index.md:{line}: this ```python fence sits inside an indented block" in str(error.value)


def test_a_line_that_starts_like_a_fence_does_not_close_it(lessons):
    lesson = lessons.markdown("01-demo", "\n```python\nx = 1\n``` not a closing fence\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{line_of(lesson.zh.path, '```python')}: this ```python fence is never closed" in str(error.value)


def test_a_notebook_without_cell_markers_names_its_first_line(lessons):
    lesson = lessons.notebook("02-nb", "x = 1\nprint(x)\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"lessons/02-nb/index.py:{line_of(lesson.zh.path, 'x = 1')}: no `# %%` cell markers found" in str(error.value)


def test_a_notebook_jupytext_cannot_read_is_a_lesson_error(lessons):
    lesson = lessons.notebook("02-nb", "# %%\nx = 1\n")
    text = lesson.zh.path.read_text(encoding="utf-8").replace("#   jupytext:\n#     formats: py:percent\n",
                                                               "#   jupytext: 3\n")
    lesson.zh.path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert "lessons/02-nb/index.py: not a valid jupytext py:percent notebook" in str(error.value)


def test_glue_names_are_bound_once_per_block(lessons):
    lesson = lessons.markdown("01-demo", "\n```python\n#| glue: a\n#| glue: b = a + 1\na = 1\n```\n")
    (block,) = extract_blocks(lesson.zh)
    assert [(binding.name, binding.expression) for binding in block.options.glue] == [("a", "a"), ("b", "a + 1")]
    lessons.markdown("01-demo", "\n```python\n#| glue: a\n#| glue: b\n#| glue: a = 2\na = b = 1\n```\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert str(error.value).count("is bound twice") == 1 and "`glue: a` is bound twice" in str(error.value)


def test_the_module_can_be_written_again(lessons, tmp_path):
    lesson = lessons.markdown("01-demo", MARKDOWN_LESSON)
    first = write_module(lesson, tmp_path / "modules").read_text()
    assert write_module(lesson, tmp_path / "modules").read_text() == first


def test_notebook_code_before_the_first_marker_after_an_empty_cell_and_past_256_lines(lessons):
    filler = "".join(f"# %%\nv{n} = {n}\n\n" for n in range(90))
    lesson = lessons.notebook("02-nb", "zero = 0\n\n# %%\n# %% [markdown]\n# prose, not code\n\n# %%\none = 1\n\n"
                                       + filler + "# %%\nlast = 1\n")
    assert len(lesson.zh.path.read_text(encoding="utf-8").splitlines()) > 256
    blocks = extract_blocks(lesson.zh)
    assert [block.code for block in blocks[:2]] == ["zero = 0", "one = 1"] and blocks[-1].code == "last = 1"
    assert len(blocks) == 93
    for block in (blocks[0], blocks[1], blocks[-1]):
        assert block.code_line == line_of(lesson.zh.path, block.code)


def test_defaults_and_the_block_as_written(lessons):
    lesson = lessons.markdown("01-demo", '\n```python {.numbered title="demo"}\nx = 1\n```\n\n```python\n'
                                         '#| glue: x\n#| raises: ValueError\nint("x")\n```\n')
    plain, raising = extract_blocks(lesson.zh)
    assert plain.options == BlockOptions() and BlockOptions().timeout == 60.0  # docs/lesson-format.md: 60 s
    assert (plain.options.run, plain.options.gpu, plain.options.solution, plain.options.raises) == (True, False, False, None)
    assert raising.options.raises == "ValueError" and [b.name for b in raising.options.glue] == ["x"]
    assert raising.source == '#| glue: x\n#| raises: ValueError\nint("x")' and plain.source == "x = 1"


def test_every_problem_of_a_lesson_is_reported_at_once(lessons):
    lesson = lessons.markdown("01-demo", "\n  ```python\n  x = 1\n  ```\n\n```python\n#| gpu: maybe\n#| colour: red\n"
                                         "#| glue: y = (\ny = 1\n```\n\nSome text\n    ```python\n    z = 1\n    ```\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    report = str(error.value)
    for line, message in (("  ```python", "a ```python block is indented"),
                          ("#| gpu", "block option `gpu` has no valid bool value"),
                          ("#| colour", "unknown block option `colour`"),
                          ("#| glue", "the glue expression `(` is not valid Python"),
                          ("    ```python", "this ```python fence sits inside an indented block")):
        assert f"index.md:{line_of(lesson.zh.path, line)}: {message}" in report, message


@pytest.mark.parametrize("text", ["\n```python", "\n```python\nx = 1", "\n```python\nx = 1\n````python\n"])
def test_a_fence_open_to_the_end_of_the_file_is_never_closed(lessons, text):
    lesson = lessons.markdown("01-demo", text)
    lesson.zh.path.write_text(lesson.zh.path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{line_of(lesson.zh.path, '```python')}: this ```python fence is never closed" in str(error.value)


def test_any_positive_timeout_is_accepted(lessons):
    lesson = lessons.markdown("01-demo", "\n```python\n#| timeout: 0.5\nx = 1\n```\n")
    assert extract_blocks(lesson.zh)[0].options.timeout == 0.5


def test_claims_are_kept_in_order_with_their_lines_and_must_be_valid_python(lessons):
    lesson = lessons.markdown("01-demo", "\n```python\n#| check: a == 1\n#| check: b > a\na, b = 1, 2\n```\n")
    (block,) = extract_blocks(lesson.zh)
    first = line_of(lesson.zh.path, "#| check: a == 1")
    assert [(check.expression, check.line) for check in block.options.checks] == [("a == 1", first), ("b > a", first + 1)]
    lessons.markdown("01-demo", "\n```python\n#| check: a ==\na = 1\n```\n")
    with pytest.raises(LessonError) as error:
        extract_blocks(lesson.zh)
    assert f"index.md:{first}: the check `a ==` is not a valid Python expression" in str(error.value)
