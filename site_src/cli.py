"""The command line: ``python -m site_src extract|run|check|build|serve|compare|newest|…``.

A thin layer over the stages; the Makefile and CI call only these commands.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .lesson.lessons import discover_lessons, find_lesson
from .lesson.problems import LessonError, inert

# The stages are imported by the commands that use them: jupytext, MkDocs and the runner take
# seconds to import, which `translations` and `shard` (run on every CI job) need not pay.

NEWEST_RECORDS = Path("build") / "records-newest"  # the newest torch's run, beside the pinned build/records


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
    commands.add_parser("offline", help="build each language for file:// and zip it as site/downloads/course-<lang>.zip")
    commands.add_parser("pdf", help="print each language's print view (site/print/) to site/downloads/course-<lang>.pdf "
                                    "with Chromium (needs a built site)")
    compare = commands.add_parser("compare", help="check that the GPU run (build/records-cuda) printed the CPU run's numbers")
    compare.add_argument("--new", type=Path, metavar="DIR",
                         help="instead, report what changed from the pinned run (build/records) to the records in DIR")
    compare.add_argument("--report", type=Path, metavar="DIR", help="with --new: also write title.txt and report.md here")
    newest = commands.add_parser("newest", help="run every lesson with this Python's torch into build/records-newest, "
                                                "then report what changed from the pinned run (`make newest`)")
    newest.add_argument("--jobs", type=int, default=2, help="lessons run side by side (default: 2)")
    newest.add_argument("--report", type=Path, metavar="DIR", help="also write title.txt and report.md here (for the issue)")
    commands.add_parser("weight", help="each lesson page's HTML + CSS + JS, as files and as sent (budget: 300 KB sent)")
    lighthouse = commands.add_parser("lighthouse", help="Lighthouse (mobile) on lesson pages of the built site, served "
                                                        "with gzip: median score, LCP, TBT, CLS, DOM size, bytes")
    lighthouse.add_argument("pages", nargs="*", help="site-relative pages, e.g. en/lessons/01-tensors/ "
                                                     "(default: lessons 01, 11 and 25 in zh and en)")
    lighthouse.add_argument("--runs", type=int, default=3, help="runs per page, one after the other (default: 3)")
    lighthouse.add_argument("--site", type=Path, action="append", metavar="DIR",
                            help="a built site to measure instead of site/; give two (a copy of the site before a "
                                 "change, and site/) to compare them, their runs alternating")
    bench = commands.add_parser("bench", help="time cold/warm/edit runs, the build and the harness overhead")
    bench.add_argument("--lesson", help="the lesson to edit for the edit-one-lesson figure (default: the first)")
    bench.add_argument("--starts", action="store_true",
                       help="only the sums of every lesson run bare, through the harness cold, and warm")
    bench.add_argument("--scale", type=int, metavar="N",
                       help="instead, each stage on the course and on a copy N times its size, with the ratio "
                            "(needs fresh records of every lesson; runs none from nothing)")
    mutate = commands.add_parser("mutate", help="mutation-test the stages that decide a page (cosmic-ray; slow)")
    mutate.add_argument("modules", nargs="*", help="e.g. parity records (default: all of them)")
    new = commands.add_parser("new", help="scaffold a lesson pair (zh + en) in lessons/<slug>/")
    new.add_argument("slug", help="folder name, e.g. 13-recurrent-networks")
    new.add_argument("--title", required=True, help="the Chinese title")
    new.add_argument("--title-en", required=True, help="the English title")
    new.add_argument("--notebook", action="store_true", help="a jupytext notebook lesson instead of Markdown")
    preview = commands.add_parser("preview", help="serve the site, re-run and rebuild what each save changes, reload the tab")
    preview.add_argument("--port", type=int, default=8000)
    shard = commands.add_parser("shard", help="the lesson folders CI's shard INDEX of COUNT runs, dealt by recorded duration")
    shard.add_argument("index", type=int, nargs="?", help="this shard's number, from 0")
    shard.add_argument("count", type=int, nargs="?", help="how many shards")
    shard.add_argument("--summary", type=Path, metavar="FILE",
                       help="also append the plan of every shard, as Markdown, to FILE (CI: $GITHUB_STEP_SUMMARY)")
    shard.add_argument("--measured", action="store_true",
                       help="after the run: print this shard's expected and measured seconds (Markdown) instead")
    shard.add_argument("--update", action="store_true", help="rewrite lessons/durations.json from build/records/")
    shard.add_argument("--prune-records", action="store_true",
                       help="after the run: delete the records in build/records/ of the lessons other shards run, "
                            "so that this shard uploads only its own")
    commands.add_parser("records-key", help="one hash of every lesson's record key (CI names its records cache by it)")
    translations = commands.add_parser(
        "translations", help="per lesson, the sections whose zh and en are in sync, stale or pending "
                             "(lessons/translations.json); fails if one is stale")
    translations.add_argument("--mark", nargs="+", metavar="LESSON", default=[],
                              help="record every section of these lessons as in sync, as they are now")
    translations.add_argument("--mark-all", action="store_true", help="record every lesson as in sync, as it is now")
    translations.add_argument("--pending", nargs="+", metavar="LESSON|FILE:LINE", default=[],
                              help="leave the other language of this stale section (or of every stale section "
                                   "of the lesson) pending, with today's date")
    translations.add_argument("--summary", type=Path, metavar="FILE",
                              help="also append the report, as Markdown, to FILE (CI: $GITHUB_STEP_SUMMARY)")
    serve = commands.add_parser("serve", help="build, then serve site/ at http://127.0.0.1:PORT")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    args.root = project_root(Path.cwd())
    try:
        return COMMANDS[args.command](args)
    except LessonError as error:
        print(inert(str(error)), file=sys.stderr)
        return 1


def cmd_extract(args) -> int:
    from .lesson.extract import write_module

    lessons = [find_lesson(args.root / "lessons", name) for name in args.lessons] or discover_lessons(args.root / "lessons")
    for lesson in lessons:
        print(write_module(lesson, args.root / "build" / "modules").relative_to(args.root))
    return 0


def cmd_run(args) -> int:
    from .lesson.glue import check_values
    from .run.parent import default_store, run_lesson
    from .run.sandbox import SandboxUnavailable, choose

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
                    print(inert(block[name].rstrip("\n")))  # lesson text: no escapes, no workflow commands
            for figure in block["figures"]:
                print(f"[figure {figure}]")
    failure = outcome.failure or "\n".join(map(str, check_values(lesson, outcome.record)))
    if failure:
        print(inert(failure), file=sys.stderr)
        return 1
    state = "unchanged, record reused" if outcome.cached else f"ran in {outcome.seconds:.1f} s"
    print(f"{lesson.slug}: ok ({state})")
    return 0


def cmd_check(args) -> int:
    from .lesson.checks import static_problems

    lessons = [find_lesson(args.root / "lessons", name) for name in args.lessons] or discover_lessons(args.root / "lessons")
    problems = static_problems(lessons)
    for problem in problems:
        print(inert(str(problem)), file=sys.stderr)
    print(f"checked {len(lessons)} lessons: {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_build(args) -> int:
    from .site.build import SiteBuildError, build_site

    try:
        build_site(args.root)
    except SiteBuildError as error:
        print(f"site build failed:\n{error}", file=sys.stderr)
        return 1
    print(f"built {args.root / 'site'} (zh) and {args.root / 'site' / 'en'} (en)")
    return 0


def cmd_offline(args) -> int:
    from .site.build import SiteBuildError
    from .site.offline import OfflineError, build_archives

    try:
        archives = build_archives(args.root)
    except (SiteBuildError, OfflineError) as error:
        print(f"offline build failed:\n{error}", file=sys.stderr)
        return 1
    for path in archives.values():
        print(f"{path.relative_to(args.root)}: {path.stat().st_size / 1e6:.1f} MB")
    return 0


def cmd_pdf(args) -> int:
    from .site.build import site_prefix
    from .site.pdf import PdfError, print_course

    try:
        printed = print_course(args.root / "site", site_prefix(args.root))
    except PdfError as error:
        print(f"no PDF made: {error}", file=sys.stderr)
        return 1
    for book in printed:
        print(f"{book.path.relative_to(args.root)}: {book.pages} pages, {book.size / 1e6:.1f} MB")
    return 0


def cmd_serve(args) -> int:
    from .site.build import serve_site, site_prefix

    status = cmd_build(args)
    if status == 0:
        serve_site(args.root / "site", args.port, site_prefix(args.root))
    return status


def cmd_preview(args) -> int:
    from .site.preview import run_preview

    run_preview(args.root, args.port)
    return 0


def cmd_new(args) -> int:
    from .lesson.new import new_lesson

    for path in new_lesson(args.root / "lessons", args.slug, args.title, args.title_en, args.notebook):
        print(f"wrote {path.relative_to(args.root)}")
    print(f"next: edit both files, then `make test LESSON={args.slug}`")
    return 0


def cmd_compare(args) -> int:
    from .run.compare import compare_runs
    from .run.parent import default_store
    from .run.records import RecordStore

    lessons = discover_lessons(args.root / "lessons")
    if args.new:
        return _report_drift(args, lessons, RecordStore(args.root / args.new), {})
    cpu, gpu = default_store(args.root / "lessons", "cpu"), default_store(args.root / "lessons", "cuda")
    problems = [problem for lesson in lessons for problem in compare_runs(lesson, cpu, gpu)]
    for problem in problems:
        print(inert(str(problem)), file=sys.stderr)
    print(f"compared {len(lessons)} lessons' GPU and CPU outputs: {len(problems)} difference(s)")
    return 1 if problems else 0


def cmd_newest(args) -> int:
    """Run the lessons with the installed (newest) torch, then report the drift from the pinned run."""
    from concurrent.futures import ThreadPoolExecutor

    from .run.parent import run_lesson
    from .run.records import RecordStore

    lessons = discover_lessons(args.root / "lessons")
    store = RecordStore(args.root / NEWEST_RECORDS)

    def run(lesson):
        outcome = run_lesson(lesson, store, "cpu")
        state = ("failed" if outcome.failure else "unchanged, record reused" if outcome.cached
                 else f"ran in {outcome.seconds:.1f} s")
        print(f"{lesson.slug}: {state}", file=sys.stderr, flush=True)
        return lesson.slug, outcome.failure

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        failures = {slug: failure for slug, failure in pool.map(run, lessons) if failure}
    return _report_drift(args, lessons, store, failures)


def _report_drift(args, lessons, newest, failures: dict[str, str]) -> int:
    """Print the drift report (and write it under --report): 0 nothing changed, 1 drift, 2 no baseline."""
    from .run.compare import PinnedRecordMissing, common_versions, drift, drift_report
    from .run.parent import default_store

    pinned = default_store(args.root / "lessons", "cpu")
    try:
        drifts = [item for lesson in lessons for item in drift(lesson, pinned, newest, failures.get(lesson.slug))]
    except PinnedRecordMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    records = [record for lesson in lessons for record in [newest.load(lesson.slug)] if record]
    old_records = [record for lesson in lessons for record in [pinned.load(lesson.slug)] if record]
    report = drift_report(len(lessons), drifts, common_versions(old_records), common_versions(records))
    print(inert(report.title), inert(report.markdown), sep="\n\n")  # it quotes lesson outputs
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        (args.report / "title.txt").write_text(report.title + "\n", encoding="utf-8")
        (args.report / "report.md").write_text(report.markdown, encoding="utf-8")
    return 1 if report.drifts else 0


def cmd_shard(args) -> int:
    from .lesson.lessons import lesson_slugs
    from .upkeep.shards import (
        deal,
        estimates,
        load_durations,
        measured_summary,
        plan_summary,
        prune_records,
        recorded_durations,
        write_durations,
    )

    lessons_dir, records_dir = args.root / "lessons", args.root / "build" / "records"
    slugs = sorted(lesson_slugs(lessons_dir))
    if args.update:
        durations = {**load_durations(lessons_dir), **recorded_durations(slugs, records_dir)}
        path = write_durations(lessons_dir, {slug: seconds for slug, seconds in durations.items() if slug in slugs})
        print(f"wrote {path.relative_to(args.root)}: {len(slugs)} lessons")
        return 0
    if args.index is None or args.count is None or not 0 <= args.index < args.count:
        print("give the shard's number and the number of shards, e.g. `shard 0 2` (0 ≤ INDEX < COUNT)", file=sys.stderr)
        return 2
    expected = estimates(slugs, load_durations(lessons_dir))
    shards = deal(expected, args.count)
    mine = shards[args.index]
    if args.measured:
        print(measured_summary(mine, expected, records_dir), end="")
        return 0
    if args.prune_records:
        removed = prune_records(records_dir, keep=mine.slugs)
        print(f"shard {args.index} of {args.count}: kept the records of its {len(mine.slugs)} lessons, "
              f"removed {len(removed)} of other shards' lessons")
        return 0
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(plan_summary(shards, expected, args.index))
    for slug in mine.slugs:
        print(f"lessons/{slug}")
    return 0


def cmd_records_key(args) -> int:
    from .run.records import course_key

    print(course_key(discover_lessons(args.root / "lessons")))
    return 0


def cmd_translations(args) -> int:
    from .lesson import translations

    lessons_dir = args.root / "lessons"
    record = translations.load_record(lessons_dir) or {}
    marked = _mark_translations(args, lessons_dir, record)
    if marked is not None:
        return marked
    lessons = discover_lessons(lessons_dir)
    reports = [translations.lesson_report(lesson, record) for lesson in lessons]
    for report in reports:
        counts, oldest = report.counts, report.oldest_pending
        line = f"{report.slug}: {counts['sync']} in sync, {counts['stale']} stale, {counts['pending']} pending"
        line += f" (oldest since {oldest}, {translations.age_in_days(oldest)} days)" if oldest else ""
        line += f", {counts['new']} changed on both sides (mark them once reviewed)" if counts["new"] else ""
        print(line)
    problems = [problem for report in reports for problem in report.problems]
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(translations.report_markdown(reports))
    return 1 if problems else 0


def _mark_translations(args, lessons_dir: Path, record: dict) -> int | None:
    """Carry out --mark, --mark-all and --pending (then None: just report)."""
    from .lesson import translations

    if not (args.mark or args.mark_all or args.pending):
        return None
    lessons = discover_lessons(lessons_dir) if args.mark_all else [find_lesson(lessons_dir, name) for name in args.mark]
    problems = [problem for lesson in lessons for problem in translations.mark_synced(record, lesson)]
    for lesson in lessons:
        print(f"{lesson.slug}: marked in sync")
    for target in args.pending:
        path, _, line = target.rpartition(":") if re.search(r":\d+$", target) else (target, "", "")
        lesson = find_lesson(lessons_dir, Path(path).parent.name if line else path)
        lang = next((lang for lang, source in lesson.sources.items() if source.rel == path), None)
        if line and lang is None:
            print(f"{target}: not a file of {lesson.slug}; give the file:line the check named, "
                  f"e.g. {lesson.zh.rel}:12", file=sys.stderr)
            return 2
        marked = translations.mark_pending(record, lesson, int(line) if line else None, lang)
        for state in marked:
            section = state.pair.side(state.changed)
            print(f"{lesson.sources[state.changed].rel}:{section.line}: "
                  f"{translations.OTHER[state.changed]} left pending")
        if not marked:
            print(f"{target}: no stale section there; nothing marked pending", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    path = translations.write_record(lessons_dir, record)
    print(f"wrote {path.relative_to(args.root)}")
    return 1 if problems else 0


def cmd_weight(args) -> int:
    from .site.page_weight import weight_report

    report, ok = weight_report(args.root / "site")
    print(report)
    return 0 if ok else 1


def cmd_lighthouse(args) -> int:
    from .upkeep.lighthouse import default_pages, measure, report_table

    sites = [args.root / site for site in args.site or [Path("site")]]
    try:
        results = measure(args.root, args.pages or default_pages(), max(1, args.runs), sites,
                          progress=lambda line: print(line, file=sys.stderr, flush=True))
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    met = []
    for site, site_results in zip(sites, results):
        report, ok = report_table(site_results)
        print(f"── {site}\n{report}" if len(sites) > 1 else report)
        met.append(ok)
    return 0 if met[-1] else 1


def cmd_bench(args) -> int:
    from .upkeep.bench import print_figures, print_scaled, run_benchmark, run_scale_benchmark

    if args.scale is not None:
        if args.scale < 2:
            print(f"--scale {args.scale}: give how many times the course to copy, 2 or more", file=sys.stderr)
            return 2
        stages = run_scale_benchmark(args.root, args.scale, args.lesson)
        print_scaled(stages)
        return 1 if any(stage.missed for stage in stages) else 0
    print_figures(run_benchmark(args.root, args.lesson, starts_only=args.starts))
    return 0


def cmd_mutate(args) -> int:
    from .upkeep.mutate import mutate, print_survivors

    scores = mutate(args.root, args.modules, args.root / "build" / "mutation")
    print_survivors(scores)
    return 0


COMMANDS = {
    "extract": cmd_extract, "run": cmd_run, "check": cmd_check, "build": cmd_build,
    "offline": cmd_offline, "pdf": cmd_pdf,
    "serve": cmd_serve, "new": cmd_new, "bench": cmd_bench, "weight": cmd_weight,
    "lighthouse": cmd_lighthouse,
    "compare": cmd_compare, "newest": cmd_newest, "shard": cmd_shard, "mutate": cmd_mutate,
    "preview": cmd_preview, "translations": cmd_translations, "records-key": cmd_records_key,
}
