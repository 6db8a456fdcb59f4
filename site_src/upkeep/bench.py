"""Measure the pipeline's speed on this machine and print the figures.

Works on a throw-away copy of the course (lessons, docs, configs), never on the
contributor's files: cold run of every lesson, warm re-run, re-run after editing one
lesson, ``mkdocs build`` alone, ``make preview``'s two refreshes, and every lesson run
three ways: bare ``python``, the harness started cold, the harness forked warm.
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


def _preview_figures(copy: Path, lesson) -> list[Figure]:
    """``make preview`` from a save to the rebuilt pages, for a prose edit and a code edit
    (in-process, as the watcher calls it; the watcher's debounce and the tab's reload add ~0.3 s).
    The notes give this process's CPU time too (a shared machine inflates the wall-clock time);
    a sandboxed lesson run is not its child to the end, so its CPU time is not in it."""
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
    return [Figure("preview: prose edit, its language rebuilt", prose, f"CPU {prose_cpu:.1f} s; target ≤ 3 s"),
            Figure(f"preview: code edit, {lesson.slug} re-run and both rebuilt", code,
                   f"CPU {code_cpu:.1f} s besides the run; the lesson itself ran {run:.1f} s; target ≤ that + 3 s")]


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
