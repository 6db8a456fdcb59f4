"""problems.py: reports name file:line, and lesson text in them is made inert before it is printed."""

from __future__ import annotations

import pytest

from site_src.lesson.problems import NEUTRALISED, Problem, inert


def test_a_problem_reads_path_line_what_and_what_to_do():
    assert str(Problem("lessons/01-a/index.md", 3, "wrong", "fix it")) == "lessons/01-a/index.md:3: wrong — fix it"
    assert str(Problem("lessons/01-a/index.md", None, "wrong", "fix it")) == "lessons/01-a/index.md: wrong — fix it"


@pytest.mark.parametrize("text, shown", [
    ("plain text, 中文, tabs\tand\nnew lines", "plain text, 中文, tabs\tand\nnew lines"),
    ("\x1b[31mred\x1b[0m \x1b[2J\x1b[1;1Hmoved \x1b[?25l", "red moved "),  # colours, clearing, cursor moves
    ("a\x1b]52;c;c2VjcmV0\x07b", "ab"),  # a clipboard write (OSC 52), ended by BEL
    ("a\x1b]52;c;c2VjcmV0\x1b\\b", "ab"),  # … and by ST
    ("a\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # a hyperlink
    ("a\x1bPq#0;1;2\x1b\\b \x1b_apc\x1b\\c \x1b^pm\x07d", "ab c d"),  # DCS (sixel), APC, PM
    ("a\x1b]52;c;never ended", "a"),
    ("a\x9b2Jb\x9d0;title\x9cc\x85d", "abcd"),  # the 8-bit (C1) forms
    ("a\x1b7b\x1b8c\x1bcd\x1b", "abcd"),  # two-character escapes, and one left at the end
    ("a\x00b\x07c\x08d\x0be\x0cf\x7fg", "abcdefg"),  # other control characters
    ("safe\u202edelbat\u2066x\u2069", "safedelbatx"),  # bidirectional overrides
    ("1 failed\r1 passed", "1 failed\n1 passed"),  # a carriage return cannot overwrite a line
    ("a\r\nb", "a\nb"),
])
def test_escape_sequences_and_control_characters_are_removed(text, shown):
    assert inert(text) == shown


@pytest.mark.parametrize("line", ["::error::pwned", "::add-mask::secret", "::stop-commands::token",
                                  "   ::warning file=a.py::x", "\t::set-output name=x::y", "\u3000::error::wide space",
                                  "##[error]legacy form", "  ##[add-mask]s", "\x1b[0m::error::after an escape",
                                  "x\r::error::after a carriage return"])
def test_a_line_github_would_read_as_a_workflow_command_is_neutralised(line):
    shown = inert(f"before\n{line}\nafter")
    lines = shown.split("\n")
    assert not any(text.lstrip().startswith(("::", "##[")) for text in lines), shown
    assert any(NEUTRALISED.strip() in text for text in lines) and lines[0] == "before" and lines[-1] == "after"


def test_workflow_command_text_inside_a_line_stays():
    assert inert("see ::error:: and ##[x] mid-line") == "see ::error:: and ##[x] mid-line"
