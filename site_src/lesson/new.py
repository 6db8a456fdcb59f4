"""Scaffold a new lesson pair (zh + en) that already passes the checks and runs.

The new folder appears in the navigation by itself: the site lists every lesson folder
in order (see ``mkdocs_hooks.on_config``), and its sections are entered in
``lessons/translations.json`` as in sync. An existing folder or number is never touched.
"""

from __future__ import annotations

from pathlib import Path

from .lessons import FOLDER_PATTERN, SOURCE_NAMES, find_lesson
from .problems import LessonError, Problem, raise_if_any
from .translations import load_record, mark_synced, write_record

MARKDOWN_TEMPLATE = {
    "zh": """---
title: {title}
summary: 用一句话说明这一课教什么
order: {order}
time: 30
prerequisites: []
gpu: false
datasets: []
---

# {title}

**学习目标**：读完这一课，你能……

**前置课程**：无。**预计时间**：30 分钟。

## 第一步

先解释为什么要这样做，再给出代码。

```python
import torch

torch.manual_seed(0)
x = torch.arange(6.0).reshape(2, 3)
print(x.sum(dim=0))
```

!!! warning "常见错误：……"
    说明错误的写法为什么错。下面的代码块必须抛出这里写的异常，否则测试失败。

```python
#| raises: RuntimeError
x @ x
```

## 小结

- ……

## 练习

1. 求 `x` 每一行的平均值。

```python
#| solution: true
row_means = x.mean(dim=1)
print(row_means)
assert torch.allclose(row_means, torch.tensor([1.0, 4.0]))
```
""",
    "en": """---
title: {title}
summary: One sentence on what this lesson teaches
order: {order}
time: 30
prerequisites: []
gpu: false
datasets: []
---

# {title}

**What you will learn**: after this lesson you can …

**Prerequisites**: none. **Estimated time**: 30 minutes.

## A first step

Say why before showing how.

```python
import torch

torch.manual_seed(0)
x = torch.arange(6.0).reshape(2, 3)
print(x.sum(dim=0))
```

!!! warning "Common mistake: …"
    Explain why the wrong version is wrong. The block below must raise the exception
    it names, or the tests fail.

```python
#| raises: RuntimeError
x @ x
```

## Summary

- …

## Exercises

1. Compute the mean of each row of `x`.

```python
#| solution: true
row_means = x.mean(dim=1)
print(row_means)
assert torch.allclose(row_means, torch.tensor([1.0, 4.0]))
```
""",
}


def _notebook_template(markdown: str) -> str:
    """The Markdown template as a jupytext py:percent notebook with the same cells."""
    front, body = markdown.split("---\n", 2)[1:]
    header = "".join(f"# {line}\n" for line in front.splitlines())
    header += "# jupyter:\n#   jupytext:\n#     formats: py:percent\n"
    cells, chunk, in_code = [], [], False
    for line in body.strip("\n").splitlines():
        if line.startswith("```python"):
            cells.append(("markdown", chunk))
            chunk, in_code = [], True
        elif line.startswith("```") and in_code:
            cells.append(("code", chunk))
            chunk, in_code = [], False
        else:
            chunk.append(line)
    cells.append(("markdown", chunk))
    parts = [f"# ---\n{header}# ---\n"]
    for kind, lines in cells:
        text = "\n".join(lines).strip("\n")
        if not text:
            continue
        if kind == "code":
            parts.append(f"# %%\n{text}\n")
        else:
            commented = "\n".join(f"# {line}".rstrip() for line in text.replace('!!! warning "', '> **').splitlines())
            parts.append(f"# %% [markdown]\n{commented}\n")
    return "\n".join(parts)


def new_lesson(lessons_dir: Path, slug: str, title_zh: str, title_en: str, notebook: bool = False) -> list[Path]:
    """Create ``lessons/<slug>/`` with both language files; LessonError if it would overwrite anything."""
    if not FOLDER_PATTERN.match(slug):
        raise LessonError([Problem(slug, None, "not a lesson folder name",
                                   "use two digits and lower-case words, e.g. `13-recurrent-networks`")])
    taken = [path for path in lessons_dir.iterdir() if path.is_dir() and path.name[:2] == slug[:2]]
    if taken:
        raise LessonError([Problem(taken[0].relative_to(lessons_dir.parent).as_posix(), None,
                                   f"lesson number {slug[:2]} is taken; nothing was written",
                                   "pick the next free number, or edit that lesson")])
    folder = lessons_dir / slug
    folder.mkdir()
    names = SOURCE_NAMES["notebook" if notebook else "markdown"]
    written = []
    for lang, title in (("zh", title_zh), ("en", title_en)):
        text = MARKDOWN_TEMPLATE[lang].format(title=title, order=int(slug[:2]))
        path = folder / names[lang]
        path.write_text(_notebook_template(text) if notebook else text, encoding="utf-8")
        written.append(path)
    return [*written, _record_in_sync(lessons_dir, slug)]


def _record_in_sync(lessons_dir: Path, slug: str) -> Path:
    """Enter the new pair in lessons/translations.json as in sync: both files say the same thing."""
    record = load_record(lessons_dir) or {}
    raise_if_any(mark_synced(record, find_lesson(lessons_dir, slug)))
    return write_record(lessons_dir, record)
