"""Check that the zh and en files of a lesson hold the same code.

Only comments (and the per-language ``#| alt:`` option) may differ; blank lines are
ignored. The code runs once, from the zh file, so any other difference would show the en
reader outputs of code they cannot see.
"""

from __future__ import annotations

import io
import tokenize

from .extract import LessonBlock, extract_blocks
from .lessons import Lesson
from .problems import LessonError, Problem

FIX = "make the en block's code identical to the zh block's; only comments may differ"


def check_parity(lesson: Lesson) -> list[Problem]:
    """Every place where the en file's code differs from the zh file's."""
    try:
        zh_blocks, en_blocks = extract_blocks(lesson.zh), extract_blocks(lesson.en)
    except LessonError as error:
        return error.problems
    problems = []
    for zh, en in zip(zh_blocks, en_blocks):
        problem = _block_drift(zh, en)
        if problem:
            problems.append(problem)
    if len(zh_blocks) != len(en_blocks):
        longer, shorter = (zh_blocks, en_blocks) if len(zh_blocks) > len(en_blocks) else (en_blocks, zh_blocks)
        extra = longer[len(shorter)]
        other = lesson.en.rel if longer is zh_blocks else lesson.zh.rel
        problems.append(Problem(extra.path, extra.line,
                                f"{len(zh_blocks)} code blocks in zh but {len(en_blocks)} in en; "
                                f"this block has no counterpart in {other}",
                                "add the same block to the other language, or remove it here"))
    return problems


def _block_drift(zh: LessonBlock, en: LessonBlock) -> Problem | None:
    zh_lines, en_lines = code_lines(zh), code_lines(en)
    for (zh_number, zh_text), (en_number, en_text) in zip(zh_lines, en_lines):
        if zh_text != en_text:
            return Problem(en.path, en_number,
                           f"code differs from {zh.path}:{zh_number}: en `{en_text.strip()}` vs zh `{zh_text.strip()}`",
                           FIX)
    if len(zh_lines) != len(en_lines):
        (number, text), path = ((zh_lines[len(en_lines)], zh.path) if len(zh_lines) > len(en_lines)
                                else (en_lines[len(zh_lines)], en.path))
        return Problem(path, number, f"line `{text.strip()}` has no counterpart in the other language "
                                     f"(blocks at {zh.path}:{zh.line} and {en.path}:{en.line})", FIX)
    return None


def code_lines(block: LessonBlock) -> list[tuple[int, str]]:
    """(file line, text without comments) of each non-blank line, options included except `alt`."""
    numbered = list(enumerate(block.source.splitlines(), start=block.line))
    comments = _comment_starts(block.code, block.code_line)
    lines = []
    for number, text in numbered:
        if text.startswith("#|"):
            if not text.replace(" ", "").startswith("#|alt:"):
                lines.append((number, text.rstrip()))
            continue
        if number in comments:
            text = text[:comments[number]]
        if text.strip():
            lines.append((number, text.rstrip()))
    return lines


def _comment_starts(code: str, first_line: int) -> dict[int, int]:
    """Column where a comment starts, per file line, found by Python's own tokenizer."""
    starts = {}
    if "#" not in code:
        return starts  # no comment to find: the tokenizer is most of the parity check's time
    try:
        for token in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
            if token.type == tokenize.COMMENT:
                starts[first_line + token.start[0] - 1] = token.start[1]
    except (tokenize.TokenError, SyntaxError):
        pass  # the run reports broken code with its own line; compare it as written
    return starts
