"""Problems found in lessons, reported as ``path:line: what is wrong — what to do``.

Every stage collects problems as values and raises them together at its edge, so a
contributor sees all of them at once, not one per run.

A report can hold text a lesson produced (its output, its error, its stderr): ``inert``
makes such text safe to print to a terminal or a CI log, and everything that prints a
report or a lesson's output passes it through ``inert`` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Terminal escape sequences: CSI (ESC [ or 8-bit 0x9b) up to its final byte; OSC, DCS, SOS, PM
# and APC strings (ESC ] P X ^ _ or 0x9d 0x90 0x98 0x9e 0x9f) up to BEL or ST (or the end of the
# text); any other two-character escape.
_ESCAPE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
                     r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                     r"|\x1b[ -~]?")
# Other control characters (C0 but tab and newline, DEL, C1) and the bidirectional controls that
# can make a line read as something else than it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A line GitHub Actions reads as a workflow command (`::error …`, `::add-mask::…`, `##[group]`).
_WORKFLOW_COMMAND = re.compile(r"^([^\S\n]*)(::|##\[)", re.MULTILINE)
NEUTRALISED = "[lesson text] "


def inert(text: str) -> str:
    """Text a lesson produced, made safe to print: escape sequences and control characters
    removed (a carriage return becomes a new line, so it cannot overwrite what was printed),
    and a line that would be a GitHub Actions workflow command prefixed with ``[lesson text]``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _ESCAPE.sub("", text))
    return _WORKFLOW_COMMAND.sub(lambda match: match[1] + NEUTRALISED + match[2], text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a lesson, with where it is and how to fix it."""

    path: str
    line: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message} — {self.fix}"


class LessonError(Exception):
    """Raised with every problem a stage found; its text lists them one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise LessonError(problems)
