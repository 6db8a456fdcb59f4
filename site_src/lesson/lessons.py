"""Find the lessons and read their front matter.

A lesson is a folder ``lessons/<NN>-<slug>/`` holding the same lesson in two languages:
``index.md`` + ``index.en.md`` (Markdown) or ``index.py`` + ``index.en.py`` (jupytext
``py:percent`` notebooks). Chinese is the original; the pipeline runs the zh file's code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import LessonError, Problem, raise_if_any

LANGUAGES = ("zh", "en")
SOURCE_NAMES = {
    "markdown": {"zh": "index.md", "en": "index.en.md"},
    "notebook": {"zh": "index.py", "en": "index.en.py"},
}
FOLDER_PATTERN = re.compile(r"^(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
FORMAT_HELP = "see docs/lesson-format.md"
SEEDABLE_DATASETS = ("mnist",)  # what site_src/run/datasets.py can write offline; keep the two in step
DEFAULT_MEMORY_GB, MAX_MEMORY_GB = 4, 64  # the memory a lesson's run may use (see sandbox.py)
VERSION_PATTERN = re.compile(r"^\d+\.\d+(?:\.\d+)?$")  # `min_torch`: 2.6 or 2.6.1
# Lessons numbered from here on are projects (DESIGN.md, "Projects"): the site lists them in a
# section of their own, so that core lessons can still be added below this number.
PROJECTS_FROM = 20


@dataclass(frozen=True)
class LessonSource:
    """One language's file of a lesson."""

    path: Path
    rel: str  # repository-relative, '/'-separated: what error messages show
    lang: str
    format: str  # "markdown" or "notebook"

    def read_text(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class FrontMatter:
    title: str
    summary: str
    order: int
    time: int
    prerequisites: tuple[str, ...] = ()
    gpu: bool = False
    datasets: tuple[str, ...] = ()
    memory_gb: int = DEFAULT_MEMORY_GB
    min_torch: str | None = None  # the oldest torch the lesson runs on, where newer than the course's


@dataclass(frozen=True)
class Lesson:
    """A lesson folder with both language files."""

    slug: str
    folder: Path
    format: str
    sources: dict[str, LessonSource] = field(hash=False)

    @property
    def order(self) -> int:
        """The folder's number, which the front matter's `order` must equal."""
        return int(self.slug[:2])

    @property
    def is_project(self) -> bool:
        return self.order >= PROJECTS_FROM

    @property
    def zh(self) -> LessonSource:
        return self.sources["zh"]

    @property
    def en(self) -> LessonSource:
        return self.sources["en"]

    def data_files(self) -> list[Path]:
        """Files of the folder other than the lesson text: data, images, licences."""
        source_names = set(SOURCE_NAMES[self.format].values())
        return sorted(
            path
            for path in self.folder.rglob("*")
            if path.is_file() and path.name not in source_names and "__pycache__" not in path.parts
        )


# --------------------------------------------------------------------------- finding


def repo_root_of(lessons_dir: Path) -> Path:
    return lessons_dir.resolve().parent


def discover_lessons(lessons_dir: Path) -> list[Lesson]:
    """Every lesson folder, in course order; LessonError listing every malformed folder."""
    lessons_dir = lessons_dir.resolve()
    root = repo_root_of(lessons_dir)
    lessons, problems = [], []
    for folder in sorted(p for p in lessons_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        lesson, found = _lesson_in(folder, root)
        problems += found
        if lesson:
            lessons.append(lesson)
    raise_if_any(problems)
    return lessons


def find_lesson(lessons_dir: Path, name: str) -> Lesson:
    """The lesson whose folder is ``name`` (``04-linear-regression``, a path, or ``04``)."""
    wanted, lessons_dir = Path(name).name, lessons_dir.resolve()
    for folder in sorted(lessons_dir.iterdir()):
        if folder.is_dir() and wanted in (folder.name, folder.name[:2]):
            lesson, problems = _lesson_in(folder, repo_root_of(lessons_dir))
            raise_if_any(problems)
            return lesson
    raise LessonError([Problem(name, None, "no such lesson", f"pick a folder of {lessons_dir}/")])


def _lesson_in(folder: Path, root: Path) -> tuple[Lesson | None, list[Problem]]:
    rel_folder = folder.relative_to(root).as_posix()
    if not FOLDER_PATTERN.match(folder.name):
        return None, [Problem(rel_folder, None, "lesson folder name is not `NN-slug`",
                              "rename it like `04-linear-regression` (two digits, lower-case words)")]
    for fmt, names in SOURCE_NAMES.items():
        present = {lang: folder / name for lang, name in names.items() if (folder / name).exists()}
        if len(present) == 2:
            sources = {lang: LessonSource(path, path.relative_to(root).as_posix(), lang, fmt)
                       for lang, path in present.items()}
            return Lesson(folder.name, folder, fmt, sources), []
        if len(present) == 1:
            (lang, path), = present.items()
            other = "en" if lang == "zh" else "zh"
            return None, [Problem(path.relative_to(root).as_posix(), None,
                                  f"this lesson exists in {lang} only",
                                  f"add its {other} version as {rel_folder}/{names[other]} "
                                  "(same code blocks, translated prose)")]
    return None, [Problem(rel_folder, None, "folder holds no lesson file",
                          "add index.md + index.en.md, or index.py + index.en.py")]


# ---------------------------------------------------------------------- front matter

FIELD_TYPES = {
    "title": str, "summary": str, "order": int, "time": int,
    "prerequisites": list, "gpu": bool, "datasets": list, "min_torch": str, "memory_gb": int,
}
REQUIRED_FIELDS = ("title", "summary", "order", "time")


def header_end(lines: list[str], fence: str) -> int:
    """The index of the first line after a header opened and closed by `fence` lines (``---``
    front matter, ``# ---`` jupytext header); 0 if the file does not start with a closed one."""
    if lines and lines[0].rstrip() == fence:
        for number, line in enumerate(lines[1:], start=1):
            if line.rstrip() == fence:
                return number + 1
    return 0


def front_matter_of(text: str, file_format: str) -> str | None:
    """The YAML text of the front matter at the top of a lesson file's `text`, or None."""
    lines = text.splitlines()
    prefix = "" if file_format == "markdown" else "# "
    end = header_end(lines, prefix + "---")
    if not end:
        return None
    return "\n".join(line[len(prefix):] if line.startswith(prefix) else line.lstrip("#") for line in lines[1:end - 1])


def front_matter_text(source: LessonSource) -> tuple[str, int] | None:
    """The YAML text of the front matter and the file line where it starts, or None."""
    text = front_matter_of(source.read_text(), source.format)
    return None if text is None else (text, 2)


def read_front_matter(source: LessonSource) -> FrontMatter:
    """The validated front matter of one lesson file; LessonError naming each bad field."""
    found = front_matter_text(source)
    if found is None:
        raise LessonError([Problem(source.rel, 1, "no front matter at the top of the file",
                                   f"start the file with a `---` block of title, summary, order, time ({FORMAT_HELP})")])
    return _validated_front_matter(source.rel, *found)


@functools.lru_cache(maxsize=1024)
def _validated_front_matter(rel: str, text: str, first_line: int) -> FrontMatter:
    # Cached by the YAML text (a LessonError is not cached: it is raised anew): a build reads each
    # lesson's front matter once per page that shows it (headers, the home page, the glossary).
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = first_line + mark.line if mark else first_line
        raise LessonError([Problem(rel, line, f"front matter is not valid YAML ({getattr(error, 'problem', error)})",
                                   "fix the YAML syntax")]) from None
    if not isinstance(data, dict):
        raise LessonError([Problem(rel, first_line, "front matter is not a mapping of `key: value`",
                                   FORMAT_HELP)])
    lines = {key.value: first_line + key.start_mark.line for key, _ in node.value}
    data.pop("jupyter", None)  # jupytext's own notebook metadata
    problems = _field_problems(rel, data, lines)
    raise_if_any(problems)
    return FrontMatter(
        title=data["title"], summary=data["summary"], order=data["order"], time=data["time"],
        prerequisites=tuple(data.get("prerequisites", ())), gpu=data.get("gpu", False),
        datasets=tuple(data.get("datasets", ())), min_torch=data.get("min_torch"),
        memory_gb=data.get("memory_gb", DEFAULT_MEMORY_GB),
    )


def _field_problems(rel: str, data: dict, lines: dict[str, int]) -> list[Problem]:
    problems = []
    for key in REQUIRED_FIELDS:
        if key not in data:
            problems.append(Problem(rel, 2, f"front matter has no `{key}`", f"add `{key}:` ({FORMAT_HELP})"))
    for key, value in data.items():
        expected = FIELD_TYPES.get(key)
        if expected is None:
            problems.append(Problem(rel, lines.get(key), f"unknown front matter field `{key}`",
                                    f"use only {', '.join(FIELD_TYPES)}"))
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(Problem(rel, lines.get(key),
                                    f"front matter `{key}` is {type(value).__name__} {value!r}, not {expected.__name__}",
                                    f"write `{key}` as a {expected.__name__}"))
        elif key == "memory_gb" and not 1 <= value <= MAX_MEMORY_GB:
            problems.append(Problem(rel, lines.get(key), f"front matter `memory_gb: {value}` is outside 1–{MAX_MEMORY_GB}",
                                    f"give the GiB of memory the lesson needs (default {DEFAULT_MEMORY_GB})"))
        elif expected is list and not all(isinstance(item, str) for item in value):
            problems.append(Problem(rel, lines.get(key), f"front matter `{key}` must be a list of strings",
                                    f"write e.g. `{key}: [01-tensors]`"))
        elif key == "min_torch" and not VERSION_PATTERN.match(value):
            problems.append(Problem(rel, lines.get(key), f"front matter `min_torch` is {value!r}, not a torch version",
                                    'write it like `min_torch: "2.6"` (quoted: YAML reads 2.10 as the number 2.1)'))
    return problems


def lesson_slugs(lessons_dir: Path) -> set[str]:
    """The names of all lesson folders, whether or not each is complete."""
    return {path.name for path in lessons_dir.iterdir() if path.is_dir() and FOLDER_PATTERN.match(path.name)}


def check_front_matter(lessons: list[Lesson]) -> list[Problem]:
    """Problems across lessons: bad fields, order not matching the folder, unknown prerequisites,
    and fields other than title/summary that differ between languages."""
    problems = []
    slugs = set().union(*(lesson_slugs(folder) for folder in {lesson.folder.parent for lesson in lessons}))
    for lesson in lessons:
        matters = {}
        for lang, source in lesson.sources.items():
            try:
                matters[lang] = read_front_matter(source)
            except LessonError as error:
                problems += error.problems
        if "zh" not in matters:
            continue
        zh = matters["zh"]
        if zh.order != int(lesson.slug[:2]):
            problems.append(Problem(lesson.zh.rel, 2, f"`order: {zh.order}` does not match the folder number {lesson.slug[:2]}",
                                    f"set `order: {int(lesson.slug[:2])}`"))
        for unknown in sorted(set(zh.datasets) - set(SEEDABLE_DATASETS)):
            problems.append(Problem(lesson.zh.rel, 2, f"`datasets:` names `{unknown}`, which the runner cannot seed",
                                    f"use one of {', '.join(SEEDABLE_DATASETS)}, or ship the data in the lesson folder"))
        problems += _min_torch_problems(lesson, zh)
        for missing in sorted(set(zh.prerequisites) - slugs):
            problems.append(Problem(lesson.zh.rel, 2, f"prerequisite `{missing}` is not a lesson",
                                    "use a lesson folder name, e.g. `01-tensors`"))
        if "en" in matters:
            for name in ("order", "time", "prerequisites", "gpu", "datasets", "min_torch", "memory_gb"):
                if getattr(zh, name) != getattr(matters["en"], name):
                    problems.append(Problem(lesson.en.rel, 2,
                                            f"front matter `{name}` differs from {lesson.zh.rel} "
                                            f"({getattr(matters['en'], name)!r} vs {getattr(zh, name)!r})",
                                            "only title and summary may differ between languages"))
    return problems


def _min_torch_problems(lesson: Lesson, matter: FrontMatter) -> list[Problem]:
    """`min_torch` must lie above the course's oldest torch (else it says nothing) and not above
    the pinned one (else the lesson would run nowhere): both read from pyproject.toml."""
    from .pins import oldest_torch, pinned_version, release

    pyproject = repo_root_of(lesson.folder.parent) / "pyproject.toml"
    if matter.min_torch is None or not VERSION_PATTERN.match(matter.min_torch) or not pyproject.exists():
        return []
    oldest, pinned = oldest_torch(pyproject), pinned_version("torch", pyproject)
    if oldest and release(matter.min_torch) <= release(oldest):
        return [Problem(lesson.zh.rel, 2, f"`min_torch: {matter.min_torch}` is not newer than the oldest torch "
                                          f"the course supports ({oldest}, [tool.course] in pyproject.toml)",
                        "drop `min_torch`: every supported torch runs this lesson")]
    if pinned and release(matter.min_torch) > release(pinned):
        return [Problem(lesson.zh.rel, 2, f"`min_torch: {matter.min_torch}` is newer than the pinned torch {pinned}, "
                                          "so the lesson would run nowhere",
                        "lower `min_torch`, or bump the torch pin in pyproject.toml first")]
    return []


def needs_newer_torch(lesson: Lesson, installed: str) -> str | None:
    """Why the lesson cannot run on the installed torch (its `min_torch` is newer), or None."""
    from .pins import release

    needed = read_front_matter(lesson.zh).min_torch
    if needed is None or release(installed) >= release(needed):
        return None
    return f"{lesson.zh.rel}: needs torch ≥ {needed} (`min_torch` in its front matter); this run has torch {installed}"
