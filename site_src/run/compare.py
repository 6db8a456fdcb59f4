"""Compare two runs of the lessons: the same numbers, within a tolerance.

- A GPU run against the CPU run (``compare_runs``): the GPU job runs every lesson with
  ``--device cuda`` and checks here that each block printed the same numbers (device names
  and version strings aside, which are expected to differ), so a lesson cannot silently
  compute something else on a GPU.
- A run on the newest torch against the pinned run (``drift``, ``drift_report``): the
  weekly job and ``make newest`` report every block that broke, printed other numbers, or
  printed other text, with the old and the new output, as Markdown for an issue.
- A warm run against a cold run of the same code (``record_differences``): every output
  must be the same, exactly (``pytest --warm-check``, see warm.py).

A duration a lesson prints (``12.7 s``, ``3 秒``, ``250 ms``) or binds to a name ending in
``_seconds`` is a measurement of the machine, not a result: every comparison skips it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..lesson.extract import LessonBlock, extract_blocks
from ..lesson.lessons import Lesson
from ..lesson.problems import Problem
from .records import RecordStore, source_key

# Words that name the device or the build, not results: dropped before numbers are read.
EXPECTED_DIFFERENCES = re.compile(r"device='[^']*'|cuda:\d+|\b\d+\.\d+\.\d+(?:\.\w+)?\+\w+\b")
# A number followed by a unit of time: how long something took here, different on every run.
# The spaces before a duration go with it: a table that pads its numbers to a width (`{ms:7.2f}`)
# pads 9.87 and 10.23 differently, and that is the duration changing, not the output.
DURATION = re.compile(r" *\d+(?:\.\d+)?(?=\s?(?:ms|s)(?![A-Za-z])|\s?(?:毫秒|秒))")
DURATION_GLUE_SUFFIX = "_seconds"
# torch's log lines (glog style) start with the level, the date, the time and the pid: `W1207 00:12:09.655000 19 `.
LOG_PREFIX = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ ", re.M)
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE = 1e-3, 1e-5


def numbers_in(text: str) -> list[float]:
    return [float(token) for token in NUMBER.findall(without_durations(EXPECTED_DIFFERENCES.sub(" ", text)))]


def without_durations(text: str) -> str:
    """The text with its durations, and the time and pid that torch's log lines start with, left out."""
    return LOG_PREFIX.sub("<log> ", DURATION.sub("<duration>", text))


def compare_runs(lesson: Lesson, cpu: RecordStore, gpu: RecordStore) -> list[Problem]:
    """Blocks whose GPU output holds other numbers than the CPU output (both runs must exist)."""
    cpu_record, gpu_record = cpu.load(lesson.slug), gpu.load(lesson.slug)
    if cpu_record is None or gpu_record is None:
        missing = "CPU" if cpu_record is None else "GPU"
        return [Problem(lesson.zh.rel, None, f"no {missing} record to compare",
                        "run `pytest lessons` and `pytest lessons --device cuda` first")]
    problems = []
    for block, on_cpu, on_gpu in zip(extract_blocks(lesson.zh), cpu_record["blocks"], gpu_record["blocks"]):
        if on_cpu["status"] != "ok" or on_gpu["status"] != "ok":
            continue  # skipped on the CPU (GPU-only), not run, or a must-raise block
        difference = number_difference(on_cpu["stdout"], on_gpu["stdout"], ("on the CPU", "on the GPU"))
        if difference:
            problems.append(Problem(block.path, block.line, f"the GPU run printed other numbers than the CPU run: {difference}",
                                    "make the block deterministic on both devices (seeds, no timings in CPU blocks)"))
    return problems


def number_difference(old_text: str, new_text: str, where: tuple[str, str]) -> str | None:
    """The first number that differs beyond the tolerance (``where`` names the two runs), or None."""
    old, new = numbers_in(old_text), numbers_in(new_text)
    for index, (a, b) in enumerate(zip(old, new)):
        if not math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE):
            return f"number {index + 1} is {a:g} {where[0]} and {b:g} {where[1]}"
    if len(old) != len(new):
        return f"{len(old)} numbers {where[0]}, {len(new)} {where[1]}"
    return None


# ------------------------------------------------------------- newest torch: drift

BROKE, NUMBERS, TEXT = "broke", "numbers", "text"
SECTION_TITLES = {BROKE: "Broke", NUMBERS: "Numbers drifted", TEXT: "Text changed (numbers within tolerance)"}
FAILURE_WHERE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+): (?P<summary>.*)$")
ISSUE_TITLE_PREFIX = "Newest torch"
MAX_REPORT_CHARS = 60_000  # a GitHub issue body holds 65,536 characters


@dataclass(frozen=True)
class Drift:
    """One block whose output on the newest torch is not the pinned run's."""

    path: str
    line: int | None
    kind: str  # BROKE, NUMBERS or TEXT
    summary: str
    old: str  # the pinned run's output of the block
    new: str  # the newest run's output, or its failure report


