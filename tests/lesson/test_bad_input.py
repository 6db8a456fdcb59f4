"""Every mistake a contributor can make fails the test command with a message naming the
lesson file and line (or field) and what to do — and no file of theirs is changed.

One course holds one broken lesson per mistake; pytest runs it once, as `make test` would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lesson_fixtures import LessonFolder

FRONT = "---\ntitle: 坏\nsummary: s\norder: {order}\ntime: 5\n---\n"

# folder -> (zh body, en body or None for "same as zh", expected report line as a regex)
BAD_LESSONS = {
    "01-syntax": ("```python\nx = 1\nif x\n    print(x)\n```\n", None,
                  r"lessons/01-syntax/index\.md:9: SyntaxError"),
    "02-deep": ("```python\ndef f():\n    return {}['k']\n```\n\n```python\nf()\n```\n", None,
                r"lessons/02-deep/index\.md:9: KeyError: 'k'"),
    "03-hang": ("```python\n#| timeout: 1\nwhile True:\n    pass\n```\n", None,
                r"lessons/03-hang/index\.md:(9|10): block exceeded its time limit of 1 s"),
    "04-no-raise": ("```python\n#| raises: ValueError\nint('1')\n```\n", None,
                    r"lessons/04-no-raise/index\.md:8: this block must raise ValueError but raised nothing"),
    "05-wrong-raise": ("```python\n#| raises: ValueError\n[][1]\n```\n", None,
                       r"lessons/05-wrong-raise/index\.md:9: this block must raise ValueError but raised IndexError"),
    "06-marker": ("```python\n#| raise: ValueError\nint('x')\n```\n", None,
                  r"lessons/06-marker/index\.md:8: unknown block option `raise`"),
    "07-unclosed": ("```python\nx = 1\n\nprose that was meant to follow the block\n", None,
                    r"lessons/07-unclosed/index\.md:7: this ```python fence is never closed"),
    "08-drift": ("```python\nprint(1)\n```\n", "```python\nprint(2)\n```\n",
                 r"lessons/08-drift/index\.en\.md:8: code differs from lessons/08-drift/index\.md:8"),
    "09-dead-link": ("See [the next lesson](../99-missing/index.md).\n", None,
                     r"lessons/09-dead-link/index\.md:7: link target `\.\./99-missing/index\.md` does not exist"),
    "10-anchor": ("# Title\n\nSee [it](#nowhere).\n", None,
                  r"lessons/10-anchor/index\.md:9: anchor `#nowhere` is not a heading"),
    "11-image": ("![a plot](plot.png)\n", None,
                 r"lessons/11-image/index\.md:7: link target `plot\.png` does not exist"),
    "12-writes": ("```python\nopen('/tmp/../tmp/escaped-by-a-lesson.txt', 'w')\n```\n", None,
                  r"lessons/12-writes/index\.md:8: PermissionError: lessons may write only inside their working directory"),
    "13-network": ("```python\nimport socket\nsocket.create_connection(('example.com', 80))\n```\n", None,
                   r"lessons/13-network/index\.md:9: NetworkRefused: lessons run offline"),
}


def _write_special_cases(course: LessonFolder) -> None:
    """Mistakes in the files themselves, written by hand."""
    folder = course.lessons_dir / "14-front-type"
    folder.mkdir()
    for name in ("index.md", "index.en.md"):
        (folder / name).write_text("---\ntitle: t\nsummary: s\norder: 14\ntime: soon\n---\ntext\n")
    folder = course.lessons_dir / "15-front-missing"
    folder.mkdir()
    for name in ("index.md", "index.en.md"):
        (folder / name).write_text("---\ntitle: t\norder: 15\ntime: 5\n---\ntext\n")
    folder = course.lessons_dir / "16-zh-only"
    folder.mkdir()
    (folder / "index.md").write_text(FRONT.format(order=16) + "text\n")
    folder = course.lessons_dir / "17-en-only"
    folder.mkdir()
    (folder / "index.en.md").write_text(FRONT.format(order=17) + "text\n")
    folder = course.lessons_dir / "18-not-jupytext"
    folder.mkdir()
    for name in ("index.py", "index.en.py"):
        (folder / name).write_text("# ---\n# title: t\n# summary: s\n# order: 18\n# time: 5\n# ---\nx = 1\n")


SPECIAL_EXPECTED = [
    r"lessons/14-front-type/index\.md:5: front matter `time` is str 'soon', not int — write `time` as a int",
    r"lessons/15-front-missing/index\.md:2: front matter has no `summary` — add `summary:`",
    r"lessons/16-zh-only/index\.md: this lesson exists in zh only — add its en version as lessons/16-zh-only/index\.en\.md",
    r"lessons/17-en-only/index\.en\.md: this lesson exists in en only — add its zh version",
    r"lessons/18-not-jupytext/index\.py:\d+: no `# %%` cell markers found",
]


@pytest.fixture(scope="module")
def broken_course(tmp_path_factory):
    from _pytest.pytester import Pytester  # noqa: F401 — only for the type of the result

    root = tmp_path_factory.mktemp("broken-course")
    course = LessonFolder(root)
    for slug, (zh, en, _) in BAD_LESSONS.items():
        course.markdown(slug, zh, en)
        for path in (course.lessons_dir / slug).iterdir():
            path.write_text(path.read_text().replace("title: 测试", "title: 坏"))
    _write_special_cases(course)
    (root / "conftest.py").write_text('pytest_plugins = ["site_src.run.pytest_plugin"]\n')
    before = _snapshot(course.lessons_dir)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "lessons"],
                          cwd=root, capture_output=True, text=True, timeout=600)
    return done, before, _snapshot(course.lessons_dir)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_test_command_fails(broken_course):
    done, _, _ = broken_course
    assert done.returncode == 1


@pytest.mark.parametrize("pattern", [expected for _, _, expected in BAD_LESSONS.values()] + SPECIAL_EXPECTED,
                         ids=list(BAD_LESSONS) + ["14-front-type", "15-front-missing", "16-zh-only", "17-en-only",
                                                  "18-not-jupytext"])
def test_each_mistake_is_reported_with_file_line_and_fix(broken_course, pattern):
    done, _, _ = broken_course
    assert re.search(pattern, done.stdout), f"expected /{pattern}/ in the report:\n{done.stdout[-4000:]}"


def test_no_contributor_file_was_changed_or_lost(broken_course):
    _, before, after = broken_course
    assert after == before
    assert not Path("/tmp/escaped-by-a-lesson.txt").exists()


def test_reports_show_none_of_the_pipelines_frames(broken_course):
    done, _, _ = broken_course
    assert "site_src/" not in done.stdout
