"""Mutation testing: do the tests notice a small bug put into the stages that decide a page?

``python -m site_src mutate [MODULE …]`` (``make mutate``) runs cosmic-ray on the modules
whose bugs would publish a wrong page or let a broken lesson through. Each module is
mutated in a throw-away copy of the repository (cosmic-ray edits the files it mutates)
and tested with the test files that mirror it, so one mutant costs seconds, not the whole
suite. It prints, per module, how many mutants the tests killed, and the diff of each one
that survived: a survivor is either a missing test or an equivalent mutant, to be written
down in docs/testing.md.

cosmic-ray rather than mutmut: mutmut 3 switches mutants inside the test process, and the
lesson runner is a child process that would never see them.

Mutants inside type annotations are skipped before the run and counted apart: every module
here starts with ``from __future__ import annotations``, so an annotation is never
evaluated and ``Problem | None`` turned into ``Problem + None`` is equivalent by
construction (cosmic-ray would otherwise report dozens of them as survivors).
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# module (its path under site_src/, no .py) -> the tests that mirror it (tests/<package>/test_<module>.py
# and what else exercises it). `make mutate MODULES="parity compare"` may name a module without its package.
MODULE_TESTS = {
    "lesson/extract": ["tests/lesson/test_extract.py", "tests/lesson/test_bad_input.py"],
    "lesson/parity": ["tests/lesson/test_parity.py"],
    "run/records": ["tests/run/test_records.py"],
    "run/compare": ["tests/run/test_compare.py"],
    "lesson/links": ["tests/lesson/test_links.py"],
    "lesson/glue": ["tests/lesson/test_glue.py"],
    "site/render": ["tests/site/test_render.py"],
    "run/runner": ["tests/run/test_parent.py", "tests/run/test_sandbox.py"],
    "run/parent": ["tests/run/test_parent.py", "tests/run/test_sandbox.py"],
    # test_verdict.py first: its unit tests kill most mutants in a second, before the real runs
    "run/verdict": ["tests/run/test_verdict.py", "tests/run/test_parent.py", "tests/run/test_sandbox.py",
                    "tests/lesson/test_glue.py"],
}
MUTANT_TIMEOUT = 300.0  # seconds for one mutant's tests; a mutant that hangs them counts as killed


@dataclass
class ModuleScore:
    """What cosmic-ray found for one module."""

    module: str
    killed: int = 0
    survived: list[str] = field(default_factory=list)  # the diffs of surviving mutants
    incompetent: int = 0  # mutants that made the module fail to import: neither killed nor survived
    in_annotations: int = 0  # skipped: inside annotations, never evaluated (equivalent by construction)
    seconds: float = 0.0

    @property
    def tested(self) -> int:
        return self.killed + len(self.survived)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.tested if self.tested else 100.0


def mutate(root: Path, modules: list[str], report_dir: Path) -> list[ModuleScore]:
    """Mutation-test each module in a copy of the repository; write each module's survivors to report_dir."""
    modules = [_full_name(module) for module in modules]
    unknown = sorted(set(modules) - set(MODULE_TESTS))
    if unknown:
        raise SystemExit(f"no mutation set-up for {', '.join(unknown)}: choose from {', '.join(MODULE_TESTS)}")
    report_dir.mkdir(parents=True, exist_ok=True)
    scores = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as scratch:
        copy = Path(scratch) / "repo"
        _copy_working_tree(root, copy)
        for module in modules or list(MODULE_TESTS):
            score = _mutate_module(copy, module)
            (report_dir / f"{module.replace('/', '.')}.json").write_text(json.dumps(score.__dict__, indent=1), encoding="utf-8")
            print(f"{module}: {score.killed}/{score.tested} killed ({score.score:.0f} %), "
                  f"{len(score.survived)} survived, {score.incompetent} incompetent, "
                  f"{score.in_annotations} in annotations (skipped), {score.seconds:.0f} s", flush=True)
            scores.append(score)
    return scores


def _full_name(module: str) -> str:
    """``parity`` → ``lesson/parity``: a module may be named without its package when that is unambiguous."""
    matches = [name for name in MODULE_TESTS if name == module or name.endswith("/" + module)]
    return matches[0] if len(matches) == 1 else module


def _copy_working_tree(root: Path, copy: Path) -> None:
    """The tracked and new (not ignored) files as they are now, edits included."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = root / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)


def _mutate_module(copy: Path, module: str) -> ModuleScore:
    started = time.perf_counter()
    stem = module.replace("/", "-")
    config, session = copy / f"cosmic-ray-{stem}.toml", copy / f"cosmic-ray-{stem}.sqlite"
    tests = " ".join(MODULE_TESTS[module])
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "site_src/{module}.py"\n'
        f"timeout = {MUTANT_TIMEOUT}\n"
        "excluded-modules = []\n"
        f'test-command = "{sys.executable} -m pytest -x -q -p no:cacheprovider {tests}"\n\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n', encoding="utf-8")
    cosmic_ray = [sys.executable, "-m", "cosmic_ray.cli"]
    subprocess.run([*cosmic_ray, "init", str(config), str(session)], cwd=copy, check=True, capture_output=True)
    score = ModuleScore(module, in_annotations=_skip_annotations(copy, session))
    subprocess.run([*cosmic_ray, "exec", str(config), str(session)], cwd=copy, check=True, capture_output=True)
    dump = subprocess.run([*cosmic_ray, "dump", str(session)], cwd=copy, check=True, capture_output=True, text=True)
    for line in dump.stdout.splitlines():
        _item, result = json.loads(line)
        outcome = (result or {}).get("test_outcome")
        if outcome == "killed":
            score.killed += 1
        elif outcome == "survived":
            score.survived.append(result.get("diff", ""))
        elif (result or {}).get("worker_outcome") != "skipped":
            score.incompetent += 1
    score.seconds = round(time.perf_counter() - started, 1)
    return score


Span = tuple[tuple[int, int], tuple[int, int]]  # (line, column) from, to; lines from 1, columns in characters


def annotation_spans(source: str) -> list[Span]:
    """Where the type annotations of this module are (arguments, returns, annotated names)."""
    lines = source.splitlines()

    def column(line: int, byte_offset: int) -> int:  # ast counts UTF-8 bytes, cosmic-ray characters
        return len(lines[line - 1].encode()[:byte_offset].decode())

    annotations = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
        elif isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return [((a.lineno, column(a.lineno, a.col_offset)), (a.end_lineno, column(a.end_lineno, a.end_col_offset)))
            for a in annotations if a is not None]


def inside(spans: list[Span], start: tuple[int, int], end: tuple[int, int]) -> bool:
    return any(low <= tuple(start) and tuple(end) <= high for low, high in spans)


def _skip_annotations(copy: Path, session: Path) -> int:
    """Mark the session's mutants inside annotations as skipped; how many there were."""
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    skipped = []
    with use_db(str(session)) as db:
        for item in db.work_items:
            (mutation,) = item.mutations
            spans = annotation_spans((copy / mutation.module_path).read_text(encoding="utf-8"))
            if inside(spans, mutation.start_pos, mutation.end_pos):
                skipped.append(item.job_id)
        if skipped:
            db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED,
                                                        output="inside an annotation: never evaluated"))
    return len(skipped)


def print_survivors(scores: list[ModuleScore]) -> None:
    for score in scores:
        for diff in score.survived:
            changed = [line for line in diff.splitlines()
                       if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
            print(f"survived in {score.module}:\n  " + "\n  ".join(changed))