class PinnedRecordMissing(Exception):
    """The pinned run's record of a lesson is missing or of other code: nothing to compare with."""


def drift(lesson: Lesson, pinned: RecordStore, newest: RecordStore, failure: str | None = None) -> list[Drift]:
    """Every block of the lesson whose newest-torch output differs from the pinned run's.

    ``failure`` is the newest run's failure report, if it failed (a failed run leaves no record)."""
    old = pinned.load(lesson.slug)
    if old is None or old.get("source_key") != source_key(lesson):
        raise PinnedRecordMissing(f"{lesson.zh.rel}: no pinned record of this code to compare with — run the lessons "
                                  "with the pinned versions first (`python -m pytest lessons` in .venv)")
    blocks = extract_blocks(lesson.zh)
    if failure:
        return [_broke(lesson, blocks, old, failure)]
    new = newest.load(lesson.slug)
    if new is None or new.get("source_key") != source_key(lesson):
        return [Drift(lesson.zh.rel, None, BROKE, "the newest run left no record of this code", "", "")]
    names = (f"with torch {old.get('versions', {}).get('torch', '?')}", f"with torch {new.get('versions', {}).get('torch', '?')}")
    drifts = []
    for block, before, after in zip(blocks, old["blocks"], new["blocks"]):
        old_text, new_text = _shown(before), _shown(after)
        if before.get("status") != after.get("status"):
            drifts.append(Drift(block.path, block.line, BROKE,
                                f"the block was {before.get('status')} and is now {after.get('status')}", old_text, new_text))
        else:
            numbers = number_difference(old_text, new_text, names)
            if numbers:
                drifts.append(Drift(block.path, block.line, NUMBERS, numbers, old_text, new_text))
            elif _words(old_text) != _words(new_text) or len(before.get("figures", [])) != len(after.get("figures", [])):
                drifts.append(Drift(block.path, block.line, TEXT, _text_summary(before, after), old_text, new_text))
    return drifts


def _words(text: str) -> str:
    """The text with its numbers (compared within the tolerance) and version strings blanked."""
    return NUMBER.sub("#", EXPECTED_DIFFERENCES.sub("", text))


def _shown(block: dict) -> str:
    """What a block printed, as one text: stdout, then stderr, the error and its glued values (marked)."""
    parts = [block.get("stdout", "")]
    if block.get("stderr"):
        parts.append("[stderr]\n" + block["stderr"])
    if block.get("error"):
        parts.append("[error] " + block["error"])
    # values bound for the prose (`#| glue:`): the prose's numbers drift with them
    parts += [f"[glue] {name} = {value!r}\n" for name, value in sorted((block.get("glue") or {}).items())]
    return "".join(part if not part or part.endswith("\n") else part + "\n" for part in parts)


def _text_summary(before: dict, after: dict) -> str:
    figures = len(before.get("figures", [])), len(after.get("figures", []))
    if figures[0] != figures[1]:
        return f"{figures[0]} figure(s) before, {figures[1]} now"
    return "the output's text changed (its numbers agree within the tolerance)"


def _broke(lesson: Lesson, blocks: list[LessonBlock], old: dict, failure: str) -> Drift:
    """The failure of the newest run, at the block it names, beside that block's pinned output."""
    first = failure.splitlines()[0] if failure.strip() else ""
    match = FAILURE_WHERE.match(first)
    path, line = (match["path"], int(match["line"])) if match else (lesson.zh.rel, None)
    summary = match["summary"] if match else (first or "the newest run failed")
    block = _block_at(blocks, path, line)
    before = old["blocks"][block.index] if block is not None and block.index < len(old["blocks"]) else {}
    return Drift(path, line, BROKE, summary, _shown(before), failure)


def _block_at(blocks: list[LessonBlock], path: str, line: int | None) -> LessonBlock | None:
    """The block whose lines hold this line of this file. A Markdown block ends at its closing
    fence; a notebook's block has no end line (0), so it ends where the next block begins."""
    following = [*(block.line for block in blocks[1:]), math.inf]
    for block, next_line in zip(blocks, following):
        end = block.end_line or next_line
        if line is not None and block.path == path and block.line <= line < end:
            return block
    return None


@dataclass(frozen=True)
class DriftReport:
    """What the newest torch changed, for the terminal and for the issue."""

    title: str
    markdown: str
    drifts: tuple[Drift, ...]


