"""Everything about lessons that is decided without running them, in one pass.

Front matter, block syntax in both language files, zh/en parity, links and the prose's
bound values (``{{ name }}``), that every package a lesson imports is pinned, and that neither
language's prose changed without the other (translations.py). Both the
``check`` command and each lesson's pytest ``check`` item call ``static_problems``.
"""

from __future__ import annotations

from .extract import extract_blocks
from .glue import check_placeholders
from .lessons import Lesson, check_front_matter
from .links import check_links
from .parity import check_parity
from .problems import LessonError, Problem
from .requirements import lesson_needs
from .translations import check_translations, load_record


def static_problems(lessons: list[Lesson], *, translations: bool = True) -> list[Problem]:
    """``translations``: also the sections whose zh and en drifted apart (the preview leaves them
    out here and shows them beside the rebuilt page instead: see ``translation_problems``)."""
    problems = check_front_matter(lessons)
    parsed = []
    for lesson in lessons:
        broken = [problem for source in lesson.sources.values() for problem in _block_problems(source)]
        # Parity compares blocks, so it is only meaningful once both files parse.
        problems += broken or check_parity(lesson) + check_placeholders(lesson) + list(lesson_needs(lesson).problems)
        problems += check_links(lesson)
        parsed += [] if broken else [lesson]
    return problems + (translation_problems(parsed) if translations else [])


def translation_problems(lessons: list[Lesson]) -> list[Problem]:
    """Structure mismatches and stale sections against each course's lessons/translations.json."""
    problems, records = [], {}  # lessons folder -> its sync record (None: the course keeps none)
    for lesson in lessons:
        lessons_dir = lesson.folder.parent
        if lessons_dir not in records:
            records[lessons_dir] = load_record(lessons_dir)
        problems += check_translations(lesson, records[lessons_dir])
    return problems


def _block_problems(source) -> list[Problem]:
    try:
        extract_blocks(source)
    except LessonError as error:
        return error.problems
    return []
