"""A course N times the size of this one, for timing the pipeline as the course grows.

``scale_course`` copies every lesson folder of a throw-away course N − 1 more times, under new
folder names that keep the ``NN-slug`` pattern: copy ``b`` of ``01-tensors`` is ``32-tensors-b``
when the course's highest number is 30 (the copies are numbered after it, so they sort after
the originals and, from 20 on, are listed among the projects). Inside each copy, every name of
an original lesson (its prerequisites, its links to other lessons) points to the same copy's
lesson, so ``check`` and the strict build pass; the course's ``lessons/durations.json``,
``lessons/translations.json`` and ``docs/glossary.yml`` gain the copies too.

A copy's code, data and front-matter fields that the record key hashes are its original's, so
its record key is the original's: ``copy_records`` gives each copy its original's record
(renamed to the copy's slug), which is as fresh for the pipeline as the original's.
"""

from __future__ import annotations

import json
import re
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

from ..lesson.lessons import FOLDER_PATTERN, SOURCE_NAMES, discover_lessons
from ..lesson.translations import load_record, mark_synced, write_record
from .shards import load_durations, write_durations

COPY_LETTERS = string.ascii_lowercase[1:]  # the original is copy "a"; its copies are b, c, …
HIGHEST_NUMBER = 99  # two digits: FOLDER_PATTERN's `NN`
GLOSSARY = Path("docs") / "glossary.yml"


@dataclass(frozen=True)
class LessonCopy:
    original: str  # the original lesson's folder name, e.g. 01-tensors
    slug: str  # the copy's, e.g. 32-tensors-b

    @property
    def letter(self) -> str:
        return self.slug[-1]


def copy_names(slugs: list[str], factor: int) -> list[LessonCopy]:
    """The folder names of the copies that make `slugs` `factor` times as many: copy k of lesson
    NN is numbered NN + k × (the highest number + 1) and ends in the k-th letter after `a`."""
    if factor < 1:
        raise ValueError(f"scale factor {factor}: give 1 or more")
    numbers = [int(slug[:2]) for slug in slugs]
    step = max(numbers, default=0) + 1
    if max(numbers, default=0) + (factor - 1) * step > HIGHEST_NUMBER:
        raise ValueError(f"{len(slugs)} lessons numbered up to {step - 1} do not fit {factor} times into "
                         f"the two-digit lesson numbers (up to {HIGHEST_NUMBER}); pick a factor of at most "
                         f"{(HIGHEST_NUMBER - step + 1) // step + 1}")
    return [LessonCopy(slug, f"{int(slug[:2]) + k * step:02d}{slug[2:]}-{COPY_LETTERS[k - 1]}")
            for k in range(1, factor) for slug in sorted(slugs)]


def scale_course(root: Path, factor: int) -> list[LessonCopy]:
    """Copy every lesson of the course at `root` (a throw-away copy: it is changed in place) so
    that it holds `factor` times as many lessons; the copies made, in course order."""
    lessons_dir = root / "lessons"
    originals = sorted(path.name for path in lessons_dir.iterdir() if path.is_dir() and FOLDER_PATTERN.match(path.name))
    copies = copy_names(originals, factor)
    for copy in copies:
        # Within copy b, each lesson's links and prerequisites name the other lessons of copy b.
        _copy_lesson(lessons_dir, copy, {other.original: other.slug for other in copies if other.letter == copy.letter})
    _scale_durations(lessons_dir, copies)
    _scale_translations(lessons_dir, copies)
    _scale_glossary(root / GLOSSARY, copies)
    return copies


def _copy_lesson(lessons_dir: Path, copy: LessonCopy, renames: dict[str, str]) -> None:
    folder = lessons_dir / copy.slug
    shutil.copytree(lessons_dir / copy.original, folder, ignore=shutil.ignore_patterns("__pycache__"))
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, renames)) + r")(?![\w-])")
    for name in {name for names in SOURCE_NAMES.values() for name in names.values()}:
        path = folder / name
        if path.exists():
            text = pattern.sub(lambda match: renames[match.group(1)], path.read_text(encoding="utf-8"))
            path.write_text(_renumbered(text, int(copy.slug[:2])), encoding="utf-8")


def _renumbered(text: str, order: int) -> str:
    """The lesson text with its front matter's `order:` set to the copy's folder number."""
    return re.sub(r"^(#? ?order:[ \t]*)\d+[ \t]*$", rf"\g<1>{order}", text, count=1, flags=re.MULTILINE)


def _scale_durations(lessons_dir: Path, copies: list[LessonCopy]) -> None:
    durations = load_durations(lessons_dir)
    if durations:
        write_durations(lessons_dir, {**durations, **{copy.slug: durations[copy.original] for copy in copies
                                                      if copy.original in durations}})


def _scale_translations(lessons_dir: Path, copies: list[LessonCopy]) -> None:
    """Each copy's sections recorded in sync as they are (their links differ from the original's,
    so the original's hashes would not match them)."""
    record = load_record(lessons_dir)
    if record is None:
        return
    slugs = {copy.slug for copy in copies}
    for lesson in discover_lessons(lessons_dir):
        if lesson.slug in slugs:
            mark_synced(record, lesson)
    write_record(lessons_dir, record)


def _scale_glossary(glossary: Path, copies: list[LessonCopy]) -> None:
    """Every term again for each copy of the lesson that explains it: the glossary page grows
    with the course."""
    if not glossary.exists():
        return
    lines = glossary.read_text(encoding="utf-8").splitlines(keepends=True)
    added = [re.sub(rf"\blesson: {re.escape(copy.original)}\b", f"lesson: {copy.slug}", line)
             for copy in copies for line in lines if re.search(rf"\blesson: {re.escape(copy.original)}\b", line)]
    glossary.write_text("".join(lines) + "".join(added), encoding="utf-8")


def copy_records(records: Path, into: Path, copies: list[LessonCopy]) -> None:
    """The records of `records` in `into`, and each copy's original's record under the copy's
    slug: its figures renamed and its record naming the copy, as a run of the copy would write."""
    shutil.copytree(records, into, dirs_exist_ok=True)
    for copy in copies:
        source = records / copy.original
        if source.is_dir():
            _record_as(source, into / copy.slug, copy)


def _record_as(source: Path, folder: Path, copy: LessonCopy) -> None:
    shutil.copytree(source, folder)
    for figure in folder.glob(f"{copy.original}-*.png"):
        figure.rename(folder / (copy.slug + figure.name[len(copy.original):]))
    path = folder / "record.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["slug"] = copy.slug
    record["source"] = record.get("source", "").replace(f"/{copy.original}/", f"/{copy.slug}/")
    for block in record.get("blocks", []):
        block["figures"] = [copy.slug + name[len(copy.original):] if name.startswith(copy.original) else name
                            for name in block.get("figures", [])]
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
