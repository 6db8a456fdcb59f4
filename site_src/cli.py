"""The command line: ``python -m site_src extract|run|check|build|serve``.

A thin layer over the stages; the Makefile and CI call only these commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .checks import static_problems
from .extract import write_module
from .glue import check_values
from .lessons import discover_lessons, find_lesson
from .new import new_lesson
from .problems import LessonError
from .run import default_store, run_lesson
from .sandbox import SandboxUnavailable, choose
from .site import SiteBuildError, build_site, serve_site, site_prefix


def project_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding mkdocs.yml and lessons/: the course to work on."""
    for folder in (start, *start.parents):
        if (folder / "mkdocs.yml").exists() and (folder / "lessons").is_dir():
            return folder
    raise SystemExit(f"no course here: {start} and its parents hold no mkdocs.yml next to lessons/; "
                     "run this command from the repository root")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m site_src", description="Hands-on PyTorch pipeline")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="write each lesson as a runnable module into build/modules/")
    extract.add_argument("lessons", nargs="*", help="lesson folders (default: all)")
    run = commands.add_parser("run", help="run one lesson now and print each block's output")
    run.add_argument("lesson", help="a lesson folder, e.g. lessons/04-linear-regression")
    run.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    run.add_argument("--cached", action="store_true", help="reuse a fresh record instead of running")
    check = commands.add_parser("check", help="front matter, block syntax and zh/en parity of lessons")
    check.add_argument("lessons", nargs="*", help="lesson folders (default: all)")
    commands.add_parser("build", help="build the zh and en sites into site/ (needs fresh records)")
    commands.add_parser("compare", help="check that the GPU run (build/records-cuda) printed the CPU run's numbers")
    commands.add_parser("weight", help="each lesson page's HTML + CSS + JS, as files and as sent (budget: 300 KB sent)")
    bench = commands.add_parser("bench", help="time cold/warm/edit runs, the build and the harness overhead")
    bench.add_argument("--lesson", help="the lesson to edit for the edit-one-lesson figure (default: the first)")
    mutate = commands.add_parser("mutate", help="mutation-test the stages that decide a page (cosmic-ray; slow)")
    mutate.add_argument("modules", nargs="*", help="e.g. parity records (default: all of them)")
    new = commands.add_parser("new", help="scaffold a lesson pair (zh + en) in lessons/<slug>/")
    new.add_argument("slug", help="folder name, e.g. 13-recurrent-networks")
    new.add_argument("--title", required=True, help="the Chinese title")
    new.add_argument("--title-en", required=True, help="the English title")
    new.add_argument("--notebook", action="store_true", help="a jupytext notebook lesson instead of Markdown")
    serve = commands.add_parser("serve", help="build, then serve site/ at http://127.0.0.1:PORT")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    args.root = project_root(Path.cwd())
    try:
        return COMMANDS[args.command](args)
    except LessonError as error:
        print(error, file=sys.stderr)
        return 1


def cmd_extract(args) -> int:
    lessons = [find_lesson(args.root / "lessons", name) for name in args.lessons] or discover_lessons(args.root / "lessons")
    for lesson in lessons:
        print(write_module(lesson, args.root / "build" / "modules").relative_to(args.root))
    return 0


def cmd_run(args) -> int:
    lesson = find_lesson(args.root / "lessons", args.lesson)
    if not args.cached:
        try:
            sandbox = choose(args.device)
        except SandboxUnavailable as error:
            print(f"{lesson.zh.rel}: {error}", file=sys.stderr)
            return 1
        if not sandbox.enabled:
            print(sandbox.describe(), file=sys.stderr)
    outcome = run_lesson(lesson, default_store(args.root / "lessons", args.device), args.device, force=not args.cached)
    if outcome.record:
        for block in outcome.record["blocks"]:
            print(f"── {lesson.zh.rel}:{block['line']} [{block['status']}] {block['seconds']:.2f} s")
            for name in ("stdout", "stderr", "error"):
                if block[name]:
                    print(block[name].rstrip("\n"))
            for figure in block["figures"]:
                print(f"[figure {figure}]")
    failure = outcome.failure or "\n".join(map(str, check_values(lesson, outcome.record)))
    if failure:
        print(failure, file=sys.stderr)
        return 1
    state = "unchanged, record reused" if outcome.cached else f"ran in {outcome.seconds:.1f} s"
    print(f"{lesson.slug}: ok ({state})")
    return 0


def cmd_check(args) -> int:
    lessons = [find_lesson(args.root / "lessons", name) for name in args.lessons] or discover_lessons(args.root / "lessons")
    problems = static_problems(lessons)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked {len(lessons)} lessons: {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_build(args) -> int:
    try:
        build_site(args.root)
    except SiteBuildError as error:
        print(f"site build failed:\n{error}", file=sys.stderr)
        return 1
    print(f"built {args.root / 'site'} (zh) and {args.root / 'site' / 'en'} (en)")
    return 0


def cmd_serve(args) -> int:
    status = cmd_build(args)
    if status == 0:
        serve_site(args.root / "site", args.port, site_prefix(args.root))
    return status


def cmd_new(args) -> int:
    for path in new_lesson(args.root / "lessons", args.slug, args.title, args.title_en, args.notebook):
        print(f"wrote {path.relative_to(args.root)}")
    print(f"next: edit both files, then `make test LESSON={args.slug}`")
    return 0


def cmd_compare(args) -> int:
    from .compare import compare_runs

    lessons = discover_lessons(args.root / "lessons")
    cpu, gpu = default_store(args.root / "lessons", "cpu"), default_store(args.root / "lessons", "cuda")
    problems = [problem for lesson in lessons for problem in compare_runs(lesson, cpu, gpu)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"compared {len(lessons)} lessons' GPU and CPU outputs: {len(problems)} difference(s)")
    return 1 if problems else 0


def cmd_weight(args) -> int:
    from .page_weight import weight_report

    report, ok = weight_report(args.root / "site")
    print(report)
    return 0 if ok else 1


def cmd_bench(args) -> int:
    from .bench import print_figures, run_benchmark

    print_figures(run_benchmark(args.root, args.lesson))
    return 0


def cmd_mutate(args) -> int:
    from .mutate import mutate, print_survivors

    scores = mutate(args.root, args.modules, args.root / "build" / "mutation")
    print_survivors(scores)
    return 0


COMMANDS = {
    "extract": cmd_extract, "run": cmd_run, "check": cmd_check, "build": cmd_build,
    "serve": cmd_serve, "new": cmd_new, "bench": cmd_bench, "weight": cmd_weight,
    "compare": cmd_compare, "mutate": cmd_mutate,
}
