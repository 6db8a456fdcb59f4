"""Everything about lessons that is decided without running them, in one pass.

Front matter, block syntax in both language files, zh/en parity, links and the prose's
bound values (``{{ name }}``), and that every package a lesson imports is pinned. Both the
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


def static_problems(lessons: list[Lesson]) -> list[Problem]:
    problems = check_front_matter(lessons)
    for lesson in lessons:
        broken = [problem for source in lesson.sources.values() for problem in _block_problems(source)]
        # Parity compares blocks, so it is only meaningful once both files parse.
        problems += broken or check_parity(lesson) + check_placeholders(lesson) + list(lesson_needs(lesson).problems)
        problems += check_links(lesson)
    return problems


def _block_problems(source) -> list[Problem]:
    try:
        extract_blocks(source)
    except LessonError as error:
        return error.problems
    return []
