"""Problems found in lessons, reported as ``path:line: what is wrong — what to do``.

Every stage collects problems as values and raises them together at its edge, so a
contributor sees all of them at once, not one per run.
"""

from __future__ import annotations

from dataclasses import dataclass


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
