"""Measure the pipeline's speed on this machine and print the figures.

Works on a throw-away copy of the course (lessons, docs, configs), never on the
contributor's files: cold run of every lesson, warm re-run, re-run after editing one
lesson, ``mkdocs build`` alone, ``make preview``'s two refreshes, and every lesson run
three ways: bare ``python``, the harness started cold, the harness forked warm.

``--scale N`` instead times each stage on the course and on a copy N times its size
(scale.py), side by side with their ratio, from the course's own records: the run from
nothing is extrapolated from them, never run (issue 32: nothing grows faster than the course).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..lesson.extract import write_module
from ..lesson.lessons import discover_lessons
from ..run.parent import run_lesson
from ..run.records import RecordStore
from ..run.runner import prepare_workdir
from ..run.sandbox import child_environment
from ..run.warm import WarmStart
from ..site.page_weight import lesson_pages, page_weight
from .scale import copy_records, scale_course

COPIED = ("lessons", "docs", "mkdocs.yml", "mkdocs.en.yml", "conftest.py", "pyproject.toml")
LINKED = ("site_src", "tools")  # read-only for the benchmark: linked, not copied
JOBS = "2"


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float
    note: str = ""


def run_benchmark(root: Path, edited_lesson: str | None = None, starts_only: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        copy = Path(scratch) / "course"
        copy_course(root, copy)
        lessons = discover_lessons(copy / "lessons")
        if starts_only:
            return start_figures(copy, lessons)
        edited = next((lesson for lesson in lessons if lesson.slug == edited_lesson), lessons[0])
        figures = [
            Figure("cold test of all lessons (pytest -n 2, no records)", _timed(_pytest("lessons"), copy)),
            Figure("warm re-run, nothing changed", _timed(_pytest("lessons"), copy)),
            Figure("mkdocs build alone (zh + en)", _timed([sys.executable, "-m", "site_src", "build"], copy)),
        ]
        heaviest = max((page_weight(copy / "site", page) for page in lesson_pages(copy / "site")),
                       key=lambda weight: weight.total)
        _edit_first_print(edited.zh.path)
        _edit_first_print(edited.en.path)
        edit_seconds = _timed(_pytest("lessons"), copy) + _timed([sys.executable, "-m", "site_src", "build"], copy)
        figures.append(Figure(f"edit one lesson ({edited.slug}), re-test all and rebuild", edit_seconds))
        figures += _preview_figures(copy, edited)
        figures += start_figures(copy, lessons)
    figures.append(Figure(f"heaviest lesson page ({heaviest.page}), HTML + CSS + JS", 0.0,
                          f"{heaviest.total / 1000:.0f} KB as files, {heaviest.transfer / 1000:.0f} KB sent (gzip)"))
    return figures


def copy_course(root: Path, copy: Path) -> None:
    """A throw-away course to time or test against: its lessons, docs and configs copied, the
    pipeline and tools linked (read-only here)."""
    copy.mkdir(parents=True)
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, copy / name)
    for name in LINKED:
        if (root / name).exists():
            (copy / name).symlink_to(root / name)


def _pytest(*paths: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", JOBS, *paths]


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"benchmark step failed: {' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


def _edit_first_print(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("print(", "print('edited for the benchmark');print(", 1), encoding="utf-8")


@dataclass(frozen=True)
class PreviewTimes:
    """`make preview` from a save to the rebuilt pages: wall-clock and this process's CPU seconds."""

    prose: float
    prose_cpu: float
    code: float
    code_cpu: float
    lesson_run: float  # the edited lesson's own run, as its new record says


def _preview_figures(copy: Path, lesson) -> list[Figure]:
    times = preview_times(copy, lesson)
    return [Figure("preview: prose edit, its language rebuilt", times.prose, f"CPU {times.prose_cpu:.1f} s; target ≤ 3 s"),
            Figure(f"preview: code edit, {lesson.slug} re-run and both rebuilt", times.code,
                   f"CPU {times.code_cpu:.1f} s besides the run; the lesson itself ran {times.lesson_run:.1f} s; "
                   "target ≤ that + 3 s")]


