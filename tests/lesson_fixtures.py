"""Tiny lessons written for the tests, in a throw-away repository layout."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from site_src.lesson.lessons import Lesson, find_lesson

REPO = Path(__file__).resolve().parent.parent

MARKDOWN_FRONT_MATTER = """\
---
title: {title}
summary: a lesson written for a test
order: {order}
time: 5
{extra}---
"""

NOTEBOOK_HEADER = """\
# ---
# title: {title}
# summary: a lesson written for a test
# order: {order}
# time: 5
{extra}# jupyter:
#   jupytext:
#     formats: py:percent
# ---
"""


class LessonFolder:
    """Writes lessons under ``<root>/lessons/`` the way a contributor would."""

    def __init__(self, root: Path):
        self.root = root
        self.lessons_dir = root / "lessons"
        self.lessons_dir.mkdir(parents=True, exist_ok=True)

    def markdown(self, slug: str, body: str, en_body: str | None = None, title: str = "测试",
                 front_matter: str = "") -> Lesson:
        """`front_matter`: extra `key: value` lines, e.g. "memory_gb: 1"."""
        extra = "".join(f"{line}\n" for line in front_matter.splitlines())
        return self._write(slug, ("index.md", "index.en.md"), MARKDOWN_FRONT_MATTER, body, en_body, title, extra)

    def notebook(self, slug: str, body: str, en_body: str | None = None, title: str = "测试",
                 front_matter: str = "") -> Lesson:
        extra = "".join(f"# {line}\n" for line in front_matter.splitlines())
        return self._write(slug, ("index.py", "index.en.py"), NOTEBOOK_HEADER, body, en_body, title, extra)

    def _write(self, slug, names, header, body, en_body, title, extra="") -> Lesson:
        folder = self.lessons_dir / slug
        folder.mkdir(parents=True, exist_ok=True)
        order = int(slug[:2])
        zh_name, en_name = names
        (folder / zh_name).write_text(header.format(title=title, order=order, extra=extra) + textwrap.dedent(body),
                                      encoding="utf-8")
        (folder / en_name).write_text(header.format(title="Test", order=order, extra=extra)
                                      + textwrap.dedent(en_body or body), encoding="utf-8")
        return find_lesson(self.lessons_dir, slug)


def line_of(lesson_file: Path, text: str) -> int:
    """The 1-based line of the first line containing `text`: tests name lines by content."""
    for number, line in enumerate(lesson_file.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {lesson_file}")


def write_site_config(root: Path) -> None:
    """mkdocs.yml and mkdocs.en.yml that inherit the course's own, with a docs folder of two pages."""
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text("# 首页\n\n<!-- course-downloads -->\n\n<!-- lesson-list -->\n", encoding="utf-8")
    (root / "docs" / "index.en.md").write_text("# Home\n\n<!-- course-downloads -->\n\n<!-- lesson-list -->\n", encoding="utf-8")
    for folder in ("stylesheets", "javascripts", "assets"):
        shutil.copytree(REPO / "docs" / folder, root / "docs" / folder)
    local = (f"hooks: [{REPO / 'site_src' / 'site' / 'mkdocs_entry.py'}]\n"
             f"theme:\n  custom_dir: {REPO / 'site_src' / 'site' / 'overrides'}\n")
    (root / "mkdocs.yml").write_text(
        f"INHERIT: {REPO / 'mkdocs.yml'}\nsite_dir: site\nnav:\n  - 首页: index.md\n  - 课程: lessons/\n"
        "  - 实战项目: projects/\n" + local)
    (root / "mkdocs.en.yml").write_text(
        f"INHERIT: {REPO / 'mkdocs.en.yml'}\nsite_dir: site/en\nnav:\n  - Home: index.md\n  - Lessons: lessons/\n"
        "  - Projects: projects/\n" + local)
