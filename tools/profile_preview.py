"""Profile `make preview`'s refresh after a prose edit, on a throw-away copy of the course.

    .venv/bin/python tools/profile_preview.py [--lessons 01-tensors 02-autograd] [--top 30]

Runs the named lessons (so that their records are fresh) and builds the copy once (as
`make preview` starts), then for each lesson edits the paragraph under the title of its zh file
``--repeat`` times and times ``Preview.refresh`` (wall and CPU time, this process and its
children); the last edit of each lesson runs under cProfile, whose ``--top`` entries are
printed by cumulative time (cProfile about doubles the time of what it profiles). The copy's
records and caches are the repository's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(label: str, action, top: int, profile: bool):
    profiler = cProfile.Profile() if profile else None
    wall, used = time.perf_counter(), cpu()
    if profiler:
        profiler.enable()
    result = action()
    if profiler:
        profiler.disable()
    print(f"== {label}: {time.perf_counter() - wall:.2f} s wall, {cpu() - used:.2f} s CPU", flush=True)
    if profiler and top:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
        print(out.getvalue())
    return result


def prose_edited(text: str, suffix: str, number: int) -> str:
    """The lesson with a sentence added to the paragraph under its title (a prose-only edit)."""
    title = text.index("\n# " if suffix == ".md" else "\n# # ")
    end = text.index("\n", title + 1)
    line = f"profiled prose edit {number}"
    return text[:end] + ("\n\n" + line if suffix == ".md" else "\n#\n# " + line) + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", nargs="*", default=["01-tensors", "02-autograd"])
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout whose pipeline and lessons to time (another branch, say); "
                             "the records and caches are this one's")
    arguments = parser.parse_args()
    sys.path.insert(0, str(arguments.root))
    from site_src.lesson.lessons import discover_lessons
    from site_src.run.parent import default_store, run_lesson
    from site_src.site.preview import Preview, plan_for
    from site_src.upkeep.bench import copy_course

    with tempfile.TemporaryDirectory(prefix="profile-preview-") as scratch:
        copy = Path(scratch) / "course"
        copy_course(arguments.root, copy)
        shutil.copytree(ROOT / "build" / "records", copy / "build" / "records")
        if (ROOT / "build" / "cache").is_dir():
            shutil.copytree(ROOT / "build" / "cache", copy / "build" / "cache")
        preview = Preview(copy)
        lessons = {lesson.slug: lesson for lesson in discover_lessons(copy / "lessons")}
        for slug in arguments.lessons:  # fresh records, so that a prose edit runs nothing
            timed(f"run {slug}", lambda slug=slug: run_lesson(lessons[slug], default_store(copy / "lessons")), 0, False)
        timed("start (both languages, clean)", lambda: preview.build(("zh", "en"), dirty=False), 0, False)
        for slug in arguments.lessons:
            for number in range(arguments.repeat):
                path = lessons[slug].zh.path
                path.write_text(prose_edited(path.read_text(encoding="utf-8"), path.suffix, number),
                                encoding="utf-8")
                plan = plan_for(copy, {path})
                problems = timed(f"prose edit of {slug} ({plan})", lambda plan=plan: preview.refresh(plan), arguments.top,
                                 number == arguments.repeat - 1)
                page = copy / "site" / "lessons" / slug / "index.html"
                shown = f"profiled prose edit {number}" in page.read_text(encoding="utf-8")
                print(f"   problems: {problems[:3]}; page shows the edit: {shown}")


if __name__ == "__main__":
    main()