def preview_times(copy: Path, lesson) -> PreviewTimes:
    """``make preview`` from a save to the rebuilt pages, for a prose edit and a code edit
    (in-process, as the watcher calls it; the watcher's debounce and the tab's reload add ~0.3 s).
    The CPU times are this process's (a shared machine inflates the wall-clock time); a
    sandboxed lesson run is not its child to the end, so its CPU time is not in them."""
    from ..site.preview import Preview, plan_for

    preview = Preview(copy)
    preview.build(("zh", "en"), dirty=False)  # where `make preview` starts from
    preview.warm_up()  # as `make preview` does before it watches

    def refreshed(*paths: Path) -> tuple[float, float]:
        started, cpu = time.perf_counter(), _cpu_seconds()
        problems = preview.refresh(plan_for(copy, set(paths)))
        if problems:
            raise RuntimeError("benchmark step failed: make preview reported\n" + "\n".join(problems))
        return time.perf_counter() - started, _cpu_seconds() - cpu

    lesson.zh.path.write_text(_prose_edited(lesson.zh.path.read_text(encoding="utf-8"), lesson.format),
                              encoding="utf-8")
    _leave_en_pending(lesson)
    prose, prose_cpu = refreshed(lesson.zh.path)
    _edit_first_print(lesson.zh.path)
    _edit_first_print(lesson.en.path)
    code, code_cpu = refreshed(lesson.zh.path, lesson.en.path)
    preview.warm.close()
    run = RecordStore(copy / "build" / "records").load(lesson.slug)["seconds"]
    return PreviewTimes(prose, prose_cpu, code, code_cpu, run)


def _leave_en_pending(lesson) -> None:
    """What a contributor does after a zh-only prose edit: the en section left pending (else
    the preview reports the translation stale, which the benchmark counts as a failed step)."""
    from ..lesson.translations import load_record, mark_pending, write_record

    record = load_record(lesson.folder.parent)
    if record is not None:
        mark_pending(record, lesson, None, None)
        write_record(lesson.folder.parent, record)


def _prose_edited(text: str, lesson_format: str) -> str:
    """The lesson with a sentence added under its title: prose only, in either format."""
    title = text.index("\n# " if lesson_format == "markdown" else "\n# # ")
    end = text.index("\n", title + 1)
    added = "\n\nedited prose for the benchmark" if lesson_format == "markdown" else "\n#\n# edited prose for the benchmark"
    return text[:end] + added + text[end:]


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def start_figures(copy: Path, lessons) -> list[Figure]:
    """Every lesson three ways, one after the other (so a busy moment of a shared machine
    hits all three alike): as a bare `python` script, through the harness started cold,
    and forked from the warm server. The warm sum includes starting the server."""
    bare = cold = warm_sum = 0.0
    cold_store, warm_store = RecordStore(copy / "build" / "bench-cold"), RecordStore(copy / "build" / "bench-warm")
    warm = WarmStart()
    try:
        for lesson in lessons:
            bare += _bare_run(lesson, write_module(lesson, copy / "build" / "modules"))
            cold += _harness_run(lesson, cold_store, None)
            warm_sum += _harness_run(lesson, warm_store, warm)
        warm_sum += warm.start_seconds
    finally:
        warm.close()
    count = len(lessons)
    return [Figure(f"sum of the {count} lessons run by bare `python`", bare),
            Figure(f"sum of the {count} lessons through the harness, started cold", cold,
                   f"{cold / bare:.2f}× bare (goal ≤ 1.05×)"),
            Figure(f"sum of the {count} lessons through the harness, forked warm", warm_sum,
                   f"{warm_sum / bare:.2f}× bare (goal ≤ 0.8×); {warm.servers_started} server start(s), "
                   f"{warm.start_seconds:.1f} s, included")]


def _harness_run(lesson, store: RecordStore, warm: WarmStart | None) -> float:
    outcome = run_lesson(lesson, store, force=True, warm=warm)
    if outcome.failure:
        raise RuntimeError(f"benchmark step failed: {lesson.slug}\n{outcome.failure}")
    return outcome.seconds


