"""The pytest items of a lesson: its checks (front matter, blocks, parity) and its run.

A failure is reported as the lesson file and line, the block, and the exception, with
none of the pipeline's own frames: the contributor sees only what they wrote.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from ..lesson.checks import static_problems
from ..lesson.glue import check_values
from ..lesson.lessons import find_lesson, needs_newer_torch
from ..lesson.links import check_alt_text
from ..lesson.pins import installed_version
from ..lesson.problems import LessonError, inert
from .compare import record_differences
from .parent import RunOutcome, default_store, run_lesson
from .records import RecordStore
from .warm import WarmStart  # noqa: F401 — named in WARM_START's annotation

# This process's warm server (one per pytest-xdist worker), started by the first lesson that runs;
# set by the plugin's pytest_configure. Here rather than in the plugin, so that imports go one way.
WARM_START = pytest.StashKey["WarmStart | None"]()


class LessonProblem(Exception):
    """A lesson failed; the message is the whole report a contributor reads."""


class LessonFile(pytest.File):
    def collect(self):
        yield LessonCheckItem.from_parent(self, name="check")
        yield LessonRunItem.from_parent(self, name="run")

    def lesson(self):
        folder = self.path.parent
        return find_lesson(folder.parent, folder.name)


class _LessonItem(pytest.Item):
    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, (LessonProblem, LessonError)):
            return inert(str(excinfo.value))  # it holds what the lesson printed: no escapes, no workflow commands
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.parent.name}::{self.name}"


class LessonCheckItem(_LessonItem):
    """Front matter, block syntax, zh/en parity and links: everything decided without running."""

    def runtest(self):
        problems = static_problems([self.parent.lesson()])
        if problems:
            raise LessonError(problems)


class LessonRunItem(_LessonItem):
    """Runs the lesson's blocks in a child process, or reuses its fresh record. A lesson whose
    `min_torch` is newer than the installed torch (the CI run on the oldest torch) is skipped."""

    def runtest(self):
        config = self.config
        lesson = self.parent.lesson()
        too_old = needs_newer_torch(lesson, installed_version("torch") or "0.0")
        if too_old:
            pytest.skip(inert(too_old))
        device = config.getoption("device")
        store = default_store(lesson.folder.parent, device)
        outcome = run_lesson(lesson, store, device, lesson_timeout=config.getoption("lesson_timeout"),
                             force=config.getoption("rerun_lessons"), warm=config.stash[WARM_START])
        self.user_properties.append(("lesson-cached", outcome.cached))
        self.user_properties.append(("lesson-seconds", outcome.seconds))
        if outcome.failure:
            raise LessonProblem(outcome.failure)
        if outcome.warm and config.getoption("warm_check"):
            self.user_properties.append(("lesson-cold-checked", True))
            started = time.perf_counter()
            check_cold_start(outcome, store, config.getoption("lesson_timeout"))
            self.user_properties.append(("lesson-cold-seconds", round(time.perf_counter() - started, 3)))
        problems = check_alt_text(lesson, outcome.record) + check_values(lesson, outcome.record)
        if problems:
            raise LessonError(problems)


def check_cold_start(warm: RunOutcome, store: RecordStore, lesson_timeout: float) -> None:
    """Run the lesson again in a new interpreter; a record that differs is the warm start's
    bug (site_src/run/warm.py), never the lesson's."""
    lesson = warm.lesson
    with tempfile.TemporaryDirectory(prefix=f"cold-{lesson.slug}-") as folder:
        cold_store = RecordStore(Path(folder))
        cold = run_lesson(lesson, cold_store, lesson_timeout=lesson_timeout, force=True)
        differences = record_differences(warm.record, store, cold.record or cold_store.load(lesson.slug) or {},
                                         cold_store)
    if differences:
        raise LessonProblem(
            f"{lesson.zh.rel}: the lesson ran differently forked from the warm interpreter and started cold "
            "(warm / cold):\n  " + "\n  ".join(differences[:10]) +
            "\n  what to do: this is a bug of the warm start (site_src/run/warm.py), not of the lesson: report it; "
            "`pytest --cold-start` runs every lesson cold meanwhile")
