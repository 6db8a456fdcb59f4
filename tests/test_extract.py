"""extract.py: code blocks keep their lesson file and line; options are parsed strictly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lesson_fixtures import line_of

from site_src.extract import extract_blocks, write_module
from site_src.problems import LessonError

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