def _bare_run(lesson, module: Path) -> float:
    with tempfile.TemporaryDirectory(prefix=f"bare-{lesson.slug}-") as workdir:
        work = Path(workdir)
        started = time.perf_counter()
        # Timed like the harness, which copies the data files and seeds data sets in its child.
        prepare_workdir(lesson, work)
        subprocess.run([sys.executable, str(module)], cwd=work, env=child_environment(work),
                       capture_output=True, check=True)
        return time.perf_counter() - started


def print_figures(figures: list[Figure]) -> None:
    width = max(len(figure.name) for figure in figures)
    for figure in figures:
        seconds = f"{figure.seconds:7.1f} s" if figure.seconds else " " * 9
        print(f"{figure.name:<{width}}  {seconds}  {figure.note}")


# --------------------------------------------------------------------- the course at N×

GROWTH_ALLOWANCE = 1.1  # a stage may take up to 1.1 × N as long at N× the course (issue 32: 3.3 at 3×)
CHECK, COLD_RUN, BUILD, BUILD_AGAIN, WARM_RERUN, PREVIEW_PROSE, PREVIEW_CODE = (
    "python -m site_src check",
    "every lesson run from nothing (extrapolated: the records' per-lesson seconds, summed)",
    "python -m site_src build (zh + en), caches empty",
    "python -m site_src build again, caches warm",
    "warm re-run, nothing changed (pytest lessons -n 2)",
    "make preview: a prose edit, its language rebuilt",
    "make preview: a code edit, the lesson re-run and both rebuilt",
)
LIMITS = {CHECK: 10.0, WARM_RERUN: 10.0, PREVIEW_PROSE: 1.0}  # seconds, at any size of the course (issue 32)


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and the CPU seconds of the processes the benchmark waited for (on a
    shared machine the wall clock is inflated by the others' load; the CPU time much less)."""

    wall: float
    cpu: float


@dataclass(frozen=True)
class ScaledStage:
    """One stage of the pipeline timed on the course as it is and on a course `factor` times its size."""

    name: str
    once: Timing
    scaled: Timing
    factor: int

    @property
    def ratio(self) -> float:
        return self.scaled.wall / self.once.wall if self.once.wall else float("inf")

    @property
    def cpu_ratio(self) -> float:
        return self.scaled.cpu / self.once.cpu if self.once.cpu else float("inf")

    @property
    def limit(self) -> float | None:
        return LIMITS.get(self.name)

    @property
    def missed(self) -> list[str]:
        """The targets this stage misses, in words ([] if none). Growth is judged on CPU time,
        which other processes' load hardly moves; the limits on wall-clock time, as a person waits."""
        missed = []
        if self.cpu_ratio > GROWTH_ALLOWANCE * self.factor:
            missed.append(f"CPU time grows {self.cpu_ratio:.2f}× for {self.factor}× the lessons "
                          f"(target ≤ {GROWTH_ALLOWANCE * self.factor:.1f})")
        if self.limit is not None and self.scaled.wall >= self.limit:
            missed.append(f"{self.scaled.wall:.1f} s at {self.factor}× (target < {self.limit:g} s)")
        return missed


def run_scale_benchmark(root: Path, factor: int, edited_lesson: str | None = None) -> list[ScaledStage]:
    """Every stage timed on a throw-away copy of the course and on one `factor` times its size
    (site_src/upkeep/scale.py), both from the course's own records: nothing is run from nothing."""
    once = course_stage_times(root, 1, edited_lesson)
    scaled = course_stage_times(root, factor, edited_lesson)
    return [ScaledStage(name, once[name], scaled[name], factor) for name in once]


def course_stage_times(root: Path, factor: int, edited_lesson: str | None = None) -> dict[str, Timing]:
    """The timing of each stage on a throw-away copy of the course made `factor` times its size.

    `check` and the warm re-run are the faster of two tries (a shared machine's busy moment
    weighs less). The build runs twice: with the empty caches of a fresh clone, then again.
    The edited lesson is the same original at any size (default: the first)."""
    with tempfile.TemporaryDirectory(prefix=f"course-x{factor}-") as scratch:
        copy = Path(scratch) / "course"
        copy_course(root, copy)
        copies = scale_course(copy, factor)
        copy_records(root / "build" / "records", copy / "build" / "records", copies)
        store = RecordStore(copy / "build" / "records")
        lessons = discover_lessons(copy / "lessons")
        require_fresh_records(lessons, store)
        edited = next((lesson for lesson in lessons if lesson.slug == edited_lesson), lessons[0])
        check = [sys.executable, "-m", "site_src", "check"]
        build = [sys.executable, "-m", "site_src", "build"]
        recorded = recorded_run_seconds(lessons, store)
        times = {CHECK: _fastest(lambda: _timed_cpu(check, copy)),
                 COLD_RUN: Timing(recorded, recorded),
                 BUILD: _timed_cpu(build, copy),
                 BUILD_AGAIN: _timed_cpu(build, copy),
                 WARM_RERUN: _fastest(lambda: _timed_cpu(_pytest("lessons"), copy, reuse_only=True))}
        preview = preview_times(copy, edited)
        return {**times, PREVIEW_PROSE: Timing(preview.prose, preview.prose_cpu),
                PREVIEW_CODE: Timing(preview.code, preview.code_cpu)}


def require_fresh_records(lessons, store: RecordStore) -> None:
    """Stop, naming them, if some lessons have no fresh record: the scaled benchmark times the
    pipeline around the runs and must not run a whole course from nothing on its way."""
    unusable = [f"{lesson.slug} ({reason})" for lesson in lessons
                for reason in [store.unusable(lesson, store.load(lesson.slug))] if reason]
    if unusable:
        raise RuntimeError(f"{len(unusable)} of {len(lessons)} lessons have no fresh record in "
                           f"{store.records_dir}: {', '.join(unusable)}; run them first (`make test`), "
                           "then bench again")


def recorded_run_seconds(lessons, store: RecordStore) -> float:
    """The lessons' run from nothing as their records measured it, one after the other (a copy's
    record is its original's, so at N× this is N times the course's own sum)."""
    return sum(store.load(lesson.slug)["seconds"] for lesson in lessons)


def _fastest(measure) -> Timing:
    return min((measure() for _ in range(2)), key=lambda timing: timing.wall)


def _timed_cpu(command: list[str], cwd: Path, reuse_only: bool = False) -> Timing:
    """`command`'s wall-clock and CPU seconds (its own and its waited-for children's: pytest's
    workers). `reuse_only`: fail if it ran a lesson (changed a record) instead of reusing it."""
    records = sorted((cwd / "build" / "records").glob("*/record.json"))
    before = [path.stat().st_mtime_ns for path in records]
    cpu = _children_cpu_seconds()
    wall = _timed(command, cwd)
    timing = Timing(wall, _children_cpu_seconds() - cpu)
    if reuse_only and [path.stat().st_mtime_ns for path in records] != before:
        raise RuntimeError(f"benchmark step ran lessons where every record should have been reused: {' '.join(command)}")
    return timing


def _children_cpu_seconds() -> float:
    times = os.times()
    return times.children_user + times.children_system


def print_scaled(stages: list[ScaledStage]) -> None:
    factor = stages[0].factor
    width = max(len(stage.name) for stage in stages)
    print(f"{'stage':<{width}}  {'1×':>9}  {f'{factor}×':>9}  ratio  {'CPU 1×':>9}  {f'CPU {factor}×':>9}  ratio  targets")
    for stage in stages:
        target = f"CPU ratio ≤ {GROWTH_ALLOWANCE * factor:.1f}" + (f", < {stage.limit:g} s" if stage.limit else "")
        verdict = "; ".join(stage.missed) or "met"
        print(f"{stage.name:<{width}}  {stage.once.wall:7.1f} s  {stage.scaled.wall:7.1f} s  {stage.ratio:5.2f}  "
              f"{stage.once.cpu:7.1f} s  {stage.scaled.cpu:7.1f} s  {stage.cpu_ratio:5.2f}  {target}: {verdict}")
    print(f"\nThe {factor}× course is the course copied {factor} times over (site_src/upkeep/scale.py); each copy "
          "has its original's record (same key: same code), so nothing ran from nothing. The run from nothing is "
          "extrapolated from the records' per-lesson seconds, not measured. CPU: of the processes the benchmark "
          "waited for (the preview's: its own process, the lesson's sandboxed run left out).")