def drift_report(lessons_compared: int, drifts: list[Drift], old_versions: dict, new_versions: dict) -> DriftReport:
    """The report: a title naming the newest versions, then each drift with the old and new output."""
    new_torch, new_vision = new_versions.get("torch", "?"), new_versions.get("torchvision", "?")
    old_torch, old_vision = old_versions.get("torch", "?"), old_versions.get("torchvision", "?")
    changed = len({d.path for d in drifts})
    verdict = (f"{len(drifts)} block(s) changed in {changed} lesson(s)" if drifts
               else f"all {lessons_compared} lessons print what they print with the pins")
    title = f"{ISSUE_TITLE_PREFIX} {new_torch} (torchvision {new_vision}): {verdict}"
    lines = [f"Every lesson ran on torch {new_torch} and torchvision {new_vision} (the newest releases) and was compared "
             f"with the pinned run (torch {old_torch}, torchvision {old_vision}): numbers agree within a relative "
             f"{RELATIVE_TOLERANCE:g} (absolute {ABSOLUTE_TOLERANCE:g}); any other change of text is listed too.", ""]
    if not drifts:
        lines.append(f"Nothing changed in {lessons_compared} lessons.")
    for kind in (BROKE, NUMBERS, TEXT):
        found = [d for d in drifts if d.kind == kind]
        if found:
            lines += [f"## {SECTION_TITLES[kind]} ({len(found)})", ""]
            for item in found:
                lines += _drift_markdown(item, old_torch, new_torch)
    markdown = "\n".join(lines).rstrip("\n") + "\n"
    if len(markdown) > MAX_REPORT_CHARS:
        markdown = (markdown[:MAX_REPORT_CHARS]
                    + "\n\n(The report is cut here: the run's `drift-report` artifact holds all of it.)\n")
    return DriftReport(title, markdown, tuple(drifts))


def _drift_markdown(item: Drift, old_torch: str, new_torch: str) -> list[str]:
    where = f"{item.path}:{item.line}" if item.line else item.path
    lines = [f"### `{where}`", "", item.summary, ""]
    if item.kind == BROKE:
        lines += [f"Pinned run (torch {old_torch}):", "", *_fenced(item.old or "(no output)\n", "text"),
                  f"Newest run (torch {new_torch}):", "", *_fenced(item.new or "(no output)\n", "text")]
    else:
        diff = difflib.unified_diff(item.old.splitlines(), item.new.splitlines(), f"torch {old_torch}",
                                    f"torch {new_torch}", lineterm="", n=2)
        lines += _fenced("\n".join(diff) + "\n", "diff")
    return lines


def _fenced(text: str, language: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.rstrip("\n").splitlines(), fence, ""]


def common_versions(records: list[dict]) -> dict:
    """The package versions most of these records ran with (they all should agree)."""
    counts: dict[str, Counter] = {}
    for record in records:
        for package, version in record.get("versions", {}).items():
            counts.setdefault(package, Counter())[version] += 1
    return {package: counter.most_common(1)[0][0] for package, counter in counts.items()}


# ------------------------------------------------------------ warm against cold


def record_differences(first: dict, first_store: RecordStore, second: dict, second_store: RecordStore) -> list[str]:
    """How two records of one lesson differ, beyond the durations (each block's time, the
    ones it printed or bound) and the machine and date of the run: a block's status,
    output, error, glued values, figures and files (by their bytes), the failure. Empty
    when the two runs did the same."""
    differences = []
    if first.get("failure") != second.get("failure"):
        differences.append(f"the failure: {_clipped(first.get('failure'))} / {_clipped(second.get('failure'))}")
    first_blocks, second_blocks = first.get("blocks", []), second.get("blocks", [])
    if len(first_blocks) != len(second_blocks):
        differences.append(f"the number of blocks recorded: {len(first_blocks)} / {len(second_blocks)}")
    for one, other in zip(first_blocks, second_blocks):
        where = f"block {one.get('index', 0) + 1} (line {one.get('line')})"
        one, other = _without_measurements(one), _without_measurements(other)
        for name in sorted(set(one) | set(other)):
            if one.get(name) != other.get(name):
                differences.append(f"{where}, {name}: {_clipped(one.get(name))} / {_clipped(other.get(name))}")
        for name in one.get("figures", []):
            if _bytes(first_store.folder(first["slug"]) / name) != _bytes(second_store.folder(second["slug"]) / name):
                differences.append(f"{where}, figure {name}: the images differ")
        for name in one.get("outputs", []):
            if (_bytes(first_store.outputs_folder(first["slug"]) / name)
                    != _bytes(second_store.outputs_folder(second["slug"]) / name)):
                differences.append(f"{where}, file outputs/{name}: the contents differ")
    return differences


def _clipped(value, head: int = 300, tail: int = 1500) -> str:
    """The value's repr, its start and its end where it is long: a run that went wrong late
    (a subprocess's error printed after its output) shows what went wrong, at the end."""
    text = repr(value)
    return text if len(text) <= head + tail else f"{text[:head]} … {text[-tail:]}"


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _without_measurements(block: dict) -> dict:
    glue = block.get("glue") or {}
    return {**{name: value for name, value in block.items() if name != "seconds"},
            "stdout": without_durations(block.get("stdout", "")), "stderr": without_durations(block.get("stderr", "")),
            "glue": {name: value for name, value in glue.items() if not name.endswith(DURATION_GLUE_SUFFIX)}}
