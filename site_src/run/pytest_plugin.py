"""pytest hooks: collect each lesson folder as tests, and the ``--device`` option.

Only hooks live here; the test items are in ``pytest_items.py`` and the running in
``parent.py`` / ``runner.py``, which know nothing of pytest. Imports go one way: this
module imports the items, never the reverse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..lesson.lessons import FOLDER_PATTERN, SOURCE_NAMES
from .parent import DEFAULT_LESSON_TIMEOUT
from .pytest_items import WARM_START, LessonFile
from .warm import WarmStart

ZH_SOURCE_NAMES = {names["zh"] for names in SOURCE_NAMES.values()}
EN_SOURCE_NAMES = {names["en"] for names in SOURCE_NAMES.values()}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lessons", "running the course's lessons")
    group.addoption("--device", choices=["cpu", "cuda"], default="cpu",
                    help="run lesson blocks on this device; `cuda` fails at once without CUDA (default: cpu)")
    group.addoption("--rerun-lessons", action="store_true", default=False,
                    help="run every lesson even if its record is fresh")
    group.addoption("--lesson-timeout", type=float, default=DEFAULT_LESSON_TIMEOUT,
                    help=f"seconds one lesson may run in all (default: {DEFAULT_LESSON_TIMEOUT:g})")
    group.addoption("--cold-start", action="store_true", default=False,
                    help="start every lesson in a new interpreter, not forked from the warm one (site_src/run/warm.py)")
    group.addoption("--warm-check", action="store_true", default=False,
                    help="run each lesson that runs warm a second time, cold, and fail if the records differ")
    group.addoption("--lesson-summary", type=Path, metavar="FILE", default=None,
                    help="append a Markdown table of the lessons run and reused, with their seconds, to FILE "
                         "(CI: $GITHUB_STEP_SUMMARY)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[WARM_START] = None if config.getoption("cold_start") else WarmStart()
    if config.getoption("device") == "cuda":
        from .runner import check_device

        problem = check_device("cuda")
        if problem:
            raise pytest.UsageError(problem)


def pytest_unconfigure(config: pytest.Config) -> None:
    warm = config.stash.get(WARM_START, None)
    if warm is not None:
        warm.close()


def pytest_report_header(config: pytest.Config) -> str | None:
    """One line on what isolates the lessons here, when the run collects lessons; CI and
    the GPU run stop at once if no sandbox can be made (each lesson would refuse anyway)."""
    if not any(_names_lessons(Path(arg)) for arg in config.args):
        return None
    from .sandbox import SandboxUnavailable, choose

    try:
        return choose(config.getoption("device")).describe()
    except SandboxUnavailable as error:
        raise pytest.UsageError(str(error)) from None


def _names_lessons(path: Path) -> bool:
    path = path.resolve()
    return path.name == "lessons" or path.parent.name == "lessons" or (path / "lessons").is_dir()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if is_lesson_source(file_path):
        return LessonFile.from_parent(parent, path=file_path)
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config):
    # The en file and a notebook lesson's .py are lesson text, not test modules.
    if collection_path.name in EN_SOURCE_NAMES and _in_lesson_folder(collection_path):
        return not is_lesson_source(collection_path)
    return None


def is_lesson_source(path: Path) -> bool:
    """The file that stands for the whole lesson: its zh file, or its en file when zh is missing
    (so that a lesson in one language only is reported, not silently skipped)."""
    if not _in_lesson_folder(path):
        return False
    if path.name in ZH_SOURCE_NAMES:
        return True
    return path.name in EN_SOURCE_NAMES and not any((path.parent / name).exists() for name in ZH_SOURCE_NAMES)


def _in_lesson_folder(path: Path) -> bool:
    return path.parent.parent.name == "lessons" and bool(FOLDER_PATTERN.match(path.parent.name))


def pytest_report_teststatus(report, config):
    if report.when == "call" and report.passed and _was_cached(report):
        return "passed", "c", "PASSED (unchanged, record reused)"
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    runs = [report for report in terminalreporter.stats.get("passed", []) if _was_cached(report) is not None]
    if runs:
        reused = sum(1 for report in runs if _was_cached(report))
        terminalreporter.write_line(f"lessons: {len(runs) - reused} run, {reused} unchanged (record reused)")
    summary_file = config.getoption("lesson_summary")
    if summary_file is not None and not hasattr(config, "workerinput"):  # once, by pytest-xdist's controller
        reports = [report for outcome in ("passed", "failed", "skipped")
                   for report in terminalreporter.stats.get(outcome, [])
                   if report.when in ("call", "setup") and report.nodeid.endswith("::run")]
        with summary_file.open("a", encoding="utf-8") as summary:
            summary.write(lesson_summary(reports))


def lesson_summary(reports) -> str:
    """The job summary's table: each lesson of this run, whether it ran or its record was reused, and seconds."""
    rows = []  # (lesson, kind: "run" | "reused" | "skipped", how it went, seconds)
    for report in sorted(reports, key=lambda report: report.nodeid):
        properties = dict(getattr(report, "user_properties", []))
        lesson = Path(report.nodeid.split("::")[0]).parent.name
        if report.skipped:
            kind, how = "skipped", "skipped"
        elif properties.get("lesson-cached"):
            kind, how = "reused", "reused (record unchanged)"
        elif properties.get("lesson-cold-checked"):
            kind, how = "run", "run warm, then cold (records match)" if report.passed else "run warm, then cold: failed"
        else:
            kind, how = "run", "run" if report.passed else "run: failed"
        seconds = float(properties.get("lesson-seconds") or 0.0) + float(properties.get("lesson-cold-seconds") or 0.0)
        rows.append((lesson, kind, how, seconds))
    ran = [seconds for _, kind, _, seconds in rows if kind == "run"]
    reused = sum(1 for _, kind, _, _ in rows if kind == "reused")
    lines = [f"### Lessons: {len(ran)} run, {reused} reused, {sum(ran):.0f} s", "",
             "| lesson | how | seconds |", "|---|---|---:|"]
    lines += [f"| {lesson} | {how} | {seconds:.1f} |" for lesson, _, how, seconds in rows]
    return "\n".join(lines) + "\n"


def _was_cached(report) -> bool | None:
    """True/False for a lesson run item's report, None for any other test."""
    return dict(getattr(report, "user_properties", [])).get("lesson-cached")
